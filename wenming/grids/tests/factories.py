"""Helpers that go through the services, so tests see the rows the product makes."""

import itertools
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.back_entry import is_late
from wenming.core.tests.api_client import PASSWORD
from wenming.grids.models import GridHousehold, GridProfile, HouseholdVisit
from wenming.grids.services import grid_claim_create, grid_profile_set
from wenming.grids.visit_services import visit_record
from wenming.orgs.services import node_create
from wenming.volunteers.team_services import team_create, team_member_add
from wenming.volunteers.tests.factories import volunteer

_seq = itertools.count(1)


def grid(world, parent=None, name: str = "", households: int | None = None):
    n = next(_seq)
    node = node_create(actor=world.root, parent=parent or world.station_a, name=name or f"测试网格{n}", kind="grid",
                       code=f"T-G{n}")
    if households is not None:
        grid_profile_set(actor=world.root, grid=node, household_count=households)
    return node


def team(world, node=None, name: str = ""):
    return team_create(actor=world.root, name=name or f"网格小队{next(_seq)}", level="squad",
                       node=node or world.station_a)


def claim(actor, grid_node, team_obj, *, days: int = 30, start_offset: int = 0):
    today = timezone.localdate()
    return grid_claim_create(actor=actor, grid=grid_node, team=team_obj,
                             starts_on=today + timedelta(days=start_offset),
                             ends_on=today + timedelta(days=start_offset + days))


def member(world, team_obj, username: str, node=None):
    """A volunteer with a login, in the team."""
    vol = volunteer(world.root, node or team_obj.node, name="赵伟", phone=f"137{next(_seq):08d}")
    vol.user = User.objects.create_user(username=username, password=PASSWORD)
    vol.save(update_fields=["user"])
    team_member_add(actor=world.root, team=team_obj, volunteer=vol)
    return vol


PAPER = "据纸质走访登记表补录"


def visit(actor, grid_node, address: str = "九里村三组 12 号", **fields) -> HouseholdVisit:
    """A visit through the service; one dated over a week ago is a back-entry, given a reason
    unless the test names one (core/back_entry.py)."""
    when = fields.get("visited_at")
    if when is not None and "late_reason" not in fields and is_late(when):
        fields["late_reason"] = PAPER
    return visit_record(actor=actor, grid=grid_node, address=address, **fields)


def assert_counters_match() -> None:
    """The maintained counters equal the raw rows: per (grid, household) the live visits, per
    grid the distinct households visited."""
    live = HouseholdVisit.objects.filter(voided_at__isnull=True)
    raw = {(r["grid_id"], r["household_key"]): r["n"] for r in
           live.values("grid_id", "household_key").annotate(n=Count("pk"))}
    kept = {(h.grid_id, h.household_key): h.visit_count for h in GridHousehold.objects.filter(visit_count__gt=0)}
    assert kept == raw
    per_grid: dict[int, int] = {}
    for grid_id, _ in raw:
        per_grid[grid_id] = per_grid.get(grid_id, 0) + 1
    profiles = {p.node_id: p.households_visited for p in GridProfile.objects.filter(households_visited__gt=0)}
    assert profiles == per_grid


def sibling_grids(world) -> dict:
    """A grid of station B with its team's claim and a visit, for the cross-app "sibling
    station answers 404" sweep over every object endpoint (volunteers/tests/test_api_scope.py)."""
    grid_b = node_create(actor=world.root, parent=world.station_b, name="杨贵店村第一网格", kind="grid",
                         code="ZG-GB1")
    grid_profile_set(actor=world.root, grid=grid_b, household_count=120)
    team_b = team_create(actor=world.root, name="杨贵店村网格员小队", level="squad", node=world.station_b)
    today = timezone.localdate()
    claim_b = grid_claim_create(actor=world.root, grid=grid_b, team=team_b, starts_on=today,
                                ends_on=today + timedelta(days=30))
    visit_b = visit_record(actor=world.manager_b, grid=grid_b, address="杨贵店村一组 5 号", flags=["needs_help"])
    return {"grid_id": grid_b.pk, "grid_claim_id": claim_b.pk, "visit_id": visit_b.pk}


# A body that passes validation for each write endpoint naming an object, so the sweep's
# answer is about scope (404), not input.
GRIDS_BODIES = {
    ("patch", "/grids/{grid_id}"): lambda w: {"household_count": 10},
    ("post", "/grids/{grid_id}/claims"): lambda w: {"team_id": w.team_a.pk, "starts_on": "2030-01-01",
                                                    "ends_on": "2030-01-31"},
    ("post", "/grid-claims/{grid_claim_id}/withdraw"): lambda w: {},
    ("patch", "/visits/{visit_id}"): lambda w: {"reason": "更正", "residents_count": 2},
    ("post", "/visits/{visit_id}/void"): lambda w: {"reason": "重复登记"},
    ("post", "/visits/{visit_id}/follow-up"): lambda w: {"name": "张三", "phone": "13812345678",
                                                         "category": "shopping"},
    ("post", "/visits/{visit_id}/reveal"): lambda w: {"reason": "核实"},
}
