"""Evaluation scoreboards at city scale: the maintained summaries vs. the same board computed
from the raw rows, in the same run.

    wenming bench evaluation [--scale 1] [--rounds 50] [--units 200] [--unit-rounds 5] [--seed 2023]
                             [--keep] [--fresh]

Run it on a scratch PostgreSQL database (DATABASE_URL, migrated). It adds its own city
(~3,000 nodes: the 衡阳 plan of `wenming seed city`, node codes prefixed with BN…), 2,000
units, a campaign with a realistic indicator tree (6 areas, 30 items, 120 indicators — 100
按问题扣分, 10 问卷, 10 材料 — with ~2 deduction items per deduct indicator, and the
未成年人 sub-system: 1 area, 2 items, 8 indicators), the duty table (a lead and 2–4
cooperating units per indicator; site duties at 20 % of the sites naming a local unit),
20,000 sites on the stations and points, one round per county, 200,000 findings over the
campaign's twelve months in every state with their routes, 20 surveys × 500 answer sheets
and scored materials — bulk-loaded (COPY on PostgreSQL), not through the services. The
summaries are then made by the real code paths: `tallies_rebuild` and `rebuild_figures`
(which replaces the summaries of the whole database: another reason for a scratch one).

Then it checks that the maintained boards equal the raw ones (the city, every county, 10
institutes, 10 stations; the timed units, the 10 heaviest and as many other units again:
totals, sub-systems, counts, the trend, and every line's full/score/deductions/rate/material),
and times, alternating the two ways:

- the city's and the largest county's board (`node_board` vs `node_board_raw`), `rounds` each;
- a unit's board (`unit_board` vs `unit_board_raw`) for `units` random units with a board,
  `unit-rounds` each, and for the 10 units that lead the most findings; `unit_board` is
  served from the shared cache (the check above filled it), so the first read after a
  change — a miss, computed from the unit's tallies — is timed apart (no target);
- the ranking (红黑榜) of every unit of the city and of the county (`unit_ranking`).

Targets (issue 12): the city's and a unit's board p95 under 50 ms and at least 10× faster
than from the raw rows (speed-up: the median over the units of raw median ÷ summary median).
`--scale 0.05` builds a twentieth (a smoke run). Unless `--keep`, the city is deleted at the
end; a kept city of the same scale is reused by the next run (`--fresh` deletes it first).
"""

import hashlib
import os
import random
import statistics
import time
from collections import Counter, defaultdict
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal

HELP = "测评成绩榜 evaluation scoreboards：市/县/单位成绩榜与红黑榜（p50/p95）vs. 直接从原始数据计算"
TARGET_P95_MS = 50.0
TARGET_SPEEDUP = 10.0
FULL = {"units": 2000, "sites": 20000, "findings": 200_000, "surveys": 20}
RESPONSES_PER_SURVEY = 500
YEAR = 2023
USER = "bench_evaluation"

AREAS = [
    ("政务环境", ["政务服务", "廉洁高效", "政务公开", "依法行政", "基层治理"]),
    ("法治环境", ["社会治安", "公正司法", "法治宣传", "公共安全", "矛盾化解"]),
    ("市场环境", ["诚信建设", "市场秩序", "食品药品安全", "消费维权", "窗口服务"]),
    ("人文环境", ["核心价值观宣传", "志愿服务", "公共文化设施", "公益广告", "移风易俗"]),
    ("生活环境", ["环境卫生", "交通秩序", "公共设施", "社区管理", "农贸市场管理"]),
    ("生态环境", ["大气环境", "水环境", "园林绿化", "垃圾分类", "节能减排"]),
]
MINORS = ("未成年人思想道德建设", ["学校及周边环境", "未成年人活动阵地"])
DEDUCT_NAMES = ["现场秩序规范", "设施完好整洁", "宣传氛围浓厚", "管理制度落实", "文明行为引导", "环境干净有序"]
DEDUCTION_NAMES = ["地面有垃圾、污水", "设施破损未修复", "乱停乱放", "公益广告缺失或破损", "占道经营", "不文明行为无人劝导"]
# site type → share of the sites
SITE_MIX = {"back_street": 20, "old_estate": 15, "community": 15, "market": 8, "toilet": 8, "school": 8,
            "crossing": 6, "park": 5, "practice": 5, "hospital": 3, "station": 2, "government": 2, "shopping": 1,
            "construction": 1, "scenic": 1}
MINOR_SITE_TYPES = ["school", "practice", "community", "park"]
STATUS_MIX = {"accepted": 55, "open": 25, "answered": 10, "returned": 5, "withdrawn": 5}
UNIT_WORDS = {
    "city": ["市场监管局", "城管局", "住建局", "交通运输局", "公安局", "教育局", "卫健委", "商务局", "文旅广体局",
             "生态环境局", "自然资源局", "民政局", "政务服务中心", "司法局", "团市委", "妇联", "总工会", "融媒体中心",
             "水利局", "农业农村局"],
    "county": ["市场监管局", "城管执法局", "住建局", "交通局", "公安分局", "教育局", "卫健局", "商务局", "文旅局",
               "环保分局", "民政局", "政务服务中心", "司法局", "团委", "妇联"],
    "institute": ["人民政府", "中心小学", "卫生院", "派出所", "中学", "市场管理所", "供电所", "中心幼儿园"],
    "station": ["居委会", "村委会", "小学", "卫生室", "物业公司", "农贸市场管理处", "幼儿园", "超市"],
}
DESCRIPTIONS = ["地面有积水和垃圾", "公益广告破损未更换", "电动车乱停放", "垃圾桶满溢", "墙面有小广告",
                "占道经营未劝导", "公厕无人保洁", "盲道被占用", "宣传栏内容过期", "绿化带有杂物"]


def add_arguments(parser) -> None:
    parser.add_argument("--scale", type=float, default=1.0,
                        help="size of the city's data: 1 = 2,000 units, 20,000 sites, 200,000 findings, 20 surveys "
                             "(0.05 for a smoke run)")
    parser.add_argument("--rounds", type=int, default=50, help="timed calls of the city and county boards, each way")
    parser.add_argument("--units", type=int, default=200, help="random units whose board is timed (default 200)")
    parser.add_argument("--unit-rounds", type=int, default=5, help="timed calls per unit, each way (default 5)")
    parser.add_argument("--seed", type=int, default=2023, help="random seed (data and samples)")
    parser.add_argument("--keep", action="store_true", help="keep the city for the next run (same --scale)")
    parser.add_argument("--fresh", action="store_true", help="delete a kept city of this scale and build anew")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))  # nearest-rank
    return ordered[k]


def _tag(scale: float) -> str:
    return "BN" + f"{scale:g}".replace(".", "_")


# ---------------------------------------------------------------- writing rows


def _next_ids(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _write(model, columns: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL (ids given), bulk_create elsewhere."""
    from django.db import connection

    from wenming.seeding.citypeople import copy_line
    from wenming.seeding.pgbulk import copy_into

    if not rows:
        return
    if connection.vendor == "postgresql":
        for start in range(0, len(rows), 50_000):
            copy_into(model._meta.db_table, columns, "".join(copy_line(r) for r in rows[start:start + 50_000]))
    else:
        model.objects.bulk_create([model(**dict(zip(columns, r, strict=True))) for r in rows], batch_size=1000)


def _reset_sequences(models) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {table}), 1))")


# ---------------------------------------------------------------- the city


class City:
    """What the build made, and what the checks and timings need."""

    def __init__(self, root, campaign, counties):
        self.root, self.campaign, self.counties = root, campaign, counties


def _find(tag: str):
    from wenming.evaluation.models import Campaign
    from wenming.orgs.models import Node

    root = Node.objects.filter(code=f"{tag}-HY").first()
    campaign = root and Campaign.objects.filter(node=root).first()
    if campaign is None:
        return None
    return City(root, campaign, list(Node.objects.filter(parent=root, kind="county").order_by("path")))


def _build(tag: str, scale: float, seed: int, say) -> City:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from wenming.accounts.models import User
    from wenming.dashboards.rebuild import rebuild_figures
    from wenming.dashboards.summary import fold_all
    from wenming.evaluation.models import (
        Campaign,
        CampaignStatus,
        Duty,
        Finding,
        FindingUnit,
        InspectionRound,
        Site,
        SiteDuty,
        SurveyAnswer,
        SurveyResponse,
    )
    from wenming.evaluation.services.tallies import tallies_rebuild
    from wenming.seeding.hengyang import plan_city
    from wenming.seeding.names import HENGYANG_SURNAMES, Surnames
    from wenming.seeding.pgbulk import indexes_rebuilt_after
    from wenming.seeding.treeplan import insert_tree

    rng = random.Random(seed)
    n_units = max(40, round(FULL["units"] * scale))
    n_sites = max(200, round(FULL["sites"] * scale))
    n_findings = max(2000, round(FULL["findings"] * scale))
    n_surveys = max(2, round(FULL["surveys"] * scale))
    user, _ = User.objects.get_or_create(username=USER, defaults={"display_name": "测评基准",
                                                                  "password": make_password(None)})
    tz = timezone.get_current_timezone()
    timings = {}
    with transaction.atomic():
        t = time.perf_counter()
        city = plan_city(rng, Surnames(HENGYANG_SURNAMES), rng.randrange(10**8))
        office = city.root.children[0]  # 衡阳市文明办, inserted as a top-level node
        for plan in office.walk():
            plan.code = f"{tag}-{plan.code}"
        office.name = f"{office.name}（测评基准 {tag}）"
        nodes = insert_tree(office)
        root = office.node
        counties = [c.office for c in city.counties]
        say(f"  阵地 nodes: {nodes:,}")
        units = _units(rng, city, n_units)
        say(f"  单位 units: {len(units):,}")
        campaign = Campaign.objects.create(
            name=f"{YEAR}年度全国文明城市测评（基准 {tag}）", year=YEAR, node=root, status=CampaignStatus.ACTIVE,
            starts_on=date(YEAR, 1, 1), ends_on=date(YEAR, 12, 31), created_by=user)
        tree = _indicators(rng, campaign)
        duties = _duties(rng, campaign, tree, units)
        sites, site_duties = _sites(rng, tag, city, units, tree, n_sites)
        say(f"  指标 indicators: {len(tree['scored'])} scored, {len(tree['deductions'])} deduction items; "
            f"duties {duties:,}; sites {len(sites):,}; site duties {site_duties:,}")
        rounds = {c.node.pk: InspectionRound.objects.create(
            campaign=campaign, node=c.node, title=f"{c.name}{YEAR}年度暗访督查", planned_on=date(YEAR, 1, 5),
            status="done", created_by=user, finished_at=datetime(YEAR, 12, 31, 18, tzinfo=tz)).pk for c in counties}
        timings["build"] = time.perf_counter() - t
        t = time.perf_counter()
        # the big tables' secondary indexes and constraints built once after the load, as the city seed does
        big = ["evaluation_finding", "evaluation_findingunit", "evaluation_surveyresponse", "evaluation_surveyanswer"]
        with indexes_rebuilt_after(big) if connection.vendor == "postgresql" else nullcontext():
            made = _findings(rng, tag, campaign, tree, sites, rounds, user, n_findings, tz)
            say(f"  问题 findings: {made['findings']:,} ({made['status']}), routes {made['routes']:,}, "
                f"repeats {made['repeats']:,}")
            answers = _surveys(rng, campaign, tree, city, user, n_surveys, tz)
            say(f"  问卷 surveys: {n_surveys} × {RESPONSES_PER_SURVEY} sheets, {answers:,} answers")
        materials = _materials(rng, campaign, tree, units, user, tz)
        say(f"  材料 materials: {materials}; rows written and indexed in {time.perf_counter() - t:.1f} s")
        _reset_sequences([Finding, FindingUnit, SurveyResponse, SurveyAnswer, SiteDuty, Site, Duty])
        timings["rows"] = time.perf_counter() - t
        t = time.perf_counter()
        tallies = tallies_rebuild(campaign.pk)
        timings["tallies_rebuild"] = time.perf_counter() - t
        t = time.perf_counter()
        figures = rebuild_figures()
        fold_all()
        timings["rebuild_figures"] = time.perf_counter() - t
        say(f"  汇总 summaries: tallies_rebuild {tallies:,} rows in {timings['tallies_rebuild']:.1f} s; "
            f"rebuild_figures {figures:,} rows (whole database) in {timings['rebuild_figures']:.1f} s")
    _analyze()
    return City(root, campaign, [c.node for c in counties])


def _units(rng: random.Random, city, count: int) -> list:
    """Units at the city (3 %), counties (18 %), institutes (19 %) and stations (60 %)."""
    from wenming.orgs.models import Unit

    levels = [("city", [city.root.children[0]], 0.03), ("county", [c.office for c in city.counties], 0.18),
              ("institute", [i for c in city.counties for i in c.institutes], 0.19),
              ("station", [s for c in city.counties for s in c.stations], 0.60)]
    rows, used = [], set()
    for level, plans, share in levels:
        n = max(len(UNIT_WORDS[level]) if level == "city" else 1, round(count * share))
        for k in range(n):
            plan = plans[k % len(plans)] if level in ("city", "county") else rng.choice(plans)
            word = UNIT_WORDS[level][(k // len(plans)) % len(UNIT_WORDS[level])] if level in ("city", "county") \
                else rng.choice(UNIT_WORDS[level])
            base = {"city": "衡阳市", "county": plan.name.removesuffix("文明办")}.get(level, plan.short or "")
            name, extra = f"{base}{word}", 1
            while (plan.node.pk, name) in used:
                extra += 1
                name = f"{base}{word}（{extra}）"
            used.add((plan.node.pk, name))
            unit_type = {"小学": "campus", "中学": "campus", "中心小学": "campus", "居委会": "community",
                         "村委会": "village"}.get(word, "unit")
            rows.append(Unit(name=name, unit_type=unit_type, level="city" if level == "city" else "county",
                             node=plan.node, contact_name="联络员"))
    made = Unit.objects.bulk_create(rows, batch_size=1000)
    return made


def _indicators(rng: random.Random, campaign) -> dict:
    """6 areas × 5 items × 4 indicators (every 12th a survey one, every 12th+4 a material one),
    ~2 deduction items per deduct indicator; the 未成年人 sub-system: 1 area, 2 items, 8
    indicators. Points: the main system sums to 100."""
    from wenming.evaluation.models import Indicator, Level, Rule, SiteType, SubSystem

    types = {t.code: t for t in SiteType.objects.all()}
    minors = SubSystem.objects.create(campaign=campaign, name=MINORS[0], floor_percent=Decimal(60),
                                      share_percent=Decimal(20))
    areas, items, scored, deductions = [], [], [], []
    sort = iter(range(1, 10**6))
    plan = [(str(a), name, its, None) for a, (name, its) in enumerate(AREAS, start=1)]
    plan.append(("9", MINORS[0], MINORS[1], minors))
    for code, name, _, _ in plan:
        areas.append(Indicator(campaign=campaign, level=Level.AREA, code=code, name=name, sort=next(sort)))
    Indicator.objects.bulk_create(areas)
    for area, (_, _, its, _sub) in zip(areas, plan, strict=True):
        for i, name in enumerate(its, start=1):
            items.append(Indicator(campaign=campaign, parent=area, level=Level.ITEM, code=f"{area.code}.{i}",
                                   name=name, sort=next(sort)))
    Indicator.objects.bulk_create(items)
    site_types_of = {}
    k = 0
    for item in items:
        sub = minors if item.code.startswith("9.") else None
        for j in range(1, 5):
            slot = k % 12 if sub is None else (3 if j == 3 and item.code == "9.1" else 7 if j == 3 else 0)
            k += sub is None
            rule = Rule.SURVEY if slot == 3 else Rule.MATERIAL if slot == 7 else Rule.DEDUCT
            if rule == Rule.SURVEY:
                name, methods = f"群众对{item.name}的{'知晓率' if j % 2 else '满意率'}", ["survey"]
            elif rule == Rule.MATERIAL:
                name, methods = f"{item.name}制度与工作台账", ["material", "report"]
            else:
                name = f"{item.name}{DEDUCT_NAMES[(j + len(item.name)) % len(DEDUCT_NAMES)]}"
                methods = ["field", "observe"]
            if sub is None:
                points = Decimal("0.8") if rule == Rule.DEDUCT else Decimal(1)
            else:
                points = Decimal(15) if rule == Rule.DEDUCT else Decimal(5)
            ind = Indicator(campaign=campaign, parent=item, level=Level.INDICATOR, code=f"{item.code}.{j}", name=name,
                            points=points, weight=Decimal("1.5") if rng.random() < 0.05 else Decimal(1),
                            methods=methods, rule=rule, subsystem=sub, sort=next(sort),
                            deduct_points=Decimal(rng.choice(["0.1", "0.15", "0.2", "0.25", "0.3"])))
            scored.append(ind)
            if rule == Rule.DEDUCT:
                pool = MINOR_SITE_TYPES if sub else [c for c in SITE_MIX if c not in ("school",)]
                site_types_of[ind.code] = rng.sample(pool, k=rng.choice((1, 2, 2, 3)))
    Indicator.objects.bulk_create(scored)
    # every site type checked by at least one indicator
    deduct = [i for i in scored if i.rule == Rule.DEDUCT and i.subsystem is None]
    for code in SITE_MIX:
        if not any(code in site_types_of[i.code] for i in scored if i.rule == Rule.DEDUCT):
            site_types_of[rng.choice(deduct).code].append(code)
    through = Indicator.site_types.through
    through.objects.bulk_create([through(indicator_id=i.pk, sitetype_id=types[c].pk)
                                 for i in scored if i.rule == Rule.DEDUCT for c in site_types_of[i.code]])
    for ind in scored:
        if ind.rule != Rule.DEDUCT:
            continue
        for d in range(1, rng.choice((2, 2, 2, 3, 1)) + 1):
            deductions.append(Indicator(
                campaign=campaign, parent=ind, level=Level.DEDUCTION, code=f"{ind.code}.{d}",
                name=DEDUCTION_NAMES[(d + len(ind.name)) % len(DEDUCTION_NAMES)], sort=next(sort),
                deduct_points=Decimal(rng.choice(["0.05", "0.1", "0.1", "0.2", "0.3", "0.5"]))))
    Indicator.objects.bulk_create(deductions)
    by_type = defaultdict(list)
    for ind in scored:
        if ind.rule == Rule.DEDUCT:
            for c in site_types_of[ind.code]:
                by_type[types[c].pk].append(ind)
    kids = defaultdict(list)
    for d in deductions:
        kids[d.parent_id].append(d)
    return {"scored": scored, "deductions": deductions, "by_type": by_type, "kids": kids, "types": types,
            "deduct": [i for i in scored if i.rule == Rule.DEDUCT]}


def _duties(rng: random.Random, campaign, tree: dict, units: list) -> int:
    """One lead per indicator (a city bureau; a county one for a tenth), 2–4 cooperating units."""
    from wenming.evaluation.models import Duty, DutyRole

    city_units = [u for u in units if u.level == "city"]
    county_units = [u for u in units if u.level == "county" and u.node.kind == "county"]
    rows = []
    for ind in tree["scored"]:
        lead = rng.choice(county_units if rng.random() < 0.1 else city_units)
        coops = rng.sample([u for u in city_units + county_units if u.pk != lead.pk], k=rng.randint(2, 4))
        rows.append(Duty(campaign=campaign, indicator=ind, unit=lead, role=DutyRole.LEAD, head_name="局长",
                         head_title="主要负责人", plan=f"{ind.name}创建工作方案", task_force="创建专班",
                         due_on=date(YEAR, 6, 30)))
        rows += [Duty(campaign=campaign, indicator=ind, unit=u, role=DutyRole.COOP) for u in coops]
    Duty.objects.bulk_create(rows, batch_size=1000)
    tree["lead"] = {d.indicator_id: d.unit_id for d in rows if d.role == DutyRole.LEAD}
    tree["coops"] = defaultdict(set)
    for d in rows:
        if d.role == DutyRole.COOP:
            tree["coops"][d.indicator_id].add(d.unit_id)
    return len(rows)


def _sites(rng: random.Random, tag: str, city, units: list, tree: dict, count: int) -> tuple[list, int]:
    """Sites on stations and points; half with a local unit; site duties at 20 % of them."""
    from wenming.evaluation.models import Site, SiteDuty
    from wenming.seeding.treeplan import coord

    local = defaultdict(list)  # node id → units at that node
    for u in units:
        local[u.node_id].append(u.pk)
    places = []  # (node plan, station plan, institute plan, county office plan)
    for c in city.counties:
        for st in c.stations:
            inst = c.town_of[id(st)]
            places += [(p, st, inst, c.office) for p in [st, *st.kids("point")]]
    type_codes = list(SITE_MIX)
    weights = [SITE_MIX[c] for c in type_codes]
    per_node = Counter()
    rows = []
    first = _next_ids(Site)
    for i in range(count):
        plan, st, inst, office = rng.choice(places)
        code = rng.choices(type_codes, weights)[0]
        stype = tree["types"][code]
        per_node[plan.node.pk] += 1
        nearby = local[st.node.pk] or local[inst.node.pk]
        unit_id = rng.choice(nearby) if nearby and rng.random() < 0.5 else None
        lat = coord(plan.lat + rng.uniform(-0.004, 0.004)) if plan.lat else None
        lon = coord(plan.lon + rng.uniform(-0.004, 0.004)) if plan.lon else None
        rows.append(Site(id=first + i, node_id=plan.node.pk, site_type=stype,
                         name=f"{plan.short or plan.name[:12]}{stype.name}{per_node[plan.node.pk]}号",
                         code=f"{tag}-S{i + 1:06d}", address=plan.address, lat=lat, lon=lon, radius_m=300,
                         unit_id=unit_id))
        rows[-1].local = nearby or local[office.node.pk]
    Site.objects.bulk_create(rows, batch_size=2000)
    duty_rows = []
    tree["site_duty"] = {}
    for site in rows:
        if rng.random() >= 0.2 or not site.local:
            continue
        unit_id = site.unit_id or rng.choice(site.local)
        for ind in tree["by_type"].get(site.site_type_id, []):
            duty_rows.append(SiteDuty(site_id=site.pk, indicator_id=ind.pk, unit_id=unit_id))
            tree["site_duty"][(site.pk, ind.pk)] = unit_id
    SiteDuty.objects.bulk_create(duty_rows, batch_size=5000)
    return rows, len(duty_rows)


def _findings(rng: random.Random, tag: str, campaign, tree: dict, sites: list, rounds: dict, user, count: int,
              tz) -> dict:
    """Findings over the campaign's months in every state, routed as `inspections.route`
    does (site duty, then the indicator's lead, then the site's unit; cooperating units of
    the duty table and the site's unit told too), repeats flagged as `_repeat_of` does."""
    from wenming.evaluation.models import Finding, FindingUnit

    county_of = {}
    from wenming.orgs.models import Node

    paths = dict(Node.objects.filter(pk__in=rounds).values_list("path", "pk"))
    for node_id, path in Node.objects.filter(pk__in={s.node_id for s in sites}).values_list("pk", "path"):
        county_of[node_id] = next(pk for p, pk in paths.items() if path.startswith(p))
    year_start = datetime(YEAR, 1, 1, tzinfo=tz)
    seconds = (datetime(YEAR + 1, 1, 1, tzinfo=tz) - year_start).total_seconds()
    days = {"minor": campaign.days_minor, "major": campaign.days_major, "severe": campaign.days_severe}
    statuses = list(STATUS_MIX)
    status_w = [STATUS_MIX[s] for s in statuses]
    drafts = []
    for _ in range(count):
        site = rng.choice(sites)
        inds = tree["by_type"].get(site.site_type_id) or tree["deduct"]
        ind = rng.choice(inds)
        kids = tree["kids"].get(ind.pk, [])
        deduction = rng.choice(kids) if kids and rng.random() < 0.7 else None
        observed = year_start + timedelta(seconds=rng.uniform(0, seconds - 86400))
        observed = observed.replace(hour=rng.randint(8, 17), microsecond=0)
        drafts.append((observed, site, ind, deduction))
    drafts.sort(key=lambda d: d[0])
    first, first_route = _next_ids(Finding), _next_ids(FindingUnit)
    window = timedelta(days=campaign.repeat_window_days)
    last_at: dict[tuple[int, int], tuple[int, datetime]] = {}
    rows, routes, tally = [], [], Counter()
    columns = ["id", "campaign_id", "round_id", "site_id", "node_id", "indicator_id", "deduction_id", "lead_unit_id",
               "description", "points", "severity", "status", "observed_at", "recorded_at", "recorded_by_id",
               "position_passed", "distance_m", "deadline", "repeat_of_id", "overdue", "reminded_at", "escalated_at",
               "closed_at", "number"]
    for n, (observed, site, ind, deduction) in enumerate(drafts):
        fid = first + n
        severity = rng.choices(("minor", "major", "severe"), (80, 15, 5))[0]
        status = rng.choices(statuses, status_w)[0]
        points = deduction.deduct_points if deduction is not None else ind.deduct_points
        local = observed.astimezone(tz) + timedelta(days=days[severity])
        deadline = local.replace(hour=23, minute=59, second=59)
        overdue = status in ("open", "returned") and rng.random() < 0.4
        reminded = deadline + timedelta(hours=1) if overdue else None
        escalated = deadline + timedelta(days=3) if overdue and rng.random() < 0.5 else None
        closed = observed + timedelta(days=rng.randint(1, 10)) if status in ("accepted", "withdrawn") else None
        key = (site.pk, ind.pk)
        prev = last_at.get(key)
        repeat = prev[0] if prev and observed - prev[1] <= window else None
        if status != "withdrawn":
            last_at[key] = (fid, observed)
        # routing (inspections.route with no deduction-level duties)
        lead_of = tree["lead"].get(ind.pk)
        lead = tree["site_duty"].get(key) or lead_of or site.unit_id
        coops = set(tree["coops"].get(ind.pk, ())) | ({lead_of} if lead_of else set())
        if site.unit_id:
            coops.add(site.unit_id)
        coops.discard(lead)
        coops.discard(None)
        rows.append((fid, campaign.pk, rounds[county_of[site.node_id]], site.pk, site.node_id, ind.pk,
                     deduction.pk if deduction else None, lead, DESCRIPTIONS[n % len(DESCRIPTIONS)], points, severity,
                     status, observed, observed + timedelta(minutes=rng.randint(2, 30)), user.pk,
                     rng.random() < 0.92, rng.randint(3, 280), deadline, repeat, overdue, reminded, escalated, closed,
                     f"DC{YEAR}{tag}{n + 1:07d}"))
        if lead:
            routes.append((first_route + len(routes), fid, lead, "lead"))
        routes += [(first_route + len(routes) + k, fid, u, "coop") for k, u in enumerate(sorted(coops))]
        tally[status] += 1
        tally["repeats"] += repeat is not None and status != "withdrawn"
    _write(Finding, columns, rows)
    _write(FindingUnit, ["id", "finding_id", "unit_id", "role"], routes)
    mix = ", ".join(f"{s} {tally[s]:,}" for s in statuses)
    return {"findings": len(rows), "routes": len(routes), "repeats": tally["repeats"], "status": mix}


def _surveys(rng: random.Random, campaign, tree: dict, city, user, count: int, tz) -> int:
    """Surveys at the counties (then at random institutes), one question per survey indicator,
    RESPONSES_PER_SURVEY answer sheets each over the campaign's months."""
    from wenming.evaluation.models import (
        QuestionKind,
        Rule,
        Survey,
        SurveyAnswer,
        SurveyQuestion,
        SurveyResponse,
    )

    inds = [i for i in tree["scored"] if i.rule == Rule.SURVEY]
    rate = {i.pk: rng.uniform(0.55, 0.97) for i in inds}
    institutes = [i for c in city.counties for i in c.institutes]
    surveys = []
    for k in range(count):
        node = city.counties[k].office if k < len(city.counties) else rng.choice(institutes)
        surveys.append(Survey(campaign=campaign, node=node.node, title=f"{node.name}文明城市创建群众满意度调查",
                              status="closed", responses_count=RESPONSES_PER_SURVEY, created_by=user))
    Survey.objects.bulk_create(surveys)
    questions = [SurveyQuestion(survey=s, indicator=i, text=i.name, sort=n,
                                kind=QuestionKind.AWARENESS if "知晓" in i.name else QuestionKind.SATISFACTION)
                 for s in surveys for n, i in enumerate(inds)]
    year_start = datetime(YEAR, 1, 1, 9, tzinfo=tz)
    first_r, first_a = _next_ids(SurveyResponse), _next_ids(SurveyAnswer)
    responses, answers = [], []
    counts = defaultdict(lambda: [0, 0])
    for s_no, survey in enumerate(surveys):
        qs = questions[s_no * len(inds):(s_no + 1) * len(inds)]
        for r in range(RESPONSES_PER_SURVEY):
            rid = first_r + len(responses)
            phone = hashlib.sha256(f"{survey.pk}:{r}".encode()).hexdigest()
            at = year_start + timedelta(days=rng.randrange(364), minutes=rng.randrange(600))
            responses.append((rid, survey.pk, phone, at))
            for q in qs:
                positive = rng.random() < rate[q.indicator_id]
                if q.kind == QuestionKind.AWARENESS:
                    value = int(positive)
                else:
                    value = rng.choice((4, 5)) if positive else rng.choice((1, 2, 3))
                answers.append((first_a + len(answers), rid, id(q), value, positive))
                counts[id(q)][0] += 1
                counts[id(q)][1] += positive
    for q in questions:
        q.answers, q.positives = counts[id(q)]
    SurveyQuestion.objects.bulk_create(questions)
    qid = {id(q): q.pk for q in questions}
    _write(SurveyResponse, ["id", "survey_id", "phone_hash", "submitted_at"], responses)
    _write(SurveyAnswer, ["id", "response_id", "question_id", "value", "positive"],
           [(a, r, qid[q], v, p) for a, r, q, v, p in answers])
    return len(answers)


def _materials(rng: random.Random, campaign, tree: dict, units: list, user, tz) -> int:
    """The lead and cooperating units of each material indicator, and a few other county
    units, submit 1–3 versions; most latest versions are scored (the latest scored counts)."""
    from wenming.evaluation.models import Material, MaterialStatus, Rule

    county_units = [u.pk for u in units if u.node.kind == "county"]
    rows = []
    for ind in tree["scored"]:
        if ind.rule != Rule.MATERIAL:
            continue
        who = {tree["lead"][ind.pk], *tree["coops"][ind.pk], *rng.sample(county_units, k=min(5, len(county_units)))}
        for unit_id in sorted(who):
            at = datetime(YEAR, rng.randint(2, 6), rng.randint(1, 28), 10, tzinfo=tz)
            versions = rng.randint(1, 3)
            for v in range(versions):
                # only the latest version may still wait for review (one pending per unit and indicator)
                status = rng.choices([MaterialStatus.SCORED, MaterialStatus.RETURNED, MaterialStatus.SUBMITTED],
                                     (75, 15, 10 if v == versions - 1 else 0))[0]
                score = Decimal(f"{rng.uniform(0.4, 1.0) * float(ind.points):.2f}") \
                    if status == MaterialStatus.SCORED else None
                reviewed = at + timedelta(days=3) if status != MaterialStatus.SUBMITTED else None
                rows.append(Material(campaign=campaign, indicator=ind, unit_id=unit_id, text=f"{ind.name}（第{v + 1}版）",
                                     status=status, submitted_by=user, submitted_at=at, score=score,
                                     reviewed_by=user if reviewed else None, reviewed_at=reviewed))
                at += timedelta(days=rng.randint(10, 40))
    Material.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _analyze() -> None:
    """Autovacuum may be off (it is on the benchmark machine): what it does in production,
    once, after the load (statistics and the visibility map)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    tables = ["orgs_node", "orgs_unit", "evaluation_indicator", "evaluation_duty", "evaluation_site",
              "evaluation_siteduty", "evaluation_finding", "evaluation_findingunit", "evaluation_survey",
              "evaluation_surveyquestion", "evaluation_surveyresponse", "evaluation_surveyanswer",
              "evaluation_material", "evaluation_unittally", "dashboards_figure", "dashboards_figuredelta"]
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM (ANALYZE) {table}")


def _clean(city: City) -> None:
    """Delete the city and everything the run added (plain SQL: the ORM's collector would
    fetch every row first)."""
    from django.db import connection, transaction

    c, like = city.campaign.pk, city.root.path + "%"
    sub = "SELECT id FROM orgs_node WHERE path LIKE %s"
    statements = [
        ("DELETE FROM evaluation_findingunit WHERE finding_id IN (SELECT id FROM evaluation_finding "
         "WHERE campaign_id = %s)", [c]),
        ("DELETE FROM evaluation_findingevent WHERE finding_id IN (SELECT id FROM evaluation_finding "
         "WHERE campaign_id = %s)", [c]),
        ("DELETE FROM evaluation_finding WHERE campaign_id = %s", [c]),
        ("DELETE FROM evaluation_inspectionround WHERE campaign_id = %s", [c]),
        ("DELETE FROM evaluation_surveyanswer WHERE response_id IN (SELECT r.id FROM evaluation_surveyresponse r "
         "JOIN evaluation_survey s ON s.id = r.survey_id WHERE s.campaign_id = %s)", [c]),
        ("DELETE FROM evaluation_surveyresponse WHERE survey_id IN (SELECT id FROM evaluation_survey "
         "WHERE campaign_id = %s)", [c]),
        ("DELETE FROM evaluation_surveyquestion WHERE survey_id IN (SELECT id FROM evaluation_survey "
         "WHERE campaign_id = %s)", [c]),
        ("DELETE FROM evaluation_survey WHERE campaign_id = %s", [c]),
        ("DELETE FROM evaluation_material WHERE campaign_id = %s", [c]),
        ("DELETE FROM evaluation_unittally WHERE campaign_id = %s", [c]),
        (f"DELETE FROM evaluation_siteduty WHERE site_id IN (SELECT id FROM evaluation_site WHERE node_id IN ({sub}))",
         [like]),
        ("DELETE FROM evaluation_duty WHERE campaign_id = %s", [c]),
        (f"DELETE FROM evaluation_site WHERE node_id IN ({sub})", [like]),
        ("DELETE FROM evaluation_indicator_site_types WHERE indicator_id IN (SELECT id FROM evaluation_indicator "
         "WHERE campaign_id = %s)", [c]),
        ("DELETE FROM evaluation_indicator WHERE campaign_id = %s", [c]),
        ("DELETE FROM evaluation_subsystem WHERE campaign_id = %s", [c]),
        ("DELETE FROM evaluation_campaign WHERE id = %s", [c]),
        (f"DELETE FROM dashboards_figure WHERE node_id IN ({sub})", [like]),
        (f"DELETE FROM dashboards_figuredelta WHERE node_id IN ({sub})", [like]),
        (f"DELETE FROM orgs_unit WHERE node_id IN ({sub})", [like]),
        ("DELETE FROM orgs_node WHERE path LIKE %s", [like]),
    ]
    with transaction.atomic(), connection.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)


# ---------------------------------------------------------------- checks and timings


def _board_key(board) -> dict:
    return {
        "full": board.full, "score": board.score, "main_full": board.main_full, "main_score": board.main_score,
        "subsystems": [(s.name, s.full, s.score, s.rate, s.passed) for s in board.subsystems],
        "counts": {k: int(v) for k, v in board.counts.items()}, "trend": board.trend,
        "lines": [(x.indicator.pk, x.depth, x.full, x.score, x.deducted, x.rate, x.material, x.no_data)
                  for x in board.lines],
    }


def _differs(a, b) -> list[str]:
    ka, kb = _board_key(a), _board_key(b)
    out = [f"{k}: {ka[k]!r} ≠ {kb[k]!r}" for k in ka if k != "lines" and ka[k] != kb[k]]
    if len(ka["lines"]) != len(kb["lines"]):
        out.append(f"lines: {len(ka['lines'])} ≠ {len(kb['lines'])}")
    out += [f"line {x[0]}: {x} ≠ {y}" for x, y in zip(ka["lines"], kb["lines"], strict=False) if x != y][:3]
    return out


def _check(city: City, rng: random.Random, board_units: list) -> tuple[list[str], int, int]:
    from wenming.evaluation.selectors.scoreboard import node_board, node_board_raw, unit_board, unit_board_raw
    from wenming.orgs.models import Node

    c = city.campaign
    nodes = [city.root, *city.counties]
    for kind in ("institute", "station"):
        ids = sorted(Node.objects.filter(path__startswith=city.root.path, kind=kind).values_list("pk", flat=True))
        nodes += list(Node.objects.filter(pk__in=rng.sample(ids, k=min(10, len(ids)))))
    problems = []
    for node in nodes:
        problems += [f"{node.name}: {p}" for p in _differs(node_board(c, node), node_board_raw(c, node))]
    for unit in board_units:
        problems += [f"{unit.name}: {p}" for p in _differs(unit_board(c, unit), unit_board_raw(c, unit))]
    return problems, len(nodes), len(board_units)


CPU: dict[str, list[float]] = defaultdict(list)  # this process's CPU time of the summary calls, by board


def _alternate(a, b, rounds: int, label: str = "") -> tuple[list[float], list[float]]:
    """`rounds` timed calls of each, alternating (a drift in the machine's load hits both)."""
    a(), b()  # warm-up
    ta, tb = [], []
    for _ in range(rounds):
        t, cpu = time.perf_counter(), time.process_time()
        a()
        ta.append((time.perf_counter() - t) * 1000)
        CPU[label].append((time.process_time() - cpu) * 1000)
        t = time.perf_counter()
        b()
        tb.append((time.perf_counter() - t) * 1000)
    return ta, tb


def run(*, scale: float = 1.0, rounds: int = 50, units: int = 200, unit_rounds: int = 5, seed: int = 2023,
        keep: bool = False, fresh: bool = False, **_) -> int:
    from django.db import connection

    from wenming.evaluation.board_cache import unit_changed
    from wenming.evaluation.models import Finding, UnitTally
    from wenming.evaluation.selectors.scoreboard import (
        node_board,
        node_board_raw,
        unit_board,
        unit_board_raw,
        unit_ranking,
    )
    from wenming.orgs.models import Node, Unit

    def say(msg):
        print(msg, flush=True)

    version = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0]
    else:
        say(f"提示 note: the targets are for PostgreSQL (DATABASE_URL); running on {connection.vendor}")
    load_before = os.getloadavg()
    tag = _tag(scale)
    city = _find(tag)
    if city is not None and fresh:
        say(f"删除保留的基准城市 deleting the kept city {tag} …")
        _clean(city)
        city = None
    if city is None:
        say(f"准备数据 building the city {tag} (scale {scale:g}) …")
        t = time.perf_counter()
        city = _build(tag, scale, seed, say)
        say(f"  built in {time.perf_counter() - t:.1f} s (incl. VACUUM ANALYZE)")
    else:
        say(f"沿用保留的基准城市 reusing the kept city {tag} ({city.root.name})")
    try:
        c = city.campaign
        rng = random.Random(seed + 1)
        findings = Finding.objects.filter(campaign=c).count()
        n_nodes = Node.objects.filter(path__startswith=city.root.path).count()
        all_units = Unit.objects.filter(node__path__startswith=city.root.path)
        with_board = set(UnitTally.objects.filter(campaign=c).values_list("unit_id", flat=True)) | set(
            c.duties.filter(role="lead").values_list("unit_id", flat=True))
        board_units = list(all_units.filter(pk__in=with_board).order_by("pk"))
        say(f"数据 data: {n_nodes:,} nodes, {all_units.count():,} units ({len(board_units):,} with a board), "
            f"{Finding.objects.filter(campaign=c, node__path__startswith=city.root.path).count():,} findings "
            f"({findings:,} in the campaign), {c.indicators.count()} indicator rows")

        per_finding = Counter(Finding.objects.filter(campaign=c).exclude(lead_unit=None)
                              .values_list("lead_unit_id", flat=True))
        sample = rng.sample(board_units, k=min(units, len(board_units)))
        heavy = sorted(board_units, key=lambda u: (-per_finding.get(u.pk, 0), u.pk))[:10]
        # checked: the timed units, the heaviest, and as many others again (all of them in a small city)
        others = [u for u in board_units if u not in sample and u not in heavy]
        checked = sample + heavy + rng.sample(others, k=min(len(others), max(len(sample), 100)))
        t = time.perf_counter()
        problems, n_checked, u_checked = _check(city, rng, checked)
        say(f"核对 checked {n_checked} node boards and {u_checked:,} unit boards against the raw rows in "
            f"{time.perf_counter() - t:.1f} s: {'all equal' if not problems else f'{len(problems)} differences'}")
        for p in problems[:20]:
            say(f"  MISMATCH {p}")

        county = max(city.counties, key=lambda n: Finding.objects.filter(campaign=c,
                                                                          node__path__startswith=n.path).count())
        county_findings = Finding.objects.filter(campaign=c, node__path__startswith=county.path).count()
        results = {}
        say(f"计时 timing the city and {county.name} ({county_findings:,} findings), {rounds} calls each way …")
        results["city"] = _alternate(lambda: node_board(c, city.root), lambda: node_board_raw(c, city.root), rounds,
                                     "city")
        results["county"] = _alternate(lambda: node_board(c, county), lambda: node_board_raw(c, county), rounds,
                                       "county")
        say(f"计时 timing {len(sample)} random units and the 10 that lead the most findings, "
            f"{unit_rounds} calls each way …")
        unit_stats = {}
        for name, group in (("unit", sample), ("unit_heavy", heavy)):
            summ, raw, ratios = [], [], []
            for unit in group:
                a, b = _alternate(lambda u=unit: unit_board(c, u), lambda u=unit: unit_board_raw(c, u), unit_rounds,
                                  name)
                summ += a
                raw += b
                ratios.append(statistics.median(b) / statistics.median(a))
            results[name] = (summ, raw)
            unit_stats[name] = (ratios, [per_finding.get(u.pk, 0) for u in group])
        # The first read after a change computes the board (a cache miss): timed apart, no target
        cold = []
        for unit in sample:
            for _ in range(2):
                unit_changed(c.pk, unit.pk)
                t = time.perf_counter()
                unit_board(c, unit)
                cold.append((time.perf_counter() - t) * 1000)
        results["unit_cold"] = cold
        say(f"计时 timing the ranking of the city's and {county.name}'s units, {max(5, rounds // 2)} calls each …")
        ranking = {}
        for label, node in (("city", city.root), ("county", county)):
            unit_ranking(c, node)
            ms = []
            for _ in range(max(5, rounds // 2)):
                t = time.perf_counter()
                ranked = unit_ranking(c, node)
                ms.append((time.perf_counter() - t) * 1000)
            ranking[label] = (ms, len(ranked))
    finally:
        if not keep:
            say("删除基准数据 deleting the city …")
            _clean(city)
    load_after = os.getloadavg()
    return _report(results, unit_stats, ranking, problems, scale=scale, version=version, vendor=connection.vendor,
                   findings=findings, county=county, load=(load_before, load_after), kept=keep, tag=tag)


def _report(results, unit_stats, ranking, problems, *, scale, version, vendor, findings, county, load, kept,
            tag) -> int:
    say = print
    say("")
    say(f"测评成绩榜基准 evaluation scoreboards — scale {scale:g} ({findings:,} findings) — {vendor} {version}")
    say("board                  summary p50      p95  (CPU p50) |   raw p50       p95 | speed-up              | target")
    verdicts = {}
    labels = {"city": "city", "county": "county (largest)", "unit": "unit, random", "unit_heavy": "unit, 10 heaviest"}
    for key in ("city", "county", "unit", "unit_heavy"):
        s, r = results[key]
        p95 = _pct(s, 95)
        if key in unit_stats:
            speedup = statistics.median(unit_stats[key][0])
            how = "median of units"
        else:
            speedup = statistics.median(r) / statistics.median(s)
            how = "p50 ÷ p50"
        ok = p95 < TARGET_P95_MS and speedup >= TARGET_SPEEDUP
        verdicts[key] = ok
        say(f"{labels[key]:20} {statistics.median(s):8.1f} ms {p95:6.1f} ms ({statistics.median(CPU[key]):5.1f} ms) | "
            f"{statistics.median(r):7.1f} ms {_pct(r, 95):7.1f} ms | {speedup:6.1f}× {how:15} | "
            f"{'met' if ok else 'MISSED'}")
    cold = results["unit_cold"]
    say(f"unit, first read after a change (cache miss) p50 {statistics.median(cold):.1f} ms   "
        f"p95 {_pct(cold, 95):.1f} ms   (no target)")
    say(f"  (largest county: {county.name}; CPU = this process's CPU time of a summary call: the Python part)")
    for key in ("unit", "unit_heavy"):
        ratios, sizes = unit_stats[key]
        say(f"  {labels[key]}: per-unit speed-ups min {min(ratios):.1f}× / median {statistics.median(ratios):.1f}× / "
            f"max {max(ratios):.1f}×; findings led per unit min {min(sizes):,} / median "
            f"{statistics.median(sizes):,.0f} / max {max(sizes):,}")
    for label, (ms, n) in ranking.items():
        say(f"ranking (红黑榜) {label:8} {n:5,} units ranked: p50 {statistics.median(ms):7.1f} ms   "
            f"p95 {_pct(ms, 95):7.1f} ms   (no target)")
    say(f"boards equal to the raw ones: {'yes' if not problems else f'NO ({len(problems)} differences)'}")
    ok = verdicts["city"] and verdicts["unit"] and not problems
    missed = []
    for key in ("city", "unit"):
        s, r = results[key]
        p95 = _pct(s, 95)
        sp = statistics.median(unit_stats[key][0]) if key in unit_stats else statistics.median(r) / statistics.median(s)
        if p95 >= TARGET_P95_MS:
            missed.append(f"{key} p95 {p95:.1f} ms is {p95 - TARGET_P95_MS:.1f} ms over {TARGET_P95_MS:.0f} ms")
        if sp < TARGET_SPEEDUP:
            missed.append(f"{key} speed-up {sp:.1f}× is short of {TARGET_SPEEDUP:.0f}× by {TARGET_SPEEDUP - sp:.1f}×")
    say(f"targets (issue 12): the city's and a unit's board p95 < {TARGET_P95_MS:.0f} ms and ≥ {TARGET_SPEEDUP:.0f}× "
        f"faster than from the raw rows, same answers → {'met' if ok else 'NOT met'}")
    for m in missed:
        say(f"  missed: {m}")
    say("machine: {} cores; load average before {:.2f}/{:.2f}/{:.2f}, after {:.2f}/{:.2f}/{:.2f}".format(
        os.cpu_count(), *load[0], *load[1]))
    if kept:
        say(f"kept the city {tag} for the next run (--fresh to rebuild, run without --keep to delete it)")
    return 0 if ok else 1
