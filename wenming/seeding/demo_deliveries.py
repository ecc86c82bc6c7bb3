"""Delivery runs (代购配送) at the demo station: one finished run two days ago (two households
confirmed on their tracking page, one no longer needing it), and one run gathering now with
two of the station's reviewed 代购 requests, the `volunteer` login on it — the other reviewed
代购 stay as candidates to add. All through the deliveries services, with the clock as a
parameter."""

from datetime import timedelta

from wenming.deliveries import services, stops
from wenming.deliveries.models import DeliveryStop
from wenming.demands.intake import DemandInput, demand_enter
from wenming.demands.models import Demand, DemandStatus
from wenming.demands.workflow import demand_rate, demand_review

H, D = timedelta(hours=1), timedelta(days=1)
PAST = [  # (description, items) of the finished run's households
    ("居家隔离，家里米和油快吃完了，请帮忙代购。", [("大米", 1, "袋", 60), ("食用油", 1, "桶", 75)]),
    ("老两口居家隔离，需要代购蔬菜和鸡蛋。", [("蔬菜包", 2, "份", 40), ("鸡蛋", 30, "个", 30), ("大米", 1, "袋", 60)]),
    ("孩子在家上网课，需要代购牛奶和挂面。", [("牛奶", 1, "箱", 65), ("挂面", 2, "把", 12)]),
]


def create_deliveries(demo, first_phone: int) -> dict:
    """`demo` is demo_requests.Demo; phones continue the fake range from `first_phone`."""
    staff, runner = demo.users["station"], demo.vols["volunteer"]
    _finished_run(demo, staff, runner, first_phone)
    waiting = list(Demand.objects.filter(node=demo.station, status=DemandStatus.REVIEWED,
                                         category__is_purchase=True).order_by("pk")[:2])
    run = services.run_create(actor=staff, node=demo.station, title=f"{demo.station.name}代购第二批",
                              planned_for=(demo.now + D).date(), note="明早 9 点在站里集合，统一去惠民超市采购")
    if waiting:
        services.run_add_demands(actor=staff, run=run, demands=waiting, now=demo.now)
    services.run_assign(actor=staff, run=run, volunteers=[runner], now=demo.now)
    return {"delivery_runs": 2, "delivery_households": DeliveryStop.objects.count()}


def _finished_run(demo, staff, runner, first_phone: int) -> None:
    t = demo.now - 3 * D
    entered = []
    for n, (description, items) in enumerate(PAST):
        data = DemandInput(name=demo.name(), phone=f"1380000{first_phone + n:04d}", address=demo.address(),
                           category="shopping", description=description, within=demo.station,
                           items=[{"name": a, "quantity": q, "unit": u, "budget": b} for a, q, u, b in items])
        demand, code = demand_enter(actor=staff, data=data, now=t + n * H)
        entered.append((demand_review(actor=staff, demand=demand, now=t + 2 * H), code))
    run = services.run_create(actor=staff, node=demo.station, title=f"{demo.station.name}代购第一批",
                              planned_for=(t + D).date(), now=t + 3 * H)
    services.run_add_demands(actor=staff, run=run, demands=[d for d, _ in entered], now=t + 3 * H)
    services.run_assign(actor=staff, run=run, volunteers=[runner, demo.vols["leader"]], now=t + 3 * H)
    services.run_start_purchase(actor=staff, run=run, now=t + D)
    services.receipt_add(actor=runner.user, run=run, amount="352.00", shop="金缸城惠民超市",
                         note="三户合计，小票已拍照交站里", now=t + D + H)
    services.run_start_delivery(actor=runner.user, run=run, now=t + D + 2 * H)
    by_demand = {s.demand_id: s for s in DeliveryStop.objects.filter(run=run).select_related("run__node", "demand")}
    for (demand, code), amount in zip(entered[:2], ("135.00", "130.00"), strict=True):
        stops.stop_set_amount(actor=runner.user, stop=by_demand[demand.pk], amount=amount)
        stops.stop_confirm_by_resident(tracking_no=demand.tracking_no, tracking_code=code, now=t + D + 3 * H)
    stops.stop_mark(actor=staff, stop=by_demand[entered[2][0].pk], reason="住户亲属已送来牛奶和挂面，不再需要",
                    outcome="cancel", now=t + D + 3 * H)
    first, code = entered[0]
    demand_rate(tracking_no=first.tracking_no, tracking_code=code, rating=5, comment="东西齐全，志愿者很细心",
                now=t + D + 5 * H)
