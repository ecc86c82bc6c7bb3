"""The honours API over HTTP: a campaign from set-up to the public notice, the public vote
(code, pass, cast, double taps, limits, undo, voiding), the honour roll, masked personal
data, scope (404 like missing), self-nomination and the office's plan."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from wenming.core.tests.api_client import ApiClient
from wenming.honours.models import Nomination
from wenming.honours.services import campaigns, nominations, reviews
from wenming.honours.tests.api_world import ballot, public, voter_pass
from wenming.honours.tests.factories import resident_id, story

pytestmark = pytest.mark.django_db

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
    assert (body["places"], body["intro"], body["vote_until"][:16]) == (4, "评选说明", "2030-06-01T20:00")  # local time (+08:00)
    assert office.patch(url, {"places": 0}).json()["code"] == "honours.number_invalid"
    assert office.patch(url, {"nominate_until": "2000-01-01"}).json()["code"] == "honours.dates_invalid"
    assert office.post(f"{url}/cancel", {"reason": ""}).json()["code"] == "honours.name_required"
    assert office.post(f"{url}/cancel", {"reason": "上级通知暂停"}).json()["stage"] == "cancelled"
    assert office.post(f"{url}/cancel", {"reason": "again"}).json()["code"] == "honours.stage_wrong"
    assert public("get", f"/{c.campaign.pk}").status_code == 404  # no longer on the portal
    assert {x["code"] for x in office.get("/honours/categories").json()} >= {"moral_model", "civilized_family"}


# --- bad input: a code, never a 500 ------------------------------------------------------------
