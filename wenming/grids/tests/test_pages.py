"""The grid pages through real requests."""

from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.core.models import AuditEntry
from wenming.grids.models import GridClaim, GridProfile, HouseholdVisit

from .factories import claim, grid, member, sibling_grids, team, visit

pytestmark = pytest.mark.django_db


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def html(response) -> str:
    return response.content.decode()


def test_the_coverage_page_shows_the_node_its_children_and_its_grids(world):
    from wenming.grids.services import grid_profile_set

    grid_profile_set(actor=world.root, grid=world.grid_a, household_count=8)
    visit(world.manager_a, world.grid_a)
    claim(world.leader, world.grid_a, world.team_a)
    res = login(world.office).get(reverse("grids:index"), {"node": world.institute.pk})
    page = html(res)
    assert res.status_code == 200
    assert world.station_a.name in page and world.station_b.name in page and "12.5%" in page
    res = login(world.manager_a).get(reverse("grids:index"))
    page = html(res)
    assert world.grid_a.name in page and world.team_a.name in page and "12.5%" in page


def test_a_sibling_manager_never_sees_station_a(world):
    b = sibling_grids(world)
    v = visit(world.manager_a, world.grid_a, address="九里村三组 777 号")
    c = login(world.manager_b)
    for node in (world.station_a.pk, "²", "99999999999999999999999", "abc"):
        res = c.get(reverse("grids:index"), {"node": node})
        assert res.status_code == 200 and world.grid_a.name not in html(res)
    for name, kwargs in (("grids:grid", {"grid_id": world.grid_a.pk}), ("grids:visit", {"visit_id": v.pk}),
                         ("grids:visit_new", {"grid_id": world.grid_a.pk}),
                         ("grids:visit_correct", {"visit_id": v.pk}), ("grids:profile", {"grid_id": world.grid_a.pk}),
                         ("grids:grid", {"grid_id": "99999999999999999999999"})):
        assert c.get(reverse(name, kwargs=kwargs)).status_code == 404, name
    assert c.get(reverse("grids:grid", kwargs={"grid_id": b["grid_id"]})).status_code == 200
    assert "九里村***" not in html(c.get(reverse("grids:visits")))


def test_a_volunteer_records_visits_door_after_door_on_the_phone_page(world):
    claim(world.leader, world.grid_a, world.team_a)
    vol = member(world, world.team_a, "vol_door")
    c = login(vol.user)
    assert c.get(reverse("grids:index")).status_code == 302  # no node scope: to their own grids
    mine = html(c.get(reverse("grids:mine")))
    assert world.grid_a.name in mine and reverse("grids:visit_new", args=[world.grid_a.pk]) in mine
    form = html(c.get(reverse("grids:visit_new", args=[world.grid_a.pk])))
    assert "独居老人" in form and 'name="client_token"' in form and 'name="team"' not in form
    data = {"address": "九里村三组 12 号", "residents_count": "2", "flags": ["elderly_alone", "needs_help"],
            "note": "", "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "client_token": "t-1"}
    res = c.post(reverse("grids:visit_new", args=[world.grid_a.pk]), data)
    assert res.status_code == 302
    res = c.post(reverse("grids:visit_new", args=[world.grid_a.pk]), data, follow=True)  # a second tap
    assert "未重复记录" in html(res)
    assert HouseholdVisit.objects.get().volunteer == vol
    res = c.post(reverse("grids:visit_new", args=[world.grid_a.pk]), {**data, "residents_count": "-1",
                                                                       "client_token": "t-2"})
    assert res.status_code == 422
    res = c.post(reverse("grids:visit_new", args=[world.grid_a.pk]), {**data, "visited_at": "2099-01-01T08:00",
                                                                       "client_token": "t-3"})
    assert res.status_code == 422 and "不能晚于当前时间" in html(res)
    assert HouseholdVisit.objects.count() == 1


def test_claim_page_warns_of_conflicts(world):
    other = team(world, name="九里村巾帼志愿队")
    claim(world.manager_a, world.grid_a, other)
    c = login(world.leader)
    form = html(c.get(reverse("grids:claim_new", args=[world.grid_a.pk])))
    assert world.team_a.name in form and other.name not in form  # a leader claims for their own team
    today = timezone.localdate()
    res = c.post(reverse("grids:claim_new", args=[world.grid_a.pk]),
                 {"team": world.team_a.pk, "starts_on": today.isoformat(), "ends_on": today.replace(day=28).isoformat()
                  if today.day < 28 else today.isoformat(), "note": ""}, follow=True)
    assert "同期还有其他队伍认领" in html(res) and "与九里村巾帼志愿队重叠" in html(res)
    assert GridClaim.objects.count() == 2
    claims_page = html(login(world.manager_a).get(reverse("grids:claims")))
    assert "重叠" in claims_page


def test_profile_page_sets_the_household_count(world):
    c = login(world.manager_a)
    url = reverse("grids:profile", args=[world.grid_a.pk])
    assert c.post(url, {"household_count": "-3", "boundary": ""}).status_code == 422
    assert c.post(url, {"household_count": "120", "boundary": "[1,2]"}).status_code == 422
    assert c.post(url, {"household_count": "120", "boundary": ""}).status_code == 302
    assert GridProfile.objects.get(node=world.grid_a).household_count == 120
    assert login(world.leader).get(url).status_code == 403  # sees the grid (their area), cannot edit it


def test_visit_page_correct_void_and_follow_up(world):
    v = visit(world.manager_a, world.grid_a, flags=["needs_help"])
    c = login(world.manager_a)
    page = html(c.get(reverse("grids:visit", args=[v.pk])))
    assert "转为群众点单" in page and "九里村***" in page and "12 号" not in page
    res = c.post(reverse("grids:visit_correct", args=[v.pk]), {
        "residents_count": "4", "flags": ["needs_help", "fever"], "note": "发热",
        "visited_at": timezone.localtime(v.visited_at).strftime("%Y-%m-%dT%H:%M"), "reason": "补充", "address": ""})
    assert res.status_code == 302
    v.refresh_from_db()
    assert v.residents_count == 4 and v.household_key  # the address stayed
    res = c.post(reverse("grids:visit_follow_up", args=[v.pk]), {
        "name": "张秀英", "phone": "13812345678", "category": "shopping", "description": "代购药品",
        "urgency": "normal"}, follow=True)
    assert res.status_code == 200 and "已转为群众点单" in html(res)
    v.refresh_from_db()
    assert v.demand is not None
    res = c.post(reverse("grids:visit_void", args=[v.pk]), {"reason": "重复登记"}, follow=True)
    assert "已作废" in html(res)


def test_reveal_is_audited_and_needs_the_privilege(world):
    v = visit(world.manager_a, world.grid_a)
    assert login(world.manager_a).post(reverse("grids:visit", args=[v.pk]), {"reason": "核实"}).status_code == 403
    res = login(world.office).post(reverse("grids:visit", args=[v.pk]), {"reason": "上门送药"})
    assert res.status_code == 200 and "九里村三组 12 号" in html(res)
    assert AuditEntry.objects.filter(action="grids.visit_reveal").count() == 1
    assert AuditEntry.objects.filter(action="grids.visit_reveal_denied").count() == 1


def test_visits_list_filters_and_export(world):
    g2 = grid(world)
    visit(world.manager_a, world.grid_a, address="九里村三组 12 号", flags=["fever"])
    visit(world.manager_a, g2, address="九里村四组 3 号")
    c = login(world.manager_a)
    page = html(c.get(reverse("grids:visits"), {"flag": "fever"}))
    assert "九里村***" in page and page.count('id="visit-') == 1
    assert html(c.get(reverse("grids:visits"), {"node": world.station_b.pk})).count('id="visit-') == 0
    res = c.get(reverse("grids:visits_export"), {"flag": ""})
    rows = list(load_workbook(BytesIO(b"".join(res.streaming_content))).active.values)
    assert len(rows) == 3 and "12 号" not in str(rows) and "3 号" not in str(rows)
    assert AuditEntry.objects.filter(action="grids.visit_export").exists()


def test_a_leader_finds_the_grids_of_the_teams_area_and_claims_from_the_grid_page(world):
    page = html(login(world.leader).get(reverse("grids:mine")))
    assert 'id="claimable"' in page and world.grid_a.name in page
    grid_page = html(login(world.leader).get(reverse("grids:grid", args=[world.grid_a.pk])))
    assert "认领网格" in grid_page and "设置户数和边界" not in grid_page and "登记走访" not in grid_page
    claim(world.leader, world.grid_a, world.team_a)
    grid_page = html(login(world.leader).get(reverse("grids:grid", args=[world.grid_a.pk])))
    assert "登记走访" in grid_page and "撤销认领" in grid_page
