"""The county center's counselling hotline (心理疏导热线) for the demo: the line, the `counselor`
login on it under the `supervisor` login, a duty schedule, a week of logged calls (the 秭归
report: 居家群众的焦虑恐慌、一线工作者的压力) with one crisis call and its follow-ups.

All through the hotline's services: calls are logged by the counselor while on duty (the
service checks the schedule), summaries and callers' numbers are encrypted by it, and the
crisis call gets its follow-up from it. Callers' numbers are in the fake range 1380000 01xx.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from wenming.hotline.call_services import call_log_create, followup_complete, followup_create
from wenming.hotline.models import FollowUp
from wenming.hotline.services import Slot, counselor_add, hotline_create, schedule_set

HOTLINE_NAME = "秭归县新时代文明实践中心心理疏导热线"
HOTLINE_NUMBER = "0717-0000525"  # fake, like every demo number
WEEKDAY_SLOTS = [(time(8), time(12)), (time(18), time(22))]
WEEKEND_SLOTS = [(time(9), time(17))]

# (caller group, topic code, outcome, referral, minutes, summary); no names, nothing that identifies a caller.
CALLS = [
    ("home_isolated", "isolation_stress", "soothed", "", 25,
     "居家隔离第 8 天，担心家里老人被传染，晚上反复醒。倾听并讲解居家隔离期间的作息和放松方法，情绪明显缓和。"),
    ("home_isolated", "anxiety", "soothed", "", 18,
     "看到确诊数字上涨后心慌、手抖，反复测体温。解释体温正常范围，教腹式呼吸，建议减少刷疫情消息的时间。"),
    ("medical", "work", "soothed", "", 32,
     "县医院发热门诊护士，连续值班两周，觉得撑不住又不敢请假。肯定其付出，一起梳理可求助的同事和家人，建议向科室说明。"),
    ("medical", "insomnia", "referred", "hospital", 20,
     "医护人员，入睡困难近一个月，白天注意力下降。给予睡眠卫生建议，建议到县人民医院睡眠门诊就诊。"),
    ("frontline", "work", "soothed", "", 15,
     "卡点值守的社区干部，被不配合的群众骂后委屈、想放弃。倾听、正常化情绪，讨论与群众沟通的说法。"),
    ("frontline", "family", "answered", "", 12,
     "志愿者长期在卡点，孩子在家无人照看，与爱人争吵。讲解社区的托管互助安排，建议与家人约定分工。"),
    ("student", "study", "soothed", "", 22,
     "初三学生，上网课跟不上，担心中考，与父母关系紧张。帮助拆分学习计划，建议和班主任沟通。"),
    ("student", "low_mood", "follow_up", "", 28,
     "高中生，长期居家后不想说话、不想起床。评估无自伤念头，约定一周后回访，并建议家长多陪伴。"),
    ("elderly", "epidemic_fear", "soothed", "", 16,
     "独居老人，听说楼里有人隔离，不敢开窗、不敢吃饭。解释传播途径，告知社区代购服务电话。"),
    ("elderly", "health", "answered", "", 10,
     "老人担心常用药断供。告知可通过群众点单“送药”由志愿者代取，已帮助记下社区电话。"),
    ("patient", "health", "soothed", "", 26,
     "家属确诊后在定点医院治疗，来电者担心病情，无法探视。讲解医院与家属的联系渠道，给予情绪支持。"),
    ("patient", "bereavement", "follow_up", "", 40,
     "亲人疫情期间病故，不能按习俗办丧事，自责、哭泣。陪伴哀伤，讲解简办的理由，约定回访。"),
    ("home_isolated", "family", "soothed", "", 19,
     "一家五口居家，婆媳因琐事争吵。帮助来电者表达需要，讨论每天给自己留出独处时间。"),
    ("home_isolated", "anxiety", "answered", "", 8,
     "询问居家隔离期满后能否外出、要办什么手续。解答政策，告知社区联系电话。"),
    ("other", "relationships", "soothed", "", 14,
     "外地滞留人员，与同住朋友矛盾增多。倾听，讨论沟通方式。"),
    ("frontline", "insomnia", "soothed", "", 17,
     "派出所辅警，夜班后睡不着。给予睡眠建议和放松练习。"),
    ("student", "anxiety", "interrupted", "", 3,
     "学生来电，说了几句后挂断，回拨无人接听。"),
    ("elderly", "low_mood", "soothed", "", 21,
     "老人想念在外地的子女，觉得孤单。陪伴聊天，告知社区志愿者上门探访项目。"),
    ("medical", "anxiety", "soothed", "", 24,
     "乡镇卫生院医生，担心把病毒带回家，回家后不敢抱孩子。讲解防护流程，肯定其谨慎，建议与家人沟通。"),
    ("home_isolated", "epidemic_fear", "soothed", "", 13,
     "听到救护车声音就紧张。正常化反应，教着陆技术。"),
    ("other", "work", "answered", "", 11,
     "个体户担心店铺停业后的房租。讲解当地减免政策的咨询渠道，情绪平稳。"),
]
CRISIS = ("home_isolated", "self_harm", "referred", "mental_health_center", 55,
          "来电者长期居家、失去工作，情绪低落，提到有轻生的念头。评估风险，稳定情绪，共同制定安全计划；"
          "征得同意后联系其家属陪伴，转介县精神卫生中心，约定次日回访。")


def _slots(day) -> list[tuple[time, time]]:
    return WEEKEND_SLOTS if day.isoweekday() >= 6 else WEEKDAY_SLOTS


def _moment(rng, day, *, last: bool = False) -> datetime:
    """A time inside one of that day's duty slots (the counselor logs only calls taken on duty)."""
    start, end = _slots(day)[-1] if last else rng.choice(_slots(day))
    span = (end.hour - start.hour) * 60 - 30
    minute = rng.randrange(span // 2, span) if last else rng.randrange(span)
    return timezone.make_aware(datetime.combine(day, start) + timedelta(minutes=minute))


def create_hotline(demo) -> dict:
    """`demo` is demo_requests.Demo (logins, the center node, the RNG)."""
    office, user, supervisor = demo.users["office"], demo.users["counselor"], demo.users["supervisor"]
    hotline = hotline_create(actor=office, node=demo.center, name=HOTLINE_NAME, number=HOTLINE_NUMBER,
                             hours="每日 8:00–22:00（周末 9:00–17:00）")
    counselor = counselor_add(actor=office, hotline=hotline, user=user, supervisor=supervisor)
    today = timezone.localdate()
    slots = [Slot(weekday=d, starts_at=s, ends_at=e) for d in range(1, 8)
             for s, e in (WEEKEND_SLOTS if d >= 6 else WEEKDAY_SLOTS)]
    slots.append(Slot(on_date=today + timedelta(days=1), starts_at=time(22), ends_at=time(8)))  # 夜间加班值守
    schedule_set(actor=office, counselor=counselor, slots=slots)

    rng = demo.rng
    plan = sorted((today - timedelta(days=1 + n % 6), n) for n in range(len(CALLS)))
    calls = []
    for day, n in plan:
        group, topic, outcome, referral, minutes, summary = CALLS[n]
        phone = "" if n % 4 == 3 else f"1380000{100 + n:04d}"  # some callers withhold their number
        calls.append(call_log_create(actor=user, hotline=hotline, values={
            "started_at": _moment(rng, day), "duration_minutes": minutes, "caller_group": group, "topic": topic,
            "outcome": outcome, "referral": referral, "is_crisis": False, "summary": summary,
            "caller_phone": phone}))
    group, topic, outcome, referral, minutes, summary = CRISIS
    crisis = call_log_create(actor=user, hotline=hotline, values={
        "started_at": _moment(rng, today - timedelta(days=1), last=True), "duration_minutes": minutes,
        "caller_group": group, "topic": topic, "outcome": outcome, "referral": referral, "is_crisis": True,
        "summary": summary, "caller_phone": "13800000199"})
    # Yesterday evening's crisis call: its automatic follow-up is done today ("次日回访"), and the
    # supervisor adds a check a week on.
    followup_complete(actor=user, followup=FollowUp.objects.get(call=crisis, done_at__isnull=True),
                      note="次日回访：来电者情绪较前平稳，家属已在身边陪伴，已到县精神卫生中心就诊，同意一周后再联系。")
    followup_create(actor=supervisor, call=crisis, due_on=today + timedelta(days=7))
    return {"hotline_calls": len(calls) + 1, "hotline_followups": FollowUp.objects.filter(call__hotline=hotline).count()}
