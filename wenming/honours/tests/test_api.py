"""The honours API over HTTP: a campaign from set-up to the public notice, the public vote
(code, pass, cast, double taps, limits, undo, voiding), masked personal data, scope (404
like missing), bad input of every kind answered with a code and never a 500, and storms of
concurrent requests."""

import itertools
import json
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from wenming.core.testing import CONCURRENT
from wenming.core.tests.api_client import ApiClient
from wenming.honours.models import Nomination, Vote, VoterDay
from wenming.honours.services import campaigns, nominations, reviews
from wenming.honours.tests.factories import build_city, resident_id, story

pytestmark = pytest.mark.django_db
PUBLIC = "/api/v1/honours/public/campaigns"
BAD_IDS = ["²", "abc", "99999999999999999999999", "-1", "0x1"]


def public(method: str, path: str, body=None, *, address: str = "10.0.0.1", **headers):
    """A request of the public portal (no token) from `address`; headers as X-… names."""
    client = Client(REMOTE_ADDR=address)
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    if method == "get":
        return client.get(PUBLIC + path, **extra)
    return getattr(client, method)(PUBLIC + path, json.dumps(body or {}), content_type="application/json", **extra)


def last_code(gateway, phone: str) -> str:
    text = next(t for p, t in reversed(gateway.sent) if p == phone)
    return text.split("验证码是 ")[1][:6]


def voter_pass(cid: int, gateway, phone: str, capture=None, address: str = "10.0.0.1", device: str = "") -> str:
    """The vote page's sign-in: a code by text, then the pass (`capture`: a test inside a
    transaction sends the text on commit)."""
    if capture is None:
        res = public("post", f"/{cid}/vote-code", {"phone": phone}, address=address)
    else:
        with capture(execute=True):
            res = public("post", f"/{cid}/vote-code", {"phone": phone}, address=address)
    assert res.status_code == 202, res.content
    res = public("post", f"/{cid}/voter-pass", {"phone": phone, "code": last_code(gateway, phone)}, address=address,
                 **({"X-Device-Id": device} if device else {}))
    assert res.status_code == 201, res.content
    return res.json()["token"]


def scores(c, a=50, b=30) -> dict:
    first, second = c.campaign.criteria.all()
    return {str(first.pk): a, str(second.pk): b}


def ballot(c, n: int = 3) -> list[Nomination]:
    """n volunteers of the station nominated by its manager, shortlisted, the vote open."""
    from wenming.volunteers.tests.factories import volunteer

    out = []
    for i in range(n):
        vol = volunteer(c.root, c.station, name="候选人" + "甲乙丙丁戊"[i], phone=f"1390000{i + 100:04d}")
        out.append(nominations.nomination_create(actor=c.manager, campaign=c.campaign, kind="volunteer",
                                                 nominated_by="node", nominating_node=c.station, volunteer=vol,
                                                 consent=True, **story()))
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    for nom in out:
        reviews.review_submit(actor=c.reviewer2, nomination=nom, decision="pass", scores=scores(c))
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")
    c.campaign.refresh_from_db()
    return out


# --- the whole way, as the office, the nominators, the reviewers and the public use it -------

def test_a_campaign_from_set_up_to_the_notice_through_the_api(city, gateway, django_capture_on_commit_callbacks):
    c = city
    office, liaison, manager = ApiClient("city_office"), ApiClient("hospital_liaison"), ApiClient("zg_manager")
    today, aunt_id = timezone.localdate(), resident_id(2)
    res = office.post("/honours/campaigns", {
        "node_id": c.city.pk, "category": "moral_model", "name": "2021年度宜昌市道德模范评选", "year": 2021,
        "nominate_from": str(today - timedelta(days=1)), "nominate_until": str(today + timedelta(days=30)),
        "places": 1, "vote_until": (timezone.now() + timedelta(days=7)).isoformat(), "votes_per_day": 2,
        "priority_label": "抗疫一线"})
    assert res.status_code == 201, res.content
    camp = res.json()
    cid = camp["id"]
    assert (camp["stage"], camp["level"], camp["next_stage"], camp["criteria"]) == ("draft", "city", "nominating", [])
    for name, points in (("事迹突出", 60), ("群众认可", 40)):
        assert office.post(f"/honours/campaigns/{cid}/criteria", {"name": name, "points": points}).status_code == 201
    assert office.post(f"/honours/campaigns/{cid}/criteria", {"name": "事迹突出", "points": 5}).json()["code"] == \
        "honours.duplicate_criterion"
    assert office.post(f"/honours/campaigns/{cid}/stage", {"to": "nominating"}).json()["stage"] == "nominating"
    crit = [x["id"] for x in office.get(f"/honours/campaigns/{cid}").json()["criteria"]]
    marks = {str(crit[0]): 55, str(crit[1]): 35}

    # a unit names its nurse by volunteer number and name; the station names a farmer by id
    res = liaison.post(f"/honours/campaigns/{cid}/nominations", {
        "kind": "volunteer", "nominated_by": "unit", "nominating_unit_id": c.hospital.pk,
        "volunteer_no": c.nurse.volunteer_no, "name": "刘护士", "consent": True,
        **story(priority=True, priority_note="抗疫一线医护人员")})
    assert res.status_code == 201, res.content
    nurse = res.json()
    assert (nurse["name"], nurse["nominating_unit_name"], nurse["priority"]) == ("刘护士", "秭归县人民医院", True)
    res = manager.post(f"/honours/campaigns/{cid}/nominations", {
        "kind": "volunteer", "nominated_by": "node", "nominating_node_id": c.station.pk,
        "volunteer_id": c.farmer.pk, "consent": True, **story()})
    assert res.status_code == 201, res.content
    farmer = res.json()
    res = office.post(f"/honours/campaigns/{cid}/nominations", {
        "kind": "resident", "nominated_by": "node", "nominating_node_id": c.county.pk, "name": "赵阿姨",
        "id_number": aunt_id, "phone": "13700000009", "node_id": c.station.pk, "consent": True, **story()})
    assert res.status_code == 201, res.content
    aunt = res.json()
    assert "*" in aunt["id_number_masked"] and aunt["phone_masked"] == "137****0009"
    res = manager.post(f"/honours/campaigns/{cid}/nominations", {
        "kind": "resident", "nominated_by": "node", "nominating_node_id": c.station.pk, "name": "赵阿姨",
        "id_number": aunt_id, "node_id": c.station.pk, "consent": True, **story()})
    assert (res.status_code, res.json()["code"]) == (409, "honours.duplicate")

    # initial review: a reviewer from the nominee's own unit must stand aside
    assert office.post(f"/honours/campaigns/{cid}/stage", {"to": "initial_review"}).status_code == 200
    res = ApiClient("zg_reviewer").post(f"/honours/nominations/{nurse['id']}/reviews",
                                        {"decision": "pass", "scores": marks})
    assert (res.status_code, res.json()["code"]) == (403, "honours.conflict_of_interest")
    reviewer = ApiClient("zg_reviewer2")
    for nid in (nurse["id"], farmer["id"], aunt["id"]):
        res = reviewer.post(f"/honours/nominations/{nid}/reviews", {"decision": "pass", "scores": marks})
        assert res.status_code == 201, res.content
        assert Decimal(res.json()["total"]) == 90
    assert office.post(f"/honours/campaigns/{cid}/stage", {"to": "voting"}).json()["stage"] == "voting"

    # the public vote
    assert cid in [x["id"] for x in public("get", "").json()]
    shown = public("get", f"/{cid}").json()
    assert shown["vote_open"] and shown["total_votes"] == 0 and len(shown["nominees"]) == 3
    assert "masked" not in json.dumps(shown) and aunt_id[6:14] not in json.dumps(shown)
    assert public("get", f"/{cid}/nominees/{aunt['id']}").json()["story"] == story()["story"]
    res = public("post", f"/{cid}/voter-pass", {"phone": "13800000001", "code": "000000"})
    assert (res.status_code, res.json()["code"]) == (422, "honours.code_wrong")
    token = voter_pass(cid, gateway, "13800000001", django_capture_on_commit_callbacks)
    sub = str(uuid.uuid4())
    first = public("post", f"/{cid}/votes", {"nomination_id": nurse["id"], "submission": sub, "token": token})
    assert first.status_code == 201, first.content
    assert (first.json()["created"], first.json()["used_today"], first.json()["vote"]["status"]) == (True, 1, "live")
    again = public("post", f"/{cid}/votes", {"nomination_id": nurse["id"], "submission": sub}, **{"X-Voter-Pass": token})
    assert again.status_code == 200 and again.json()["vote"]["id"] == first.json()["vote"]["id"]
    res = public("post", f"/{cid}/votes", {"nomination_id": nurse["id"], "token": token})
    assert (res.status_code, res.json()["code"]) == (409, "honours.nominee_limit")
    farmer_vote = public("post", f"/{cid}/votes", {"nomination_id": farmer["id"]}, **{"X-Voter-Pass": token})
    assert farmer_vote.status_code == 201 and farmer_vote.json()["used_today"] == 2
    res = public("post", f"/{cid}/votes", {"nomination_id": aunt["id"], "token": token})
    assert (res.status_code, res.json()["code"]) == (409, "honours.day_limit")
    mine = public("get", f"/{cid}/votes", **{"X-Voter-Pass": token}).json()
    assert (mine["used_today"], [v["nominee_name"] for v in mine["votes"]]) == (2, ["张大叔", "刘护士"])
    undone = public("post", f"/{cid}/votes/{farmer_vote.json()['vote']['id']}/undo", {"token": token})
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    aunt_vote = public("post", f"/{cid}/votes", {"nomination_id": aunt["id"], "token": token})
    assert aunt_vote.status_code == 201
    counts = {n["id"]: n["votes"] for n in public("get", f"/{cid}").json()["nominees"]}
    assert counts == {nurse["id"]: 1, farmer["id"]: 0, aunt["id"]: 1}
    assert public("get", f"/{cid}/votes", **{"X-Voter-Pass": "forged"}).json()["code"] == "honours.pass_invalid"

    # the office checks the vote and voids a vote
    assert office.get(f"/honours/campaigns/{cid}/vote-clusters").json() == []
    assert ApiClient("zg_office").get(f"/honours/campaigns/{cid}/vote-clusters").status_code == 403
    res = office.post(f"/honours/campaigns/{cid}/votes/void", {"vote_ids": [aunt_vote.json()["vote"]["id"]],
                                                                "reason": "核实为刷票"})
    assert res.json() == {"voided": 1}
    assert {n["id"]: n["votes"] for n in public("get", f"/{cid}").json()["nominees"]}[aunt["id"]] == 0
    assert [v["status"] for v in public("get", f"/{cid}/votes", **{"X-Voter-Pass": token}).json()["votes"]] == \
        ["voided", "undone", "live"]

    # final review, selection within the places, the notice and an objection
    assert office.post(f"/honours/campaigns/{cid}/stage", {"to": "final_review"}).status_code == 200
    assert public("post", f"/{cid}/votes", {"nomination_id": aunt["id"], "token": token}).json()["code"] == \
        "honours.vote_closed"
    res = ApiClient("city_reviewer").post(f"/honours/nominations/{farmer['id']}/reviews",
                                          {"decision": "pass", "scores": {str(crit[0]): 60, str(crit[1]): 40}})
    assert res.status_code == 201
    listed = office.get(f"/honours/campaigns/{cid}/nominations", sort="score").json()
    assert listed["count"] == 3 and listed["items"][0]["id"] == farmer["id"]
    assert Decimal(listed["items"][0]["final_avg"]) == 100
    assert [n["id"] for n in office.get(f"/honours/campaigns/{cid}/nominations", priority="true").json()["items"]] \
        == [nurse["id"]]
    assert office.get(f"/honours/campaigns/{cid}/nominations", sort="votes").json()["items"][0]["id"] == nurse["id"]
    res = office.post(f"/honours/nominations/{nurse['id']}/selection", {"selected": True})
    assert res.json()["status"] == "selected"
    res = office.post(f"/honours/nominations/{farmer['id']}/selection", {"selected": True})
    assert (res.status_code, res.json()["code"]) == (409, "honours.places_full")
    assert office.post(f"/honours/campaigns/{cid}/stage", {"to": "notice"}).json()["stage"] == "notice"
    assert [n["id"] for n in public("get", f"/{cid}").json()["nominees"]] == [nurse["id"]]
    res = public("post", f"/{cid}/objections", {"nomination_id": nurse["id"], "text": "该同志值守天数与实际不符，请核实。"})
    assert res.status_code == 201 and res.json()["number"].startswith("YY")
    res = public("post", f"/{cid}/objections", {"nomination_id": farmer["id"], "text": "该同志值守天数与实际不符，请核实。"})
    assert res.status_code == 404
    res = public("post", f"/{cid}/objections", {"nomination_id": nurse["id"], "text": "实名反映情况，请核实处理。",
                                                "anonymous": False, "name": "周先生", "phone": ""})
    assert res.json()["code"] == "honours.named_needs_contact"
    listed = office.get(f"/honours/campaigns/{cid}/objections").json()
    assert [(o["status"], o["nominee_name"]) for o in listed] == [("open", "刘护士")]
    assert liaison.get(f"/honours/campaigns/{cid}/objections").json() == []  # who objected: staff only
    oid = listed[0]["id"]
    res = office.post(f"/honours/objections/{oid}/answer", {"answer": "经核实，值守记录属实。", "upheld": False})
    assert res.json()["status"] == "answered"
    assert office.post(f"/honours/objections/{oid}/answer", {"answer": "再答复"}).json()["code"] == \
        "honours.objection_done"
    res = office.post(f"/honours/campaigns/{cid}/stage", {"to": "announced"})
    assert (res.status_code, res.json()["code"]) == (409, "honours.stage_blocked")  # the notice runs 7 days


def test_the_honour_roll_lists_announced_honours(city):
    c = city
    nom = ballot(c, 1)[0]
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review")
    reviews.selection_set(actor=c.office, nomination=nom, selected=True)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="notice")
    assert public("get", "").status_code == 200
    assert Client().get("/api/v1/honours/public/honour-roll").json()["count"] == 0
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="announced",
                            now=timezone.now() + timedelta(days=8))
    roll = Client().get("/api/v1/honours/public/honour-roll", {"level": "city", "year": 2020}).json()
    assert [(r["name"], r["category_name"], r["level_name"]) for r in roll["items"]] == [("候选人甲", "身边好人", "市级")]
    assert Client().get("/api/v1/honours/public/honour-roll", {"level": "county"}).json()["count"] == 0
    assert Client().get("/api/v1/honours/public/honour-roll", {"year": 2019}).json()["count"] == 0


# --- personal data and scope -------------------------------------------------------------------

def test_a_nomination_shows_masked_data_only_and_reviews_only_to_staff(city):
    c = city
    number, phone = resident_id(4), "13712345678"
    manager = ApiClient("zg_manager")
    res = manager.post(f"/honours/campaigns/{c.campaign.pk}/nominations", {
        "kind": "resident", "nominated_by": "node", "nominating_node_id": c.station.pk, "name": "钱奶奶",
        "id_number": number, "phone": phone, "node_id": c.station.pk, "consent": True, **story()})
    assert res.status_code == 201, res.content
    nid = res.json()["id"]
    row = Nomination.objects.get(pk=nid)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    reviews.review_submit(actor=c.reviewer2, nomination=row, decision="return", reason="请补充照片")
    for username in ("city_office", "zg_manager", "zg_reviewer2"):
        text = ApiClient(username).get(f"/honours/nominations/{nid}").content.decode()
        for secret in (number, phone, number[6:14], row.id_number_enc, row.phone_enc):
            assert secret not in text, username
    staff = ApiClient("city_office").get(f"/honours/nominations/{nid}").json()
    assert staff["id_number_masked"] == row.id_number_masked and staff["phone_masked"] == "137****5678"
    assert [(r["decision"], r["reviewer_username"]) for r in staff["reviews"]] == [("return", "zg_reviewer2")]
    assert "id_number_enc" not in staff and "phone_enc" not in staff

    # a unit that nominated sees its nomination and the reason, not the reviewers
    res = ApiClient("hospital_liaison").post(f"/honours/campaigns/{c.campaign.pk}/nominations", {
        "kind": "volunteer", "nominated_by": "unit", "nominating_unit_id": c.hospital.pk,
        "volunteer_no": c.nurse.volunteer_no, "name": "刘护士", "consent": True, **story()})
    assert (res.status_code, res.json()["code"]) == (409, "honours.stage_wrong")  # nominations have closed


def test_out_of_scope_is_answered_like_missing(city):
    c = city
    theirs = nominations.nomination_create(actor=c.other_office, campaign=c.campaign, kind="volunteer",
                                           nominated_by="node", nominating_node=c.other_county, volunteer=c.far,
                                           consent=True, **story())
    mine = nominations.nomination_create(actor=c.manager, campaign=c.campaign, kind="volunteer",
                                         nominated_by="node", nominating_node=c.station, volunteer=c.farmer,
                                         consent=True, **story())
    county, other = ApiClient("zg_office"), ApiClient("xs_office")
    for client, hidden in ((county, theirs), (other, mine)):
        for method, path, body in (("get", f"/honours/nominations/{hidden.pk}", None),
                                   ("patch", f"/honours/nominations/{hidden.pk}", {"consent": True, **story()}),
                                   ("post", f"/honours/nominations/{hidden.pk}/withdraw", {"reason": "x"}),
                                   ("post", f"/honours/nominations/{hidden.pk}/reviews", {"decision": "pass"}),
                                   ("post", f"/honours/nominations/{hidden.pk}/selection", {"selected": True})):
            res = client.call(method, path, body)
            assert res.status_code == 404 and res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}
    assert [n["id"] for n in county.get(f"/honours/campaigns/{c.campaign.pk}/nominations").json()["items"]] == \
        [mine.pk]
    # a manager nominates only with their own station, and names only volunteers they may see
    manager = ApiClient("zg_manager")
    body = {"kind": "volunteer", "nominated_by": "node", "consent": True, **story()}
    res = manager.post(f"/honours/campaigns/{c.campaign.pk}/nominations",
                       {**body, "nominating_node_id": c.other_station.pk, "volunteer_id": c.nurse.pk})
    assert (res.status_code, res.json()["code"]) == (404, "not_found")
    res = manager.post(f"/honours/campaigns/{c.campaign.pk}/nominations",
                       {**body, "nominating_node_id": c.station.pk, "volunteer_id": c.far.pk})
    assert (res.status_code, res.json()["code"]) == (404, "not_found")
    res = manager.post(f"/honours/campaigns/{c.campaign.pk}/nominations",
                       {**body, "nominating_node_id": c.station.pk, "volunteer_no": c.far.volunteer_no,
                        "name": "别人"})
    assert (res.status_code, res.json()["code"]) == (404, "not_found")
    # the county office sees the city's campaign but may not change it
    assert county.get(f"/honours/campaigns/{c.campaign.pk}").status_code == 200
    assert county.patch(f"/honours/campaigns/{c.campaign.pk}", {"places": 5}).json()["code"] == "forbidden"
    assert county.post(f"/honours/campaigns/{c.campaign.pk}/stage", {"to": "initial_review"}).status_code == 403
    # nobody without a role sees a campaign; the API wants a token
    from wenming.volunteers.tests.factories import user

    user("passer_by")
    stranger = ApiClient("passer_by")
    assert stranger.get("/honours/campaigns").json() == []
    assert stranger.get(f"/honours/campaigns/{c.campaign.pk}").status_code == 404
    assert ApiClient().get("/honours/campaigns").json()["code"] == "unauthenticated"


def test_a_person_nominates_themselves_with_co_signers_and_follows_it(city):
    from wenming.volunteers.tests.factories import user

    c = city
    user("zhao_ayi", phone="13600000078")
    me = ApiClient("zhao_ayi")
    body = {"kind": "resident", "nominated_by": "self", "name": "赵阿姨", "id_number": resident_id(6),
            "node_id": c.station.pk, "consent": True, **story(), "phone": "13600000079",
            "recommenders": [{"name": "钱一", "phone": "13700000001"}]}
    res = me.post(f"/honours/campaigns/{c.campaign.pk}/nominations", body)
    assert (res.status_code, res.json()["code"]) == (403, "honours.self_phone")  # only oneself
    body["phone"] = "13600000078"
    res = me.post(f"/honours/campaigns/{c.campaign.pk}/nominations", body)
    assert (res.status_code, res.json()["code"]) == (422, "honours.recommenders_short")
    body["recommenders"].append({"name": "孙二", "phone": "137 0000 0002"})
    res = me.post(f"/honours/campaigns/{c.campaign.pk}/nominations", body)
    assert res.status_code == 201, res.content
    mine = res.json()
    assert [r["phone_masked"] for r in mine["recommenders"]] == ["137****0001", "137****0002"]
    assert me.get(f"/honours/nominations/{mine['id']}").json()["reviews"] == []
    assert me.get(f"/honours/campaigns/{c.campaign.pk}/nominations").status_code == 404  # not staff
    res = me.patch(f"/honours/nominations/{mine['id']}", {"consent": True, **story(title="补充后的事迹")})
    assert res.json()["title"] == "补充后的事迹"
    res = me.post(f"/honours/nominations/{mine['id']}/withdraw", {"reason": "家人不同意公示"})
    assert res.json()["status"] == "withdrawn"
    assert me.post(f"/honours/nominations/{mine['id']}/withdraw", {"reason": "again"}).status_code == 409


def test_the_office_updates_the_plan_and_cancels(city):
    c = city
    office = ApiClient("city_office")
    url = f"/honours/campaigns/{c.campaign.pk}"
    res = office.patch(url, {"places": 4, "intro": "评选说明", "nominate_from": None, "vote_from": None,
                             "vote_until": "2030-06-01T20:00:00"})
    assert res.status_code == 200, res.content
    body = res.json()
    assert (body["places"], body["intro"], body["vote_until"][:16]) == (4, "评选说明", "2030-06-01T12:00")
    assert office.patch(url, {"places": 0}).json()["code"] == "honours.number_invalid"
    assert office.patch(url, {"nominate_until": "2000-01-01"}).json()["code"] == "honours.dates_invalid"
    assert office.post(f"{url}/cancel", {"reason": ""}).json()["code"] == "honours.name_required"
    assert office.post(f"{url}/cancel", {"reason": "上级通知暂停"}).json()["stage"] == "cancelled"
    assert office.post(f"{url}/cancel", {"reason": "again"}).json()["code"] == "honours.stage_wrong"
    assert public("get", f"/{c.campaign.pk}").status_code == 404  # no longer on the portal
    assert {x["code"] for x in office.get("/honours/categories").json()} >= {"moral_model", "civilized_family"}


# --- bad input: a code, never a 500 ------------------------------------------------------------

def _campaign_body(c, **over) -> dict:
    today = timezone.localdate()
    return {"node_id": c.city.pk, "category": "good_people", "name": "评选", "year": 2021,
            "nominate_from": str(today), "nominate_until": str(today + timedelta(days=3)), "places": 2, **over}


def test_bad_campaign_input_is_answered_with_a_code(city):
    c = city
    office = ApiClient("city_office")
    cases = [
        ({"name": "\x00\x00"}, 422, "honours.name_required"),
        ({"name": "名" * 101}, 422, "honours.text_too_long"),
        ({"category": "\x00good"}, 422, "honours.choice_invalid"),
        ({"category": ""}, 422, "honours.choice_invalid"),
        ({"category": "x" * 31}, 422, "invalid_input"),
        ({"year": 10**30}, 422, "honours.number_invalid"),
        ({"year": "二〇二一"}, 422, "invalid_input"),
        ({"places": -1}, 422, "honours.number_invalid"),
        ({"places": 2**64}, 422, "honours.number_invalid"),
        ({"votes_per_day": 0}, 422, "honours.number_invalid"),
        ({"node_id": 10**30}, 422, "invalid_input"),
        ({"node_id": 0}, 422, "invalid_input"),
        ({"node_id": c.station.pk}, 422, "honours.node_invalid"),
        ({"nominate_from": "9999-12-31"}, 422, "invalid_input"),
        ({"nominate_until": "2000-01-01", "nominate_from": "2001-01-01"}, 422, "honours.dates_invalid"),
        ({"vote_until": "9999-12-31T23:59:59-12:00"}, 422, "invalid_input"),
        ({"vote_from": "2030-01-02T00:00:00", "vote_until": "2030-01-01T00:00:00"}, 422, "honours.dates_invalid"),
        ({"priority_label": "抗" * 31}, 422, "honours.text_too_long"),
        ({"intro": "\x00" * 10, "by_units": None}, 201, None),
        ({"vote_until": "2030-01-01T00:00:00"}, 201, None),  # naive: read in the platform's zone
    ]
    for over, status, code in cases:
        res = office.post("/honours/campaigns", _campaign_body(c, **over))
        assert res.status_code == status, (over, res.content)
        if code:
            assert res.json()["code"] == code, (over, res.content)
    assert ApiClient("zg_office").post("/honours/campaigns", _campaign_body(c)).json()["code"] == "not_found"
    url = f"/honours/campaigns/{c.campaign.pk}"
    for body, code in (({"to": ""}, "honours.stage_order"), ({"to": "\x00"}, "honours.stage_order"),
                       ({"to": "announced"}, "honours.stage_order"), ({}, "invalid_input")):
        assert office.post(f"{url}/stage", body).json()["code"] == code
    for body, code in (({"name": "x" * 61, "points": 5}, "honours.text_too_long"),
                       ({"name": "\x00", "points": 5}, "honours.name_required"),
                       ({"name": "事迹", "points": 10**30}, "honours.number_invalid"),
                       ({"name": "事迹", "points": 0}, "honours.number_invalid")):
        assert office.post(f"{url}/criteria", body).json()["code"] == code
    for raw in BAD_IDS:
        for path in (f"/honours/campaigns/{raw}", f"/honours/campaigns/{raw}/nominations",
                     f"/honours/nominations/{raw}", f"/honours/campaigns/{raw}/vote-clusters",
                     f"/honours/campaigns/{raw}/objections"):
            assert office.get(path).status_code == 404, path
        assert office.post(f"/honours/objections/{raw}/answer", {"answer": "x"}).status_code == 404
    for query in ({"status": "\x00"}, {"sort": "\x00"}, {"status": ""}, {"page": 10**30}, {"page_size": 0},
                  {"page_size": -5}):
        assert office.get(f"{url}/nominations", **query).status_code == 200, query
    for query in ({"page": "abc"}, {"priority": "maybe"}, {"sort": "x" * 21}):
        assert office.get(f"{url}/nominations", **query).json()["code"] == "invalid_input", query
    assert office.get(f"{url}/objections", status="\x00").status_code == 200


def test_bad_nomination_input_is_answered_with_a_code(city):
    c = city
    manager, office = ApiClient("zg_manager"), ApiClient("city_office")
    url = f"/honours/campaigns/{c.campaign.pk}/nominations"
    node = {"kind": "volunteer", "nominated_by": "node", "nominating_node_id": c.station.pk,
            "volunteer_id": c.farmer.pk, "consent": True, **story()}
    resident = {"kind": "resident", "nominated_by": "node", "nominating_node_id": c.station.pk, "name": "赵阿姨",
                "id_number": resident_id(5), "node_id": c.station.pk, "consent": True, **story()}
    cases = [
        ({**node, "kind": ""}, 422, "honours.kind_not_allowed"),
        ({**node, "kind": "\x00"}, 422, "honours.kind_not_allowed"),
        ({**node, "kind": "family"}, 422, "honours.kind_not_allowed"),
        ({**node, "nominated_by": ""}, 422, "honours.choice_invalid"),
        ({**node, "nominated_by": "\x00self"}, 422, "honours.choice_invalid"),
        ({**node, "nominated_by": "unit"}, 403, "honours.no_unit"),
        ({**node, "nominated_by": "unit", "nominating_unit_id": c.hospital.pk}, 404, "not_found"),
        ({**node, "nominating_node_id": None}, 403, "honours.nominator_not_allowed"),
        ({**node, "volunteer_id": None}, 422, "honours.nominee_missing"),
        ({**node, "volunteer_id": 10**30}, 422, "invalid_input"),
        ({**node, "volunteer_id": 2**63}, 422, "invalid_input"),
        ({**node, "volunteer_id": -1}, 422, "invalid_input"),
        ({**node, "volunteer_id": None, "volunteer_no": "\x00" * 30, "name": "\x00"}, 422, "honours.nominee_missing"),
        ({**node, "volunteer_id": None, "volunteer_no": c.farmer.volunteer_no, "name": ""}, 404, "not_found"),
        ({**node, "consent": False}, 422, "honours.consent_required"),
        ({**node, "title": ""}, 422, "honours.name_required"),
        ({**node, "title": "标" * 101}, 422, "honours.text_too_long"),
        ({**node, "story": "短"}, 422, "honours.story_short"),
        ({**node, "story": "事" * 20001}, 422, "honours.text_too_long"),
        ({**node, "priority_note": "说" * 201}, 422, "honours.text_too_long"),
        ({**node, "work_unit_id": 10**17}, 404, "not_found"),
        ({**node, "recommenders": [{"name": "钱一", "phone": "13700000001"}] * 51}, 422, "invalid_input"),
        ({**resident, "id_number": "\x00" * 18}, 422, "volunteer.id_format"),
        ({**resident, "id_number": "4" * 5000}, 422, "volunteer.id_format"),
        ({**resident, "name": "\x00赵"}, 422, "volunteer.name_invalid"),
        ({**resident, "phone": "\x00"}, 422, "volunteer.phone_invalid"),
        ({**resident, "node_id": None}, 422, "honours.nominee_out_of_scope"),
        ({**resident, "node_id": c.other_station.pk}, 422, "honours.nominee_out_of_scope"),
        ({**resident, "node_id": 10**18 - 1}, 404, "not_found"),
        ({**node, "kind": "unit", "unit_id": c.hospital.pk}, 422, "honours.kind_not_allowed"),
        ({**node, "nominated_by": "self", "kind": "volunteer"}, 422, "honours.nominee_missing"),  # no record
    ]
    for body, status, code in cases:
        res = manager.post(url, body)
        assert (res.status_code, res.json().get("code")) == (status, code), (body, res.content[:300])
    assert not Nomination.objects.exists()
    nom = manager.post(url, node).json()
    bad = [("patch", f"/honours/nominations/{nom['id']}", {"consent": True, "title": "\x00", "story": "x" * 30},
            "honours.name_required"),
           ("post", f"/honours/nominations/{nom['id']}/withdraw", {"reason": "\x00"}, "honours.name_required"),
           ("post", f"/honours/nominations/{nom['id']}/reviews", {"decision": "pass"}, "honours.stage_wrong"),
           ("post", f"/honours/nominations/{nom['id']}/selection", {"selected": "perhaps"}, "invalid_input")]
    for method, path, body, code in bad:
        assert office.call(method, path, body).json()["code"] == code, path
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    first, second = c.campaign.criteria.all()
    reviewer = ApiClient("zg_reviewer2")
    review = f"/honours/nominations/{nom['id']}/reviews"
    for body, code in (({"decision": ""}, "honours.choice_invalid"),
                       ({"decision": "\x00"}, "honours.choice_invalid"),
                       ({"decision": "pass", "scores": {}}, "honours.scores_missing"),
                       ({"decision": "pass", "scores": {str(first.pk): "NaN", str(second.pk): 1}},
                        "honours.score_invalid"),
                       ({"decision": "pass", "scores": {str(first.pk): 10**30, str(second.pk): 1}},
                        "honours.score_invalid"),
                       ({"decision": "pass", "scores": {str(first.pk): {"a": [1]}, str(second.pk): 1}},
                        "honours.score_invalid"),
                       ({"decision": "pass", "scores": {str(first.pk): 1.25, str(second.pk): 1}},
                        "honours.score_invalid"),
                       ({"decision": "return", "reason": "\x00 "}, "honours.reason_required"),
                       ({"decision": "pass", "scores": [1, 2]}, "invalid_input")):
        res = reviewer.post(review, body)
        assert res.json()["code"] == code, (body, res.content)
    assert reviewer.post(review, {"decision": "pass", "scores": {str(first.pk): "59.5", str(second.pk): 40}}
                         ).json()["total"] == "99.5"  # "59.5" + 40
    assert reviewer.post(review, {"decision": "pass", "scores": scores(c)}).json()["code"] == "honours.not_editable"


def test_bad_public_input_is_answered_with_a_code(city, gateway, django_capture_on_commit_callbacks):
    c = city
    a, b, _ = ballot(c)
    cid = c.campaign.pk
    for raw in BAD_IDS:
        for path in (f"/{raw}", f"/{raw}/nominees/{a.pk}", f"/{cid}/nominees/{raw}", f"/{raw}/votes"):
            assert public("get", path).status_code == 404, path
        assert public("post", f"/{raw}/vote-code", {"phone": "13800000001"}).status_code == 404
        assert public("post", f"/{cid}/votes/{raw}/undo", {"token": "x"}).status_code == 404
    for body, status, code in (({"phone": "\x00"}, 422, "volunteer.phone_invalid"),
                               ({"phone": ""}, 422, "volunteer.phone_required"),
                               ({"phone": "1" * 41}, 422, "invalid_input"),
                               ({"phone": "+1 202 555 0100"}, 422, "volunteer.phone_invalid"),
                               ({}, 422, "invalid_input")):
        res = public("post", f"/{cid}/vote-code", body)
        assert (res.status_code, res.json()["code"]) == (status, code), body
    for body, code in (({"phone": "13800000001", "code": "\x00"}, "honours.code_wrong"),
                       ({"phone": "13800000001", "code": "1" * 13}, "invalid_input"),
                       ({"phone": "13800000001", "code": ""}, "honours.code_required")):
        assert public("post", f"/{cid}/voter-pass", body).json()["code"] == code, body
    token = voter_pass(cid, gateway, "13800000001", django_capture_on_commit_callbacks, device="d" * 500)
    for body, headers, status, code in (
            ({"nomination_id": a.pk, "token": "\x00"}, {}, 401, "honours.pass_invalid"),
            ({"nomination_id": a.pk}, {}, 401, "honours.pass_invalid"),
            ({"nomination_id": a.pk, "token": "t" * 201}, {}, 422, "invalid_input"),
            ({"nomination_id": 10**30, "token": token}, {}, 422, "invalid_input"),
            ({"nomination_id": 0, "token": token}, {}, 422, "invalid_input"),
            ({"nomination_id": 10**17, "token": token}, {}, 404, "honours.not_on_ballot"),
            ({"nomination_id": "abc", "token": token}, {}, 422, "invalid_input"),
            ({"nomination_id": a.pk, "token": token, "submission": "\x00not-a-uuid"}, {"X-Device-Id": "x" * 4000},
             201, None),
            ({"nomination_id": b.pk, "submission": "x" * 65}, {"X-Voter-Pass": token}, 422, "invalid_input")):
        res = public("post", f"/{cid}/votes", body, **headers)
        assert (res.status_code, res.json().get("code")) == (status, code), (body, res.content)
    assert public("post", f"/{cid}/votes/{10**17}/undo", {"token": token}).json()["code"] == "honours.vote_not_yours"
    assert public("post", f"/{cid}/votes/1/undo", {"token": "t" * 201}).json()["code"] == "invalid_input"
    vote = Vote.objects.get()
    assert public("post", f"/{cid}/votes/{vote.pk}/undo", **{"X-Voter-Pass": token}).status_code == 200
    assert public("post", f"/{cid}/votes/{vote.pk}/undo", **{"X-Voter-Pass": token}).json()["code"] == \
        "honours.vote_not_yours"  # already taken back
    other = voter_pass(cid, gateway, "13800000002", django_capture_on_commit_callbacks)
    assert public("post", f"/{cid}/votes/{vote.pk}/undo", {"token": other}).json()["code"] == \
        "honours.vote_not_yours"
    # objections outside the notice, on nominees not shown, with bad text
    for body, status, code in (({"nomination_id": a.pk, "text": "有异议有异议有异议有异议"}, 409, "honours.stage_wrong"),
                               ({"nomination_id": 10**17, "text": "x"}, 404, "not_found"),
                               ({"nomination_id": 10**30, "text": "x"}, 422, "invalid_input"),
                               ({"nomination_id": a.pk}, 422, "invalid_input")):
        res = public("post", f"/{cid}/objections", body)
        assert (res.status_code, res.json()["code"]) == (status, code), body
    for query in ({"year": 10**30}, {"year": "x"}, {"level": "x" * 11}):
        assert Client().get("/api/v1/honours/public/honour-roll", query).json()["code"] == "invalid_input"
    for query in ({"level": "\x00"}, {"level": ""}, {"page": 10**30}):
        assert Client().get("/api/v1/honours/public/honour-roll", query).status_code == 200
    # staff void with bad ids
    office = ApiClient("city_office")
    for body, code in (({"vote_ids": [10**30], "reason": "x"}, "invalid_input"),
                       ({"vote_ids": list(range(1, 10_002)), "reason": "x"}, "invalid_input"),
                       ({"vote_ids": [], "reason": "刷票"}, "honours.nothing_to_void"),
                       ({"vote_ids": [vote.pk], "reason": "\x00"}, "honours.void_reason"),
                       ({"vote_ids": ["abc"], "reason": "x"}, "invalid_input")):
        assert office.post(f"/honours/campaigns/{cid}/votes/void", body).json()["code"] == code, body


def test_the_vote_limits_by_address_and_sms_hold_over_http(city, gateway, django_capture_on_commit_callbacks):
    c = city
    campaigns.campaign_update(actor=c.office, campaign=c.campaign, votes_per_address_per_hour=2)
    a, b, d = ballot(c)
    cid = c.campaign.pk
    tokens = [voter_pass(cid, gateway, f"1380000{i:04d}", django_capture_on_commit_callbacks,
                         address=f"10.1.0.{i}") for i in range(3)]
    outcomes = [public("post", f"/{cid}/votes", {"nomination_id": nom.pk, "token": tok}, address="10.2.0.1").status_code
                for tok, nom in zip(tokens, (a, b, d), strict=True)]
    assert outcomes == [201, 201, 429]
    assert public("post", f"/{cid}/votes", {"nomination_id": d.pk, "token": tokens[2]}, address="10.2.0.2"
                  ).status_code == 201
    # one code a minute per phone, ten an hour per address
    assert public("post", f"/{cid}/vote-code", {"phone": "13800000000"}, address="10.1.0.0").json()["code"] == \
        "honours.code_too_soon"
    answers = [public("post", f"/{cid}/vote-code", {"phone": f"1370000{i:04d}"}, address="10.3.0.1").status_code
               for i in range(11)]
    assert answers == [202] * 10 + [429]


# --- storms: concurrent requests over HTTP -----------------------------------------------------

def _run(threads: int, work: list, call) -> list:
    """`call(item)` for every item from `threads` threads at once; the outcomes in any order."""
    outcomes, lock, cursor = [], threading.Lock(), iter(work)
    barrier = threading.Barrier(threads)

    def run():
        barrier.wait()
        try:
            while True:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    return
                outcome = call(item)
                with lock:
                    outcomes.append(outcome)
        finally:
            connection.close()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return outcomes


@CONCURRENT
def test_a_storm_of_double_taps_over_http_counts_exactly_what_the_rules_allow(gateway):
    """30 phones verified over HTTP, 3 nominees, 2 votes a day and 1 per nominee: every
    phone tries every nominee, each tap sent twice with the same submission, 8 clients at
    once — exactly 2 votes per phone, 60 in all, every count equal to its rows, and the
    second tap of each new vote answered 200 with the same vote."""
    c = build_city()
    campaigns.campaign_update(actor=c.office, campaign=c.campaign, votes_per_day=2)
    ballot_ = ballot(c)
    cid = c.campaign.pk
    tokens = [voter_pass(cid, gateway, f"1360000{i:04d}", address=f"10.4.0.{i}") for i in range(30)]
    attempts = [(i, tokens[i], nom.pk, str(uuid.uuid4())) for i in range(30) for nom in ballot_]
    work = list(itertools.chain.from_iterable((a, a) for a in attempts))

    def tap(item):
        i, token, nid, sub = item
        res = public("post", f"/{cid}/votes", {"nomination_id": nid, "submission": sub}, address=f"10.4.0.{i}",
                     **{"X-Voter-Pass": token})
        body = res.json()
        return res.status_code, body.get("code") or body["vote"]["id"]

    outcomes = _run(8, work, tap)
    assert len(outcomes) == 180
    assert {s for s, _ in outcomes} <= {200, 201, 409}
    assert {code for s, code in outcomes if s == 409} <= {"honours.day_limit", "honours.nominee_limit"}
    created = [v for s, v in outcomes if s == 201]
    assert len(created) == 60 == Vote.objects.count() == len(set(created))
    assert {v for s, v in outcomes if s == 200} <= set(created)
    per_phone = {}
    for v in Vote.objects.all():
        per_phone[v.phone_hash] = per_phone.get(v.phone_hash, 0) + 1
    assert len(per_phone) == 30 and set(per_phone.values()) == {2}
    assert set(VoterDay.objects.values_list("used", flat=True)) == {2}
    for nom in ballot_:
        nom.refresh_from_db()
        assert nom.votes == Vote.objects.filter(nomination=nom).count()


@CONCURRENT
def test_concurrent_office_and_nominator_taps_move_once():
    """Four presses of 'next stage' at once move the campaign once; four nominations of the
    same person at once leave one."""
    c = build_city()
    office = [ApiClient("city_office") for _ in range(4)]
    managers = [ApiClient("zg_manager") for _ in range(4)]
    body = {"kind": "resident", "nominated_by": "node", "nominating_node_id": c.station.pk, "name": "赵阿姨",
            "id_number": resident_id(7), "node_id": c.station.pk, "consent": True, **story()}
    url = f"/honours/campaigns/{c.campaign.pk}"
    nominated = _run(4, managers, lambda m: (lambda r: (r.status_code, r.json().get("code")))(
        m.post(f"{url}/nominations", body)))
    assert sorted(nominated) == [(201, None)] + [(409, "honours.duplicate")] * 3
    moved = _run(4, office, lambda o: (lambda r: (r.status_code, r.json().get("code")))(
        o.post(f"{url}/stage", {"to": "initial_review"})))
    assert sorted(moved) == [(200, None)] + [(409, "honours.stage_order")] * 3
    assert Nomination.objects.count() == 1


def test_every_honours_route_answers_garbage_with_a_code(city):
    """Every route, as the office and as nobody, with no body, broken JSON, a list, a string,
    NUL characters and a 2**70 id: a 4xx with {"code", "message"}, never a 500."""
    from wenming.api import api

    c = city
    nom = nominations.nomination_create(actor=c.manager, campaign=c.campaign, kind="volunteer", nominated_by="node",
                                       nominating_node=c.station, volunteer=c.farmer, consent=True, **story())
    ids = {"honour_campaign_id": c.campaign.pk, "nomination_id": nom.pk, "objection_id": 2**70, "vote_id": 2**70}
    office = ApiClient("city_office")
    bodies = [None, "", "not json", "[1, 2]", '"text"', '{"to": "\\u0000", "reason": "\\u0000"}',
              json.dumps({"vote_ids": [2**70], "nomination_id": 2**70, "phone": "\x00", "token": "\x00"}),
              "{" * 300 + "}" * 300]
    checked = 0
    for path, ops in api.get_openapi_schema()["paths"].items():
        if "/honours/" not in path:
            continue
        url = path.removeprefix("/api/v1")
        url = url.replace("{", "").replace("}", "")
        for name, value in ids.items():
            url = url.replace(name, str(value))
        for method in ops:
            for headers in (office.headers, {}):
                for raw in bodies if method != "get" else [None]:
                    kwargs = dict(headers)
                    if raw is not None:
                        kwargs |= {"data": raw, "content_type": "application/json"}
                    res = getattr(office.client, method)("/api/v1" + url, **kwargs)
                    assert 400 <= res.status_code < 500 or res.status_code in (200, 201, 202), (method, url, raw)
                    if res.status_code >= 400:
                        assert set(res.json()) >= {"code", "message"}, (method, url, raw, res.content[:200])
                    checked += 1
    assert checked > 150
