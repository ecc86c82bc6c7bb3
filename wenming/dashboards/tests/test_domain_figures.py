"""The figures the apps record through their real services equal what the raw rows say, for
every node, after a mix of writes, corrections, escalations and subtree moves."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.dashboards import summary
from wenming.dashboards.rebuild import differences
from wenming.demands import workflow as wf
from wenming.demands.sla import demand_sla_tick
from wenming.demands.tests.factories import entered, volunteer_user
from wenming.hotline.call_services import call_log_update
from wenming.hotline.tests.factories import build_hotline, log_call
from wenming.orgs.models import Node
from wenming.orgs.services import node_move
from wenming.service.hours_services import hours_correct, hours_makeup
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.inputs import build_values, skills_index
from wenming.volunteers.services import volunteer_set_status, volunteer_update
from wenming.volunteers.team_services import team_archive, team_create, team_update
from wenming.volunteers.tests.factories import volunteer

pytestmark = pytest.mark.django_db


def _move_home(actor, vol, node, **extra):
    data = {"name": vol.name, "id_number": vol.reveal_id_number(), "phone": vol.reveal_phone(), "home_node": node.pk,
            "political_status": vol.political_status, **extra}
    values = build_values(data, resolve_node=lambda k: Node.objects.filter(pk=k).first(),
                          skills_by_key=skills_index())
    return volunteer_update(actor=actor, volunteer=vol, values=values)


def _value(node, metric, period=None):
    from wenming.dashboards.metrics import STOCK_PERIOD

    return summary.figures_for(node, [metric]).get((metric, period or STOCK_PERIOD), Decimal(0))


def test_the_apps_figures_equal_the_raw_rows_after_a_mix_of_real_writes(world, settings):
    root = world.root
    # volunteers: party members, reserve, a move of home, a withdrawal
    party = volunteer(root, world.station_a, political_status="party_member", is_reserve="是")
    other = volunteer(root, world.point_a)
    assert _value(world.county, "volunteers") == 4  # the world's two + these two
    assert _value(world.station_a, "volunteers_party") == 1 and _value(world.station_a, "volunteers_reserve") == 1
    today = timezone.localdate()
    record = hours_makeup(actor=root, volunteer=other, hours=Decimal("2.5"), service_date=today - timedelta(days=3),
                          reason="补录防疫值守", node=world.station_a)
    hours_makeup(actor=root, volunteer=other, hours=Decimal(1), service_date=today - timedelta(days=40),
                 reason="补录宣讲", node=world.station_b)
    hours_correct(actor=root, record=record, delta=Decimal("-0.5"), reason="更正时长")
    _move_home(root, other, world.station_b)  # carries its last service day along
    volunteer_set_status(actor=root, volunteer=party, status="withdrawn")
    assert _value(world.station_a, "volunteers_party") == 0
    # teams and projects
    squad = team_create(actor=root, name="临时小队", level="squad", node=world.point_a)
    team_update(actor=root, team=squad, node=world.station_b)
    team_archive(actor=root, team=world.team_a)
    recruiting_shift(world)
    summary.fold_pending(limit=7)  # some folded, some still pending
    # requests: one through to a rating, one escalated by the clock
    helper = volunteer_user(world, "helper1", phone="13700000001")
    done, code = entered(world)
    wf.demand_review(actor=world.manager_a, demand=done)
    wf.demand_dispatch(actor=world.manager_a, demand=done, volunteers=[helper])
    wf.offer_accept(actor=helper.user, offer=done.offers.get())
    done.refresh_from_db()
    wf.demand_start(actor=helper.user, demand=done)
    wf.demand_complete(actor=helper.user, demand=done, note="已送达", receipt_amount="36")
    wf.demand_rate(tracking_no=done.tracking_no, tracking_code=code, rating=4)
    late, _ = entered(world, phone="13812340000")
    demand_sla_tick(now=timezone.now() + timedelta(minutes=settings.DEMAND_REVIEW_MINUTES + 1))
    late.refresh_from_db()
    assert late.node_id == world.institute.pk  # escalated: its figures moved up
    # hotline: a call, then the author marks it a crisis
    h = build_hotline(world)
    call = log_call(h.c1)
    call_log_update(actor=h.c1_user, call=call, values={"is_crisis": True, "outcome": "referred",
                                                        "referral": "mental_health_center"})
    # a subtree move carries everything under station A to the county's center
    node_move(actor=root, node=Node.objects.get(pk=world.station_a.pk), new_parent=world.center)
    assert differences() == []
    summary.fold_all()
    assert differences() == []
    month = today.replace(day=1)
    assert summary.figures_for(world.county, ["demands_solved", "rating_sum"]) == {
        ("demands_solved", month): Decimal(1), ("rating_sum", month): Decimal(4)}
    assert _value(world.institute, "demands:submitted") == 1
    assert _value(world.county, "teams") == 1  # the squad; the station's team archived


def test_every_app_registers_a_source():
    from wenming.dashboards.metrics import METRICS, SOURCES

    assert len(SOURCES) >= 4
    assert {"volunteers", "hours", "demands_submitted", "hotline_calls", "teams"} <= set(METRICS)
    assert date(2026, 1, 1)  # (periods are dates)
