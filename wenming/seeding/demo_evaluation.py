"""The demo county's civilized-city evaluation (docs/evaluation.md), through the evaluation
services with the clock as a parameter: this year's campaign with an indicator tree shaped
like the national system (six areas, feature indicators, the 未成年人 sub-system with a floor
and a share), the duty table over the county's units, about 200 inspection sites, three
inspection rounds whose findings are in every state (open, overdue and reminded, escalated,
answered, returned, accepted, withdrawn, repeats), and accountability records. The liaison
login (秭归县教育局) leads the school indicators, so it lands on real tasks."""

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from wenming.accounts.models import RoleAssignment, User
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.models import Notification
from wenming.evaluation.models import Level, Rule, Site, SiteType
from wenming.evaluation.services import campaigns, duties, inspections, materials, rectification, surveys
from wenming.evaluation.services import units as unit_services
from wenming.orgs.models import Node, Unit
from wenming.volunteers.models import Volunteer

D = timedelta(days=1)
COUNTY_PREFIX = "秭归县"


@dataclass(frozen=True)
class Ind:
    code: str
    name: str
    points: str = "0"
    deduct: str = "0"
    rule: str = Rule.DEDUCT
    sites: tuple = ()
    lead: str = ""
    coop: tuple = ()
    deductions: tuple = ()  # (name, points)
    methods: tuple = ("field",)


AREAS = [  # (code, area, items: [(code, item, [Ind])])
    ("1", "政务环境", [("1.1", "政务服务", [
        Ind("1.1.1", "政务服务大厅窗口服务规范", "3", "0.5", sites=("government",), lead="县政务服务和大数据管理局",
            deductions=(("窗口人员离岗、玩手机", "0.3"), ("办事指南未公开", "0.2"))),
        Ind("1.1.2", "政务服务热线接听情况（情景测试）", "2", "0.5", lead="县政务服务和大数据管理局",
            methods=("field",), deductions=(("热线无人接听", "0.5"),)),
        Ind("1.1.3", "群众对政务服务的满意率", "2", rule=Rule.SURVEY, methods=("survey",))])]),
    ("2", "法治环境", [("2.1", "社会治安", [
        Ind("2.1.1", "交通路口秩序", "3", "0.3", sites=("crossing",), lead="县公安局", coop=("县城市管理执法局",),
            deductions=(("行人闯红灯无人劝导", "0.2"), ("机动车不礼让行人", "0.3"))),
        Ind("2.1.2", "普法宣传教育", "2", rule=Rule.MATERIAL, lead="县司法局", methods=("material",))])]),
    ("3", "市场环境", [("3.1", "市场秩序", [
        Ind("3.1.1", "农贸市场环境卫生与秩序", "4", "0.5", sites=("market",), lead="县市场监督管理局",
            coop=("县城市管理执法局",), deductions=(("地面有垃圾、污水", "0.3"), ("占道经营、摊位外溢", "0.3"),
                                               ("活禽宰杀区卫生差", "0.5"))),
        Ind("3.1.2", "商业大街诚信经营公示", "2", "0.2", sites=("shopping",), lead="县商务局")])]),
    ("4", "人文环境", [("4.1", "公益广告与文明宣传", [
        Ind("4.1.1", "公益广告刊播", "3", "0.3", sites=("back_street", "park", "station"), lead="县融媒体中心",
            coop=("县城市管理执法局",), deductions=(("公益广告破损、褪色", "0.2"),)),
        Ind("4.1.2", "新时代文明实践站（所）规范运行", "3", "0.5", sites=("practice",), lead="县委宣传部",
            deductions=(("阵地长期闭门", "0.5"), ("活动台账缺失", "0.3"))),
        Ind("4.1.3", "群众对创建工作的知晓率", "3", rule=Rule.SURVEY, methods=("survey",))]),
        ("4.2", "志愿服务", [
        Ind("4.2.1", "志愿服务站点运行", "2", "0.3", sites=("station", "hospital"), lead="团县委",
            deductions=(("站点无人值守", "0.3"),)),
        Ind("4.2.2", "志愿服务制度与台账", "2", rule=Rule.MATERIAL, lead="团县委", methods=("material",))])]),
    ("5", "生活环境", [("5.1", "城乡环境卫生", [
        Ind("5.1.1", "背街小巷环境卫生", "4", "0.5", sites=("back_street",), lead="县城市管理执法局",
            coop=("县住房和城乡建设局",), deductions=(("垃圾堆积、乱扔乱倒", "0.3"), ("乱贴乱画", "0.2"),
                                                  ("乱拉乱挂、乱搭乱建", "0.3"))),
        Ind("5.1.2", "老旧小区管理", "3", "0.5", sites=("old_estate",), lead="县住房和城乡建设局",
            deductions=(("楼道堆放杂物", "0.3"), ("飞线充电", "0.5"))),
        Ind("5.1.3", "公共厕所卫生", "3", "0.5", sites=("toilet",), lead="县城市管理执法局",
            deductions=(("有异味、无保洁", "0.3"),)),
        Ind("5.1.4", "公园广场文明秩序", "2", "0.3", sites=("park",), lead="县住房和城乡建设局"),
        Ind("5.1.5", "群众对生活环境的满意率", "2", rule=Rule.SURVEY, methods=("survey",))]),
        ("5.2", "卫生防疫", [
        Ind("5.2.1", "医院就医秩序与卫生", "3", "0.5", sites=("hospital",), lead="县卫生健康局",
            deductions=(("就诊区域吸烟", "0.3"), ("一米线无人引导", "0.2"))),
        Ind("5.2.2", "常态化疫情防控措施落实", "2", "0.5", sites=("market", "station", "hospital"),
            lead="县卫生健康局", coop=("县市场监督管理局",))])]),
    ("6", "生态环境", [("6.1", "生态保护", [
        Ind("6.1.1", "城区河道及周边环境", "2", "0.3", sites=("scenic",), lead="县生态环境分局"),
        Ind("6.1.2", "建筑工地扬尘管控", "2", "0.5", sites=("construction",), lead="县住房和城乡建设局",
            deductions=(("裸土未覆盖", "0.3"),))])]),
    ("7", "特色指标", [("7.1", "特色工作", [
        Ind("7.1.1", "新时代文明实践“点单”服务成效", "5", rule=Rule.MATERIAL, lead="县委宣传部",
            methods=("report", "material")),
        Ind("7.1.2", "疫情防控中的志愿服务", "5", rule=Rule.MATERIAL, lead="团县委", methods=("report", "material"))])]),
]
MINORS = ("9", "未成年人思想道德建设", [
    Ind("9.1", "学校周边环境", "5", "0.5", sites=("school",), lead="县教育局", coop=("县公安局", "县市场监督管理局"),
        deductions=(("校门口占道经营", "0.3"), ("周边有网吧、游戏厅", "0.5"))),
    Ind("9.2", "校园文明与心理健康教育", "3", rule=Rule.MATERIAL, lead="县教育局", methods=("material",)),
    Ind("9.3", "乡村学校少年宫运行", "2", "0.5", sites=("practice",), lead="县教育局", coop=("团县委",)),
])
SITES_BY_STATION_TAG = {
    "urban": ["back_street", "back_street", "old_estate", "toilet", "crossing", "park", "market", "school",
              "shopping"],
    "seat": ["market", "school", "hospital", "station", "practice", "toilet"],
    "village": ["practice"],
}
PROBLEMS = {
    "3.1.1": ["东门入口地面积水，有散落菜叶", "活禽区地面污水横流", "部分摊位外溢占道经营"],
    "5.1.1": ["巷道内垃圾堆积未清运", "墙面小广告未清除", "私拉电线晾晒衣物"],
    "5.1.2": ["3 号楼楼道堆放纸箱杂物", "单元门口有电动车飞线充电"],
    "5.1.3": ["男厕有明显异味，无保洁记录", "洗手池无洗手液"],
    "2.1.1": ["行人闯红灯无人劝导", "斑马线前机动车未礼让行人"],
    "9.1": ["校门口有流动摊贩占道经营", "放学时段校门口交通秩序混乱"],
    "9.3": ["少年宫活动室锁门，无活动记录"],
    "4.1.2": ["实践站工作日闭门，无值班人员", "活动台账不完整"],
    "4.1.1": ["公益广告牌破损褪色"],
    "5.2.1": ["门诊大厅有人吸烟无人劝阻"],
}


def _photo() -> ContentFile:
    """A small real JPEG standing in for a phone photo."""
    from io import BytesIO

    from PIL import Image

    image, out = Image.new("RGB", (160, 120), (120, 130, 110)), BytesIO()
    image.paste((200, 190, 170), (0, 70, 160, 120))
    image.save(out, "JPEG", quality=80)
    return ContentFile(out.getvalue(), name="photo.jpg")


def _unit(units: dict[str, Unit], dept: str, fallback: list[Unit], rng: random.Random) -> Unit:
    return units.get(COUNTY_PREFIX + dept[1:] if dept.startswith("县") else dept) or rng.choice(fallback)


def create_evaluation(rng: random.Random, county_node: Node, stations: list[tuple[Node, str]]) -> dict:
    """`stations`: (station node, tag) of the county's stations."""
    office = User.objects.get(username="office")
    inspector = User.objects.get(username="inspector")
    now = timezone.now()
    year = timezone.localdate().year
    c = campaigns.campaign_create(actor=office, node=county_node, name=f"{year}年度文明城市创建测评", year=year,
                                  starts_on=date(year, 1, 1), ends_on=date(year, 12, 31))
    minors = campaigns.subsystem_create(actor=office, campaign=c, name="未成年人思想道德建设", floor_percent=60,
                                        share_percent=20)
    types = {t.code: t for t in SiteType.objects.all()}
    units = {u.name: u for u in Unit.objects.filter(node__path__startswith=county_node.path)}
    fallback = [u for u in units.values() if u.unit_type == "unit"]
    scored: dict[str, object] = {}
    deduction_items: dict[str, list] = {}

    def add_indicator(ind: Ind, parent, sub=None):
        obj = campaigns.indicator_save(
            actor=office, campaign=c, code=ind.code, name=ind.name, level=Level.INDICATOR, parent=parent,
            points=ind.points, deduct_points=ind.deduct, rule=ind.rule, methods=list(ind.methods),
            site_types=[types[t] for t in ind.sites], subsystem=sub, is_feature=ind.code.startswith("7"))
        scored[ind.code] = obj
        deduction_items[ind.code] = [campaigns.indicator_save(
            actor=office, campaign=c, code=f"{ind.code}.{n}", name=name, level=Level.DEDUCTION, parent=obj,
            deduct_points=pts) for n, (name, pts) in enumerate(ind.deductions, start=1)]
        if ind.lead:
            duties.duty_save(actor=office, campaign=c, indicator=obj, unit=_unit(units, ind.lead, fallback, rng),
                             head_name="", head_title="主要负责人", plan=f"{ind.name}专项整治工作方案",
                             task_force=f"{ind.name}工作专班", due_on=date(year, 10, 31))
            for dept in ind.coop:
                unit = _unit(units, dept, fallback, rng)
                if not c.duties.filter(indicator=obj, unit=unit).exists():
                    duties.duty_save(actor=office, campaign=c, indicator=obj, unit=unit, role="coop")

    for code, name, items in AREAS:
        area = campaigns.indicator_save(actor=office, campaign=c, code=code, name=name, level=Level.AREA)
        for item_code, item_name, inds in items:
            item = campaigns.indicator_save(actor=office, campaign=c, code=item_code, name=item_name,
                                            level=Level.ITEM, parent=area)
            for ind in inds:
                add_indicator(ind, item)
    code, name, inds = MINORS
    area = campaigns.indicator_save(actor=office, campaign=c, code=code, name=name, level=Level.AREA)
    for ind in inds:
        add_indicator(ind, area, minors)

    sites = _sites(rng, office, stations, types, units)
    campaigns.campaign_set_status(actor=office, campaign=c, status="active")
    findings = _findings(rng, c, county_node, inspector, office, sites, scored, deduction_items, now)
    answered = _survey(rng, c, county_node, office, scored, now)
    materials = _materials(c, inspector, scored, now)
    members = _participation(rng, office, units, stations, now)
    return {"evaluation_indicators": c.indicators.count(), "evaluation_duties": c.duties.count(),
            "evaluation_sites": len(sites), **findings, "evaluation_survey_answers": answered,
            "evaluation_materials": materials, "evaluation_unit_members": members}


SURVEY = [  # (indicator code, question, kind, chance of a positive answer)
    ("4.1.3", "您是否知道本县正在创建全国文明城市？", "awareness", 0.86),
    ("1.1.3", "您对政务服务大厅的服务是否满意？", "satisfaction", 0.78),
    ("5.1.5", "您对所在社区（村）的环境卫生是否满意？", "satisfaction", 0.72),
]
SURVEY_PHONES = 60


def _survey(rng, c, county_node, office, scored, now) -> int:
    """A published questionnaire answered by residents through the real path: each phone
    asks for a text code (read back from the outbox, where the embedded notification
    backend keeps the message) and answers every question once."""
    survey = surveys.survey_create(actor=office, campaign=c, node=county_node, title="文明城市创建群众满意度调查",
                                   intro="您的回答匿名统计，只用于改进创建工作。每个手机号只能作答一次。")
    questions = [surveys.question_add(actor=office, survey=survey, indicator=scored[code], text=text, kind=kind)
                 for code, text, kind, _ in SURVEY]
    surveys.survey_open(actor=office, survey=survey)
    for n in range(SURVEY_PHONES):
        phone, at = f"1990000{n:04d}", now - (40 - n * 0.5) * D
        surveys.survey_code_send(survey=survey, phone=phone, now=at)
        sent = Notification.objects.filter(subject="问卷验证码").order_by("-pk").first()
        code = re.search(r"验证码是 (\d{6})", sent.body).group(1)
        answers = {}
        for q, (_, _, kind, chance) in zip(questions, SURVEY, strict=True):
            good = rng.random() < chance
            answers[q.pk] = (1 if good else 0) if kind == "awareness" else (rng.choice([4, 5]) if good
                                                                             else rng.choice([1, 2, 3]))
        surveys.survey_answer(survey=survey, phone=phone, code=code, answers=answers, now=at + timedelta(minutes=2))
    return SURVEY_PHONES


def _materials(c, inspector, scored, now) -> int:
    """Material for the 材料审核 indicators: reviewed for some units, waiting for others."""
    liaisons = _liaisons(c)
    done = 0
    for n, code in enumerate(("9.2", "2.1.2", "4.2.2", "7.1.1", "7.1.2")):
        indicator = scored[code]
        duty = c.duties.filter(indicator=indicator, role="lead").first()
        if duty is None or duty.unit_id not in liaisons:
            continue
        material = materials.material_submit(actor=liaisons[duty.unit_id], campaign=c, indicator=indicator,
                                             text=f"{indicator.name}：制度文件、工作台账和活动照片汇编",
                                             now=now - (20 - n) * D)
        if code != "2.1.2":  # one waits in the reviewer's queue
            materials.material_review(actor=inspector, material=material, score=indicator.points * Decimal("0.8"),
                                      note="材料齐全，个别台账记录不完整", now=now - (10 - n) * D)
        done += 1
    return done


def _participation(rng, office, units, stations, now) -> int:
    """The liaison's unit (秭归县教育局) takes part: volunteers of its own and a 联点共建
    pairing with the demo station's community."""
    unit = units.get("秭归县教育局")
    if unit is None:
        return 0
    station = next((node for node, tag in stations if tag == "urban"), None)
    if station is not None:
        unit_services.pairing_add(actor=office, unit=unit, node=station, started_on=(now - 200 * D).date(),
                                  note="共建文明校园周边环境，开展学生志愿服务")
    added = 0
    for volunteer in Volunteer.objects.filter(home_node__path__startswith=unit.node.path[:12],
                                              status="active").order_by("pk")[:12]:
        unit_services.member_add(actor=office, unit=unit, volunteer_id=volunteer.pk,
                                 joined_on=(now - rng.randint(30, 300) * D).date())
        added += 1
    return added


def _sites(rng, office, stations, types, units) -> list[Site]:
    out, n = [], 0
    for station, tag in stations:
        kinds = SITES_BY_STATION_TAG.get(tag, ["practice"])
        if tag == "village" and rng.random() < 0.7:
            continue
        for kind in kinds:
            n += 1
            name = f"{station.name.removesuffix('新时代文明实践站')}{types[kind].name}" + ("" if kinds.count(kind) == 1
                                                                                     else f"{n % 7 + 1}号")
            lat = float(station.lat) + rng.uniform(-0.004, 0.004) if station.lat is not None else None
            lon = float(station.lon) + rng.uniform(-0.004, 0.004) if station.lon is not None else None
            unit = units.get(station.name.removesuffix("新时代文明实践站"))  # the 文明社区 of the place, if any
            out.append(duties.site_save(actor=office, node=station, site_type=types[kind], name=name,
                                        code=f"ZG-D{n:04d}", address=station.address, lat=lat, lon=lon, unit=unit))
            if len(out) >= 200:
                return out
    return out


def _findings(rng, c, county_node, inspector, office, sites, scored, deduction_items, now) -> dict:
    """Three rounds over the last five months; the findings' later steps follow in time."""
    by_type: dict[str, list[Site]] = {}
    for s in sites:
        by_type.setdefault(s.site_type.code, []).append(s)
    rounds = []
    for n, days_ago in enumerate((120, 45, 0), start=1):
        rounds.append(inspections.round_plan(actor=inspector, campaign=c, node=county_node,
                                             title=f"第{n}轮暗访督查", planned_on=(now - days_ago * D).date()))
    answerers = _liaisons(c)
    demo_unit = next((u for u, user in answerers.items() if user.username == "liaison"), None)
    states: dict[str, int] = {}
    recorded = []
    for rnd, days_ago, count in zip(rounds, (120, 45, 6), (50, 60, 40), strict=True):
        for _ in range(count):
            code = rng.choice(list(PROBLEMS))
            ind = scored[code]
            pool = [s for t in ind.site_types.values_list("code", flat=True) for s in by_type.get(t, [])]
            if not pool:
                continue
            site = rng.choice(pool)
            ded = rng.choice(deduction_items[code]) if deduction_items[code] and rng.random() < 0.6 else None
            at = now - (days_ago - rng.uniform(0, 5)) * D
            f = inspections.finding_record(actor=inspector, rnd=rnd, site=site, indicator=ind, deduction=ded,
                                           description=rng.choice(PROBLEMS[code]), photos=[_photo()], now=at,
                                           severity=rng.choice(["minor"] * 6 + ["major"] * 3 + ["severe"]),
                                           lat=float(site.lat) + 0.0003 if site.lat is not None else None,
                                           lon=float(site.lon) if site.lon is not None else None)
            recorded.append((f, at))
    for f, at in recorded:
        # the demo liaison's recent findings stay open: that login lands on work to do
        fate = 0.0 if f.lead_unit_id == demo_unit and at > now - 10 * D else rng.random()
        # the answer two days later and the re-inspection a day after that, or sooner for a
        # finding of the last days (nothing happens after now)
        answerer, step = answerers.get(f.lead_unit_id), at + min(2 * D, (now - at) / 3)
        later = step + min(D, (now - step) / 2)
        if fate < 0.3 or answerer is None:
            state = "open"
        elif fate < 0.4:
            inspections.finding_withdraw(actor=inspector, finding=f, reason="点位认定有误，经复核撤销")
            state = "withdrawn"
        else:
            f = rectification.finding_answer(actor=answerer, finding=f, text="已组织整改，现场已清理到位",
                                             photos=[_photo()], now=step)
            if fate < 0.55:
                state = "answered"
            elif fate < 0.65:
                rectification.finding_return(actor=inspector, finding=f, reason="复查仍有问题，整改不到位",
                                             now=later)
                state = "returned"
            else:
                rectification.finding_accept(actor=inspector, finding=f, note="复查已整改到位", now=later)
                state = "accepted"
        states[state] = states.get(state, 0) + 1
    for rnd in rounds[:2]:  # the past rounds are over; this week's is still going
        inspections.round_finish(actor=inspector, rnd=rnd)
    tick = rectification.overdue_tick(now=now)
    worst = c.findings.filter(overdue=True, lead_unit__isnull=False).select_related("lead_unit").first()
    if worst is not None:
        rectification.accountability_record(actor=office, campaign=c, unit=worst.lead_unit, kind="talk",
                                            reason="整改逾期，按考核奖惩办法约谈单位主要负责人", finding=worst)
    return {"evaluation_findings": len(recorded), "evaluation_states": states, **{f"evaluation_{k}": v
                                                                              for k, v in tick.items()},
            "evaluation_repeats": c.findings.filter(repeat_of__isnull=False).count()}


def _liaisons(campaign) -> dict[int, User]:
    """Each lead unit's liaison: the demo login for its unit, and for the others a liaison
    account without a password (the unit's own staff, who would be given one), so findings
    can be answered in the demo."""
    have = {a.unit_id: a.user for a in RoleAssignment.objects.filter(role=Role.UNIT_LIAISON).select_related("user")}
    root = User.objects.get(username="admin")
    for duty in campaign.duties.filter(role="lead").select_related("unit__node"):
        unit = duty.unit
        if unit.pk not in have:
            user = User(username=f"unit{unit.pk}", display_name=f"{unit.name}联络员")
            user.set_unusable_password()
            user.save()
            role_grant(actor=root, user=user, role=Role.UNIT_LIAISON, node=unit.node, unit=unit)
            have[unit.pk] = user
    return have
