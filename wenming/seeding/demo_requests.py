"""Residents' requests (群众点单) and the supplies ledger (防疫物资) at the demo station
(金缸城社区), and — through demo_hotline — the county center's counselling hotline.

Everything goes through the apps' services (intake, review, dispatch, accept, start,
complete, rate, close; donations, transfers, distributions, a stocktake), so events, offers,
audit rows, stock and the volunteers' request summaries agree. The services take the clock
as a parameter, so the finished requests have a history of days; the open ones were asked
minutes ago (their SLA timers run from there, as the product's do). The shopping lists,
supplies and figures follow the 秭归 field report (米面油、蔬菜代购；消毒用品 15 吨、口罩
1 万个、防护服 110 套). Residents' phones are in the fake range 1380000xxxx, donors'
landlines 0717-0000xxx (no real number starts with 0 after the area code).
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from wenming.accounts.models import User
from wenming.demands.intake import DemandInput, demand_enter
from wenming.demands.models import Demand, DemandStatus, Offer
from wenming.demands.workflow import (
    demand_close,
    demand_complete,
    demand_dispatch,
    demand_rate,
    demand_reject,
    demand_review,
    demand_start,
    offer_accept,
    offer_decline,
)
from wenming.orgs.models import Node
from wenming.supplies.models import SupplyItem
from wenming.supplies.services import distribute, donation_receive, stock_adjust
from wenming.volunteers.models import Team, Volunteer

from .demo_accounts import DEMO_STATION
from .demo_deliveries import create_deliveries
from .demo_epidemic import create_epidemic
from .demo_hotline import create_hotline
from .demo_work import create_work
from .names import ZIGUI_SURNAMES, Surnames, make_name
from .zigui import COUNTY

S = DemandStatus
DEMO_PHONE_PREFIX = "1380000"  # + 4 digits: residents 0001–0099 (delivery runs 0090–), hotline callers 0100–0199, donors 0200–


def demo_phone(n: int) -> str:
    return f"{DEMO_PHONE_PREFIX}{n:04d}"


def demo_landline(n: int) -> str:
    return f"0717-0000{n:03d}"


def _items(*rows) -> list[dict]:
    return [{"name": name, "quantity": qty, "unit": unit, "budget": budget} for name, qty, unit, budget in rows]


@dataclass
class Ask:
    """One request and how far it gets. `offers`: whom the dispatcher asks, in rank order
    ("volunteer"/"leader" logins, "team" = the station's 分队); the first is asked and, from
    accepted on, takes it (a team offer is taken by `taker`)."""

    state: str
    category: str
    description: str
    ago: timedelta
    items: tuple = ()
    urgency: str = "normal"
    preferred_time: str = ""
    offers: tuple = ("volunteer",)
    taker: str = "volunteer"
    decline: str = ""  # the first candidate declines with this reason
    note: str = ""  # reject reason, or the completion note
    receipt: str | None = None
    rating: tuple[int, str] | None = None
    close_note: str = ""


M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
ASKS = [
    Ask(S.SUBMITTED, "repair", "卫生间水管接头漏水，物业维修师傅在居家隔离来不了，想请会修水管的志愿者帮忙看看。",
        ago=12 * M, urgency="urgent", preferred_time="今天下午"),
    Ask(S.SUBMITTED, "policy", "儿子从外省返回秭归，想咨询需要居家健康监测几天、要做几次核酸、到哪里报备。",
        ago=8 * M),
    Ask(S.SUBMITTED, "psychological", "母亲一个人在家隔离，这几天情绪低落、整夜睡不着，希望有人打电话陪她聊聊。",
        ago=4 * M, preferred_time="晚饭后"),
    Ask(S.REVIEWED, "shopping", "居家隔离第 5 天，家里两位老人，米和油快吃完了，麻烦帮忙代购，无接触放门口即可。",
        ago=22 * M, items=_items(("大米", 10, "斤", 35), ("食用油", 1, "桶（5 升）", 75), ("青菜", 2, "斤", 8),
                                 ("鸡蛋", 30, "个", 30)), preferred_time="明天上午"),
    Ask(S.REVIEWED, "shopping", "独居老人，腿脚不方便，也不会用手机买菜，请帮忙买点蔬菜和挂面。",
        ago=20 * M, items=_items(("白菜", 1, "颗", 5), ("土豆", 3, "斤", 9), ("挂面", 2, "把", 12),
                                 ("酱油", 1, "瓶", 10)), preferred_time="明天上午"),
    Ask(S.REVIEWED, "shopping", "一家三口居家健康监测，孩子上网课要用口罩，帮忙买儿童口罩、牛奶和水果。",
        ago=18 * M, items=_items(("儿童口罩", 2, "包", 30), ("牛奶", 1, "箱", 60), ("苹果", 3, "斤", 18))),
    Ask(S.REVIEWED, "shopping", "从外地返乡后居家隔离 14 天，需要代购一周的生活物资。",
        ago=16 * M, items=_items(("大米", 25, "斤", 80), ("方便面", 1, "箱", 45), ("猪肉", 2, "斤", 32),
                                 ("卫生纸", 1, "提", 25), ("医用外科口罩", 1, "包（10 个）", 10)),
        preferred_time="明天下午"),
    Ask(S.REJECTED, "shopping", "帮忙代买两条香烟和一箱白酒。", ago=2 * H,
        items=_items(("香烟", 2, "条", None), ("白酒", 1, "箱", None)),
        note="代购服务限米面油、蔬菜、药品等生活必需品，香烟和白酒不在代购范围，已电话告知居民。"),
    Ask(S.DISPATCHED, "medicine", "高血压药快吃完了，医生处方已开好，麻烦去县人民医院门诊药房代取。",
        ago=25 * M, items=_items(("降压药（处方药）", 2, "盒", 60),), urgency="urgent",
        offers=("volunteer", "leader")),
    Ask(S.DISPATCHED, "disinfection", "楼里有一户居家隔离，想请志愿者对楼道、扶手和电梯按钮消杀一次。",
        ago=24 * M, offers=("team",), preferred_time="今天傍晚"),
    Ask(S.DISPATCHED, "elderly_disabled", "八十多岁老人独居，想请人帮忙打扫卫生、把楼下的垃圾带走。",
        ago=26 * M, offers=("volunteer", "leader"), decline="今天在北门卡点值班，走不开，请派给其他队员。"),
    Ask(S.ACCEPTED, "escort", "明天上午去县人民医院血透室复查，子女在外地回不来，需要有人陪同挂号、取报告。",
        ago=3 * H, preferred_time="明天上午 8:00"),
    Ask(S.IN_PROGRESS, "shopping", "家里老人卧床，需代购一周的米、菜和成人纸尿裤。", ago=4 * H,
        items=_items(("大米", 10, "斤", 35), ("蔬菜", 5, "斤", 25), ("成人纸尿裤", 1, "包", 60)),
        offers=("leader", "volunteer"), taker="leader"),
    Ask(S.COMPLETED, "shopping", "居家隔离户，请帮忙买米、油、蔬菜和 84 消毒液。", ago=7 * H,
        items=_items(("大米", 10, "斤", 35), ("食用油", 1, "桶（5 升）", 75), ("蔬菜", 4, "斤", 20),
                     ("84 消毒液", 1, "瓶", 15)),
        note="已按清单购齐，无接触放在门口，小票已拍照发给居民。", receipt="148.50"),
    Ask(S.RATED, "medicine", "糖尿病常用药吃完了，麻烦到社区卫生服务中心代取。", ago=2 * D,
        items=_items(("降糖药（处方药）", 3, "盒", 90),), offers=("leader",), taker="leader",
        note="药已取回送到家，当面核对了药名和数量。", receipt="86.00", rating=(5, "志愿者很负责，药当天就送到了，谢谢！")),
    Ask(S.CLOSED, "shopping", "一家四口居家隔离，需要米面油和一些蔬菜。", ago=9 * D,
        items=_items(("大米", 20, "斤", 70), ("面粉", 5, "斤", 20), ("食用油", 1, "桶（5 升）", 75),
                     ("蔬菜包", 1, "份", 30)), offers=("team",),
        note="米面油和蔬菜已送到门口，已电话告知。", receipt="189.00", rating=(5, "非常及时，东西都很新鲜。"),
        close_note="已电话回访，群众满意。"),
    Ask(S.CLOSED, "elderly_disabled", "独居老人家里灯泡坏了，想请人帮忙换一下，顺便看看电路。", ago=5 * D,
        offers=("leader",), taker="leader", note="已更换两个灯泡，检查了插座，没有发现问题。",
        close_note="电话回访满意；老人不会操作评价，由工作人员办结。"),
]


class Demo:
    """What the scenes need: the logins, the station's nodes, a clock and the RNG."""

    def __init__(self, rng: random.Random, station: Node, team: Team):
        self.rng, self.station, self.team = rng, station, team
        self.users = {u.username: u for u in User.objects.filter(
            username__in=["office", "institute", "station", "volunteer", "leader", "counselor", "supervisor"])}
        self.vols = {v.user.username: v for v in Volunteer.objects.select_related("user").filter(
            user__username__in=["volunteer", "leader"])}
        ancestors = Node.objects.filter(path__in=[station.path[:i] for i in range(4, len(station.path), 4)])
        self.center = ancestors.get(kind="center")
        self.institute = ancestors.get(kind="institute")
        self.town = self.institute.name.removesuffix("新时代文明实践所")
        self.grids = list(Node.objects.filter(path__startswith=station.path, kind="grid").order_by("path"))
        points = Node.objects.filter(parent=station, kind="point").order_by("path").values_list("name", flat=True)
        self.estates = [p.removeprefix(DEMO_STATION).removesuffix("文明实践点") for p in points] or ["金缸城小区"]
        self.surnames = Surnames(ZIGUI_SURNAMES)
        self.now = timezone.now()

    def address(self) -> str:
        rng = self.rng
        return (f"{COUNTY}{self.town}{DEMO_STATION}{rng.choice(self.estates)}{rng.randint(1, 18)}栋"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 12)}0{rng.randint(1, 4)}室")

    def name(self) -> str:
        return make_name(self.rng, self.surnames, self.rng.random() < 0.5)


def create_requests(rng: random.Random, station: Node, team: Team) -> dict:
    """`station` is the demo station's node, `team` its 分队. Returns counts for the summary."""
    demo = Demo(rng, station, team)
    for n, ask in enumerate(ASKS, start=1):
        _request(demo, n, ask)
    _resident_phone(demo)
    deliveries = create_deliveries(demo, first_phone=90)
    work = create_work(demo)
    supplies = _supplies(demo)
    hotline = create_hotline(demo)
    epidemic = create_epidemic(demo)
    states = Counter(Demand.objects.filter(node=station).values_list("status", flat=True))
    return {"demands": dict(sorted(states.items())), **deliveries, **supplies, **hotline, "work": work,
            "epidemic_2020": epidemic}


def _resident_phone(demo: Demo) -> None:
    """The `resident` login holds the phone of the completed request, proven as by a code
    login, so its 我的点单 lists that request with 去评价 (demands/mine.py)."""
    n = next(i for i, ask in enumerate(ASKS, start=1) if ask.state == S.COMPLETED)
    resident = User.objects.get(username="resident")
    resident.set_phone(demo_phone(n))
    resident.phone_verified_at = demo.now
    resident.save(update_fields=["phone_enc", "phone_hash", "phone_masked", "phone_verified_at"])


def _request(demo: Demo, n: int, ask: Ask):
    staff = demo.users["station"]
    t = demo.now - ask.ago
    data = DemandInput(name=demo.name(), phone=demo_phone(n), address=demo.address(), category=ask.category,
                       description=ask.description, urgency=ask.urgency, preferred_time=ask.preferred_time,
                       items=list(ask.items), grid=demo.rng.choice(demo.grids) if demo.grids else None,
                       within=demo.station)
    demand, code = demand_enter(actor=staff, data=data, now=t)
    if ask.state == S.SUBMITTED:
        return demand
    if ask.state == S.REJECTED:
        return demand_reject(actor=staff, demand=demand, reason=ask.note, now=t + 10 * M)
    demand = demand_review(actor=staff, demand=demand, now=t + 10 * M)
    if ask.state == S.REVIEWED:
        return demand
    demand = demand_dispatch(actor=staff, demand=demand, now=t + 15 * M,
                             volunteers=[demo.vols[who] for who in ask.offers if who != "team"],
                             teams=[demo.team] if "team" in ask.offers else [], at_once=1)
    first = Offer.objects.filter(demand=demand).order_by("rank").first()
    if ask.decline:
        offer_decline(actor=first.volunteer.user, offer=first, reason=ask.decline, now=t + 20 * M)
    if ask.state == S.DISPATCHED:
        demand.refresh_from_db()
        return demand
    taker = demo.users[ask.taker]
    demand = offer_accept(actor=taker, offer=first, now=t + 30 * M)
    if ask.state == S.ACCEPTED:
        return demand
    demand = demand_start(actor=taker, demand=demand, now=t + 2 * H)
    if ask.state == S.IN_PROGRESS:
        return demand
    demand = demand_complete(actor=taker, demand=demand, note=ask.note, receipt_amount=ask.receipt, now=t + 3 * H)
    if ask.rating:
        demand = demand_rate(tracking_no=demand.tracking_no, tracking_code=code, rating=ask.rating[0],
                             comment=ask.rating[1], now=t + 5 * H)
    if ask.state == S.CLOSED:
        demand = demand_close(actor=staff, demand=demand, note=ask.close_note, now=t + D)
    return demand


def _supplies(demo: Demo) -> dict:
    """Donations at the county center (the report's 消毒用品 15 吨, 口罩 1 万个, 防护服 110 套),
    transfers down to 茅坪镇 and the demo station, what the station gave out, one stocktake."""
    item = {i.name: i for i in SupplyItem.objects.all()}
    office, institute, staff = demo.users["office"], demo.users["institute"], demo.users["station"]
    days = lambda n: demo.now - timedelta(days=n, hours=demo.rng.randint(0, 6))  # noqa: E731
    donations = [
        donation_receive(actor=office, node=demo.center, donor_name="秭归县红十字会（社会捐助转赠）",
                         donor_phone=demo_landline(1), received_at=days(40), note="社会捐助医用外科口罩 1 万个",
                         lines=[(item["医用外科口罩"], 10000)]),
        donation_receive(actor=office, node=demo.center, donor_name="宜昌市某消毒用品生产企业",
                         donor_phone=demo_landline(2), received_at=days(38), note="定向捐赠县城社区卡点消杀",
                         lines=[(item["消毒用品（散装）"], 10), (item["84 消毒液"], 200)]),
        donation_receive(actor=office, node=demo.center, donor_name="在外务工秭归籍乡友联谊会",
                         donor_phone=demo_phone(200), received_at=days(35),
                         lines=[(item["消毒用品（散装）"], 5), (item["医用防护服"], 110), (item["护目镜"], 60)]),
    ]
    transfers = [
        distribute(actor=office, from_node=demo.center, to_kind="node", to_node=demo.institute,
                   reason=f"调拨{demo.institute.name}，用于县城社区卡点和居家隔离户", distributed_at=days(33),
                   lines=[(item["医用外科口罩"], 3000), (item["消毒用品（散装）"], "2.5"), (item["医用防护服"], 30),
                          (item["84 消毒液"], 60)]),
        distribute(actor=institute, from_node=demo.institute, to_kind="node", to_node=demo.station,
                   reason=f"调拨{DEMO_STATION}，北门、东门卡点和居家隔离户配送", distributed_at=days(32),
                   lines=[(item["医用外科口罩"], 800), (item["消毒用品（散装）"], "0.5"), (item["医用防护服"], 12),
                          (item["84 消毒液"], 24)]),
    ]
    donations += [
        donation_receive(actor=staff, node=demo.station, donor_name=f"{DEMO_STATION}爱心商户联盟",
                         donor_phone=demo_phone(201), received_at=days(30), note="保障居家隔离户生活物资",
                         lines=[(item["大米"], 40), (item["食用油"], 30), (item["蔬菜包"], 50), (item["牛奶"], 20)]),
        donation_receive(actor=staff, node=demo.station, donor_name=f"{DEMO_STATION}居民（匿名）", received_at=days(28),
                         lines=[(item["方便面"], 10), (item["饮用水"], 20)]),
    ]
    given = [distribute(actor=staff, from_node=demo.station, to_kind="team", to_team=demo.team, distributed_at=days(27),
                        reason="卡点值守、入户配送志愿者防护用品",
                        lines=[(item["医用外科口罩"], 300), (item["医用防护服"], 6), (item["84 消毒液"], 10)])]
    for n, lines in enumerate([
        [(item["大米"], 1), (item["食用油"], 1), (item["蔬菜包"], 2), (item["医用外科口罩"], 20)],
        [(item["大米"], 1), (item["牛奶"], 1), (item["蔬菜包"], 1)],
        [(item["方便面"], 1), (item["饮用水"], 2), (item["蔬菜包"], 1), (item["84 消毒液"], 1)],
        [(item["大米"], 1), (item["食用油"], 1), (item["牛奶"], 1)],
    ]):
        given.append(distribute(actor=staff, from_node=demo.station, to_kind="household", household_name=demo.name(),
                                household_address=demo.address(), distributed_at=days(26 - 3 * n), lines=lines,
                                reason=("居家隔离户生活保障" if n % 2 == 0 else "困难独居老人生活物资")))
    stock_adjust(actor=staff, node=demo.station, item=item["84 消毒液"], counted=12,
                 reason="月底盘点：搬运中破损 1 瓶")
    return {"donations": len(donations), "transfers": len(transfers), "distributions": len(given)}
