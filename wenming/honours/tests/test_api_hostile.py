"""The honours API against bad input of every kind (answered with a code, never a 500), the
vote's limits by address and SMS over HTTP, and storms of concurrent requests."""

import itertools
import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from wenming.core.testing import CONCURRENT
from wenming.core.tests.api_client import ApiClient
from wenming.honours.models import Nomination, Vote, VoterDay
from wenming.honours.services import campaigns, nominations
from wenming.honours.tests.api_world import BAD_IDS, ballot, public, scores, voter_pass
from wenming.honours.tests.factories import build_city, resident_id, story

pytestmark = pytest.mark.django_db

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
        # a number outside the station's pool names nobody; inside it, a name given must match
        ({**node, "volunteer_id": None, "volunteer_no": c.far.volunteer_no, "name": ""}, 404, "not_found"),
        ({**node, "volunteer_id": None, "volunteer_no": c.farmer.volunteer_no, "name": "别人"}, 404, "not_found"),
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
