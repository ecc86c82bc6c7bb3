"""点单 → 审单 → 派单 → 接单 → 评单: who may do what from which state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.demands import workflow as wf
from wenming.demands.models import Demand, DemandEvent, Offer
from wenming.demands.sla import demand_sla_tick
from wenming.demands.tests.factories import entered, volunteer_user
from wenming.service.tests.factories import storm
from wenming.volunteers.tests.factories import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(world):
    """Station A's request with its people: two offered volunteers, a bystander volunteer,
    and staff inside and outside the scope."""
    world.helper = volunteer_user(world, "helper1", phone="13700000001")
    world.second = volunteer_user(world, "helper2", phone="13700000002")
    world.bystander = volunteer_user(world, "helper3", phone="13700000003")
    return world


def _code(fn, **kw) -> str:
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value.code


def _to(world, state: str):
    """A request brought to `state` the normal way; returns (demand, tracking code)."""
    demand, code = entered(world)
    if state == "submitted":
        return demand, code
    if state == "rejected":
        return wf.demand_reject(actor=world.manager_a, demand=demand, reason="不在服务范围"), code
    demand = wf.demand_review(actor=world.manager_a, demand=demand)
    if state == "reviewed":
        return demand, code
    demand = wf.demand_dispatch(actor=world.manager_a, demand=demand, volunteers=[world.helper, world.second])
    if state == "dispatched":
        return demand, code
    demand = wf.offer_accept(actor=world.helper.user, offer=Offer.objects.get(demand=demand, volunteer=world.helper))
    if state == "accepted":
        return demand, code
    demand = wf.demand_start(actor=world.helper.user, demand=demand)
    if state == "in_progress":
        return demand, code
    demand = wf.demand_complete(actor=world.helper.user, demand=demand, note="已送到门口", receipt_amount="86.50")
    if state == "completed":
        return demand, code
    demand = wf.demand_rate(tracking_no=demand.tracking_no, tracking_code=code, rating=5, comment="很及时")
    if state == "rated":
        return demand, code
    return wf.demand_close(actor=world.manager_a, demand=demand), code


STATES = ["submitted", "rejected", "reviewed", "dispatched", "accepted", "in_progress", "completed", "rated", "closed"]


def _attempts(world, demand, code):
    """Every (action, actor) pair, as callables."""
    offer = Offer.objects.filter(demand=demand, volunteer=world.helper).first()
    staff = {"manager_a": world.manager_a, "manager_b": world.manager_b, "helper": world.helper.user,
             "bystander": world.bystander.user}
    out = {}
    for name, actor in staff.items():
        out[("review", name)] = lambda a=actor: wf.demand_review(actor=a, demand=demand)
        out[("reject", name)] = lambda a=actor: wf.demand_reject(actor=a, demand=demand, reason="重复点单")
        out[("dispatch", name)] = lambda a=actor: wf.demand_dispatch(actor=a, demand=demand,
                                                                     volunteers=[world.bystander])
        out[("start", name)] = lambda a=actor: wf.demand_start(actor=a, demand=demand)
        out[("complete", name)] = lambda a=actor: wf.demand_complete(actor=a, demand=demand, note="完成")
        out[("close", name)] = lambda a=actor: wf.demand_close(actor=a, demand=demand)
        if offer is not None:
            out[("accept", name)] = lambda a=actor: wf.offer_accept(actor=a, offer=offer)
            out[("decline", name)] = lambda a=actor: wf.offer_decline(actor=a, offer=offer, reason="临时有事")
    out[("rate", "resident")] = lambda: wf.demand_rate(tracking_no=demand.tracking_no, tracking_code=code, rating=4)
    out[("rate", "stranger")] = lambda: wf.demand_rate(tracking_no=demand.tracking_no, tracking_code="000000",
                                                       rating=4)
    return out


ALLOWED = {
    "submitted": {("review", "manager_a"), ("reject", "manager_a")},
    "rejected": set(),
    "reviewed": {("dispatch", "manager_a")},
    "dispatched": {("dispatch", "manager_a"), ("accept", "helper"), ("decline", "helper")},
    "accepted": {("start", "helper")},
    "in_progress": {("complete", "helper")},
    "completed": {("rate", "resident"), ("close", "manager_a")},
    "rated": {("close", "manager_a")},
    "closed": set(),
}


@pytest.mark.parametrize("state", STATES)
def test_each_transition_only_for_the_right_actor_from_the_right_state(cast, state):
    world = cast
    demand, code = _to(world, state)
    assert demand.status == state
    for (action, who), attempt in _attempts(world, demand, code).items():
        if (action, who) in ALLOWED[state]:
            continue
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.code, (state, action, who)
        demand.refresh_from_db()
        assert demand.status == state, (state, action, who)
    for action, who in ALLOWED[state]:  # and each allowed one works from here
        fresh, fresh_code = _to(world, state)
        _attempts(world, fresh, fresh_code)[(action, who)]()


def test_the_history_records_who_and_when(cast):
    demand, _ = _to(cast, "closed")
    actions = list(DemandEvent.objects.filter(demand=demand).values_list("action", "actor_label"))
    assert [a for a, _ in actions] == ["submit", "review", "dispatch", "accept", "start", "complete", "rate", "close"]
    assert ("rate", "群众") in actions and ("review", "manager_a") in actions
    assert AuditEntry.objects.filter(action="demand.close", object_id=str(demand.pk)).exists()


def test_a_rejected_request_shows_its_reason(cast):
    demand, _ = _to(cast, "rejected")
    assert demand.reject_reason == "不在服务范围"
    assert _code(wf.demand_reject, actor=cast.manager_a, demand=entered(cast)[0], reason=" ") == \
        "demands.reason_required"


def test_a_volunteer_who_declined_is_never_offered_the_same_request_again(cast):
    demand, _ = _to(cast, "dispatched")
    wf.offer_decline(actor=cast.helper.user, offer=Offer.objects.get(demand=demand, volunteer=cast.helper),
                     reason="在外地")
    assert _code(wf.demand_dispatch, actor=cast.manager_a, demand=demand, volunteers=[cast.helper]) == \
        "demands.already_offered"
    assert Offer.objects.filter(demand=demand, volunteer=cast.helper).count() == 1


def test_candidates_are_asked_in_rank_order_and_the_request_returns_when_all_decline(cast):
    demand, _ = _to(cast, "reviewed")
    demand = wf.demand_dispatch(actor=cast.manager_a, demand=demand, volunteers=[cast.helper, cast.second])
    first, second = Offer.objects.filter(demand=demand).order_by("rank")
    assert (first.status, second.status) == ("offered", "queued")
    wf.offer_decline(actor=cast.helper.user, offer=first, reason="在外地")
    second.refresh_from_db()
    assert second.status == "offered"  # the next candidate is asked at once
    wf.offer_decline(actor=cast.second.user, offer=second, reason="身体不适")
    demand.refresh_from_db()
    assert demand.status == "reviewed"  # back to the dispatcher
    assert _code(wf.offer_decline, actor=cast.helper.user, offer=first, reason="再婉拒") == "demands.offer_closed"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_volunteers_accepting_at_once_end_with_one_acceptance():
    world = build_world()
    people = [volunteer_user(world, f"racer{i}", phone=f"1370000{i:04d}") for i in range(8)]
    demand, _ = entered(world)
    demand = wf.demand_review(actor=world.manager_a, demand=demand)
    wf.demand_dispatch(actor=world.manager_a, demand=demand, volunteers=people, at_once=len(people))
    offers = list(Offer.objects.filter(demand=demand).select_related("volunteer__user"))
    assert all(o.status == "offered" for o in offers)
    results = storm([lambda o=o: wf.offer_accept(actor=o.volunteer.user, offer=o).status for o in offers],
                    threads=len(offers))
    assert results.count("accepted") == 1
    assert results.count("demands.offer_closed") == len(offers) - 1
    demand.refresh_from_db()
    assert demand.status == "accepted"
    assert Offer.objects.filter(demand=demand, status="accepted").count() == 1
    winner = Offer.objects.get(demand=demand, status="accepted").volunteer
    assert demand.accepted_by == winner


def test_unreviewed_requests_escalate_to_the_parent_on_the_clock(cast, settings):
    settings.DEMAND_REVIEW_MINUTES = 60
    start = timezone.now()
    demand, _ = entered(cast, now=start)
    assert demand_sla_tick(now=start + timedelta(minutes=59))["escalated"] == 0
    assert demand_sla_tick(now=start + timedelta(minutes=61))["escalated"] == 1
    demand.refresh_from_db()
    assert demand.node == cast.institute and demand.escalations == 1
    assert demand_sla_tick(now=start + timedelta(minutes=62))["escalated"] == 0  # its timer started again
    assert demand_sla_tick(now=start + timedelta(minutes=122))["escalated"] == 1
    demand.refresh_from_db()
    assert demand.node == cast.center
    assert DemandEvent.objects.filter(demand=demand, action="escalate").count() == 2


def test_an_offer_that_times_out_goes_to_the_next_candidate(cast, settings):
    settings.DEMAND_OFFER_MINUTES = 30
    start = timezone.now()
    demand, _ = entered(cast, now=start)
    demand = wf.demand_review(actor=cast.manager_a, demand=demand, now=start)
    wf.demand_dispatch(actor=cast.manager_a, demand=demand, volunteers=[cast.helper, cast.second], now=start)
    assert demand_sla_tick(now=start + timedelta(minutes=29))["offers_expired"] == 0
    assert demand_sla_tick(now=start + timedelta(minutes=31))["offers_expired"] == 1
    statuses = dict(Offer.objects.filter(demand=demand).values_list("volunteer_id", "status"))
    assert statuses == {cast.helper.pk: "expired", cast.second.pk: "offered"}
    assert demand_sla_tick(now=start + timedelta(minutes=62))["offers_expired"] == 1
    demand.refresh_from_db()
    assert demand.status == "reviewed"  # nobody left: back to the dispatcher, who is not escalated yet


def test_unaccepted_requests_escalate_and_completed_ones_close_by_themselves(cast, settings):
    settings.DEMAND_ACCEPT_MINUTES = 120
    settings.DEMAND_AUTO_CLOSE_HOURS = 72
    start = timezone.now()
    demand, _ = entered(cast, now=start)
    wf.demand_review(actor=cast.manager_a, demand=demand, now=start)
    demand_sla_tick(now=start + timedelta(minutes=121))
    demand.refresh_from_db()
    assert demand.node == cast.institute and demand.status == "reviewed"
    done, _ = _to(cast, "completed")
    assert demand_sla_tick(now=timezone.now() + timedelta(hours=73))["closed"] == 1
    done.refresh_from_db()
    assert done.status == "closed"
    assert Demand.objects.filter(status="closed").count() == 1
