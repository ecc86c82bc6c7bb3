"""Civilized units as participants: members, teams, pairings, answering a 招募令, the
participation figures and the annual review."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry, Notification
from wenming.core.testing import CONCURRENT, at_once, code_of
from wenming.core.tests.api_client import PASSWORD, ApiClient
from wenming.evaluation.models import Pairing, UnitCallAnswer, UnitMember, UnitTeam
from wenming.evaluation.selectors import participation as part
from wenming.evaluation.selectors import units as sel
from wenming.evaluation.services import inspections
from wenming.evaluation.services import units as services
from wenming.grids.services import grid_claim_create
from wenming.grids.visit_services import visit_record, visit_void
from wenming.mobilization import services as mobilization
from wenming.mobilization.models import Answer, CallResponse
from wenming.mobilization.tests.helpers import make_call
from wenming.orgs.services import node_create, unit_create
from wenming.service.hours_services import hours_correct, hours_makeup
from wenming.service.models import Enrollment, ProjectCategory
from wenming.service.project_services import project_claim, project_create, project_publish, shift_add
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.team_services import team_create, team_member_add
from wenming.volunteers.tests.factories import build_world, volunteer

from .factories import a_finding, build_evaluation

pytestmark = pytest.mark.django_db


def unit_world(world):
    e = build_evaluation(world)
    e.unit, e.other = e.market_bureau, e.city_admin
    e.team = team_create(actor=world.root, name="市场监管志愿服务队", level="squad", node=world.county)
    return e


def with_login(vol, username: str):
    vol.user = User.objects.create_user(username=username, password=PASSWORD)
    vol.save(update_fields=["user"])
    return vol


def claimed_project(world, team):
    category = ProjectCategory.objects.get(code="civility")
    project = project_create(actor=world.root, node=world.station_a, title="农贸市场文明劝导", category=category)
    start = timezone.now() + timedelta(days=3)
    shift_add(actor=world.root, project=project, title="上午岗", starts_at=start, ends_at=start + timedelta(hours=2),
              capacity=5)
    project_publish(actor=world.root, project=project)
    return project_claim(actor=world.root, project=project, team=team)


def team_of_members(e, world):
    """李明 (station A) leads the unit's team, 王芳 (station B) is in it; both are members."""
    services.member_add(actor=e.liaison_market, unit=e.unit, name="李明", phone="13900000001",
                        joined_on=date(timezone.localdate().year, 1, 1))
    services.member_add(actor=world.office, unit=e.unit, volunteer_id=world.vol_b.pk)
    team_member_add(actor=world.root, team=e.team, volunteer=world.vol_a, role="leader")
    team_member_add(actor=world.root, team=e.team, volunteer=world.vol_b)
    services.team_link(actor=e.liaison_market, unit=e.unit, team=e.team)


# ---- participation --------------------------------------------------------------------------

def test_participation_counts_members_hours_team_work_and_answers_each_once(world):
    e = unit_world(world)
    w = world
    today = timezone.localdate()
    year = today.year
    team_of_members(e, w)
    project = claimed_project(w, e.team)
    outsider = volunteer(w.root, w.station_a, name="赵强", phone="13900000011")
    services.member_add(actor=w.office, unit=e.other, volunteer_id=outsider.pk, joined_on=date(year, 1, 1))

    # 李明: 2 h today in the team's project, corrected by −0.5 h; 1.5 h last year (another year)
    first = hours_makeup(actor=w.root, volunteer=w.vol_a, hours=Decimal(2), service_date=today, reason="文明劝导",
                         node=w.station_a, project=project)
    hours_correct(actor=w.root, record=first, delta=Decimal("-0.5"), reason="签退过晚")
    hours_makeup(actor=w.root, volunteer=w.vol_a, hours=Decimal("1.5"), service_date=date(year - 1, 12, 1),
                 reason="去年", node=w.station_a)
    # 王芳 joined today: her 3 h the day before, in the team's project, count as someone else's
    before = today - timedelta(days=1)
    hours_makeup(actor=w.root, volunteer=w.vol_b, hours=Decimal(3), service_date=before, reason="入会前",
                 node=w.station_a, project=project)
    # 赵强 (the other unit's member): 4 h in this unit's team project, 5 h elsewhere
    hours_makeup(actor=w.root, volunteer=outsider, hours=Decimal(4), service_date=today, reason="外援",
                 node=w.station_a, project=project)
    hours_makeup(actor=w.root, volunteer=outsider, hours=Decimal(5), service_date=today, reason="别处",
                 node=w.station_a)

    # visits under the team: three recorded, one voided, one door visited twice; one without the team
    grid_claim_create(actor=w.root, grid=w.grid_a, team=e.team, starts_on=today - timedelta(days=1),
                      ends_on=today + timedelta(days=30))  # the visit 20 minutes ago may fall on yesterday
    visit_record(actor=w.root, grid=w.grid_a, address="九里村三组 12 号", team=e.team)
    visit_record(actor=w.root, grid=w.grid_a, address="九里村三组 12 号", team=e.team,
                 visited_at=timezone.now() - timedelta(minutes=20))
    wrong = visit_record(actor=w.root, grid=w.grid_a, address="九里村四组 1 号", team=e.team)
    visit_void(actor=w.root, visit=wrong, reason="登记错了网格")
    visit_record(actor=w.root, grid=w.grid_a, address="九里村五组 3 号")

    # the unit answers a call with its team; 李明 (with a login) says yes
    with_login(w.vol_a, "liming")
    call = make_call(w, recruiting_shift(w, capacity=5))
    services.unit_call_answer(actor=e.liaison_market, unit=e.unit, call=call, team=e.team, headcount=2)
    response = CallResponse.objects.get(call=call, volunteer=w.vol_a)
    mobilization.call_answer(actor=w.vol_a.user, response=response, answer=Answer.YES)

    services.pairing_add(actor=e.liaison_market, unit=e.unit, node=w.station_a, note="每月文明劝导")
    ended = services.pairing_add(actor=e.liaison_market, unit=e.unit, node=w.grid_a)
    services.pairing_end(actor=e.liaison_market, pairing=ended)

    p = part.unit_participation(unit=e.unit, year=year)
    counted_before = before.year == year
    assert (p.members, p.members_served, p.member_hours) == (2, 1, Decimal("1.5"))
    assert p.other_hours == Decimal(4) + (Decimal(3) if counted_before else 0)
    assert p.other_volunteers == 1 + counted_before
    assert p.hours == p.member_hours + p.other_hours
    assert (p.teams, p.visits, p.households) == (1, 2, 1)
    assert (p.unit_answers, p.unit_headcount, p.member_yes, p.call_answers) == (1, 2, 1, 2)
    assert p.pairings == 2  # one live, one ended this year: both were live in the year
    shift_year = timezone.localtime(project.shifts.get().starts_at).year
    assert part.unit_participation(unit=e.unit, year=shift_year).projects == 1
    # the other unit: its member's 9 hours, nothing of this unit's
    o = part.unit_participation(unit=e.other, year=year)
    assert (o.members, o.members_served, o.member_hours, o.other_hours, o.visits) == (1, 1, Decimal(9), 0, 0)
    # last year: only 李明's 1.5 h (she was a member from this year only: not counted)
    assert part.unit_participation(unit=e.unit, year=year - 1).hours == 0


def test_the_office_list_computes_every_unit_in_a_fixed_number_of_queries(world, monkeypatch):
    e = unit_world(world)
    team_of_members(e, world)
    for n in range(6):
        unit_create(actor=world.root, node=world.county, name=f"县直单位{n}", unit_type="unit", level="county")
    year = timezone.localdate().year
    with CaptureQueriesContext(connection) as few:
        part.units_participation_for_actor(actor=world.office, year=year)
    for n in range(6, 12):
        unit_create(actor=world.root, node=world.county, name=f"县直单位{n}", unit_type="unit", level="county")
    with CaptureQueriesContext(connection) as many:
        rows = part.units_participation_for_actor(actor=world.office, year=year, order="members")
    assert len(many.captured_queries) == len(few.captured_queries) <= 12
    assert rows[0].unit == e.unit and rows[0].figures.members == 2
    monkeypatch.setattr(part, "INLINE_IDS", 0)  # a city's 2,000 units: the units go in as a subquery
    again = part.units_participation_for_actor(actor=world.office, year=year, order="members")
    assert [(r.unit, r.figures) for r in again] == [(r.unit, r.figures) for r in rows]
    # a liaison's list holds exactly their unit
    assert [r.unit for r in part.units_participation_for_actor(actor=e.liaison_market, year=year)] == [e.unit]


# ---- who may see and change -----------------------------------------------------------------

def test_a_liaison_cannot_see_or_change_another_unit(world):
    e = unit_world(world)
    member = services.member_add(actor=e.liaison_admin, unit=e.other, name="李明", phone="13900000001")
    for attempt in (
        lambda: sel.unit_get_for_actor(actor=e.liaison_market, pk=e.other.pk),
        lambda: sel.unit_get_managed(actor=e.liaison_market, pk=e.other.pk),
        lambda: services.member_add(actor=e.liaison_market, unit=e.other, name="王芳", phone="13900000002"),
        lambda: services.member_remove(actor=e.liaison_market, member=member),
        lambda: services.pairing_add(actor=e.liaison_market, unit=e.other, node=world.station_a),
    ):
        assert code_of(attempt) == "not_found"
    assert UnitMember.objects.filter(unit=e.other).count() == 1
    api = ApiClient("liaison_market")
    for path in (f"/evaluation/units/{e.other.pk}", f"/evaluation/units/{e.other.pk}/members",
                 f"/evaluation/units/{e.other.pk}/review?year=2023"):
        assert api.get(path).status_code == 404
    assert api.post(f"/evaluation/units/{e.other.pk}/members", {"name": "王芳", "phone": "13900000002"}).status_code == 404
    assert api.delete(f"/evaluation/units/{e.other.pk}/members/{member.pk}").status_code == 404
    assert api.get(f"/evaluation/units/{e.unit.pk}").status_code == 200
    # the page says the same
    from django.test import Client

    page = Client()
    page.login(username="liaison_market", password=PASSWORD)
    assert page.get(f"/evaluation/units/{e.other.pk}/").status_code == 404
    assert page.post(f"/evaluation/units/{e.other.pk}/members/{member.pk}/remove/").status_code == 404
    assert page.get("/evaluation/units/").status_code == 302  # a liaison of one unit lands on its page


def test_readers_see_a_unit_but_only_its_liaison_and_staff_change_it(world):
    e = unit_world(world)
    assert sel.unit_get_for_actor(actor=e.inspector, pk=e.unit.pk) == e.unit
    assert code_of(lambda: services.member_add(actor=e.inspector, unit=e.unit, volunteer_id=world.vol_a.pk)) \
        == "forbidden"
    assert code_of(lambda: sel.unit_get_for_actor(actor=world.manager_b, pk=e.unit.pk)) == "not_found"
    # office staff (UNIT_EDIT over the county) manage it
    services.member_add(actor=world.office, unit=e.unit, volunteer_no=world.vol_a.volunteer_no)
    assert e.unit.members.count() == 1


def test_ids_and_text_a_client_sends_never_break_the_api(world):
    e = unit_world(world)
    api = ApiClient("liaison_market")
    for bad in ("²", "abc", "9" * 23, "-1"):
        assert api.get(f"/evaluation/units/{bad}").status_code == 404
    assert api.get(f"/evaluation/units/{e.unit.pk}", year=99999).status_code == 422
    res = api.post(f"/evaluation/units/{e.unit.pk}/members", {"name": "李\x00明", "phone": "1390000\x000001"})
    assert res.status_code == 201 and res.json()["name"] == "李明"  # NUL characters are dropped, not stored
    assert api.post(f"/evaluation/units/{e.unit.pk}/members", {"volunteer_id": 10 ** 30}).status_code == 422
    assert api.post(f"/evaluation/units/{e.unit.pk}/pairings", {"node_id": 10 ** 17}).status_code == 404
    assert api.post(f"/evaluation/units/{e.unit.pk}/members", {"name": "x" * 5000}).status_code == 422
    office = ApiClient("office")
    res = office.get("/evaluation/units", unit_type="unit\x00", search="局\x00", order="\x00", page=10 ** 20,
                     page_size=10 ** 20)
    assert res.status_code == 200
    assert office.get("/evaluation/units", node_id=10 ** 20).status_code in (404, 422)
    assert office.get(f"/evaluation/units/{e.unit.pk}/pairing-nodes", search="村\x00").status_code == 200


# ---- members --------------------------------------------------------------------------------

def test_a_liaison_adds_a_volunteer_by_name_and_phone_and_a_miss_tells_nothing(world):
    e = unit_world(world)
    member = services.member_add(actor=e.liaison_market, unit=e.unit, name="李明", phone="139 0000 0001")
    assert member.volunteer == world.vol_a and member.joined_on == timezone.localdate()
    assert Notification.objects.filter(volunteer_id=world.vol_a.pk, subject__contains="县市场监管局").exists()
    misses = [
        dict(name="张三", phone="13900000001"),   # a registered phone, the wrong name
        dict(name="张三", phone="13999999999"),   # a phone nobody registered
        dict(name="王芳", phone="13900000001"),   # a real volunteer's name with someone else's phone
    ]
    messages = set()
    for miss in misses:
        with pytest.raises(DomainError) as err:
            services.member_add(actor=e.liaison_market, unit=e.unit, **miss)
        messages.add((err.value.code, err.value.message))
    assert messages == {("evaluation.volunteer_not_found", "未找到该志愿者")}
    # a liaison sees no one else by number: the same answer
    assert code_of(lambda: services.member_add(actor=e.liaison_market, unit=e.unit,
                                               volunteer_no=world.vol_b.volunteer_no)) == "evaluation.volunteer_not_found"
    assert code_of(lambda: services.member_add(actor=e.liaison_market, unit=e.unit, name="李明",
                                               phone="13900000001")) == "evaluation.already_member"
    assert code_of(lambda: services.member_add(actor=e.liaison_market, unit=e.unit)) == "evaluation.member_who"
    assert code_of(lambda: services.member_add(actor=e.liaison_market, unit=e.unit, name="王芳", phone="12345")) \
        == "volunteer.phone_invalid"
    assert code_of(lambda: services.member_add(actor=e.liaison_market, unit=e.unit, name="王芳", phone="13900000002",
                                               joined_on=timezone.localdate() + timedelta(days=1))) \
        == "evaluation.date_invalid"
    services.member_remove(actor=e.liaison_market, member=member)
    assert not UnitMember.objects.exists()
    assert AuditEntry.objects.filter(action="evaluation.unit_member_remove").exists()


def test_phone_lookups_are_rate_limited_per_account(world):
    e = unit_world(world)
    codes = {code_of(lambda: services.member_add(actor=e.liaison_market, unit=e.unit, name="张三",
                                                 phone="13999999999")) for _ in range(services.PHONE_LOOKUPS + 1)}
    assert codes == {"evaluation.volunteer_not_found", "rate_limited"}


# ---- teams ----------------------------------------------------------------------------------

def test_a_liaison_links_only_a_team_a_member_leads_and_a_team_belongs_to_one_unit(world):
    e = unit_world(world)
    team_member_add(actor=world.root, team=e.team, volunteer=world.vol_a, role="leader")
    assert code_of(lambda: services.team_link(actor=e.liaison_market, unit=e.unit, team=e.team)) \
        == "evaluation.team_not_eligible"
    assert list(sel.team_candidates(actor=e.liaison_market, unit=e.unit)) == []
    services.member_add(actor=e.liaison_market, unit=e.unit, name="李明", phone="13900000001")
    assert list(sel.team_candidates(actor=e.liaison_market, unit=e.unit)) == [e.team]
    services.team_link(actor=e.liaison_market, unit=e.unit, team=e.team)
    # the other unit (office staff may link teams they manage) finds it taken
    assert code_of(lambda: services.team_link(actor=world.office, unit=e.other, team=e.team)) \
        == "evaluation.team_taken"
    assert UnitTeam.objects.get().unit == e.unit
    services.team_unlink(actor=e.liaison_market, link=UnitTeam.objects.get())
    services.team_link(actor=world.office, unit=e.other, team=e.team)
    assert UnitTeam.objects.get().unit == e.other


# ---- pairings -------------------------------------------------------------------------------

def test_pairings_are_with_community_places_in_the_units_county(world):
    e = unit_world(world)
    liaison = e.liaison_market
    assert code_of(lambda: services.pairing_add(actor=liaison, unit=e.unit, node=world.institute)) \
        == "evaluation.pairing_kind"
    other_county = node_create(actor=world.root, parent=None, name="兴山县文明办", kind="county", code="420526")
    far = node_create(actor=world.root, parent=other_county, name="古夫镇实践站", kind="station", code="XS-S1")
    assert code_of(lambda: services.pairing_add(actor=liaison, unit=e.unit, node=far)) == "evaluation.pairing_area"
    assert far not in list(sel.pairing_node_choices(unit=e.unit))
    assert code_of(lambda: services.pairing_add(actor=liaison, unit=e.unit, node=world.station_b,
                                                started_on=timezone.localdate() + timedelta(days=3))) \
        == "evaluation.date_invalid"

    pairing = services.pairing_add(actor=liaison, unit=e.unit, node=world.point_a, note="结对帮扶")
    assert world.point_a not in list(sel.pairing_node_choices(unit=e.unit))
    assert code_of(lambda: services.pairing_add(actor=liaison, unit=e.unit, node=world.point_a)) \
        == "evaluation.pairing_exists"
    assert code_of(lambda: services.pairing_end(actor=liaison, pairing=pairing,
                                                ended_on=pairing.started_on - timedelta(days=1))) \
        == "evaluation.dates_invalid"
    services.pairing_end(actor=liaison, pairing=pairing)
    assert code_of(lambda: services.pairing_end(actor=liaison, pairing=pairing)) == "evaluation.pairing_ended"
    # paired again: the same row is taken up again, the earlier period is in the audit log
    assert code_of(lambda: services.pairing_add(actor=liaison, unit=e.unit, node=world.point_a,
                                                started_on=pairing.started_on - timedelta(days=1))) \
        == "evaluation.date_invalid"  # a new period cannot start inside the earlier one
    again = services.pairing_add(actor=liaison, unit=e.unit, node=world.point_a, note="第二期")
    assert again.pk == pairing.pk and Pairing.objects.get().ended_on is None
    assert AuditEntry.objects.filter(action="evaluation.unit_pairing_add", changes__has_key="earlier").exists()
    api = ApiClient("liaison_market")
    res = api.post(f"/evaluation/units/{e.unit.pk}/pairings", {"node_id": world.institute.pk})
    assert res.status_code == 422 and res.json()["code"] == "evaluation.pairing_kind"
    res = api.post(f"/evaluation/units/{e.unit.pk}/pairings", {"node_id": world.grid_a.pk, "note": "网格共建"})
    assert res.status_code == 201 and res.json()["live"] is True


# ---- answering a call with a team -----------------------------------------------------------

def test_a_call_answer_makes_the_team_members_targets_who_sign_up_themselves(world):
    e = unit_world(world)
    team_of_members(e, world)
    with_login(world.vol_b, "wangfang")  # 王芳 has a login; 李明 (no login) is in the issuer's station
    lonely = volunteer(world.root, world.station_b, name="孙丽", phone="13900000021")  # no login, station B
    team_member_add(actor=world.root, team=e.team, volunteer=lonely)
    call = make_call(world, recruiting_shift(world, capacity=1))  # issued by station A's manager
    answer = services.unit_call_answer(actor=e.liaison_market, unit=e.unit, call=call, team=e.team, headcount=3,
                                       note="队长带队")
    assert (answer.told, answer.without_link) == (2, 1)
    targets = set(CallResponse.objects.filter(call=call).values_list("volunteer_id", flat=True))
    assert targets == {world.vol_a.pk, world.vol_b.pk}
    links = Notification.objects.filter(link__startswith=mobilization.ANSWER_PATH)
    assert sorted(links.values_list("volunteer_id", flat=True)) == sorted([world.vol_a.pk, world.vol_b.pk])
    assert Notification.objects.filter(volunteer_id=lonely.pk, link="", body__contains="代为报名").exists()
    assert Notification.objects.filter(recipient=world.manager_a, subject__startswith="单位响应招募令").exists()
    assert not Enrollment.objects.exists()  # nobody is signed up for them
    # each answers for themselves; the call's capacity (1) still holds
    for vol in (world.vol_b, world.vol_a):
        response = CallResponse.objects.get(call=call, volunteer=vol)
        mobilization.call_answer(actor=vol.user if vol.user_id else None, response=response, answer=Answer.YES)
    assert sorted(Enrollment.objects.values_list("status", flat=True)) == ["confirmed", "waitlisted"]
    # one answer per unit and call
    assert code_of(lambda: services.unit_call_answer(actor=e.liaison_market, unit=e.unit, call=call, team=e.team,
                                                     headcount=1)) == "evaluation.call_answered"
    assert UnitCallAnswer.objects.count() == 1
    api = ApiClient("liaison_market")
    res = api.post(f"/evaluation/units/{e.unit.pk}/call-answers", {"call_id": call.pk, "team_id": e.team.pk,
                                                                    "headcount": 1})
    assert res.status_code == 409 and res.json()["code"] == "evaluation.call_answered"


def test_a_call_is_answered_only_while_open_in_the_units_area_with_its_own_team(world):
    e = unit_world(world)
    team_of_members(e, world)
    call = make_call(world, recruiting_shift(world))
    liaison = e.liaison_market
    other_team = team_create(actor=world.root, name="其他队伍", level="squad", node=world.county)
    assert code_of(lambda: services.unit_call_answer(actor=liaison, unit=e.unit, call=call, team=other_team,
                                                     headcount=1)) == "evaluation.team_not_linked"
    for bad in (0, 3, -1, "abc", 10 ** 30):
        assert code_of(lambda b=bad: services.unit_call_answer(actor=liaison, unit=e.unit, call=call, team=e.team,
                                                               headcount=b)) == "evaluation.headcount_invalid"
    far_county = node_create(actor=world.root, parent=None, name="兴山县文明办", kind="county", code="420526")
    far_unit = unit_create(actor=world.root, node=far_county, name="兴山县文明单位", unit_type="unit", level="county")
    assert code_of(lambda: services.unit_call_answer(actor=world.root, unit=far_unit, call=call, team=e.team,
                                                     headcount=1)) == "not_found"
    assert call in list(sel.calls_for_unit(unit=e.unit))
    mobilization.call_close(actor=world.manager_a, call=call)
    assert call not in list(sel.calls_for_unit(unit=e.unit))
    call.refresh_from_db()
    assert code_of(lambda: services.unit_call_answer(actor=liaison, unit=e.unit, call=call, team=e.team,
                                                     headcount=1)) == "evaluation.call_closed"
    assert not UnitCallAnswer.objects.exists()


@CONCURRENT
def test_concurrent_taps_answer_a_call_once():
    world = build_world()
    e = unit_world(world)
    team_of_members(e, world)
    call = make_call(world, recruiting_shift(world))
    results = at_once(8, lambda: code_of(lambda: services.unit_call_answer(
        actor=User.objects.get(pk=e.liaison_market.pk), unit=e.unit, call=call, team=e.team, headcount=2)))
    assert sorted(results) == ["evaluation.call_answered"] * 7 + ["ok"]
    assert UnitCallAnswer.objects.filter(call=call, unit=e.unit).count() == 1
    assert CallResponse.objects.filter(call=call).count() == 1  # 李明 only: 王芳 has no login, station B
    assert Notification.objects.filter(link__startswith=mobilization.ANSWER_PATH).count() == 1


# ---- the annual review ----------------------------------------------------------------------

def test_the_annual_review_puts_participation_beside_duties_findings_and_score(world):
    e = unit_world(world)
    team_of_members(e, world)
    first = a_finding(e)  # 0.5 points at the market, led by the market bureau
    rnd = first.round
    a_finding(e, rnd, deduction=e.litter, description="地面有污水")  # 0.3, the same problem again: a repeat
    withdrawn = a_finding(e, rnd, description="误报")
    inspections.finding_withdraw(actor=e.inspector, finding=withdrawn, reason="误报，撤回")
    review = part.unit_annual_review(campaign=e.campaign, unit=e.unit)
    assert (review.lead_duties, review.coop_duties) == (2, 0)  # 农贸市场环境卫生, 创建工作制度与台账
    assert (review.findings, review.live, review.overdue, review.repeats) == (2, 2, 0, 1)
    assert review.full == Decimal("6.00")  # 4 + 2 points led
    assert review.score == Decimal("3.20")  # 4 − 0.8 deducted; no material reviewed yet
    assert review.participation.year == 2023 and review.participation.members == 2
    town = part.unit_annual_review(campaign=e.campaign, unit=e.town)
    assert (town.lead_duties, town.coop_duties, town.findings) == (0, 1, 0)
    assert part.unit_campaign(unit=e.unit, year=2023) == e.campaign
    assert part.unit_campaign(unit=e.unit, year=2022) is None
    body = ApiClient("liaison_market").get(f"/evaluation/units/{e.unit.pk}/review", year=2023).json()
    assert (body["findings"], body["score"], body["lead_duties"]) == (2, "3.20", 2)


# ---- pages ----------------------------------------------------------------------------------

def test_a_liaison_runs_their_unit_from_the_pages(client, world):
    e = unit_world(world)
    client.login(username="liaison_market", password=PASSWORD)
    res = client.post(f"/evaluation/units/{e.unit.pk}/members/add/", {"name": "李明", "phone": "13900000001"})
    assert res.status_code == 302 and e.unit.members.count() == 1
    res = client.post(f"/evaluation/units/{e.unit.pk}/members/add/", {"name": "张三", "phone": "13999999999"})
    assert res.status_code == 422 and "未找到该志愿者" in res.content.decode()
    assert "volunteer_no" not in res.content.decode()  # a liaison finds volunteers by name and phone only
    team_member_add(actor=world.root, team=e.team, volunteer=world.vol_a, role="leader")
    assert e.team.name in client.get(f"/evaluation/units/{e.unit.pk}/teams/link/").content.decode()
    assert client.post(f"/evaluation/units/{e.unit.pk}/teams/link/", {"team": e.team.pk}).status_code == 302
    res = client.get(f"/evaluation/units/{e.unit.pk}/pairings/add/", {"q": "九里"})
    assert world.station_a.name in res.content.decode() and world.station_b.name not in res.content.decode()
    assert client.post(f"/evaluation/units/{e.unit.pk}/pairings/add/", {"node": world.station_a.pk}).status_code == 302
    call = make_call(world, recruiting_shift(world))
    assert call.title in client.get(f"/evaluation/units/{e.unit.pk}/calls/").content.decode()
    res = client.post(f"/evaluation/units/{e.unit.pk}/calls/{call.pk}/answer/", {"team": e.team.pk, "headcount": 1})
    assert res.status_code == 302 and UnitCallAnswer.objects.filter(unit=e.unit, call=call).exists()
    again = client.post(f"/evaluation/units/{e.unit.pk}/calls/{call.pk}/answer/", {"team": e.team.pk,
                                                                                   "headcount": 1})
    assert again.status_code == 409 and "已响应过" in again.content.decode()
    page = client.get(f"/evaluation/units/{e.unit.pk}/").content.decode()
    for text in ("李明", "139****0001", e.team.name, world.station_a.name, call.title, "文明单位年度测评"):
        assert text in page
    assert "13900000001" not in page


def test_the_office_sees_the_units_participation_list_by_year(client, world):
    e = unit_world(world)
    team_of_members(e, world)
    client.login(username="office", password=PASSWORD)
    year = timezone.localdate().year
    page = client.get("/evaluation/units/", {"year": year, "order": "members"}).content.decode()
    assert e.unit.name in page and e.other.name in page and f"{year}年" in page
    assert e.other.name not in client.get("/evaluation/units/", {"q": "市场"}).content.decode()
    assert client.get("/evaluation/units/", {"year": "²", "node": "9" * 23, "page": "x"}).status_code == 200
    detail = client.get(f"/evaluation/units/{e.unit.pk}/", {"year": 2023}).content.decode()
    assert "2023年度全国文明城市测评" in detail
    client.logout()
    client.login(username="manager_b", password=PASSWORD)
    assert e.unit.name not in client.get("/evaluation/units/").content.decode()
