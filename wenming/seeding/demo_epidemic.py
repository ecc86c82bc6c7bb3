"""The demo county's 2020 epidemic period (February and March 2020), entered afterwards as an
office would from its paper records, through the services — so that
`/dashboards/report/?since=2020-02&until=2020-03` reads like the 秭归 report (seed 004):

- 宣传发动: 横幅 1,596 条, 宣传画 6,882 份, 宣传单 70,000 份, 宣传车 138 辆次, 劝导 300,000 人次;
  防控消杀: 口罩回收箱 232 个, 消毒车 3 辆 and 喷雾器 15 台 (latest values); 环境卫生: 生活垃圾转运
  4,290 吨, 疫区垃圾转运 210 吨; 文化文艺: 书法美术作品 50 件 — the county center's tallies;
- 移风易俗 as month totals: 丧事简办 184 户, 婚事停办 711 户 (895 in all) — the paper tallies;
- the hotline's paper log: 870 calls (crisis calls among them);
- information: twelve reports of the period, adopted by 学习强国 (12), 中国文明网 (10) and the
  province's site (10; the demo names it 湖北文明网);
- service: make-up hours for 200 volunteers at the 卡点 and door-to-door visits in February.

The network itself (nodes and teams) is dated from October 2019, when the demo county's
centre, institutes and stations were set up, and the hotline from 3 February 2020, so the
period's coverage counts them. Seven in ten of the roster registered between October 2019 and
February 2020 (the drive that raised 秭归's 10,016), among them everyone who served in the
period, so the report's register as of 31 March 2020 holds them.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from wenming.campaigns.models import Indicator
from wenming.campaigns.reform_totals import reform_total_set
from wenming.campaigns.tally_services import tally_add
from wenming.grids.visit_services import visit_record
from wenming.hotline.models import Counselor, Hotline
from wenming.hotline.tally_services import call_tally_set
from wenming.orgs.models import Node
from wenming.reporting.models import Outlet, ReportCategory
from wenming.reporting.services import (
    outlet_get,
    report_adoption_add,
    report_approve,
    report_create,
    report_submit,
)
from wenming.service.hours_services import hours_makeup
from wenming.volunteers.models import Team, Volunteer

from .demo_hotline import HOTLINE_NAME

FEB, MAR = date(2020, 2, 1), date(2020, 3, 1)
NETWORK_SINCE = datetime(2019, 10, 1, 9, 0)
HOTLINE_SINCE = datetime(2020, 2, 3, 8, 0)
# code: (February, March) — the report's totals over the two months
TALLIES = {"banner": (1000, 596), "poster": (4200, 2682), "leaflet": (45000, 25000), "vehicle": (90, 48),
           "persuasion": (210000, 90000), "mask_box": (150, 82), "garbage": (2500, 1790),
           "epidemic_garbage": (140, 70), "artwork": (20, 30), "disinfect_vehicle": (3, 3), "sprayer": (12, 15)}
REFORM = {"funeral_simplified": (120, 64), "wedding_cancelled": (460, 251)}
CALLS = {FEB: (520, 6), MAR: (350, 3)}
REPORTS = [
    "全县新时代文明实践志愿者坚守疫情防控卡点", "“学习强国”刊发秭归志愿者“人盯人”布控经验", "茅坪镇志愿者为居家隔离群众代购生活物资",
    "心理疏导志愿服务队开通热线疏导群众情绪", "文艺志愿者创作抗疫MV《亲亲秭归》", "农贸市场和背街小巷开展环境整治行动",
    "县直单位志愿服务分队认领城区网格小区", "移风易俗：白事简办、喜事停办蔚然成风", "志愿者为疫情防控一线人员送去爱心餐",
    "巡回宣传车走村入户宣讲防控知识", "返岗复工企业开展志愿消杀服务", "“文明湖北”报道秭归党员志愿者到社区报到",
]


def create_epidemic(demo) -> dict:
    """`demo` is demo_requests.Demo (logins, the centre, the demo station, the RNG)."""
    office = demo.users["office"]
    county = Node.objects.get(pk=demo.center.parent_id)
    since = timezone.make_aware(NETWORK_SINCE)
    Node.objects.filter(path__startswith=county.path).update(created_at=since)
    Team.objects.filter(node__path__startswith=county.path).update(created_at=since)
    _roster_history(county, demo.institute)
    for code, months in TALLIES.items():
        indicator = Indicator.objects.get(code=code, node__isnull=True)
        for period, value in zip((FEB, MAR), months, strict=True):
            tally_add(actor=office, indicator=indicator, period=period, value=value, node=demo.center,
                      note="据疫情防控期间纸质台账补录", late_reason=f"据{period.year}年{period.month}月纸质台账补录")
    for kind, months in REFORM.items():
        for period, total in zip((FEB, MAR), months, strict=True):
            reform_total_set(actor=office, node=demo.center, kind=kind, period=f"{period:%Y-%m}", total=total,
                             note="据各乡镇移风易俗台账汇总",
                             late_reason=f"据{period.year}年{period.month}月各乡镇纸质台账补录")
    hotline = Hotline.objects.get(name=HOTLINE_NAME)
    opened = timezone.make_aware(HOTLINE_SINCE)  # opened early in the epidemic, as 秭归's were
    Hotline.objects.filter(pk=hotline.pk).update(created_at=opened)
    Counselor.objects.filter(hotline=hotline).update(created_at=opened)
    for period, (calls, crisis) in CALLS.items():
        call_tally_set(actor=office, hotline=hotline, period=f"{period:%Y-%m}", calls=calls, crisis=crisis,
                       reason=f"据{period:%Y年%m月}纸质接听登记簿补录")
    adopted = _reports(demo)
    served = _hours(demo)
    visits = _visits(demo)
    return {"tallies": len(TALLIES), "reform_households": sum(sum(m) for m in REFORM.values()),
            "hotline_calls": sum(c for c, _ in CALLS.values()), "adoptions": adopted, "volunteers_served": served,
            "visits": visits}


def _reports(demo) -> int:
    """Twelve reports of the period by the demo station, approved by the institute, and their
    adoptions (学习强国 all twelve, 中国文明网 and the province's site ten each)."""
    Outlet.objects.filter(code="province_site").update(name="湖北文明网")
    staff, institute = demo.users["station"], demo.users["institute"]
    category = ReportCategory.objects.get(code="epidemic")
    outlets = [outlet_get(code) for code in ("xuexi", "wenming_cn", "province_site")]
    adopted = 0
    for n, title in enumerate(REPORTS):
        period = FEB if n < 7 else MAR
        report = report_create(actor=staff, node=demo.station, period=period, category=category, title=title,
                               body=f"{title}。志愿者按照县新时代文明实践中心统一部署，参与卡点值守、代购配送、"
                                    "防控宣传和心理疏导等志愿服务。")
        report_submit(actor=staff, report=report)
        report_approve(actor=institute, report=report, comment="同意")
        for outlet in outlets[:1] if n >= 10 else outlets:
            report_adoption_add(actor=demo.users["office"], report=report, outlet=outlet,
                                adopted_on=period.replace(day=10 + n % 15))
            adopted += 1
    return adopted


def _roster_history(county: Node, town: Node) -> None:
    """Registration dates from the 2019–2020 drive (bulk-loaded volunteers: `rebuild_figures`
    in the demo turns them into the register's history): seven in ten, chosen by id, and the
    demo town's first 200 (they serve at the 卡点 in February), spread by id over the months."""
    since = timezone.make_aware(NETWORK_SINCE)
    spread = 120 * 24  # hours: October 2019 to January 2020
    early = Volunteer.objects.filter(home_node__path__startswith=county.path).only("pk", "registered_at")
    served = set(Volunteer.objects.filter(home_node__path__startswith=town.path, status="active")
                 .order_by("id").values_list("pk", flat=True)[:200])
    rows = [v for v in early if v.pk % 10 < 7 or v.pk in served]
    for v in rows:
        v.registered_at = since + timedelta(hours=(v.pk * 7919) % spread)
    Volunteer.objects.bulk_update(rows, ["registered_at"], batch_size=1000)


def _hours(demo) -> int:
    """Make-up hours for 200 volunteers of the demo station's town at the 卡点 in February."""
    office = demo.users["office"]
    town = Node.objects.get(pk=demo.institute.pk)
    vols = list(Volunteer.objects.filter(home_node__path__startswith=town.path, status="active")
                .select_related("home_node").order_by("id")[:200])
    for n, vol in enumerate(vols):
        hours_makeup(actor=office, volunteer=vol, hours=Decimal(4 + n % 5), service_date=date(2020, 2, 3 + n % 25),
                     reason="疫情防控卡点值守（据纸质签到表补录）", node=vol.home_node)
    return len(vols)


def _visits(demo) -> int:
    """敲门行动 in February 2020 in the demo station's grids, recorded by the station (the 分队 held no claim then)."""
    # its own random stream: the seeders after this one (evaluation, honours) keep theirs
    staff, rng = demo.users["station"], random.Random(2020)
    visits = 0
    for grid in demo.grids:
        for i in range(10):
            when = timezone.make_aware(datetime(2020, 2, 5 + rng.randint(0, 20), 9 + rng.randint(0, 8)))
            visit_record(actor=staff, grid=grid, address=f"{grid.name}{rng.randint(1, 18)}栋{i + 1}0{rng.randint(1, 4)}室",
                         visited_at=when, residents_count=rng.randint(1, 5),
                         late_reason="据2020年2月“敲门行动”纸质走访登记表补录")
            visits += 1
    return visits
