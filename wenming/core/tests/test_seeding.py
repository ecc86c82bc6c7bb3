"""Demo county and city generators: the shape from the field reports, valid personal data
encrypted like the product's own, determinism, one working login per role, and the
`wenming demo` command."""

import io
import itertools
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from wenming.accounts.models import RoleAssignment, User
from wenming.core.crypto import blind_index, mask_id_number, mask_phone
from wenming.core.models import AuditEntry
from wenming.demands.models import Demand
from wenming.orgs.models import Node
from wenming.orgs.services import node_create
from wenming.orgs.tree import encode_step
from wenming.seeding import SeedRefused
from wenming.seeding.city import seed_city
from wenming.seeding.demo import seed_demo
from wenming.seeding.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from wenming.volunteers.models import ID_PURPOSE, PHONE_PURPOSE, MemberRole, TeamMember, Volunteer
from wenming.volunteers.tests.factories import volunteer as register_volunteer
from wenming.volunteers.validation import age_on, grid_fits, name_pinyin, parse_identity

SMALL = 300
ZIGUI_AREAS = {"420527"}


@pytest.fixture
def demo(db):
    return seed_demo(volunteers=SMALL, progress=False)


def _check_personal_data(vol: Volunteer, today) -> str:
    """Decrypt and check one volunteer the way the product would; returns the ID number."""
    number = vol.reveal_id_number()
    ident = parse_identity("resident", number)  # the product's own check: checksum, date, area
    assert ident.birth_date == vol.birth_date and ident.sex == vol.sex
    assert vol.sex == ("M" if int(number[16]) % 2 else "F")
    assert vol.id_number_hash == blind_index(number, ID_PURPOSE)
    assert vol.id_number_masked == mask_id_number(number)
    phone = vol.reveal_phone()
    assert phone[0] == "1" and phone[1] in "3456789" and len(phone) == 11
    assert vol.phone_hash == blind_index(phone, PHONE_PURPOSE) and vol.phone_masked == mask_phone(phone)
    assert (vol.name_pinyin, vol.name_initials) == name_pinyin(vol.name)
    age = age_on(vol.birth_date, today)
    assert age >= 14
    if age < 18:
        assert vol.guardian_consent_at and vol.guardian_name and vol.reveal_guardian_phone()
    return number


def test_demo_county_has_the_node_counts_of_the_zigui_report(demo):
    kinds = Counter(Node.objects.values_list("kind", flat=True))
    assert kinds == {"province": 1, "city": 1, "county": 1, "center": 1, "subcenter": 89, "institute": 12,
                     "station": 270, "point": 2052, "grid": 134}
    county = Node.objects.get(kind="county")
    assert county.admin_code == "420527000000" and county.name == "秭归县文明办"
    maoping = Node.objects.get(kind="institute", name__startswith="茅坪镇")
    assert Node.objects.filter(kind="grid", path__startswith=maoping.path).count() >= 120
    assert sorted(Node.objects.filter(kind="institute").values_list("name", flat=True)) == sorted(
        f"{t}新时代文明实践所" for t in ["茅坪镇", "归州镇", "屈原镇", "沙镇溪镇", "两河口镇", "郭家坝镇", "杨林桥镇",
                                    "水田坝乡", "泄滩乡", "梅家河乡", "磨坪乡", "九畹溪镇"])
    assert demo["nodes"] == 2561 and demo["volunteers"] == SMALL


def test_demo_tree_paths_are_what_node_create_would_give(demo):
    nodes = {n.pk: n for n in Node.objects.all()}
    children = Counter(n.parent_id for n in nodes.values())
    for node in nodes.values():
        assert node.child_seq == children[node.pk]
        if node.parent_id is not None:
            parent = nodes[node.parent_id]
            assert node.path.startswith(parent.path) and node.depth == parent.depth + 1
    # The service carries on numbering where the seed stopped.
    admin = authenticate(username="admin", password=DEMO_PASSWORD)
    station = Node.objects.filter(kind="station").first()
    added = node_create(actor=admin, parent=station, name="新增实践点", kind="point")
    assert added.path == station.path + encode_step(children[station.pk] + 1)


def test_demo_volunteers_have_valid_unique_ids_and_no_one_under_14(demo):
    today = timezone.localdate()
    vols = list(Volunteer.objects.select_related("home_node", "grid"))
    assert len(vols) == SMALL
    numbers = [_check_personal_data(v, today) for v in vols]
    assert {n[:6] for n in numbers} <= ZIGUI_AREAS
    assert len(set(numbers)) == len({v.id_number_hash for v in vols}) == SMALL
    assert len({v.reveal_phone() for v in vols}) == SMALL
    assert all(v.home_node.kind in ("station", "point") and v.source == "seed" for v in vols)
    assert all(v.grid is None or grid_fits(v.grid, v.home_node) for v in vols)
    assert any(v.grid is not None for v in vols)
    party = sum(v.political_status in ("party_member", "probationary") for v in vols)
    assert 0.2 * SMALL < party < 0.45 * SMALL
    assert TeamMember.objects.filter(role=MemberRole.LEADER).exists()


def test_every_demo_login_works_and_holds_its_role(demo):
    for account in DEMO_ACCOUNTS:
        user = authenticate(username=account.username, password=DEMO_PASSWORD)
        assert user is not None, account.username
        assert RoleAssignment.objects.filter(user=user, role=account.role).exists(), account.username
    office = RoleAssignment.objects.get(user__username="office")
    assert office.may_reveal_pii and office.node.kind == "county"
    lead = RoleAssignment.objects.get(user__username="leader", role="team_leader")
    assert TeamMember.objects.filter(team=lead.team, role=MemberRole.LEADER,
                                     volunteer__user__username="leader").exists()
    assert Volunteer.objects.filter(user__username="volunteer").exists()
    assert RoleAssignment.objects.get(user__username="liaison").unit.name == "秭归县教育局"
    assert authenticate(username="admin", password="wrong-password") is None
    assert AuditEntry.objects.filter(action="seed.demo").count() == 1


class _Rollback(Exception):
    pass


def _snapshot(seed: int) -> tuple[list, list, list]:
    """Seed inside a savepoint, read what matters, roll it all back."""
    try:
        with transaction.atomic():
            seed_demo(seed=seed, volunteers=120, progress=False)
            nodes = list(Node.objects.order_by("path").values_list("path", "name", "code"))
            people = [(v.name, v.birth_date, v.reveal_id_number(), v.home_node.path, v.grid and v.grid.path)
                      for v in Volunteer.objects.select_related("home_node", "grid").order_by("volunteer_no")]
            requests = [(d.tracking_no, d.status, d.category.code, d.reveal_name(), d.reveal_address(),
                         d.grid and d.grid.path, [(i.name, i.quantity) for i in d.items.order_by("id")])
                        for d in Demand.objects.select_related("category", "grid").order_by("tracking_no")]
            raise _Rollback((nodes, people, requests))
    except _Rollback as done:
        return done.args[0]


def test_same_seed_gives_the_same_county_and_people(db):
    first = _snapshot(7)
    assert Node.objects.count() == 0
    assert _snapshot(7) == first
    assert _snapshot(8)[1] != first[1]


def test_seeding_a_database_that_has_nodes_is_refused(demo):
    with pytest.raises(SeedRefused, match="已有 2561 个阵地"):
        seed_demo(volunteers=10, progress=False)
    with pytest.raises(SeedRefused):
        seed_city(volunteers=10, progress=False)
    assert Volunteer.objects.count() == SMALL


def test_demo_needs_enough_volunteers_for_its_logins(db):
    with pytest.raises(ValueError, match="至少需要"):
        seed_demo(volunteers=3, progress=False)
    assert Node.objects.count() == 0


def test_city_seed_loads_volunteers_like_the_product_on_this_database(db):
    summary = seed_city(volunteers=2000, progress=False)
    assert 2800 <= Node.objects.count() == summary["nodes"] <= 3300
    assert Node.objects.filter(kind="county").count() == 12
    assert Volunteer.objects.count() == 2000
    today = timezone.localdate()
    sample = list(Volunteer.objects.order_by("id")[:300])
    areas = {_check_personal_data(v, today)[:4] for v in sample}
    assert areas <= {"4304", "4327", "4328", "4390"}
    assert Volunteer.skills.through.objects.count() > 1000
    assert TeamMember.objects.count() == summary["team_members"] > 300
    assert TeamMember.objects.filter(role=MemberRole.LEADER).exists()
    assert Volunteer.objects.values("volunteer_no").distinct().count() == 2000
    # The id sequence was moved past the explicit ids: the product can register the next one.
    root = authenticate(username="admin", password=DEMO_PASSWORD)
    newcomer = register_volunteer(root, Node.objects.filter(kind="station").first(), name="新来者")
    assert newcomer.pk > max(v.pk for v in sample)


def test_city_seed_loads_work_data_that_the_dashboard_summaries_agree_with(db):
    from datetime import timedelta

    from django.db.models import F, Sum

    from wenming.campaigns.models import TallyEntry, TallyTotal
    from wenming.dashboards.rebuild import differences
    from wenming.grids.models import GridHousehold, GridProfile, HouseholdVisit
    from wenming.reporting.models import InfoReport
    from wenming.service.ledger_models import ServiceRecord, VolunteerStats

    summary = seed_city(volunteers=1200, service_records=4000, progress=False)
    work = summary["work"]
    records = ServiceRecord.objects.all()
    assert records.count() == work["service_records"] == 4000
    assert set(records.values_list("kind", flat=True).distinct()) == {"auto", "makeup"}
    assert not records.exclude(bucket=F("kind")).exists()
    assert not records.filter(hours__lt=0.5).exists() and not records.filter(hours__gt=8).exists()
    assert set(records.values_list("node__kind", flat=True).distinct()) <= {"station", "point"}
    today = timezone.localdate()
    assert not records.filter(service_date__gt=today).exists()
    assert not records.filter(service_date__lt=today - timedelta(days=730)).exists()
    # served in their own county: the record's node and the volunteer's home share the county prefix
    for node_path, home_path in records.values_list("node__path", "volunteer__home_node__path")[:300]:
        assert node_path[:12] == home_path[:12]
    # the maintained totals equal the ledger
    stats = VolunteerStats.objects.aggregate(a=Sum("auto_hours"), m=Sum("makeup_hours"))
    assert stats["a"] == records.filter(bucket="auto").aggregate(h=Sum("hours"))["h"]
    assert stats["m"] == records.filter(bucket="makeup").aggregate(h=Sum("hours"))["h"]
    demands = Demand.objects.all()
    assert demands.count() == work["demands"] == 240
    assert demands.values("tracking_no").distinct().count() == 240
    assert {"closed", "rated"} <= set(demands.values_list("status", flat=True))
    assert not demands.filter(status__in=["completed", "rated", "closed"], completed_at__isnull=True).exists()
    assert HouseholdVisit.objects.count() == work["visits"] > 0
    for profile in GridProfile.objects.all():
        live = HouseholdVisit.objects.filter(grid_id=profile.node_id, voided_at__isnull=True)
        assert profile.households_visited == live.values("household_key").distinct().count()
        assert GridHousehold.objects.filter(grid_id=profile.node_id).aggregate(n=Sum("visit_count"))["n"] == live.count()
    assert TallyEntry.objects.count() == work["tally_entries"] > 0
    assert TallyTotal.objects.aggregate(v=Sum("value"))["v"] == TallyEntry.objects.aggregate(v=Sum("delta"))["v"]
    assert InfoReport.objects.count() == work["reports"] >= 20
    _check_request_history(work)
    _check_campaigns(work)
    # the dashboards' summaries were rebuilt from these rows and agree with them exactly
    assert differences() == []


def _check_request_history(work: dict) -> None:
    """Every request has the history its state implies, and the 分队's offer once dispatched."""
    from wenming.demands.models import DemandEvent, Offer

    assert DemandEvent.objects.count() == work["demand_events"] > 5 * work["demands"]
    assert Offer.objects.count() == work["demand_offers"] > 0
    events: dict[int, list] = {}
    for row in DemandEvent.objects.order_by("demand_id", "at", "id").values_list(
            "demand_id", "action", "from_status", "to_status", "actor_id"):
        events.setdefault(row[0], []).append(row[1:])
    for d in Demand.objects.prefetch_related("offers"):
        steps = events[d.pk]
        assert steps[0][:3] == ("submit", "", "submitted") and steps[-1][2] == d.status
        assert all(a[2] == b[1] for a, b in itertools.pairwise(steps)) and all(s[3] is None for s in steps)
        offers = list(d.offers.all())
        assert len(offers) == any(s[0] == "dispatch" for s in steps)
        if d.accepted_team_id:
            assert offers[0].team_id == d.accepted_team_id and offers[0].status == "accepted"


def _check_campaigns(work: dict) -> None:
    from django.db.models import Sum

    from wenming.campaigns.models import ActivityEngagement, OnlineActivity, PartyCheckin, ReformRecord
    from wenming.campaigns.party_services import PARTY_STATUSES, home_station
    from wenming.dashboards.metrics import STOCK_PERIOD
    from wenming.dashboards.models import Figure

    reforms = ReformRecord.objects.all()
    assert reforms.count() == work["reform_records"] >= 60
    assert set(reforms.values_list("node__kind", flat=True).distinct()) == {"station"}
    assert OnlineActivity.objects.count() == work["online_activities"] >= 6
    assert set(OnlineActivity.objects.values_list("node__kind", flat=True).distinct()) <= {
        "county", "center", "institute"}
    engagements = ActivityEngagement.objects.all()
    views, shares = engagements.filter(kind="view").count(), engagements.filter(kind="share").count()
    assert views == work["engagement_views"] > 3 * shares > 0
    assert shares == work["engagement_shares"] > work["engagement_participations"] > 0
    assert (engagements.values("activity", "person_key", "day", "kind").distinct().count()
            == engagements.count())
    checkins = PartyCheckin.objects.select_related("volunteer__home_node", "station")
    members = Volunteer.objects.filter(political_status__in=PARTY_STATUSES).count()
    assert 0.6 * members < checkins.count() == work["party_checkins"] < 0.8 * members
    for checkin in checkins[:100]:
        assert checkin.volunteer.political_status in PARTY_STATUSES
        assert checkin.station == home_station(checkin.volunteer)
    # the figures at the city's office (衡阳市文明办)
    city = Node.objects.get(kind="city")
    here = Figure.objects.filter(node=city)
    assert here.filter(metric__startswith="reform:").aggregate(v=Sum("value"))["v"] == reforms.filter(
        voided_at__isnull=True).count() > 0
    for metric, kind in (("online_views", "view"), ("online_shares", "share"),
                         ("online_participants", "participate")):
        assert here.filter(metric=metric).aggregate(v=Sum("value"))["v"] == engagements.filter(kind=kind).count()
    active = PartyCheckin.objects.filter(withdrawn_at__isnull=True).count()
    assert here.get(metric="party_checkins", period=STOCK_PERIOD).value == active > 0


def test_demo_command_sets_up_and_prints_the_logins(db):
    out = io.StringIO()
    call_command("demo", no_serve=True, volunteers=150, stdout=out, verbosity=0)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text and DEMO_PASSWORD in text
    for account in DEMO_ACCOUNTS:
        assert account.username in text and account.role_label in text
    assert Volunteer.objects.count() == 150
    again = io.StringIO()
    call_command("demo", no_serve=True, stdout=again, verbosity=0)
    assert "跳过" in again.getvalue() and "admin" in again.getvalue()


def _city_people(workers: int) -> list:
    try:
        with transaction.atomic():
            seed_city(volunteers=1500, progress=False, workers=workers)
            people = list(Volunteer.objects.order_by("id").values_list("id", "name", "birth_date", "home_node__path"))
            raise _Rollback(people)
    except _Rollback as done:
        return done.args[0]


def test_city_people_do_not_depend_on_the_number_of_worker_processes(db, monkeypatch):
    from wenming.seeding import city

    monkeypatch.setattr(city, "CHUNK_SIZE", 100)  # 15 chunks, so the worker window refills
    monkeypatch.setattr(city, "PARALLEL_FROM", 0)
    serial = _city_people(workers=1)
    assert len(serial) == 1500
    assert _city_people(workers=2) == serial


def test_demo_has_volunteer_service_data_at_the_demo_station(demo):
    from django.db.models import Sum

    from wenming.mobilization.models import Call
    from wenming.service.models import Certificate, Project, ServiceRecord, VolunteerStats

    states = set(Project.objects.values_list("status", flat=True))
    assert {"draft", "published", "claimed", "recruiting", "finished"} <= states
    me = Volunteer.objects.get(user__username="volunteer")
    stats = VolunteerStats.objects.get(volunteer=me)
    assert stats.total_hours == ServiceRecord.objects.filter(volunteer=me).aggregate(s=Sum("hours"))["s"] >= 100
    assert stats.star_level >= 1
    assert Certificate.objects.filter(volunteer=me).exists()
    assert me.enrollments.filter(status="confirmed").exists()
    assert Call.objects.filter(responses__isnull=False).exists()
    assert demo["service"]["projects"] == Project.objects.count()


def _demo_counts() -> dict:
    from wenming.demands.models import DemandEvent, Offer
    from wenming.hotline.models import CallLog, Counselor, FollowUp, Hotline
    from wenming.supplies.models import Donation, Stock, StockMovement

    return {model.__name__: model.objects.count() for model in (
        Demand, DemandEvent, Offer, Donation, StockMovement, Stock, Hotline, Counselor, CallLog, FollowUp,
        AuditEntry)}


def test_demo_has_requests_in_every_state_at_the_demo_station(demo):
    from wenming.demands.models import DemandStatus, OfferStatus, VolunteerDemandStats
    from wenming.demands.stats import STAT_FIELDS, demand_stats_from_rows
    from wenming.seeding.demo_accounts import DEMO_STATION

    station = Node.objects.get(kind="station", name__startswith=DEMO_STATION)
    demands = list(Demand.objects.filter(node=station).select_related("category"))
    states = Counter(d.status for d in demands)
    assert set(states) == set(DemandStatus.values) and len(demands) == Demand.objects.count()
    assert demo["service"]["requests"]["demands"] == dict(states)
    # 代购 requests accepted (受理) and not dispatched, with their shopping lists: for delivery runs
    waiting = [d for d in demands if d.status == "reviewed" and d.category.code == "shopping"]
    assert len(waiting) >= 2
    assert all(d.items.count() >= 3 and not d.offers.exists() for d in waiting)
    for d in demands:
        assert d.reveal_phone().startswith("1380000") and d.phone_masked.startswith("138****")
        assert d.reveal_address().startswith("秭归县茅坪镇金缸城社区") and "***" in d.address_masked
        # the history ends in the request's state; every transition is audited
        assert d.events.exclude(to_status="").order_by("at", "id").last().to_status == d.status
        assert AuditEntry.objects.filter(action="demand.submit", object_id=str(d.pk)).exists()
        if d.status == "rejected":
            assert d.reject_reason and d.closed_at
        if d.status == "dispatched":
            assert d.offers.filter(status=OfferStatus.OFFERED).exists()
        if d.status in ("accepted", "in_progress", "completed", "rated", "closed") and not d.delivery_stops.exists():
            assert d.accepted_by.user is not None  # (a delivery run's households are served by the run)
        if d.status in ("completed", "rated", "closed"):  # done, or no longer needed on a delivery run
            assert d.proof_note or d.events.filter(action="run_cancel_demand").exists()
        if d.status == "rated":
            assert 1 <= d.rating <= 5 and d.rating_comment
    assert any(o.status == OfferStatus.DECLINED and o.decline_reason for d in demands for o in d.offers.all())
    assert any(d.accepted_team_id for d in demands)
    # the ranking summary the workflow keeps agrees with the requests
    kept = {s.volunteer_id: tuple(getattr(s, f) for f in STAT_FIELDS) for s in VolunteerDemandStats.objects.all()}
    assert kept == demand_stats_from_rows() and len(kept) == 2


def test_demo_has_a_finished_delivery_run_and_one_gathering(demo):
    from wenming.deliveries.models import DeliveryRun
    from wenming.deliveries.selectors import buying_list, run_candidates_for_actor
    from wenming.seeding.demo_accounts import DEMO_STATION

    station = Node.objects.get(kind="station", name__startswith=DEMO_STATION)
    done, gathering = DeliveryRun.objects.filter(node=station).order_by("pk")
    assert done.status == "closed" and gathering.status == "gathering"
    assert sorted(done.stops.values_list("status", flat=True)) == ["confirmed", "confirmed", "marked"]
    assert done.receipts.count() == 1 and any(line.household_count == 2 for line in buying_list(done))
    assert gathering.stops.count() == 2 and gathering.members.filter(volunteer__user__username="volunteer").exists()
    staff = User.objects.get(username="station")
    assert run_candidates_for_actor(actor=staff, run=gathering).count() >= 2  # still some to add
    assert demo["service"]["requests"]["delivery_runs"] == 2


def test_demo_has_screening_tallies_reports_and_a_dashboard(demo):
    from wenming.dashboards.rebuild import differences
    from wenming.dashboards.selectors import dashboard_for_actor
    from wenming.dashboards.summary import fold_all
    from wenming.reporting.models import InfoReport

    work = demo["service"]["requests"]["work"]
    assert work["visits"] >= 10 and work["reports"] == 1 and work["engagements"] > 40
    assert InfoReport.objects.filter(status="published").count() == 1
    office = User.objects.get(username="office")
    county = Node.objects.get(kind="county")
    data = dashboard_for_actor(actor=office, node_id=county.pk)
    other = {o["code"]: o["total"] for o in data["other"]}
    assert data["volunteers"]["registered"] == Volunteer.objects.filter(status="active").count() > 0
    assert data["screening"]["coverage_pct"] is not None
    assert other["tally:banner"] > 0 and other["visits"] >= 10 and other["reports_published"] == 1
    fold_all()
    assert differences() == []  # the seed's rebuild and every service's deltas agree


def test_demo_supplies_stock_equals_the_movements(demo):
    from decimal import Decimal

    from django.db.models import Sum

    from wenming.supplies.models import DonationLine, MovementKind, Stock, StockMovement

    def q(value) -> Decimal:
        return Decimal(value).quantize(Decimal("0.001"))

    moved = {(r["node"], r["item"]): q(r["total"]) for r in
             StockMovement.objects.order_by().values("node", "item").annotate(total=Sum("quantity"))}
    stock = {(s.node_id, s.item_id): q(s.quantity) for s in Stock.objects.all()}
    assert stock and moved == stock and all(v >= 0 for v in stock.values())
    assert set(StockMovement.objects.values_list("kind", flat=True)) == set(MovementKind.values)
    donated = {r["item__name"]: q(r["total"]) for r in
               DonationLine.objects.order_by().values("item__name").annotate(total=Sum("quantity"))}
    # the 秭归 report: 消毒用品 15 吨、医用外科口罩 1 万个、防护服 110 套
    assert donated["消毒用品（散装）"] == 15 and donated["医用外科口罩"] == 10000 and donated["医用防护服"] == 110
    station = Node.objects.get(kind="station", name__startswith="金缸城社区")
    assert Stock.objects.filter(node=station, item__name="医用外科口罩", quantity__gt=0).exists()
    assert AuditEntry.objects.filter(action__startswith="supplies.").count() >= 10


def test_demo_hotline_has_calls_on_duty_a_crisis_and_follow_ups(demo):
    from wenming.accounts.models import User
    from wenming.hotline.access import call_visibility_q
    from wenming.hotline.call_services import on_duty
    from wenming.hotline.models import CallLog, Counselor, FollowUp
    from wenming.hotline.stats import call_stats_for_actor

    counselor = Counselor.objects.select_related("user", "supervisor").get()
    assert counselor.user.username == "counselor" and counselor.supervisor.username == "supervisor"
    assert counselor.duty_shifts.count() >= 10
    calls = list(CallLog.objects.all())
    assert len(calls) == demo["service"]["requests"]["hotline_calls"] >= 20
    assert all(on_duty(counselor, c.started_at) and c.summary_enc for c in calls)
    crisis = CallLog.objects.get(is_crisis=True)
    assert crisis.referral and crisis.topic.code == "self_harm"
    assert {(f.kind, f.done_at is None) for f in crisis.followups.all()} == {("crisis", False), ("manual", True)}
    assert FollowUp.objects.filter(kind="agreed", done_at__isnull=True).exists()
    # records by assignment: the counselor and the supervisor see them all, the office none
    supervisor, office = User.objects.get(username="supervisor"), User.objects.get(username="office")
    assert CallLog.objects.filter(call_visibility_q(counselor.user)).count() == len(calls)
    assert CallLog.objects.filter(call_visibility_q(supervisor)).count() == len(calls)
    assert not CallLog.objects.filter(call_visibility_q(office)).exists()
    assert call_stats_for_actor(actor=office, period="day").total.calls  # statistics without the records


def test_seeding_the_demo_twice_adds_nothing(demo):
    counts = _demo_counts()
    assert counts["Demand"] and counts["CallLog"] and counts["StockMovement"]
    with pytest.raises(SeedRefused):
        seed_demo(volunteers=SMALL, progress=False)
    out = io.StringIO()
    call_command("demo", no_serve=True, stdout=out, verbosity=0)
    assert "跳过" in out.getvalue()
    assert _demo_counts() == counts


def test_demo_has_the_2020_epidemic_period_that_reads_like_the_zigui_report(demo):
    """Issue 14: the demo county's February–March 2020, entered afterwards from paper records,
    gives the 秭归 report's figures in its work report and its dashboard."""
    from datetime import date

    from wenming.dashboards.periods import Period
    from wenming.dashboards.rebuild import differences
    from wenming.dashboards.selectors import dashboard_for_actor
    from wenming.dashboards.summary import fold_all
    from wenming.dashboards.work_report import work_report, work_report_text

    county = Node.objects.get(kind="county")
    text = work_report_text(work_report(county, since=date(2020, 2, 1), until=date(2020, 3, 1)))
    for phrase in ("悬挂横幅1,596条", "张贴宣传画6,882份", "发放宣传单70,000份", "出动宣传车138辆次", "劝导300,000人次",
                   "设置口罩回收箱232个", "出动消毒车3辆", "配备喷雾器15台", "生活垃圾转运4,290吨", "疫区垃圾转运210吨",
                   "信息刊播：学习强国12篇，中国文明网10篇，湖北文明网10篇", "接听来电约870次", "婚事停办711户",
                   "丧事简办184户", "开通心理疏导热线1条", "截至2020年3月31日，建成", "进驻志愿服务人员"):
        assert phrase in text, phrase
    data = dashboard_for_actor(actor=User.objects.get(username="office"), node_id=county.pk,
                               period=Period(date(2020, 2, 1), date(2020, 3, 1)))
    assert data["hours"]["period"] > 0 and data["trend_labels"] == ["2020-02", "2020-03"]
    other = {o["code"]: o["total"] for o in data["other"]}
    assert other["tally:banner"] == 1596 and other["tally:disinfect_vehicle"] == 3
    assert other["reform:wedding_cancelled"] == 711 and other["reports_adopted:xuexi"] == 12
    fold_all()
    assert differences() == []
