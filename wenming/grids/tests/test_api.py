"""The grids API through real requests with bearer tokens."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.core.tests.api_client import ApiClient
from wenming.grids.models import HouseholdVisit

from .factories import GRIDS_BODIES, claim, member, sibling_grids, visit

pytestmark = pytest.mark.django_db


def test_grid_profile_claims_and_coverage(world):
    api = ApiClient("manager_a")
    res = api.patch(f"/grids/{world.grid_a.pk}", {"household_count": 40, "boundary": {
        "type": "Polygon", "coordinates": [[[110.1, 30.8], [110.2, 30.8], [110.2, 30.9], [110.1, 30.8]]]}})
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["household_count"] == 40 and body["boundary"]["type"] == "Polygon" and body["has_boundary"]
    res = api.patch(f"/grids/{world.grid_a.pk}", {"household_count": -5})
    assert res.status_code == 422 and res.json()["code"] == "grids.households_invalid"
    res = api.patch(f"/grids/{world.grid_a.pk}", {"boundary": "{oops"})
    assert res.status_code == 422 and res.json()["code"] == "grids.boundary_invalid"
    visit(world.manager_a, world.grid_a)
    grids = api.get("/grids", node_id=world.station_a.pk).json()
    row = next(g for g in grids["items"] if g["id"] == world.grid_a.pk)
    assert row["coverage"] == {"households": 40, "visited": 1, "grids_visited": 1, "ratio": 2.5}
    cov = api.get("/grids/coverage", node_id=world.station_a.pk).json()
    assert cov["coverage"]["visited"] == 1 and cov["kind"] == "station"
    assert api.get("/grids/coverage", node_id=world.station_b.pk).status_code == 404
    office = ApiClient("office").get("/grids/coverage", node_id=world.institute.pk).json()
    assert [c["node_id"] for c in office["children"]] == [world.station_a.pk, world.station_b.pk]
    assert office["children"][0]["coverage"]["households"] == 40


def test_claims_with_conflicts_in_the_answer(world):
    leader = ApiClient("leader")
    today = timezone.localdate()
    body = {"team_id": world.team_a.pk, "starts_on": str(today), "ends_on": str(today + timedelta(days=30))}
    res = leader.post(f"/grids/{world.grid_a.pk}/claims", body)
    assert res.status_code == 201, res.content
    first = res.json()
    assert first["conflicts"] == [] and first["team_name"] == world.team_a.name
    res = leader.post(f"/grids/{world.grid_a.pk}/claims", body)
    assert res.status_code == 409 and res.json()["code"] == "grids.claim_overlap"
    from wenming.volunteers.team_services import team_create

    other = team_create(actor=world.root, name="九里村党员先锋队", level="squad", node=world.station_a)
    res = ApiClient("manager_a").post(f"/grids/{world.grid_a.pk}/claims", {**body, "team_id": other.pk})
    assert res.status_code == 201
    assert [c["id"] for c in res.json()["conflicts"]] == [first["id"]]
    listed = leader.get(f"/grids/{world.grid_a.pk}/claims").json()
    mine = next(c for c in listed if c["id"] == first["id"])
    assert mine["conflicts"][0]["team_name"] == "九里村党员先锋队"
    assert ApiClient("office").get("/grid-claims", current=True).json()["count"] == 2
    res = leader.post(f"/grid-claims/{first['id']}/withdraw")
    assert res.status_code == 200 and res.json()["withdrawn_at"]
    res = leader.post(f"/grid-claims/{first['id']}/withdraw")
    assert res.status_code == 409 and res.json()["code"] == "grids.claim_withdrawn"
    res = leader.post(f"/grids/{world.grid_a.pk}/claims", {**body, "starts_on": "2020-01-01", "ends_on": "2020-02-01"})
    assert res.status_code == 422 and res.json()["code"] == "grids.period_invalid"


def test_a_volunteer_records_at_the_door_and_a_second_tap_returns_the_same_visit(world):
    claim(world.leader, world.grid_a, world.team_a)
    vol = member(world, world.team_a, "vol_api")
    api = ApiClient("vol_api")
    flags = [f["code"] for f in api.get("/visit-flags").json()]
    assert {"returnee", "home_isolation", "elderly_alone", "needs_help", "fever"} <= set(flags)
    body = {"grid_id": world.grid_a.pk, "address": "九里村三组 12 号", "residents_count": 2,
            "flags": ["needs_help", "elderly_alone"], "note": "需要代购", "client_token": "abc"}
    res = api.post("/visits", body)
    assert res.status_code == 201, res.content
    created = res.json()
    assert created["team_id"] == world.team_a.pk and created["volunteer_id"] == vol.pk
    assert created["address_masked"] == "九里村***" and "12 号" not in res.content.decode()
    assert created["follow_up_suggested"] and not created["duplicate"]
    again = api.post("/visits", body)
    assert again.status_code == 200 and again.json()["id"] == created["id"] and again.json()["duplicate"]
    assert HouseholdVisit.objects.count() == 1
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    res = api.post("/visits", {**body, "client_token": "", "visited_at": future})
    assert res.status_code == 422 and res.json()["code"] == "grids.time_future"
    res = api.post("/visits", {**body, "client_token": "", "residents_count": -2})
    assert res.status_code == 422 and res.json()["code"] == "grids.residents_invalid"
    assert api.get("/visits").json()["count"] == 1


def test_recording_needs_a_claim_and_a_visible_grid(world):
    vol = member(world, world.team_a, "vol_nc")
    api = ApiClient("vol_nc")
    res = api.post("/visits", {"grid_id": world.grid_a.pk, "address": "九里村三组 12 号"})
    assert res.status_code == 404  # no claim: the grid is not even theirs to see
    b = sibling_grids(world)
    res = ApiClient("manager_a").post("/visits", {"grid_id": b["grid_id"], "address": "杨贵店村一组 6 号"})
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    claim(world.leader, world.grid_a, world.team_a)
    assert api.post("/visits", {"grid_id": world.grid_a.pk, "address": "九里村三组 12 号"}).status_code == 201
    assert vol.pk


def test_correct_void_follow_up_and_reveal(world):
    v = visit(world.manager_a, world.grid_a, flags=["needs_help"])
    api = ApiClient("manager_a")
    res = api.patch(f"/visits/{v.pk}", {"reason": "补充", "residents_count": 3, "flags": ["fever"]})
    assert res.status_code == 200 and res.json()["residents_count"] == 3
    assert [f["code"] for f in res.json()["flags"]] == ["fever"]
    res = api.patch(f"/visits/{v.pk}", {"reason": "", "residents_count": 1})
    assert res.status_code == 422 and res.json()["code"] == "grids.reason_required"
    res = api.post(f"/visits/{v.pk}/follow-up", {"name": "张秀英", "phone": "13812345678", "category": "shopping"})
    assert res.status_code == 201, res.content
    assert re.fullmatch(r"\d{6}", res.json()["tracking_code"])
    assert api.get(f"/visits/{v.pk}").json()["demand_tracking_no"] == res.json()["tracking_no"]
    res = api.post(f"/visits/{v.pk}/follow-up", {"name": "张秀英", "phone": "13812345678", "category": "shopping"})
    assert res.status_code == 409 and res.json()["code"] == "grids.follow_up_exists"
    res = api.post(f"/visits/{v.pk}/reveal", {"reason": "核实"})
    assert res.status_code == 403 and res.json()["code"] == "grids.reveal_forbidden"  # manager_a: no privilege
    assert ApiClient("office").post(f"/visits/{v.pk}/reveal", {"reason": "核实"}).json() == {
        "address": "九里村三组 12 号"}
    res = api.post(f"/visits/{v.pk}/void", {"reason": "走错门"})
    assert res.status_code == 200 and res.json()["voided_at"]
    res = api.post(f"/visits/{v.pk}/void", {"reason": "走错门"})
    assert res.status_code == 409 and res.json()["code"] == "grids.visit_voided"


def test_the_export_is_an_xlsx_with_masked_addresses(world):
    from io import BytesIO

    from openpyxl import load_workbook

    visit(world.manager_a, world.grid_a, address="九里村三组 12 号", flags=["fever"])
    res = ApiClient("manager_a").get("/visits/export")
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(BytesIO(b"".join(res.streaming_content))).active.values)
    assert rows[1][3] == "九里村***" and "发热症状" in rows[1][7]
    assert "12 号" not in str(rows)


def test_every_grids_object_endpoint_answers_404_for_a_sibling_station(world):
    """The same sweep as volunteers/tests/test_api_scope.py, over the grids endpoints only."""
    from wenming.api import api as ninja

    sibling = sibling_grids(world)
    client = ApiClient("manager_a")
    checked = 0
    for path, ops in ninja.get_openapi_schema()["paths"].items():
        path = path.removeprefix("/api/v1")
        if "{" not in path or not any(k in path for k in sibling):
            continue
        for method in ops:
            url = re.sub(r"\{(\w+)\}", lambda m: str(sibling[m.group(1)]), path)
            res = client.call(method, url, GRIDS_BODIES.get((method, path), lambda w: {})(world))
            assert res.status_code == 404, f"{method} {url}: {res.status_code} {res.content[:200]}"
            assert res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}
            checked += 1
    assert checked == 11
