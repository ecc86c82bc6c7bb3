"""The campaigns API: answers, error codes and scope."""

import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from wenming.accounts.models import User
from wenming.api import api
from wenming.campaigns.models import ActivityEngagement
from wenming.core.tests.api_client import ApiClient

from .factories import (
    CAMPAIGNS_BODIES,
    activity,
    add,
    fill,
    liaison,
    party_member,
    sibling_campaigns,
    this_month,
    unit,
)

pytestmark = pytest.mark.django_db


def _month() -> str:
    return f"{this_month():%Y-%m}"


def _upload(client: ApiClient, data: bytes, name: str = "填报表.xlsx"):
    """A multipart upload with the client's bearer token."""
    file = io.BytesIO(data)
    file.name = name
    return client.client.post("/api/v1/tallies/sheet", {"file": file}, **client.headers)


def test_every_campaign_object_endpoint_answers_404_for_a_sibling_station(world):
    sibling = sibling_campaigns(world)
    client = ApiClient("manager_a")
    checked = 0
    for path, ops in api.get_openapi_schema()["paths"].items():
        path = path.removeprefix("/api/v1")
        if "{" not in path or not path.startswith(("/tallies", "/reform-records", "/online-activities",
                                                   "/party-checkins")):
            continue
        for method in ops:
            url = re.sub(r"\{(\w+)\}", lambda m: str(sibling[m.group(1)]), path)
            res = client.call(method, url, CAMPAIGNS_BODIES.get((method, path), lambda w: {})(world))
            assert res.status_code == 404, f"{method.upper()} {url}: {res.status_code} {res.content[:200]}"
            assert res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}
            checked += 1
    assert checked == 9
    for path in ("/tallies", "/reform-records", "/online-activities", "/party-checkins"):
        assert client.get(path).json()["count"] == 0, path
    assert ApiClient("office").get("/tallies").json()["count"] == 1


def test_indicators_and_an_entry_with_its_correction(world):
    client = ApiClient("manager_a")
    codes = [i["code"] for i in client.get("/indicators").json()]
    assert codes[:3] == ["banner", "poster", "leaflet"] and "mask_box" in codes
    res = client.post("/tallies", {"node_id": world.station_a.pk, "indicator": "横幅", "period": _month(), "value": 30})
    assert res.status_code == 201, res.content
    entry = res.json()
    assert (entry["indicator"], entry["measure"], entry["delta"], entry["kind"]) == ("banner", "条", 30, "entry")
    res = client.post(f"/tallies/{entry['id']}/corrections", {"delta": -40, "reason": "多报"})
    assert res.status_code == 409 and res.json()["code"] == "campaigns.total_negative"
    res = client.post(f"/tallies/{entry['id']}/corrections", {"delta": -4, "reason": "多报"})
    assert res.status_code == 201 and res.json()["corrects_id"] == entry["id"]
    current = client.get("/tallies/current", node_id=world.station_a.pk).json()
    assert {v["indicator"]: v["value"] for v in current["values"]}["banner"] == 26
    assert client.get("/tallies", node_id=world.station_a.pk, kind="correction").json()["count"] == 1


@pytest.mark.parametrize("body, code", [
    ({"indicator": "flag", "value": 1}, "campaigns.indicator_unknown"),
    ({"value": 0}, "campaigns.value_invalid"),
    ({"period": "2025-13"}, "campaigns.period_invalid"),
    ({"unit_id": 1}, "campaigns.subject_invalid"),
    ({"value": "abc"}, "invalid_input"),
])
def test_entry_errors_have_codes_and_chinese_messages(world, body, code):
    data = {"node_id": world.station_a.pk, "indicator": "banner", "period": _month(), "value": 1, **body}
    res = ApiClient("manager_a").post("/tallies", data)
    assert res.status_code in (404, 409, 422) and res.json()["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", res.json()["message"])


def test_totals_roll_up_units_and_children_once(world):
    the_unit = unit(world, node=world.point_a)
    add(world.root, the_unit, 10)
    add(world.root, world.station_a, 5)
    add(world.root, world.station_b, 7)
    res = ApiClient("office").get("/tallies/totals", node_id=world.institute.pk, since=_month())
    body = res.json()
    assert {v["indicator"]: v["value"] for v in body["values"]}["banner"] == 22
    assert {c["node_name"]: c["values"]["banner"] for c in body["children"]} == {
        world.station_a.name: 15, world.station_b.name: 7}
    assert ApiClient("manager_a").get("/tallies/totals", node_id=world.institute.pk).status_code == 404


def test_sheet_download_and_upload_through_the_api(world):
    client = ApiClient("manager_a")
    res = client.get("/tallies/sheet", node_id=world.station_a.pk, period=_month())
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(res.streaming_content)
    assert load_workbook(io.BytesIO(data)).active["B2"].value == world.station_a.code
    ok = _upload(client, fill(data, {"banner": 1596, "poster": "6,882"}))
    assert ok.status_code == 200, ok.content
    assert {c["indicator"]: c["after"] for c in ok.json()["changed"]} == {"banner": 1596, "poster": 6882}
    bad = _upload(client, fill(data, {"leaflet": -5, "vehicle": "约10"}))
    assert bad.status_code == 422
    body = bad.json()
    assert body["code"] == "campaigns.sheet_rows_invalid" and len(body["errors"]) == 2
    assert {e["code"] for e in body["errors"]} == {"campaigns.row_value_invalid"}
    assert all(e["row"] >= 7 and e["message"] for e in body["errors"])
    assert _upload(client, b"not excel").json()["code"] == "campaigns.sheet_unreadable"
    assert ApiClient("manager_b").get("/tallies/sheet", node_id=world.station_a.pk).status_code == 404


def test_a_liaison_works_through_the_api_on_their_unit_only(world):
    mine = unit(world)
    liaison(world, mine)
    client = ApiClient("liaison")
    res = client.post("/tallies", {"unit_id": mine.pk, "indicator": "artwork", "period": _month(), "value": 5})
    assert res.status_code == 201 and res.json()["unit_name"] == mine.name
    assert client.post("/tallies", {"node_id": world.station_a.pk, "indicator": "artwork", "period": _month(),
                                    "value": 5}).status_code == 404
    assert client.get("/tallies").json()["count"] == 1
    assert client.get("/tallies/current", unit_id=mine.pk).status_code == 200
    assert client.get("/reform-records").json()["count"] == 0


def test_reform_records_through_the_api(world):
    client = ApiClient("manager_a")
    res = client.post("/reform-records", {"node_id": world.station_a.pk, "kind": "funeral_simplified",
                                          "household": "三组 12 号", "head_name": "张三丰",
                                          "occurred_on": str(this_month())})
    assert res.status_code == 201, res.content
    record = res.json()
    assert record["head_masked"] == "张*丰" and "张三丰" not in res.content.decode()
    assert client.patch(f"/reform-records/{record['id']}", {"kind": "wedding_postponed"}).json()["kind_label"] == \
        "婚事延办"
    counts = {c["code"]: c["count"] for c in client.get("/reform-records/counts",
                                                        node_id=world.station_a.pk).json()["counts"]}
    assert counts["wedding_postponed"] == 1 and counts["funeral_simplified"] == 0
    res = client.post(f"/reform-records/{record['id']}/void", {"reason": "重复"})
    assert res.json()["voided_at"] is not None
    assert client.get("/reform-records").json()["count"] == 0
    res = client.post("/reform-records", {"node_id": world.station_a.pk, "kind": "party", "household": "x",
                                          "occurred_on": "2025-01-01"})
    assert res.status_code == 422 and res.json()["code"] == "invalid_input"


def test_online_activity_and_public_engagement(world):
    client = ApiClient("manager_a")
    res = client.post("/online-activities", {"node_id": world.station_a.pk, "title": "网上祭英烈",
                                             "starts_at": "2020-01-01T08:00:00+08:00",
                                             "ends_at": "2099-01-01T08:00:00+08:00", "link": "https://example.org"})
    assert res.status_code == 201, res.content
    act = res.json()
    anonymous = Client()

    def engage(kind, person="13800138000"):
        return anonymous.post("/api/v1/online-activities/engagements", {"activity_id": act["id"], "kind": kind,
                                                                       "person": person},
                              content_type="application/json")

    assert engage("view").json()["counted"] is True
    assert engage("view").json()["counted"] is False
    assert engage("share", "oWx_AbCdEfGh1234").json()["counted"] is True
    assert engage("view", "").json()["code"] == "campaigns.person_invalid"
    assert engage("like").status_code == 422
    missing = anonymous.post("/api/v1/online-activities/engagements", {"activity_id": 999999, "kind": "view",
                                                                      "person": "13800138000"},
                             content_type="application/json")
    assert missing.status_code == 404
    detail = client.get(f"/online-activities/{act['id']}").json()
    assert detail["stats"] == {"views": 1, "shares": 1, "participants": 0, "people": 0}
    assert client.get("/online-activities/counts", node_id=world.county.pk).status_code == 404
    counts = ApiClient("office").get("/online-activities/counts", node_id=world.county.pk).json()
    assert (counts["views"], counts["shares"], counts["participants"]) == (1, 1, 0)
    assert ActivityEngagement.objects.count() == 2


def test_online_counts_out_of_scope_is_not_found(world):
    assert ApiClient("manager_a").get("/online-activities/counts", node_id=world.county.pk).status_code == 404
    act = activity(world.manager_a, world.station_a)
    res = ApiClient("manager_a").patch(f"/online-activities/{act.pk}", {"link": "ftp://x"})
    assert res.status_code == 422 and res.json()["code"] == "campaigns.link_invalid"


def test_party_checkin_through_the_api(world):
    member = party_member(world)
    member.user = User.objects.create_user(username="dangyuan", password="Wenming!2024")
    member.save(update_fields=["user"])
    from wenming.accounts.roles import Role
    from wenming.accounts.services import role_grant

    role_grant(actor=world.root, user=member.user, role=Role.VOLUNTEER, node=world.station_a)
    me = ApiClient("dangyuan")
    first = me.post("/party-checkins", {})
    assert first.status_code == 201 and first.json()["station_name"] == world.station_a.name
    again = me.post("/party-checkins", {})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert ApiClient("manager_a").post("/party-checkins", {}).json()["code"] == "campaigns.not_a_volunteer"
    other = party_member(world, phone="13900000055")
    staff = ApiClient("manager_a").post("/party-checkins", {"volunteer_id": other.pk})
    assert staff.status_code == 201
    counts = ApiClient("office").get("/party-checkins/counts", node_id=world.institute.pk).json()
    assert counts["total"] == 2 and {c["node_name"]: c["count"] for c in counts["children"]}[world.station_a.name] == 2
    res = me.post(f"/party-checkins/{first.json()['id']}/withdraw", {"reason": "迁出"})
    assert res.status_code == 200 and res.json()["active"] is False
    assert ApiClient("office").get("/party-checkins/counts", node_id=world.county.pk).json()["total"] == 1
    masses = ApiClient("manager_a").post("/party-checkins", {"volunteer_id": world.vol_a.pk})
    assert masses.status_code == 409 and masses.json()["code"] == "campaigns.not_party_member"
