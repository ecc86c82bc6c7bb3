"""The grid figures kept by the services equal what rebuild computes from the raw rows, after
a random mix of visits, corrections, voids, household counts and archives and restores of
grids and stations, with partial folds."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.dashboards.metrics import STOCK_PERIOD
from wenming.dashboards.rebuild import differences, rebuild_figures
from wenming.dashboards.summary import figures_for, fold_all, fold_pending
from wenming.grids.figures import month_of
from wenming.grids.models import HouseholdVisit
from wenming.grids.services import grid_profile_set
from wenming.grids.visit_services import visit_correct, visit_record, visit_void
from wenming.orgs.models import Node
from wenming.orgs.services import node_archive, node_restore

from .factories import assert_counters_match, claim, grid, member

pytestmark = pytest.mark.django_db

ADDRESSES = [f"九里村{g}组 {n} 号" for g in "一二三" for n in range(1, 6)]
FLAGS = ["returnee", "home_isolation", "elderly_alone", "needs_help", "fever"]


def test_random_visits_and_corrections_keep_the_figures_equal_to_the_raw_rows(world):
    rng = random.Random(20260522)
    grids = [world.grid_a, grid(world), grid(world, parent=world.station_b), grid(world, parent=world.institute)]
    claim(world.leader, world.grid_a, world.team_a, start_offset=-100, days=130)  # back-filled visits too
    vol = member(world, world.team_a, "vol_rand")
    actors = {world.grid_a.pk: [world.manager_a, vol.user, world.office]}
    now = timezone.now()
    moves = {"archive": 0, "restore": 0}
    for step in range(160):
        op = rng.random()
        live = list(HouseholdVisit.objects.filter(voided_at__isnull=True))
        open_grids = list(Node.objects.filter(pk__in=[g.pk for g in grids], archived_at__isnull=True))
        if (op < 0.45 or not live) and open_grids:
            g = rng.choice(open_grids)
            actor = rng.choice(actors.get(g.pk, [world.office]))
            visit_record(actor=actor, grid=g, address=rng.choice(ADDRESSES),
                         visited_at=now - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 600)),
                         residents_count=rng.randint(0, 5), flags=rng.sample(FLAGS, rng.randint(0, 3)),
                         late_reason="据纸质走访登记表补录")  # kept as given when not a back-entry
        elif op < 0.75 and live:
            v = rng.choice(live)
            visit_correct(actor=world.office, visit=v, reason="更正",
                          address=rng.choice([None, rng.choice(ADDRESSES)]),
                          visited_at=rng.choice([None, now - timedelta(days=rng.randint(0, 120))]),
                          residents_count=rng.choice([None, rng.randint(0, 6)]),
                          flags=rng.choice([None, rng.sample(FLAGS, rng.randint(0, 3))]))
        elif op < 0.85 and live:
            visit_void(actor=world.office, visit=rng.choice(live), reason="作废")
        elif op < 0.93 and open_grids:
            grid_profile_set(actor=world.office, grid=rng.choice(open_grids), household_count=rng.randint(0, 400))
        else:  # archive or restore a grid or a station (its grids): the coverage stocks follow
            target = Node.objects.get(pk=rng.choice([*grids, world.station_a, world.station_b]).pk)
            if target.archived_at is None:
                node_archive(actor=world.root, node=target)
                moves["archive"] += 1
            else:
                while target.parent.archived_at is not None:  # restore from the top of what is archived
                    target = target.parent
                node_restore(actor=world.root, node=target)
                moves["restore"] += 1
        if step % 17 == 0:
            fold_pending(limit=rng.randint(1, 50))  # some deltas folded, some pending
        if step % 40 == 39:
            assert differences() == []
    assert differences() == []
    assert_counters_match()
    assert min(moves.values()) >= 3, moves  # the mix did archive and restore
    fold_all()
    assert differences() == []
    before = _nonzero(figures_for(world.county, ["visits", "households_visited", "grid_households"]))
    rebuild_figures()
    assert differences() == []
    assert _nonzero(figures_for(world.county, ["visits", "households_visited", "grid_households"])) == before


def _nonzero(values: dict) -> dict:
    return {k: v for k, v in values.items() if v}


def test_a_first_visit_counts_the_household_and_the_grid_once(world):
    g = grid(world, households=50)
    for actor, address in ((world.office, "九里村一组 1 号"), (world.manager_a, "九里村1组1号"),
                           (world.office, "九里村一组 2 号")):
        visit_record(actor=actor, grid=g, address=address, flags=["fever"])
    got = figures_for(world.county, ["households_visited", "grids_visited", "grid_households", "visits",
                                     "visit_flag:fever"])
    month = month_of(timezone.now())
    assert got[("households_visited", STOCK_PERIOD)] == 2
    assert got[("grids_visited", STOCK_PERIOD)] == 1
    assert got[("grid_households", STOCK_PERIOD)] == 50
    assert got[("visits", month)] == 3 and got[("visit_flag:fever", month)] == 3
    assert differences() == []
