"""Archived grids leave the coverage stocks (grid_households, households_visited,
grids_visited) and come back on restore; the monthly flows stay (history). The summaries
keep agreeing with the rebuild, with deltas pending and after folding."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.core.testing import CONCURRENT, code_of, ran_ok
from wenming.dashboards.metrics import STOCK_PERIOD
from wenming.dashboards.rebuild import differences
from wenming.dashboards.summary import figures_for, fold_all
from wenming.grids import selectors
from wenming.grids.households import household_key_of
from wenming.grids.models import HouseholdVisit
from wenming.grids.services import grid_profile_set
from wenming.grids.visit_services import visit_correct, visit_record, visit_void
from wenming.orgs.models import Node
from wenming.orgs.services import node_archive, node_restore
from wenming.service.tests.factories import storm
from wenming.volunteers.tests.factories import build_world

from .factories import assert_counters_match, grid, visit

STOCKS = ["grid_households", "households_visited", "grids_visited"]


def stocks(node) -> tuple[int, int, int]:
    got = figures_for(node, STOCKS, since=STOCK_PERIOD, until=STOCK_PERIOD)
    return tuple(int(got.get((m, STOCK_PERIOD), 0)) for m in STOCKS)


def visits(node) -> int:
    """The monthly flow of visits, over all months."""
    return int(sum(figures_for(node, ["visits"]).values()))


def settled(node) -> tuple[int, int, int]:
    """The node's stocks, checked against the rebuild with deltas pending and again after
    folding (where they must read the same)."""
    assert differences() == []
    pending = stocks(node)
    fold_all()
    assert differences() == []
    assert stocks(node) == pending
    return pending


def fresh(node) -> Node:
    return Node.objects.get(pk=node.pk)


@pytest.fixture
def area(world):
    """grid_a (100 households, 2 visited by 3 visits) and g2 (40, 1 visited) in station A;
    gb (60, 2 visited) in station B. County: 200 households, 5 visited, 3 grids visited."""
    grid_profile_set(actor=world.root, grid=world.grid_a, household_count=100)
    world.g2 = grid(world, households=40)
    world.gb = grid(world, parent=world.station_b, households=60)
    m = world.office
    visit(m, world.grid_a, address="九里村一组 1 号", flags=["fever"])
    visit(m, world.grid_a, address="九里村一组 1 号", visited_at=timezone.now() - timedelta(minutes=30))
    visit(m, world.grid_a, address="九里村一组 2 号")
    visit(m, world.g2, address="九里村二组 1 号")
    visit(m, world.gb, address="杨贵店村一组 1 号")
    visit(m, world.gb, address="杨贵店村一组 2 号")
    assert settled(world.county) == (200, 5, 3)
    return world


def test_an_archived_grid_leaves_the_coverage_and_a_restore_brings_it_back(area):
    w = area
    assert node_archive(actor=w.root, node=w.grid_a) == 1
    assert settled(w.county) == (100, 3, 2)
    assert settled(w.station_a) == (40, 1, 1)
    assert stocks(w.grid_a) == (0, 0, 0)
    assert visits(w.county) == 6  # the flows are history: they stay
    # the grid's own page still shows what its profile holds
    cov = selectors.coverage_of(fresh(w.grid_a))
    assert (cov.households, cov.visited, cov.grids_visited) == (100, 2, 1)
    assert node_restore(actor=w.root, node=fresh(w.grid_a)) == 1
    assert settled(w.county) == (200, 5, 3)
    assert settled(w.grid_a) == (100, 2, 1)
    assert visits(w.county) == 6


def test_the_upgrade_takes_grids_archived_by_the_old_code_out_of_the_coverage(area):
    """Before archived grids left the stocks, archiving recorded nothing: migration 0003
    takes those grids out once, and the summaries agree with the rebuild again."""
    from importlib import import_module

    from django.apps import apps

    w = area
    Node.objects.filter(pk=w.grid_a.pk).update(archived_at=timezone.now())  # the old archive
    assert differences() != []
    import_module("wenming.grids.migrations.0003_archived_grids_leave_coverage").leave(apps, None)
    assert settled(w.county) == (100, 3, 2)
    assert node_restore(actor=w.root, node=fresh(w.grid_a)) == 1
    assert settled(w.county) == (200, 5, 3)


def test_archiving_a_station_takes_every_grid_under_it_out(area):
    w = area
    node_archive(actor=w.root, node=w.station_a)
    assert settled(w.county) == (60, 2, 1)
    assert settled(w.institute) == (60, 2, 1)
    assert stocks(w.station_a) == (0, 0, 0)
    many = selectors.coverage_of_many([fresh(w.grid_a), fresh(w.g2), w.gb])
    assert [(many[g.pk].households, many[g.pk].visited) for g in (w.grid_a, w.g2, w.gb)] == [
        (100, 2), (40, 1), (60, 2)]
    node_restore(actor=w.root, node=fresh(w.station_a))
    assert settled(w.county) == (200, 5, 3)
    assert settled(w.station_a) == (140, 3, 2)


def test_a_grid_archived_before_its_station_leaves_once_and_comes_back_with_it(area):
    w = area
    node_archive(actor=w.root, node=w.grid_a)
    assert node_archive(actor=w.root, node=fresh(w.grid_a)) == 0  # twice: nothing leaves twice
    assert settled(w.county) == (100, 3, 2)
    node_archive(actor=w.root, node=w.station_a)  # grid_a is already out; g2 leaves now
    assert settled(w.county) == (60, 2, 1)
    node_archive(actor=w.root, node=fresh(w.station_a))
    assert settled(w.county) == (60, 2, 1)
    # restoring the station brings back everything under it, grid_a included
    node_restore(actor=w.root, node=fresh(w.station_a))
    assert settled(w.county) == (200, 5, 3)
    assert settled(w.grid_a) == (100, 2, 1)
    assert settled(w.g2) == (40, 1, 1)


def test_restoring_one_grid_of_an_archived_station_is_refused_and_changes_nothing(area):
    w = area
    node_archive(actor=w.root, node=w.station_a)
    assert code_of(lambda: node_restore(actor=w.root, node=fresh(w.grid_a))) == "orgs.archived_parent"
    assert settled(w.county) == (60, 2, 1)


def test_writes_to_an_archived_grid_keep_the_rebuild_and_come_back_on_restore(area):
    w = area
    stale = w.grid_a  # loaded before the archive: the services re-read it in their transaction
    node_archive(actor=w.root, node=fresh(w.grid_a))
    assert stale.archived_at is None
    assert code_of(lambda: visit_record(actor=w.office, grid=stale, address="九里村一组 9 号")) == \
        "grids.grid_archived"
    assert code_of(lambda: grid_profile_set(actor=w.root, grid=stale, household_count=7)) == "grids.grid_archived"
    # its visits can still be put right: the flows follow, the stocks stay out
    only = HouseholdVisit.objects.get(grid=w.grid_a, household_key=household_key_of("九里村一组 2 号"))
    visit_void(actor=w.office, visit=only, reason="走错门")
    twice = HouseholdVisit.objects.filter(grid=w.grid_a, voided_at__isnull=True).order_by("id").first()
    visit_correct(actor=w.office, visit=twice, reason="门牌写错", address="九里村一组 3 号")
    assert visits(w.county) == 5
    assert settled(w.county) == (100, 3, 2)
    assert_counters_match()
    cov = selectors.coverage_of(fresh(w.grid_a))
    assert (cov.households, cov.visited) == (100, 2)  # 一组1号 (one visit left), 一组3号
    node_restore(actor=w.root, node=fresh(w.grid_a))
    assert settled(w.grid_a) == (100, 2, 1)
    # all of its visits gone while archived: it comes back unvisited
    node_archive(actor=w.root, node=fresh(w.grid_a))
    for v in HouseholdVisit.objects.filter(grid=w.grid_a, voided_at__isnull=True):
        visit_void(actor=w.office, visit=v, reason="作废")
    node_restore(actor=w.root, node=fresh(w.grid_a))
    assert settled(w.grid_a) == (100, 0, 0)
    assert settled(w.county) == (200, 3, 2)
    assert_counters_match()


@CONCURRENT
def test_visits_racing_archives_and_restores_keep_the_figures_equal_to_the_raw_rows():
    """Visits, voids and profile edits of a grid and its station's other grid race archives
    and restores of the grid and of the station: every write either lands before an archive
    (and leaves with the grid) or after it (refused, or kept out of the stocks)."""
    world = build_world()
    grid_profile_set(actor=world.root, grid=world.grid_a, household_count=80)
    g2 = grid(world, households=30)
    now = timezone.now()
    early = [visit_record(actor=world.office, grid=world.grid_a, address=f"九里村三组 {i} 号",
                          visited_at=now - timedelta(hours=i)) for i in range(1, 7)]

    def archive(node):
        return lambda: ran_ok(lambda: node_archive(actor=world.root, node=fresh(node)))

    def restore(node):
        return lambda: ran_ok(lambda: node_restore(actor=world.root, node=fresh(node)))

    jobs = [lambda i=i, g=g: ran_ok(lambda: visit_record(actor=world.office, grid=g, address=f"九里村一组 {i % 5} 号",
                                                      visited_at=now - timedelta(minutes=7 * i)))
            for i in range(16) for g in (world.grid_a, g2)]
    jobs += [lambda v=v: ran_ok(lambda: visit_void(actor=world.office, visit=v, reason="重复")) for v in early]
    jobs += [lambda n=n: ran_ok(lambda: grid_profile_set(actor=world.root, grid=world.grid_a, household_count=n))
             for n in (90, 95)]
    jobs += [archive(world.grid_a), restore(world.grid_a), archive(world.station_a), restore(world.station_a)] * 3
    random.Random(20260523).shuffle(jobs)  # archives and restores among the writes
    results = storm(jobs, threads=8)
    assert len(results) == len(jobs)
    assert set(results) <= {"ok", "grids.grid_archived", "orgs.not_archived", "orgs.archived_parent"}
    assert_counters_match()
    assert differences() == []
    fold_all()
    assert differences() == []
    # bring everything back: the coverage is every live household again
    if fresh(world.station_a).archived_at is not None:
        node_restore(actor=world.root, node=fresh(world.station_a))
    if fresh(world.grid_a).archived_at is not None:
        node_restore(actor=world.root, node=fresh(world.grid_a))
    live = HouseholdVisit.objects.filter(voided_at__isnull=True)
    households = live.values("grid_id", "household_key").distinct().count()
    got = stocks(world.county)
    assert got[1] == households and got[2] == live.values("grid_id").distinct().count()
    assert differences() == []
