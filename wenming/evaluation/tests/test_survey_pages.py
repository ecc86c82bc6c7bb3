"""Surveys as residents and staff use them: the public page on a phone, the public API, the staff pages and API, odd input."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from wenming.core.tests.api_client import ApiClient
from wenming.evaluation.models import (
    Survey,
)
from wenming.evaluation.selectors import surveys as sel
from wenming.evaluation.services import surveys as sv

from .survey_world import BAD_IDS, PHONES, last_code

PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1")


def html(response) -> str:
    return response.content.decode()


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


@pytest.mark.django_db
def test_the_public_page_works_on_a_phone_without_an_account(ev, gateway, django_capture_on_commit_callbacks):
    c = Client(HTTP_USER_AGENT=PHONE_UA)
    url = f"/evaluation/s/{ev.survey.public_id}/"
    page = c.get(url)
    assert page.status_code == 200
    body = html(page)
    assert 'name="viewport"' in body and ev.survey.title in body and ev.q1.text in body and "获取验证码" in body
    assert f'name="q{ev.q1.pk}"' in body and 'value="5"' in body
    with django_capture_on_commit_callbacks(execute=True):
        sent = c.post(f"{url}code/", {"phone": PHONES[0], f"q{ev.q1.pk}": "1"})
    assert sent.status_code == 200 and "验证码已发送" in html(sent)
    assert 'value="1" checked' in html(sent)  # what was chosen comes back
    fetched = c.post(f"{url}code/", {"phone": PHONES[1]}, HTTP_ACCEPT="application/json")
    assert fetched.status_code == 202 and fetched.json()["message"].startswith("验证码已发送")
    incomplete = c.post(url, {"phone": PHONES[0], "code": last_code(PHONES[0]), f"q{ev.q1.pk}": "1"})
    assert incomplete.status_code == 422 and "第 2 题还没有作答" in html(incomplete)
    done = c.post(url, {"phone": PHONES[0], "code": last_code(PHONES[0]), f"q{ev.q1.pk}": "1",
                        f"q{ev.q2.pk}": "4"})
    assert done.status_code == 200 and "感谢" in html(done)
    assert PHONES[0] not in html(done)
    again = c.post(url, {"phone": PHONES[0], "code": last_code(PHONES[0]), f"q{ev.q1.pk}": "1",
                         f"q{ev.q2.pk}": "4"})
    assert again.status_code == 409 and "这个手机号已经提交过本问卷" in html(again)
    sv.survey_close(actor=ev.world.office, survey=ev.survey)
    closed = c.get(url)
    assert closed.status_code == 200 and "问卷已结束" in html(closed) and "获取验证码" not in html(closed)
    for bad in ("abc", "00000000-0000-0000-0000-000000000000", "%00"):
        assert c.get(f"/evaluation/s/{bad}/").status_code == 404


@pytest.mark.django_db
def test_the_public_api_answers_a_survey(ev, gateway, django_capture_on_commit_callbacks):
    api = ApiClient()
    base = f"/evaluation/public/surveys/{ev.survey.public_id}"
    got = api.get(base)
    assert got.status_code == 200
    data = got.json()
    assert data["title"] == ev.survey.title and [q["id"] for q in data["questions"]] == [ev.q1.pk, ev.q2.pk]
    assert data["questions"][1]["choices"][0] == {"value": 5, "label": "满意"}
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{base}/code", {"phone": PHONES[0]}).status_code == 202
    assert api.post(f"{base}/code", {"phone": PHONES[0]}).status_code == 429
    body = {"phone": PHONES[0], "code": last_code(PHONES[0]), "answers": {str(ev.q1.pk): 1, str(ev.q2.pk): 5}}
    assert api.post(f"{base}/answers", body).status_code == 201
    again = api.post(f"{base}/answers", body)
    assert again.status_code == 409 and again.json()["code"] == "evaluation.survey_answered"
    assert api.post(f"{base}/answers", {"phone": "1", "code": "1", "answers": {"1": 99}}).status_code == 422
    assert api.post(f"{base}/answers", {"phone": PHONES[1], "code": "1", "answers": []}).status_code == 422
    assert api.get("/evaluation/public/surveys/not-a-uuid").status_code == 404


@pytest.mark.django_db
def test_staff_pages_set_up_publish_and_show_results(ev, answer):
    office = login(ev.world.office)
    cid = ev.campaign.pk
    listing = office.get(f"/evaluation/campaigns/{cid}/surveys/")
    assert listing.status_code == 200 and ev.survey.title in html(listing)
    created = office.post(f"/evaluation/campaigns/{cid}/surveys/new/",
                          {"title": "县城满意度调查", "intro": "", "node": ev.world.county.pk})
    assert created.status_code == 302
    survey = Survey.objects.get(title="县城满意度调查")
    detail = office.get(f"/evaluation/surveys/{survey.pk}/")
    assert detail.status_code == 200 and "添加题目" in html(detail)
    added = office.post(f"/evaluation/surveys/{survey.pk}/questions/",
                        {"indicator": ev.aware.pk, "kind": "awareness", "text": "您知道创建文明城市吗？"})
    assert added.status_code == 302 and survey.questions.count() == 1
    wrong = office.post(f"/evaluation/surveys/{survey.pk}/questions/",
                        {"indicator": ev.files.pk, "kind": "awareness", "text": "题"})
    assert wrong.status_code == 422 and "不是按问卷达标率计分" in html(wrong) and survey.questions.count() == 1
    assert office.post(f"/evaluation/surveys/{survey.pk}/open/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == "open"
    page = html(office.get(f"/evaluation/surveys/{survey.pk}/"))
    assert "<svg" in page and f"/evaluation/s/{survey.public_id}/" in page  # the QR code and the link
    answer(ev, PHONES[0], 1, 5)
    results = office.get(f"/evaluation/surveys/{ev.survey.pk}/results/")
    assert results.status_code == 200 and "100.00%" in html(results)
    assert office.post(f"/evaluation/surveys/{survey.pk}/close/").status_code == 302
    for bad in BAD_IDS:
        assert office.get(f"/evaluation/surveys/{bad}/").status_code == 404
        assert office.get(f"/evaluation/campaigns/{bad}/surveys/").status_code == 404
    # a node manager of a station sees no survey of the township's: 404, not the page
    assert login(ev.world.manager_a).get(f"/evaluation/surveys/{ev.survey.pk}/").status_code == 404
    assert Client().get(f"/evaluation/surveys/{ev.survey.pk}/").status_code == 302  # to the login


@pytest.mark.django_db
def test_the_staff_api_sets_a_survey_up_and_reads_its_results(ev, answer):
    api = ApiClient("office")
    cid = ev.campaign.pk
    made = api.post(f"/evaluation/campaigns/{cid}/surveys", {"title": "API 调查", "node_id": ev.world.county.pk})
    assert made.status_code == 201, made.content
    sid = made.json()["id"]
    q = api.post(f"/evaluation/surveys/{sid}/questions",
                 {"indicator_id": ev.aware.pk, "kind": "awareness", "text": "您知道吗？"})
    assert q.status_code == 201
    assert api.post(f"/evaluation/surveys/{sid}/questions",
                    {"indicator_id": 10**30, "kind": "awareness", "text": "x"}).status_code in (404, 422)
    assert api.post(f"/evaluation/surveys/{sid}/open").json()["status"] == "open"
    listed = api.get(f"/evaluation/campaigns/{cid}/surveys")
    assert {s["id"] for s in listed.json()} == {sid, ev.survey.pk}
    answer(ev, PHONES[0], 0, 2)
    results = api.get(f"/evaluation/surveys/{ev.survey.pk}/results").json()
    assert results["responses"] == 1
    assert [(q["rate"], q["answers"]) for q in results["questions"]] == [("0.00", 1), ("0.00", 1)]
    assert api.get("/evaluation/surveys/99999999999999999999999/results").status_code == 404
    assert ApiClient("manager_a").get(f"/evaluation/surveys/{ev.survey.pk}").status_code == 404


def test_rates_have_two_decimals():
    assert sel.rate_of(3, 4) == Decimal("75.00") and sel.rate_of(2, 3) == Decimal("66.67")
    assert sel.rate_of(0, 0) is None
    assert re.fullmatch(r"\d+\.\d\d", str(sel.rate_of(1, 7)))


@pytest.mark.django_db
def test_odd_input_is_refused_without_a_server_error(ev, gateway):
    odd = ["\x00", "²", "9" * 30, "x" * 5000, "-1", "", "1e9"]
    c = Client()
    url = f"/evaluation/s/{ev.survey.public_id}/"
    for value in odd:
        for path, data in [(url, {"phone": value, "code": value, f"q{ev.q1.pk}": value, f"q{ev.q2.pk}": value}),
                           (f"{url}code/", {"phone": value})]:
            assert c.post(path, data).status_code < 500, (path, value)
    office = login(ev.world.office)
    sid, cid = ev.survey.pk, ev.campaign.pk
    for value in odd:
        for path, data in [(f"/evaluation/campaigns/{cid}/surveys/new/", {"title": value, "node": value}),
                           (f"/evaluation/surveys/{sid}/questions/", {"indicator": value, "kind": value,
                                                                      "text": value}),
                           (f"/evaluation/surveys/{sid}/edit/", {"title": value, "intro": value}),
                           (f"/evaluation/surveys/{sid}/questions/{value or 'x'}/remove/", {})]:
            assert office.post(path, data).status_code < 500, (path, value)
        assert office.get(f"/evaluation/campaigns/{cid}/surveys/", {"status": value}).status_code == 200
    api = ApiClient("office")
    base = f"/evaluation/public/surveys/{ev.survey.public_id}"
    for body in [{"phone": "\x00", "code": "\x00", "answers": {"\x00": "\x00"}}, {"phone": 1}, {},
                 {"phone": PHONES[0], "code": "1", "answers": {str(10**30): 10**30}}, None]:
        assert api.post(f"{base}/answers", body).status_code in (401, 404, 409, 422, 429), body
    for body in [{"title": "\x00", "node_id": 10**30}, {"title": "t", "node_id": -1}, {"title": "x" * 300}]:
        assert api.post(f"/evaluation/campaigns/{cid}/surveys", body).status_code in (404, 422), body
    assert api.post(f"/evaluation/surveys/{sid}/questions",
                    {"indicator_id": ev.aware.pk, "kind": "\x00", "text": "t"}).status_code == 422
