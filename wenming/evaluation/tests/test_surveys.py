"""Residents' questionnaires: one answer per phone proven by a text code, counters and rates,
the node scoreboard's survey line (the pages and the API: test_survey_pages.py)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.models import PhoneCode
from wenming.core.notify import FakeSmsGateway
from wenming.core.testing import CONCURRENT, at_once, code_of
from wenming.dashboards.summary import fold_all
from wenming.evaluation.models import (
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from wenming.evaluation.selectors import scoreboard
from wenming.evaluation.selectors import surveys as sel
from wenming.evaluation.services import surveys as sv
from wenming.evaluation.tests.survey_world import PHONES, last_code, with_survey


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
    check = PhoneCode.objects.get()
    assert check.used_at is not None and check.purpose == f"survey:{ev.survey.pk}"
    assert check.phone_hash == response.phone_hash and PHONES[0] not in check.code_hash


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
