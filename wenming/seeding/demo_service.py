"""Volunteer-service demo data for the demo station (金缸城社区): projects in every state, a
training course, a call to the reserve, hours in the ledger, a shop and a certificate.

Everything goes through the services (counters, ledgers, stars, audit stay consistent).
The one exception is the past: services only accept future shifts for sign-up, so the
finished projects are signed up first and then moved back in time with a direct UPDATE,
before their attendances are recorded and verified like real ones.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from wenming.accounts.models import User
from wenming.mobilization.services import (
    call_answer,
    call_create,
    call_target,
    course_complete,
    course_create,
    project_course_require,
)
from wenming.orgs.models import Node
from wenming.service import project_services as ps
from wenming.service.attendance_services import attendance_manual
from wenming.service.certificate_services import certificate_issue
from wenming.service.enrollment_services import enrollment_create
from wenming.service.hours_services import hours_makeup, hours_verify
from wenming.service.models import Project, ProjectCategory, Shift
from wenming.service.rewards_services import reward_item_create
from wenming.volunteers.models import Team, Volunteer, VolunteerStatus

COURSE_QUIZ = [
    {"question": "文明劝导时遇到不理解的群众，应当怎样做？", "options": ["大声呵斥", "耐心解释、文明劝导", "拍照上网曝光"],
     "answer": 1},
    {"question": "志愿服务中遇到突发情况，首先应当？", "options": ["自行处置", "报告带队队长或实践站", "离开现场"],
     "answer": 1},
]


def _at(day: date, hour: int):
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour, 0))


def _project(actor, node, title, code, *, shifts, lat=None, lon=None, **fields) -> Project:
    project = ps.project_create(actor=actor, node=node, title=title, category=ProjectCategory.objects.get(code=code),
                                lat=lat, lon=lon, **fields)
    for name, starts, hours, capacity in shifts:
        ps.shift_add(actor=actor, project=project, title=name, starts_at=starts,
                     ends_at=starts + timedelta(hours=hours), capacity=capacity)
    return project


def _recruiting(actor, project) -> Project:
    ps.project_publish(actor=actor, project=project)
    return ps.project_open_recruiting(actor=actor, project=project)


def create_service(rng: random.Random, station: Node, team: Team) -> dict:
    """`station` is the demo station's node, `team` its 分队 (led by the leader login)."""
    staff = User.objects.get(username="station")
    leader_user = User.objects.get(username="leader")
    me = Volunteer.objects.select_related("home_node", "user").get(user__username="volunteer")
    today = timezone.localdate()
    adult = today.replace(year=today.year - 19)
    people = list(Volunteer.objects.filter(home_node__path__startswith=station.path, status=VolunteerStatus.ACTIVE,
                                           birth_date__lte=adult, user__isnull=True)
                  .select_related("home_node").order_by("pk")[:40])
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    lat, lon = station.lat, station.lon

    course = course_create(actor=staff, node=station, title="文明劝导员岗前培训",
                           material="一、文明劝导的内容和礼貌用语；二、劝导时的安全注意事项；三、突发情况的报告流程。",
                           quiz=COURSE_QUIZ, pass_score=100)
    civility = _recruiting(staff, _project(
        staff, station, "文明劝导进小区 · 周末文明交通劝导", "civility", lat=lat, lon=lon, geofence_radius_m=300,
        address="金缸城社区东门路口", description="在社区主要路口劝导行人和非机动车文明出行，发放文明交通宣传单。",
        risk_disclosure="路口车辆较多，请穿着反光马甲，在人行道内开展劝导。", min_age=16,
        shifts=[("上午岗", _at(saturday, 8), 3, 8), ("下午岗", _at(saturday, 14), 3, 8)]))
    project_course_require(actor=staff, project=civility, course=course)
    elderly = _recruiting(staff, _project(
        staff, station, "关爱空巢老人 · 上门探访陪伴", "elderly_disabled", lat=lat, lon=lon,
        address="金缸城社区各小区", description="两人一组上门探访空巢、独居老人，帮忙打扫卫生、代购生活用品、陪伴聊天。",
        shifts=[("周日上午", _at(saturday + timedelta(days=1), 9), 3, 6)]))
    epidemic = _recruiting(staff, _project(
        staff, station, "疫情防控卡点测温验码", "temperature_check", lat=lat, lon=lon, requires_insurance=True,
        address="金缸城社区北门卡点", description="协助社区在卡点为进出人员测温、查验健康码、登记行程。",
        risk_disclosure="请全程佩戴口罩，做好手部消毒；须有有效的志愿服务保险。", min_age=18,
        shifts=[(f"{n}号岗", _at(today + timedelta(days=n + 1), 7), 4, 4) for n in range(1, 4)]
        + [("夜间应急岗", _at(today + timedelta(days=10), 19), 3, 4)]))
    claimable = _project(
        staff, station, "移风易俗宣传进村入户", "customs_reform", address="金缸城社区",
        description="入户宣传婚事新办、丧事简办，倡导文明祭扫、网上祭扫。",
        shifts=[("宣传日", _at(saturday + timedelta(days=7), 9), 4, 10)])
    ps.project_publish(actor=staff, project=claimable)
    theory = _project(
        staff, station, "新时代文明实践理论宣讲", "theory", address="金缸城社区新时代文明实践站",
        description="党的创新理论“微宣讲”，每场 20 分钟。", shifts=[("宣讲会", _at(saturday + timedelta(days=3), 19), 2, 30)])
    ps.project_publish(actor=staff, project=theory)
    ps.project_claim(actor=leader_user, project=theory, team=team)
    _project(staff, station, "环境整治 · 河道清漂（草稿）", "environment", address="茅坪河金缸城段",
             shifts=[("上午", _at(saturday + timedelta(days=14), 8), 3, 12)])

    course_complete(actor=me.user, course=course, volunteer=me, answers=[1, 1])
    signed = [enrollment_create(actor=me.user, shift=civility.shifts.order_by("starts_at").first(), volunteer=me)]
    for vol in people[:10]:
        course_complete(actor=staff, course=course, volunteer=vol, answers=[1, 1])
        signed.append(enrollment_create(actor=staff, shift=civility.shifts.order_by("starts_at").first(),
                                        volunteer=vol))
    for vol in people[10:14]:
        signed.append(enrollment_create(actor=staff, shift=elderly.shifts.get(), volunteer=vol))

    finished = _finished_project(staff, station, me, people[14:30], today, rng)
    _call(staff, station, epidemic, people, rng)

    _history(staff, station, me, entries=24, rng=rng)  # 96 h; with the finished shift, the first star
    for vol in people[:20]:
        _history(staff, station, vol, entries=rng.choice([3, 6, 12, 30, 45]), rng=rng)
    for name, cost, stock in (("洗衣液 1 瓶", 80, 20), ("大米 5 斤", 150, 10), ("文明实践帆布袋", 30, 50)):
        reward_item_create(actor=staff, node=station, name=name, points_cost=cost, stock=stock,
                           description="爱心超市凭积分兑换")
    certificate = certificate_issue(actor=staff, volunteer=me)
    return {"projects": Project.objects.filter(node=station).count(), "enrollments": len(signed),
            "finished_project": finished.pk, "certificate": certificate.number}


def _history(staff, station, vol, *, entries: int, rng) -> None:
    """Earlier service from the paper ledgers (纸质台账), one make-up entry per activity day."""
    first = timezone.localdate() - timedelta(days=400)
    for n in range(entries):
        day = first + timedelta(days=n * 8 + rng.randrange(5))
        hours = Decimal(4) if entries == 24 else Decimal(rng.choice([2, 3, 4, 6]))
        hours_makeup(actor=staff, volunteer=vol, hours=hours, service_date=day, node=station,
                     reason="疫情防控、文明劝导等历史服务时长（纸质台账补录）")


def _finished_project(staff, station, me, crew, today, rng) -> Project:
    """Signed up while in the future, then moved a week back; attendances and hours as usual."""
    start = _at(today + timedelta(days=30), 6)  # a free time, so nobody's sign-up clashes
    project = _recruiting(staff, _project(
        staff, station, "疫情防控 · 居家隔离户物资配送", "supplies_delivery", address="金缸城社区",
        description="为居家隔离户代购、配送生活物资，无接触放在门口。", shifts=[("配送岗", start, 4, 20)]))
    shift = project.shifts.get()
    enrollments = [enrollment_create(actor=staff, shift=shift, volunteer=vol) for vol in [me, *crew]]
    past = _at(today - timedelta(days=7), 8)
    Shift.objects.filter(pk=shift.pk).update(starts_at=past, ends_at=past + timedelta(hours=4))
    ps.project_start(actor=staff, project=project)
    for enrollment in enrollments:
        enrollment.refresh_from_db()
        late = timedelta(minutes=0 if enrollment.volunteer_id == me.pk else rng.choice([0, 0, 10, 25]))
        attendance = attendance_manual(actor=staff, enrollment=enrollment, check_in_at=past + late,
                                       check_out_at=past + timedelta(hours=4), reason="演示数据：纸质签到表录入")
        if enrollment.volunteer_id == me.pk or rng.random() < 0.7:
            hours_verify(actor=staff, attendance=attendance)
    ps.project_finish(actor=staff, project=project)
    return project


def _call(staff, station, epidemic, people, rng) -> None:
    """招募令 for the 测温验码 shifts: the reserve of the station is called; some answer."""
    reserve = people[30:40]
    Volunteer.objects.filter(pk__in=[v.pk for v in reserve]).update(is_reserve=True, insurance_valid_until=date(
        timezone.localdate().year + 1, 12, 31))
    shift = epidemic.shifts.get(title="夜间应急岗")  # nobody else is on it: answers cannot clash
    call = call_create(actor=staff, node=station, shift=shift, title="防疫卡点应急招募令", needed=4,
                       deadline=shift.starts_at - timedelta(hours=12),
                       description="北门卡点人手不足，急需应急储备志愿者支援测温验码。")
    call_target(actor=staff, call=call)
    # Some of the prepared reserve answer; the rest of the station's reserve stays pending.
    for response in list(call.responses.filter(volunteer__in=reserve).select_related("volunteer", "call"))[:6]:
        call_answer(actor=None, response=response, answer=rng.choice(["yes", "yes", "no"]))
