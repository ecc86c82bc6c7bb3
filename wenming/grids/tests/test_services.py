"""Grid services: profile, claims with conflicts, visits with their permissions, corrections,
voiding and the follow-up into a resident request; ugly input never half-writes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.accounts.models import User
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.dashboards.models import FigureDelta
from wenming.grids.households import household_key_of, normalize_address
from wenming.grids.models import GridClaim, GridProfile, HouseholdVisit
from wenming.grids.services import grid_claim_create, grid_claim_withdraw, grid_profile_set
from wenming.grids.visit_services import visit_correct, visit_follow_up, visit_record, visit_void
from wenming.orgs.services import node_archive
from wenming.volunteers.tests.factories import user

from .factories import assert_counters_match, claim, member, team, visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def code_of(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


# ---- profile ------------------------------------------------------------------------------

def test_a_manager_sets_households_and_a_boundary_and_the_figure_follows(world):
    square = {"type": "Polygon", "coordinates": [[[110.1, 30.8], [110.2, 30.8], [110.2, 30.9], [110.1, 30.8]]]}
    profile = grid_profile_set(actor=world.manager_a, grid=world.grid_a, household_count=300,
                               boundary={"type": "Feature", "geometry": square, "properties": {}})
    assert profile.household_count == 300 and '"Polygon"' in profile.boundary
    grid_profile_set(actor=world.manager_a, grid=world.grid_a, household_count=280)
    assert sum(d.value for d in FigureDelta.objects.filter(metric="grid_households")) == 280
    assert AuditEntry.objects.filter(action="grids.profile_set").count() == 2
    grid_profile_set(actor=world.manager_a, grid=world.grid_a, boundary="")
    assert GridProfile.objects.get(node=world.grid_a).boundary == ""


@pytest.mark.parametrize("count", [-1, -300, "abc", "12.5", True, 10**7, " ", "-3", 1.5])
def test_ugly_household_counts_are_refused(world, count):
    assert code_of(lambda: grid_profile_set(actor=world.manager_a, grid=world.grid_a,
                                            household_count=count)) == "grids.households_invalid"
    assert not FigureDelta.objects.filter(metric="grid_households").exists()


@pytest.mark.parametrize("boundary", [
    "not json", "[]", '{"type": "Point", "coordinates": [110, 30]}',
    '{"type": "Polygon", "coordinates": [[[110, 30], [111, 30], [111, 31]]]}',  # too few points
    '{"type": "Polygon", "coordinates": [[[110, 30], [111, 30], [111, 31], [110, 31]]]}',  # not closed
    '{"type": "Polygon", "coordinates": [[[200, 30], [111, 30], [111, 31], [200, 30]]]}',  # out of range
    '{"type": "Polygon", "coordinates": [[["a", 30], [111, 30], [111, 31], ["a", 30]]]}',
    '{"type": "MultiPolygon", "coordinates": []}',
])
def test_bad_boundaries_are_refused(world, boundary):
    assert code_of(lambda: grid_profile_set(actor=world.manager_a, grid=world.grid_a,
                                            boundary=boundary)) == "grids.boundary_invalid"


def test_profile_permissions_and_targets(world):
    assert code_of(lambda: grid_profile_set(actor=world.manager_b, grid=world.grid_a,
                                            household_count=1)) == "not_found"
    assert code_of(lambda: grid_profile_set(actor=world.manager_a, grid=world.point_a,
                                            household_count=1)) == "grids.not_a_grid"
    inspector = user("inspector")
    role_grant(actor=world.root, user=inspector, role=Role.INSPECTOR, node=world.county)
    assert code_of(lambda: grid_profile_set(actor=inspector, grid=world.grid_a, household_count=1)) == "forbidden"
    node_archive(actor=world.root, node=world.grid_a)
    world.grid_a.refresh_from_db()
    assert code_of(lambda: grid_profile_set(actor=world.manager_a, grid=world.grid_a,
                                            household_count=1)) == "grids.grid_archived"


# ---- claims -------------------------------------------------------------------------------

def test_a_leader_claims_and_another_teams_overlap_is_allowed_but_flagged(world):
    first = claim(world.leader, world.grid_a, world.team_a, days=30)
    assert first.conflicts == []
    other = team(world, name="九里村党员先锋队")
    second = claim(world.manager_a, world.grid_a, other, days=10, start_offset=5)
    assert [c.pk for c in second.conflicts] == [first.pk]
    entry = AuditEntry.objects.filter(action="grids.claim").latest("id")
    assert entry.changes["conflicts"] == [first.pk]


def test_the_same_team_cannot_overlap_itself_so_a_double_tap_claims_once(world):
    claim(world.leader, world.grid_a, world.team_a, days=30)
    assert code_of(lambda: claim(world.leader, world.grid_a, world.team_a, days=30)) == "grids.claim_overlap"
    assert code_of(lambda: claim(world.leader, world.grid_a, world.team_a, days=5,
                                 start_offset=30)) == "grids.claim_overlap"  # touching the last day
    claim(world.leader, world.grid_a, world.team_a, days=5, start_offset=31)  # after it: fine
    assert GridClaim.objects.filter(team=world.team_a).count() == 2


def test_claim_permissions(world):
    vol = member(world, world.team_a, "vol_claim")
    assert code_of(lambda: claim(vol.user, world.grid_a, world.team_a)) == "grids.claim_forbidden"
    other = team(world)
    assert code_of(lambda: claim(world.leader, world.grid_a, other)) == "grids.claim_forbidden"
    team_b = team(world, node=world.station_b)
    assert code_of(lambda: claim(world.root, world.grid_a, team_b)) == "grids.team_out_of_area"
    county_team = team(world, node=world.county)
    assert claim(world.office, world.grid_a, county_team).team == county_team  # the grid is in its area


@pytest.mark.parametrize("start,end,field", [(5, 1, "ends_on"), (-20, -1, "ends_on"), (400, 420, "starts_on"),
                                             (0, 900, "ends_on")])
def test_bad_claim_periods_are_refused(world, start, end, field):
    today = TODAY()
    with pytest.raises(DomainError) as exc:
        grid_claim_create(actor=world.leader, grid=world.grid_a, team=world.team_a,
                          starts_on=today + timedelta(days=start), ends_on=today + timedelta(days=end))
    assert exc.value.code == "grids.period_invalid" and exc.value.field == field


def test_a_withdrawn_claim_stops_recording_and_cannot_be_withdrawn_twice(world):
    c = claim(world.leader, world.grid_a, world.team_a)
    vol = member(world, world.team_a, "vol_w")
    visit(vol.user, world.grid_a)
    grid_claim_withdraw(actor=world.leader, claim=c)
    assert code_of(lambda: grid_claim_withdraw(actor=world.leader, claim=c)) == "grids.claim_withdrawn"
    assert code_of(lambda: visit(vol.user, world.grid_a, address="九里村三组 13 号")) == "grids.not_claimed"
    assert HouseholdVisit.objects.count() == 1  # the visits made under it stay


# ---- visits -------------------------------------------------------------------------------

def test_a_volunteer_of_a_claiming_team_records_a_visit_filed_under_the_team(world):
    claim(world.leader, world.grid_a, world.team_a)
    vol = member(world, world.team_a, "vol_a1")
    v = visit(vol.user, world.grid_a, address="九里村三组 12 号", residents_count=3,
              flags=["elderly_alone", "needs_help"], note="需要代购药品")
    assert v.team == world.team_a and v.volunteer == vol and v.recorded_by == vol.user and not v.duplicate
    assert v.address_masked == "九里村***" and v.reveal_address() == "九里村三组 12 号"
    assert sorted(v.flags.values_list("code", flat=True)) == ["elderly_alone", "needs_help"]
    entry = AuditEntry.objects.get(action="grids.visit_record")
    assert "12 号" not in str(entry.changes) and entry.node_path == world.grid_a.path
    assert_counters_match()


def test_who_may_record(world):
    vol = member(world, world.team_a, "vol_nc")
    assert code_of(lambda: visit(vol.user, world.grid_a)) == "grids.not_claimed"  # no claim yet
    claim(world.leader, world.grid_a, world.team_a)
    assert visit(world.leader, world.grid_a, address="九里村一组 1 号").team == world.team_a
    staff_visit = visit(world.manager_a, world.grid_a, address="九里村一组 2 号", team=None)
    assert staff_visit.team is None  # staff not in a claiming team record for the station
    assert visit(world.manager_a, world.grid_a, address="九里村一组 5 号", team=world.team_a).team == world.team_a
    assert code_of(lambda: visit(world.manager_b, world.grid_a, address="九里村一组 3 号")) == "grids.not_claimed"
    stranger = member(world, team(world), "vol_other")
    assert code_of(lambda: visit(stranger.user, world.grid_a, address="九里村一组 4 号")) == "grids.not_claimed"
    assert code_of(lambda: visit(vol.user, world.point_a)) == "grids.not_a_grid"


def test_staff_without_a_claim_record_without_a_team(world):
    v = visit(world.manager_a, world.grid_a)
    assert v.team is None and v.volunteer is None


def test_a_volunteer_in_two_claiming_teams_must_choose(world):
    other = team(world)
    claim(world.leader, world.grid_a, world.team_a)
    claim(world.root, world.grid_a, other)
    vol = member(world, world.team_a, "vol_two")
    from wenming.volunteers.team_services import team_member_add

    team_member_add(actor=world.root, team=other, volunteer=vol)
    assert code_of(lambda: visit(vol.user, world.grid_a)) == "grids.team_required"
    assert visit(vol.user, world.grid_a, team=other).team == other


@pytest.mark.parametrize("fields,code", [
    ({"visited_at": timezone.now() + timedelta(hours=1)}, "grids.time_future"),
    ({"visited_at": timezone.now().replace(year=1999)}, "grids.time_invalid"),
    ({"residents_count": -1}, "grids.residents_invalid"),
    ({"residents_count": 1000}, "grids.residents_invalid"),
    ({"residents_count": "两"}, "grids.residents_invalid"),
    ({"residents_count": True}, "grids.residents_invalid"),
    ({"flags": ["nope"]}, "grids.flag_unknown"),
    ({"address": "  "}, "grids.address_required"),
    ({"address": "12"}, "grids.address_required"),
    ({"address": "九" * 201}, "grids.address_required"),
])
def test_ugly_visits_are_refused_and_leave_nothing(world, fields, code):
    claim(world.leader, world.grid_a, world.team_a)
    values = {"address": "九里村三组 12 号", **fields}
    assert code_of(lambda: visit_record(actor=world.leader, grid=world.grid_a, **values)) == code
    assert not HouseholdVisit.objects.exists() and not FigureDelta.objects.filter(metric="visits").exists()


def test_a_phone_a_few_minutes_fast_is_not_the_future(world):
    v = visit(world.manager_a, world.grid_a, visited_at=timezone.now() + timedelta(minutes=3))
    assert v.pk


def test_duplicate_taps_record_one_visit(world):
    claim(world.leader, world.grid_a, world.team_a)
    vol = member(world, world.team_a, "vol_tap")
    first = visit(vol.user, world.grid_a, client_token="tok-1")
    again = visit(vol.user, world.grid_a, client_token="tok-1")
    assert again.pk == first.pk and again.duplicate
    # without a token: the same recorder at the same door within minutes is the same visit
    same = visit(vol.user, world.grid_a, address="九里村3组12号", client_token="tok-2")
    assert same.pk == first.pk and same.duplicate
    assert HouseholdVisit.objects.count() == 1
    assert sum(d.value for d in FigureDelta.objects.filter(metric="visits")) == 1


def test_one_household_however_it_is_written(world):
    assert normalize_address("九里村三组 12 号") == normalize_address("九里村3组12号") == normalize_address(
        "九里村第三组１２号")
    assert normalize_address("和平路二十一号") == normalize_address("和平路21号")
    assert household_key_of("九里村三组 12 号") != household_key_of("九里村三组 13 号")
    v1 = visit(world.manager_a, world.grid_a, address="九里村三组 12 号")
    v2 = visit(world.office, world.grid_a, address="九里村3组12号")
    assert v1.household_key == v2.household_key and v1.pk != v2.pk
    assert GridProfile.objects.get(node=world.grid_a).households_visited == 1
    assert_counters_match()


# ---- corrections and voiding --------------------------------------------------------------

def test_a_correction_moves_the_household_and_the_figures(world):
    v = visit(world.manager_a, world.grid_a, address="九里村三组 12 号", flags=["fever"], residents_count=2)
    visit(world.manager_a, world.grid_a, address="九里村三组 13 号")
    visit_correct(actor=world.manager_a, visit=v, reason="门牌写错", address="九里村三组 13 号", flags=["returnee"])
    assert GridProfile.objects.get(node=world.grid_a).households_visited == 1
    totals = {}
    for d in FigureDelta.objects.all():
        totals[d.metric] = totals.get(d.metric, 0) + d.value
    assert totals["households_visited"] == 1 and totals["visits"] == 2
    assert totals.get("visit_flag:fever", 0) == 0 and totals["visit_flag:returnee"] == 1
    entry = AuditEntry.objects.get(action="grids.visit_correct")
    assert entry.changes["reason"] == "门牌写错" and "13 号" not in str(entry.changes)
    assert_counters_match()


def test_correct_and_void_permissions_and_state(world):
    claim(world.leader, world.grid_a, world.team_a)
    vol = member(world, world.team_a, "vol_c")
    other = member(world, world.team_a, "vol_c2")
    v = visit(vol.user, world.grid_a)
    assert code_of(lambda: visit_correct(actor=other.user, visit=v, reason="x", residents_count=1)) == \
        "grids.visit_forbidden"
    assert code_of(lambda: visit_correct(actor=vol.user, visit=v, reason=" ", residents_count=1)) == \
        "grids.reason_required"
    visit_correct(actor=world.leader, visit=v, reason="补充", residents_count=4)
    visit_void(actor=vol.user, visit=v, reason="重复登记")
    assert code_of(lambda: visit_void(actor=world.manager_a, visit=v, reason="再作废")) == "grids.visit_voided"
    assert code_of(lambda: visit_correct(actor=world.manager_a, visit=v, reason="x", note="y")) == \
        "grids.visit_voided"
    assert GridProfile.objects.get(node=world.grid_a).households_visited == 0
    assert_counters_match()


# ---- follow-up ----------------------------------------------------------------------------

def test_a_visit_needing_help_becomes_a_resident_request_once(world):
    v = visit(world.manager_a, world.grid_a, flags=["needs_help"], note="独居，需要代购")
    demand, code = visit_follow_up(actor=world.manager_a, visit=v, name="张秀英", phone="13812345678",
                                   category="shopping")
    v.refresh_from_db()
    assert v.demand == demand and demand.household_visit == v and len(code) == 6
    assert demand.node == world.station_a and demand.grid == world.grid_a
    assert demand.reveal_address() == "九里村三组 12 号" and demand.reveal_name() == "张秀英"
    assert "需要帮助" in demand.description and "独居" in demand.description
    assert code_of(lambda: visit_follow_up(actor=world.manager_a, visit=v, name="张秀英", phone="13812345678",
                                           category="shopping")) == "grids.follow_up_exists"


def test_follow_up_needs_demand_edit_and_a_live_visit(world):
    claim(world.leader, world.grid_a, world.team_a)
    vol = member(world, world.team_a, "vol_f")
    v = visit(vol.user, world.grid_a, flags=["needs_help"])
    assert code_of(lambda: visit_follow_up(actor=vol.user, visit=v, name="张三", phone="13812345678",
                                           category="shopping")) == "forbidden"
    assert code_of(lambda: visit_follow_up(actor=world.manager_a, visit=v, name="张三", phone="123",
                                           category="shopping")) == "volunteer.phone_invalid"
    assert HouseholdVisit.objects.get(pk=v.pk).demand_id is None
    visit_void(actor=world.manager_a, visit=v, reason="地址不在本网格")
    v.refresh_from_db()
    assert code_of(lambda: visit_follow_up(actor=world.manager_a, visit=v, name="张三", phone="13812345678",
                                           category="shopping")) == "grids.visit_voided"


def test_a_plain_user_without_any_role_records_nothing(world):
    nobody = User.objects.create_user(username="nobody", password="x")
    assert code_of(lambda: visit(nobody, world.grid_a)) == "grids.not_claimed"
