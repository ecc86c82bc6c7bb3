"""Household counters under concurrent writers, on real connections (one per thread)."""

from datetime import timedelta

from django.utils import timezone

from wenming.core.testing import CONCURRENT, ran_ok
from wenming.dashboards.rebuild import differences
from wenming.grids.models import GridClaim, GridProfile, HouseholdVisit
from wenming.grids.services import grid_claim_create
from wenming.grids.visit_services import visit_record, visit_void
from wenming.service.tests.factories import storm
from wenming.volunteers.tests.factories import build_world

from .factories import assert_counters_match, grid


@CONCURRENT
def test_concurrent_first_visits_count_each_household_and_the_grid_once():
    world = build_world()
    fresh = grid(world)  # no profile yet: the first visits race to create it
    now = timezone.now()
    jobs = [lambda i=i: ran_ok(lambda: visit_record(actor=world.office, grid=fresh, address="九里村一组 1 号",
                                                 visited_at=now - timedelta(minutes=10 * i)))
            for i in range(12)]
    jobs += [lambda i=i: ran_ok(lambda: visit_record(actor=world.manager_a, grid=fresh, address=f"九里村二组 {i} 号"))
             for i in range(12)]
    assert storm(jobs) == ["ok"] * 24
    assert GridProfile.objects.get(node=fresh).households_visited == 13
    assert_counters_match()
    assert differences() == []


@CONCURRENT
def test_concurrent_voids_of_one_households_visits_uncount_it_once():
    world = build_world()
    fresh = grid(world)
    now = timezone.now()
    visits = [visit_record(actor=world.office, grid=fresh, address="九里村一组 1 号",
                           visited_at=now - timedelta(minutes=10 * i)) for i in range(8)]
    jobs = [lambda v=v: ran_ok(lambda: visit_void(actor=world.office, visit=v, reason="重复")) for v in visits]
    jobs += [lambda v=v: ran_ok(lambda: visit_void(actor=world.manager_a, visit=v, reason="重复")) for v in visits]
    results = storm(jobs)
    assert results.count("ok") == 8 and results.count("grids.visit_voided") == 8
    assert not HouseholdVisit.objects.filter(voided_at__isnull=True).exists()
    assert GridProfile.objects.get(node=fresh).households_visited == 0
    assert_counters_match()
    assert differences() == []


@CONCURRENT
def test_a_teams_concurrent_claims_of_one_period_make_one_claim():
    world = build_world()
    today = timezone.localdate()
    jobs = [lambda: ran_ok(lambda: grid_claim_create(actor=world.leader, grid=world.grid_a, team=world.team_a,
                                                  starts_on=today, ends_on=today + timedelta(days=30)))
            for _ in range(10)]
    results = storm(jobs)
    assert results.count("ok") == 1 and results.count("grids.claim_overlap") == 9
    assert GridClaim.objects.count() == 1


@CONCURRENT
def test_concurrent_records_and_voids_at_one_door_keep_the_count_exact():
    world = build_world()
    fresh = grid(world)
    now = timezone.now()
    old = [visit_record(actor=world.office, grid=fresh, address="九里村一组 1 号",
                        visited_at=now - timedelta(hours=1, minutes=10 * i)) for i in range(8)]
    jobs = [lambda v=v: ran_ok(lambda: visit_void(actor=world.office, visit=v, reason="重复")) for v in old]
    jobs += [lambda i=i: ran_ok(lambda: visit_record(actor=world.manager_a, grid=fresh, address="九里村1组1号",
                                                  visited_at=now - timedelta(minutes=10 * i))) for i in range(8)]
    assert storm(jobs) == ["ok"] * 16
    assert HouseholdVisit.objects.filter(voided_at__isnull=True).count() == 8
    assert GridProfile.objects.get(node=fresh).households_visited == 1
    assert_counters_match()
    assert differences() == []
