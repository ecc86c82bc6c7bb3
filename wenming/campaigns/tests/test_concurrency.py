"""Counting under concurrent requests, on real connections (one per thread)."""

from django.db.models import Sum

from wenming.campaigns import online_services, party_services, tally_services
from wenming.campaigns.models import ActivityEngagement, PartyCheckin, TallyTotal
from wenming.core.testing import CONCURRENT
from wenming.dashboards import summary
from wenming.dashboards.metrics import HISTORY_FLOOR, STOCK_PERIOD
from wenming.dashboards.models import FigureDelta
from wenming.service.tests.factories import storm
from wenming.volunteers.tests.factories import build_world

from .factories import activity, add, assert_totals_balance, campaign_differences, party_member


def _pending(metric: str, **period) -> int:
    return int(FigureDelta.objects.filter(metric=metric, **period).aggregate(s=Sum("value"))["s"] or 0)


@CONCURRENT
def test_online_engagement_is_counted_once_per_person_per_day_under_concurrency():
    world = build_world()
    act = activity(world.manager_a, world.station_a)
    people = [online_services.person_key_for(person=p) for p in
              ("13800138000", "+86 138-0013-8000", "oWx_AbCdEfGh1234", "visitor-0001")]  # 1st and 2nd: one person
    jobs = []
    for _ in range(6):  # six double taps of every button by every person, all at once
        for key in people:
            for kind in ("view", "share", "participate"):
                jobs.append(lambda key=key, kind=kind: "counted" if online_services.engagement_register(
                    activity=act, kind=kind, person_key=key) else "duplicate")
    results = storm(jobs)
    assert len(results) == len(jobs)  # every request answered: no deadlock, no unexpected error
    assert set(results) == {"counted", "duplicate"}
    assert results.count("counted") == 9  # 3 distinct people × 3 kinds
    assert ActivityEngagement.objects.count() == 9
    assert (_pending("online_views"), _pending("online_shares"), _pending("online_participants")) == (3, 3, 3)
    summary.fold_all()
    assert campaign_differences() == []


@CONCURRENT
def test_party_checkin_double_taps_make_one_active_checkin():
    world = build_world()
    member = party_member(world)
    jobs = [lambda: "created" if party_services.party_checkin(actor=world.manager_a, volunteer=member)[1] else "again"
            for _ in range(24)]
    results = storm(jobs)
    assert sorted(set(results)) == ["again", "created"] and results.count("created") == 1
    assert PartyCheckin.objects.count() == 1 and _pending("party_checkins", period=STOCK_PERIOD) == 1
    assert _pending("party_checkins", period__gte=HISTORY_FLOOR) == 1  # and its month's change
    summary.fold_all()
    assert campaign_differences() == []


@CONCURRENT
def test_concurrent_first_entries_of_a_bucket_all_count():
    world = build_world()
    jobs = [lambda: add(world.manager_a, world.station_a, 3) and "ok" for _ in range(20)]
    assert storm(jobs) == ["ok"] * 20
    assert TallyTotal.objects.get(node=world.station_a).value == 60
    assert_totals_balance()


@CONCURRENT
def test_concurrent_corrections_never_take_a_total_below_zero():
    world = build_world()
    entry = add(world.manager_a, world.station_a, 10)
    jobs = [lambda: tally_services.tally_correct(actor=world.manager_a, entry=entry, delta=-1, reason="核减")
            and "ok" for _ in range(25)]
    results = storm(jobs)
    assert results.count("ok") == 10 and results.count("campaigns.total_negative") == 15
    assert TallyTotal.objects.get(node=world.station_a).value == 0 and _pending("tally:banner") == 0
    assert_totals_balance()
    summary.fold_all()
    assert campaign_differences() == []
