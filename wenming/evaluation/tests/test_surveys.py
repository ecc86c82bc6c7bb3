"""Residents' questionnaires: one answer per phone proven by a text code, counters and rates,
the node scoreboard's survey line — and the public page and the staff pages through real
requests."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.notify import FakeSmsGateway
from wenming.core.testing import CONCURRENT, at_once, code_of
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.summary import fold_all
from wenming.evaluation.models import (
    Level,
    Rule,
    Survey,
    SurveyAnswer,
    SurveyPhoneCheck,
    SurveyQuestion,
    SurveyResponse,
)
from wenming.evaluation.selectors import scoreboard
from wenming.evaluation.selectors import surveys as sel
from wenming.evaluation.services import campaigns
from wenming.evaluation.services import surveys as sv
from wenming.evaluation.tests.factories import build_evaluation

PHONES = ["13811110001", "13811110002", "13811110003", "13811110004"]
BAD_IDS = ["²", "abc", "99999999999999999999999"]


@pytest.fixture
def gateway(settings):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    return FakeSmsGateway


def last_code(phone: str) -> str:
    text = next(t for p, t in reversed(FakeSmsGateway.sent) if p == phone)
    return text.split("验证码是 ")[1][:6]


def with_survey(world):
    """The evaluation world plus a second survey-rule indicator and an open survey over the
    township (茅坪镇) with an awareness and a satisfaction question."""
    e = build_evaluation(world)
    e.satisfied = campaigns.indicator_save(actor=world.office, campaign=e.campaign, code="4.1.5",
                                           name="群众对城乡环境的满意率", level=Level.INDICATOR, parent=e.item,
                                           points=Decimal(3), rule=Rule.SURVEY, methods=["survey"])
    e.survey = sv.survey_create(actor=world.office, campaign=e.campaign, node=world.institute,
                                title="茅坪镇创建工作群众调查", intro="耽误您一分钟，请如实作答。")
    e.q1 = sv.question_add(actor=world.office, survey=e.survey, indicator=e.aware,
                           text="您知道我县正在创建全国文明城市吗？", kind="awareness")
    e.q2 = sv.question_add(actor=world.office, survey=e.survey, indicator=e.satisfied,
                           text="您对居住地周边的环境卫生满意吗？", kind="satisfaction")
    sv.survey_open(actor=world.office, survey=e.survey)
    return e


@pytest.fixture
def ev(world):
    return with_survey(world)


@pytest.fixture
def send(gateway, django_capture_on_commit_callbacks):
    def send(survey, phone=PHONES[0], **kw) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sv.survey_code_send(survey=survey, phone=phone, **kw)
        return last_code(phone)

    return send


@pytest.fixture
def answer(send):
    def answer(e, phone, aware: int, satisfied: int, **kw):
        code = send(e.survey, phone)
        return sv.survey_answer(survey=e.survey, phone=phone, code=code,
                                answers={e.q1.pk: aware, str(e.q2.pk): satisfied}, **kw)

    return answer


def refused(fn, **kw) -> DomainError:
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value


def counters(*questions) -> list[tuple[int, int]]:
    return [tuple(SurveyQuestion.objects.filter(pk=q.pk).values_list("answers", "positives").get())
            for q in questions]


# --- answering --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_answers_are_counted_once_each_with_rates_per_question_and_indicator(ev, answer):
    for phone, aware, satisfied in zip(PHONES, [1, 1, 1, 0], [5, 4, 3, 1], strict=True):
        answer(ev, phone, aware, satisfied)
    assert Survey.objects.get(pk=ev.survey.pk).responses_count == 4
    assert counters(ev.q1, ev.q2) == [(4, 3), (4, 2)]
    # the maintained counters agree with the sheets
    assert SurveyAnswer.objects.filter(question=ev.q1).count() == 4
    assert SurveyAnswer.objects.filter(question=ev.q1, positive=True).count() == 3
    results = sel.survey_results(Survey.objects.get(pk=ev.survey.pk))
    assert results.responses == 4
    assert [(r.rate, r.answers, r.positives) for r in results.questions] == [
        (Decimal("75.00"), 4, 3), (Decimal("50.00"), 4, 2)]
    assert results.questions[1].counts == [("满意", 1), ("比较满意", 1), ("一般", 1), ("不太满意", 0), ("不满意", 1)]
    by_ind = {r.indicator.pk: r for r in results.indicators}
    assert by_ind[ev.aware.pk].rate == Decimal("75.00") and by_ind[ev.aware.pk].by_kind == {"awareness": Decimal("75.00")}
    assert by_ind[ev.satisfied.pk].rate == Decimal("50.00")


@pytest.mark.django_db
def test_only_a_keyed_hash_of_the_phone_is_kept(ev, answer):
    answer(ev, PHONES[0], 1, 5)
    response = SurveyResponse.objects.get()
    assert PHONES[0] not in response.phone_hash and len(response.phone_hash) == 64
    assert response.phone_hash == sv.phone_key(ev.survey, PHONES[0])
    other = sv.survey_create(actor=ev.world.office, campaign=ev.campaign, node=ev.world.county, title="另一份")
    assert sv.phone_key(other, PHONES[0]) != response.phone_hash  # not linkable across surveys
    check = SurveyPhoneCheck.objects.get()
    assert check.used_at is not None and PHONES[0] not in check.phone_hash


@pytest.mark.django_db
def test_one_answer_per_phone_per_survey(ev, answer, send):
    answer(ev, PHONES[0], 1, 5)
    first_code = last_code(PHONES[0])
    # the same sheet again (a second tap): already answered
    err = refused(sv.survey_answer, survey=ev.survey, phone=PHONES[0], code=first_code,
                  answers={ev.q1.pk: 0, ev.q2.pk: 1})
    assert (err.code, err.status) == ("evaluation.survey_answered", 409)
    assert err.message.startswith("这个手机号已经提交过本问卷")
    # a fresh code for the same phone does not open a second sheet either
    later = timezone.now() + timedelta(minutes=2)
    code = send(ev.survey, PHONES[0], now=later)
    err = refused(sv.survey_answer, survey=ev.survey, phone=PHONES[0], code=code,
                  answers={ev.q1.pk: 0, ev.q2.pk: 1}, now=later)
    assert err.code == "evaluation.survey_answered"
    assert SurveyResponse.objects.count() == 1 and counters(ev.q1, ev.q2) == [(1, 1), (1, 1)]
    # "+86 138-1111-0001" is the same phone
    assert refused(sv.survey_answer, survey=ev.survey, phone="+86 138-1111-0001", code=code,
                   answers={ev.q1.pk: 1, ev.q2.pk: 5}, now=later).code == "evaluation.survey_answered"


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_counts_nothing(ev, send):
    code = send(ev.survey)
    wrong = "000000" if code != "000000" else "111111"
    err = refused(sv.survey_answer, survey=ev.survey, phone=PHONES[0], code=wrong, answers={ev.q1.pk: 1, ev.q2.pk: 5})
    assert (err.code, err.status) == ("evaluation.code_wrong", 422)
    # a code sent to another phone does not prove this one
    assert refused(sv.survey_answer, survey=ev.survey, phone=PHONES[1], code=code,
                   answers={ev.q1.pk: 1, ev.q2.pk: 5}).code == "evaluation.code_wrong"
    assert not SurveyResponse.objects.exists() and counters(ev.q1) == [(0, 0)]
    sv.survey_answer(survey=ev.survey, phone=PHONES[0], code=code, answers={ev.q1.pk: 1, ev.q2.pk: 5})
    assert SurveyResponse.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_code_is_refused(ev, send):
    now = timezone.now()
    code = send(ev.survey, now=now)
    err = refused(sv.survey_answer, survey=ev.survey, phone=PHONES[0], code=code,
                  answers={ev.q1.pk: 1, ev.q2.pk: 5}, now=now + timedelta(minutes=11))
    assert err.code == "evaluation.code_wrong"
    assert not SurveyResponse.objects.exists()


@pytest.mark.django_db
def test_five_wrong_tries_burn_the_code(ev, send):
    code = send(ev.survey)
    wrong = "999999" if code != "999999" else "888888"
    for _ in range(5):
        assert refused(sv.survey_answer, survey=ev.survey, phone=PHONES[0], code=wrong,
                       answers={ev.q1.pk: 1, ev.q2.pk: 5}).code == "evaluation.code_wrong"
    assert refused(sv.survey_answer, survey=ev.survey, phone=PHONES[0], code=code,
                   answers={ev.q1.pk: 1, ev.q2.pk: 5}).code == "evaluation.code_wrong"
    assert not SurveyResponse.objects.exists()
    # a new code (after the minute) works again
    later = timezone.now() + timedelta(minutes=2)
    code = send(ev.survey, now=later)
    sv.survey_answer(survey=ev.survey, phone=PHONES[0], code=code, answers={ev.q1.pk: 1, ev.q2.pk: 5}, now=later)
    assert SurveyResponse.objects.count() == 1


@pytest.mark.django_db
def test_codes_are_limited_per_phone_and_per_client(ev, send):
    now = timezone.now()
    send(ev.survey, now=now)
    err = refused(sv.survey_code_send, survey=ev.survey, phone=PHONES[0], now=now + timedelta(seconds=10))
    assert (err.code, err.status) == ("evaluation.code_too_soon", 429) and "51 秒" in err.message
    send(ev.survey, now=now + timedelta(seconds=61))
    for i in range(10):
        send(ev.survey, phone=f"1391234{i:04d}", client="10.0.0.9")
    err = refused(sv.survey_code_send, survey=ev.survey, phone="13912349999", client="10.0.0.9")
    assert (err.code, err.status) == ("rate_limited", 429)
    assert refused(sv.survey_code_send, survey=ev.survey, phone="12345").code == "volunteer.phone_invalid"


@pytest.mark.django_db
def test_every_question_must_be_answered_with_a_choice_it_offers(ev, send):
    code = send(ev.survey)

    def attempt(answers):
        return refused(sv.survey_answer, survey=ev.survey, phone=PHONES[0], code=code, answers=answers)

    err = attempt({ev.q1.pk: 1})
    assert (err.code, err.message, err.field) == ("evaluation.survey_incomplete", "第 2 题还没有作答", f"q{ev.q2.pk}")
    assert attempt({ev.q2.pk: 5, ev.q1.pk: ""}).code == "evaluation.survey_incomplete"
    for bad in (2, "2", True, "1.0", "一", [1], -1, 10**30, "\x00"):
        assert attempt({ev.q1.pk: bad, ev.q2.pk: 5}).code == "evaluation.answer_invalid", bad
    for bad in (0, 6, "６"):
        assert attempt({ev.q1.pk: 1, ev.q2.pk: bad}).code == "evaluation.answer_invalid", bad
    assert attempt("not a dict").code == "evaluation.survey_incomplete"
    # refusing an incomplete sheet burns none of the code's tries
    sv.survey_answer(survey=ev.survey, phone=PHONES[0], code=code,
                     answers={str(ev.q1.pk): "0", ev.q2.pk: "4", "junk": 1, 10**30: 2})
    assert counters(ev.q1, ev.q2) == [(1, 0), (1, 1)]


@pytest.mark.django_db
def test_a_closed_or_unpublished_survey_takes_no_answers(ev, send):
    code = send(ev.survey)
    sv.survey_close(actor=ev.world.office, survey=ev.survey)
    ev.survey.refresh_from_db()
    err = refused(sv.survey_answer, survey=ev.survey, phone=PHONES[0], code=code, answers={ev.q1.pk: 1, ev.q2.pk: 5})
    assert (err.code, err.status) == ("evaluation.survey_closed", 409) and "已结束" in err.message
    assert refused(sv.survey_code_send, survey=ev.survey, phone=PHONES[1]).code == "evaluation.survey_closed"
    assert sel.survey_public_get(ev.survey.public_id) == ev.survey  # its page still says so
    draft = sv.survey_create(actor=ev.world.office, campaign=ev.campaign, node=ev.world.county, title="草稿")
    assert refused(sv.survey_code_send, survey=draft, phone=PHONES[1]).code == "evaluation.survey_closed"
    assert refused(sel.survey_public_get, public_id=draft.public_id).code == "not_found"
    assert refused(sel.survey_public_get, public_id="not-a-uuid\x00").code == "not_found"
    # opened again, the same code still works (it has not expired)
    sv.survey_open(actor=ev.world.office, survey=ev.survey)
    ev.survey.refresh_from_db()
    sv.survey_answer(survey=ev.survey, phone=PHONES[0], code=code, answers={ev.q1.pk: 1, ev.q2.pk: 5})


# --- setting up ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_questions_go_only_on_survey_indicators_of_the_campaign_while_a_draft(ev):
    office = ev.world.office
    draft = sv.survey_create(actor=office, campaign=ev.campaign, node=ev.world.county, title="县城调查")
    for indicator in (ev.files, ev.hygiene, ev.item, ev.area):
        err = refused(sv.question_add, actor=office, survey=draft, indicator=indicator, text="题目", kind="awareness")
        assert err.code == "evaluation.not_survey" and indicator.name in err.message
    assert refused(sv.question_add, actor=office, survey=draft, indicator=ev.aware, text=" \x00 ",
                   kind="awareness").code == "evaluation.name_required"
    assert refused(sv.question_add, actor=office, survey=draft, indicator=ev.aware, text="题",
                   kind="").code == "evaluation.choice_invalid"
    assert refused(sv.question_add, actor=office, survey=draft, indicator=ev.aware, text="题" * 301,
                   kind="awareness").code == "evaluation.text_too_long"  # refused, not cut into another question
    assert refused(sv.survey_update, actor=office, survey=draft, title="问" * 101).code == "evaluation.text_too_long"
    err = refused(sv.survey_open, actor=office, survey=draft)
    assert (err.code, err.status) == ("evaluation.survey_empty", 409)
    q = sv.question_add(actor=office, survey=draft, indicator=ev.aware, text="您知道吗？\x00", kind="awareness")
    assert q.text == "您知道吗？"
    sv.survey_open(actor=office, survey=draft)
    assert refused(sv.survey_open, actor=office, survey=draft).code == "evaluation.survey_bad_status"
    assert refused(sv.question_add, actor=office, survey=draft, indicator=ev.aware, text="再加一题",
                   kind="awareness").code == "evaluation.survey_not_draft"
    assert refused(sv.question_remove, actor=office, question=q).code == "evaluation.survey_not_draft"
    assert refused(sv.survey_delete, actor=office, survey=draft).code == "evaluation.survey_not_draft"
    sv.survey_close(actor=office, survey=draft)
    assert refused(sv.survey_close, actor=office, survey=draft).code == "evaluation.survey_bad_status"


@pytest.mark.django_db
def test_only_the_office_of_the_place_sets_surveys_up(ev):
    w = ev.world
    for person in (w.manager_a, ev.inspector, ev.liaison_market):
        err = refused(sv.survey_create, actor=person, campaign=ev.campaign, node=w.station_a, title="调查")
        assert err.code == "forbidden"
        assert refused(sv.survey_close, actor=person, survey=ev.survey).code == "forbidden"
    # a node outside the campaign's area
    from wenming.volunteers.tests.factories import node

    elsewhere = node(w.root, None, "兴山县文明办", "county", code="420526", admin_code="420526000000")
    err = refused(sv.survey_create, actor=w.root, campaign=ev.campaign, node=elsewhere, title="调查")
    assert err.code == "evaluation.survey_node_invalid"
    assert not sel.surveys_for_actor(actor=ev.liaison_market).exists()
    assert list(sel.surveys_for_actor(actor=w.manager_a)) == []  # station A lies below the survey's place
    assert list(sel.surveys_for_actor(actor=ev.inspector)) == [ev.survey]


# --- the scoreboard ------------------------------------------------------------------------------

def survey_differences() -> list:
    from wenming.dashboards import rebuild

    return [d for d in rebuild.differences() if d[0][1].startswith(("evalsa:", "evalsp:"))]


def _lines(board) -> list[tuple]:
    return [(ln.indicator.pk, ln.full, ln.score, ln.rate, ln.material, ln.no_data) for ln in board.lines]


def _same(a, b) -> None:
    assert _lines(a) == _lines(b)
    assert (a.full, a.score, a.main_score, a.trend) == (b.full, b.score, b.main_score, b.trend)


@pytest.mark.django_db
def test_the_node_scoreboard_survey_line_moves_and_equals_the_raw_rows(ev, answer):
    county = ev.world.county

    def line(board, indicator):
        return next(ln for ln in board.lines if ln.indicator.pk == indicator.pk)

    before = scoreboard.node_board(ev.campaign, county)
    assert line(before, ev.aware).no_data and line(before, ev.aware).score == 0
    march = timezone.make_aware(datetime(2023, 3, 15, 10, 0))
    for phone, aware, satisfied in zip(PHONES, [1, 1, 1, 0], [5, 5, 4, 5], strict=True):
        answer(ev, phone, aware, satisfied, **({"now": march} if phone == PHONES[0] else {}))
    board = scoreboard.node_board(ev.campaign, county)  # pending deltas are read too
    aware = line(board, ev.aware)
    # 75 % lies between the zero line (60 %) and full marks (90 %): half of the 2 points
    assert (aware.rate, aware.score, aware.no_data) == (Decimal("75.00"), Decimal("1.00"), False)
    assert (line(board, ev.satisfied).rate, line(board, ev.satisfied).score) == (Decimal("100.00"), Decimal("3.00"))
    assert board.main_score == before.main_score + Decimal("4.00")
    _same(board, scoreboard.node_board_raw(ev.campaign, county))
    assert survey_differences() == []  # the figure store equals a rebuild from the sheets
    fold_all()
    _same(scoreboard.node_board(ev.campaign, county), scoreboard.node_board_raw(ev.campaign, county))
    # a station below the surveyed township has no answers of its own
    assert line(scoreboard.node_board(ev.campaign, ev.world.station_a), ev.aware).no_data
    _same(scoreboard.node_board(ev.campaign, ev.world.institute),
          scoreboard.node_board_raw(ev.campaign, ev.world.institute))
    assert survey_differences() == []


# --- concurrency ----------------------------------------------------------------------------------

@CONCURRENT
def test_a_survey_counts_one_answer_per_phone_under_concurrent_taps(settings):
    from wenming.volunteers.tests.factories import build_world

    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    e = with_survey(build_world())
    sv.survey_code_send(survey=e.survey, phone=PHONES[0])  # sent on commit (no test transaction here)
    code = last_code(PHONES[0])
    survey = Survey.objects.get(pk=e.survey.pk)
    answers = {e.q1.pk: 1, e.q2.pk: 5}
    results = at_once(10, lambda: code_of(lambda: sv.survey_answer(survey=survey, phone=PHONES[0], code=code,
                                                                   answers=answers)))
    assert len(results) == 10 and results.count("ok") == 1
    assert set(results) - {"ok"} == {"evaluation.survey_answered"}
    assert SurveyResponse.objects.count() == 1 and SurveyAnswer.objects.count() == 2
    assert Survey.objects.get(pk=survey.pk).responses_count == 1
    assert counters(e.q1, e.q2) == [(1, 1), (1, 1)]
    from wenming.dashboards.models import FigureDelta

    assert FigureDelta.objects.filter(metric=f"evalsa:{e.aware.pk}").count() == 1
    assert survey_differences() == []


# --- pages ----------------------------------------------------------------------------------------

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
