"""Scope of grids, claims and visits; coverage per grid and rolled up, read from the summaries."""

from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.dashboards.summary import fold_all
from wenming.grids import selectors
from wenming.grids.services import grid_profile_set
from wenming.grids.visit_services import visit_void

from .factories import claim, grid, member, sibling_grids, team, visit

pytestmark = pytest.mark.django_db


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_a_sibling_station_manager_sees_nothing_of_station_b(world):
    b = sibling_grids(world)
    a = world.manager_a
    with pytest.raises(DomainError) as exc:
        selectors.visit_get_for_actor(actor=a, visit_id=b["visit_id"])
    assert exc.value.status == 404
    for call in (lambda: selectors.grid_get_for_actor(actor=a, grid_id=b["grid_id"]),
                 lambda: selectors.claim_get_for_actor(actor=a, claim_id=b["grid_claim_id"])):
        with pytest.raises(DomainError):
            call()
    assert b["visit_id"] not in ids(selectors.visit_list_for_actor(actor=a))
    assert b["grid_id"] not in ids(selectors.grid_list_for_actor(actor=a))
    assert not selectors.visit_list_for_actor(actor=a, node_id=world.station_b.pk).exists()
    # wider scopes see both
    assert b["visit_id"] in ids(selectors.visit_list_for_actor(actor=world.office))
    assert selectors.visit_get_for_actor(actor=world.manager_b, visit_id=b["visit_id"]).pk == b["visit_id"]


def test_a_volunteer_sees_only_the_visits_they_recorded(world):
    claim(world.leader, world.grid_a, world.team_a)
    me = member(world, world.team_a, "vol_me")
    mate = member(world, world.team_a, "vol_mate")
    mine = visit(me.user, world.grid_a, address="九里村一组 1 号")
    theirs = visit(mate.user, world.grid_a, address="九里村一组 2 号")
    staff = visit(world.manager_a, world.grid_a, address="九里村一组 3 号")
    assert ids(selectors.visit_list_for_actor(actor=me.user)) == {mine.pk}
    for other in (theirs, staff):
        with pytest.raises(DomainError):
            selectors.visit_get_for_actor(actor=me.user, visit_id=other.pk)
    # the leader sees the team's visits, staff all of the station's
    assert ids(selectors.visit_list_for_actor(actor=world.leader)) == {mine.pk, theirs.pk}
    assert ids(selectors.visit_list_for_actor(actor=world.manager_a)) == {mine.pk, theirs.pk, staff.pk}
    # and the volunteer sees their claimed grid, not others
    other_grid = grid(world)
    assert world.grid_a.pk in ids(selectors.grid_list_for_actor(actor=me.user))
    assert other_grid.pk not in ids(selectors.grid_list_for_actor(actor=me.user))


def test_a_leader_sees_the_grids_of_their_teams_area_to_claim_them(world):
    assert world.grid_a.pk in ids(selectors.grid_list_for_actor(actor=world.leader))
    b = sibling_grids(world)
    assert b["grid_id"] not in ids(selectors.grid_list_for_actor(actor=world.leader))


def test_claim_conflicts_are_listed_for_every_claim(world):
    first = claim(world.leader, world.grid_a, world.team_a, days=20)
    other = team(world, name="九里村巾帼志愿队")
    second = claim(world.manager_a, world.grid_a, other, days=5, start_offset=10)
    third = claim(world.manager_a, world.grid_a, other, days=5, start_offset=25)  # after the first ends
    found = selectors.conflicts_by_claim([first, second, third])
    assert [c.pk for c in found[first.pk]] == [second.pk]
    assert [c.pk for c in found[second.pk]] == [first.pk]
    assert found[third.pk] == []


def test_coverage_per_grid_and_rolled_up_counts_distinct_households(world):
    grid_profile_set(actor=world.root, grid=world.grid_a, household_count=4)
    g2 = grid(world, households=6)
    gb = grid(world, parent=world.station_b, households=10)
    m = world.manager_a
    visit(m, world.grid_a, address="九里村一组 1 号")
    visit(world.office, world.grid_a, address="九里村1组1号")  # the same household again
    visit(m, world.grid_a, address="九里村一组 2 号")
    gone = visit(m, world.grid_a, address="九里村一组 3 号")
    visit_void(actor=m, visit=gone, reason="走错门")
    visit(m, g2, address="九里村二组 1 号")
    visit(world.manager_b, gb, address="杨贵店村一组 1 号")

    def check():
        a = selectors.coverage_of(world.grid_a)
        assert (a.households, a.visited, a.grids_visited, a.ratio) == (4, 2, 1, Decimal("50.0"))
        station = selectors.coverage_of(world.station_a)
        assert (station.households, station.visited, station.grids_visited) == (10, 3, 2)
        institute = selectors.coverage_of(world.institute)
        assert (institute.households, institute.visited, institute.grids_visited) == (20, 4, 3)
        assert institute.ratio == Decimal("20.0")
        many = selectors.coverage_of_many([world.grid_a, g2, gb])
        assert [many[g.pk].visited for g in (world.grid_a, g2, gb)] == [2, 1, 1]

    check()  # with deltas pending
    fold_all()
    check()  # folded


def test_coverage_without_a_household_count_has_no_ratio(world):
    visit(world.manager_a, world.grid_a)
    cov = selectors.coverage_of(world.grid_a)
    assert cov.visited == 1 and cov.households == 0 and cov.ratio is None


def test_visit_filters(world):
    v1 = visit(world.manager_a, world.grid_a, address="九里村一组 1 号", flags=["needs_help"])
    v2 = visit(world.manager_a, world.grid_a, address="九里村一组 2 号", flags=["returnee"])
    assert ids(selectors.visit_list_for_actor(actor=world.manager_a, flag="returnee")) == {v2.pk}
    assert ids(selectors.visit_list_for_actor(actor=world.manager_a, follow_up="suggested")) == {v1.pk}
    visit_void(actor=world.manager_a, visit=v2, reason="重复")
    assert ids(selectors.visit_list_for_actor(actor=world.manager_a, include_void=False)) == {v1.pk}
    today = timezone.localdate(v1.visited_at)
    assert ids(selectors.visit_list_for_actor(actor=world.manager_a, since=today, until=today)) == {v1.pk, v2.pk}
