"""Residents' questionnaires (问卷调查): the office sets a survey up on the indicators scored by
survey rates, publishes it as a public link / QR code, and residents answer it once per
phone, proven by a text code.

Privacy: a phone is kept only as a keyed hash (`blind_index`) whose purpose names the survey,
so the same phone in two surveys gives two unrelated hashes, and nothing else about the person
is stored. The code follows core.phone_codes: it lives ten minutes, hashed with HMAC; five
wrong tries burn it. An answer
sheet writes no audit row: with the client address in it, the audit log would tie a person's
address to an anonymous sheet.

Counting: one sheet per (survey, phone hash) is the database's unique constraint; a double
tap or a second device loses on it (SURVEY_ANSWERED). The sheet, the questions' counters
(F() expressions), the survey's count and the figure-store deltas (figures.survey_rows, what
the node scoreboards read) are written in one transaction.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.crypto import blind_index
from wenming.core.errors import CoreError
from wenming.core.notify import notify_phone
from wenming.core.params import parse_pk
from wenming.core.phone_codes import CodeTooSoon, code_check, code_issue, code_spend
from wenming.core.ratelimit import allow
from wenming.dashboards.metrics import as_date, month_start
from wenming.dashboards.summary import record_many
from wenming.orgs.models import Node
from wenming.volunteers.validation import normalize_phone

from .. import figures
from ..access import EVAL_EDIT, require
from ..errors import EvaluationError as E
from ..models import (
    Campaign,
    Indicator,
    Level,
    QuestionKind,
    Rule,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from ..survey_errors import SurveyError as S
from .common import require_open, text_checked

SMS_PER_CLIENT_HOUR = 10  # codes one client address may ask for, across phones and surveys
MAX_QUESTIONS = 50
# The answers each kind takes, and which of them count as positive (知道 / 满意、比较满意).
VALUES = {QuestionKind.AWARENESS: {1: True, 0: False},
          QuestionKind.SATISFACTION: {5: True, 4: True, 3: False, 2: False, 1: False}}
CHOICES = {QuestionKind.AWARENESS: [(1, "知道"), (0, "不知道")],
           QuestionKind.SATISFACTION: [(5, "满意"), (4, "比较满意"), (3, "一般"), (2, "不太满意"), (1, "不满意")]}


# --- the office: set up, publish, close ------------------------------------------------------

def survey_create(*, actor, campaign: Campaign, node: Node, title: str, intro: str = "") -> Survey:
    """A draft survey over `node` (the campaign's area or a place inside it): the office of
    that place (EVAL_EDIT over it) runs it."""
    require(actor, EVAL_EDIT, node.path)
    require_open(campaign, "新建问卷")
    if not node.path.startswith(campaign.node.path):
        raise S.SURVEY_NODE_INVALID.error("node", name=campaign.node.name)
    title = text_checked(title, 100, what="问卷标题", field="title")
    if not title:
        raise E.NAME_REQUIRED.error("title", what="问卷标题")
    intro = text_checked(intro, 2000, what="问卷说明", field="intro")
    with transaction.atomic():
        survey = Survey.objects.create(campaign=campaign, node=node, title=title, intro=intro, created_by=actor)
        audit_record(actor=actor, action="evaluation.survey_create", obj=survey, node_path=node.path,
                     changes={"campaign": campaign.pk, "node": node.pk})
    return survey


def survey_update(*, actor, survey: Survey, title: str, intro: str = "") -> Survey:
    """Title and introduction (the questions are fixed once published; the wording around
    them may still be corrected)."""
    require(actor, EVAL_EDIT, survey.node.path)
    title = text_checked(title, 100, what="问卷标题", field="title")
    if not title:
        raise E.NAME_REQUIRED.error("title", what="问卷标题")
    intro = text_checked(intro, 2000, what="问卷说明", field="intro")
    with transaction.atomic():
        Survey.objects.filter(pk=survey.pk).update(title=title, intro=intro)
        audit_record(actor=actor, action="evaluation.survey_update", obj=survey, node_path=survey.node.path)
    survey.refresh_from_db()
    return survey


def survey_delete(*, actor, survey: Survey) -> None:
    """A draft that was never published (so has no answers) may go."""
    require(actor, EVAL_EDIT, survey.node.path)
    with transaction.atomic():
        audit_record(actor=actor, action="evaluation.survey_delete", obj=survey, node_path=survey.node.path,
                     changes={"title": survey.title})
        if not Survey.objects.filter(pk=survey.pk, status=SurveyStatus.DRAFT).delete()[0]:
            raise S.SURVEY_NOT_DRAFT.error(title=survey.title, action="删除")


def question_add(*, actor, survey: Survey, indicator: Indicator, text: str, kind: str) -> SurveyQuestion:
    """A question on one survey-rule indicator of the survey's campaign, while the survey is a
    draft (a sheet must answer every question it was shown)."""
    require(actor, EVAL_EDIT, survey.node.path)
    if indicator.campaign_id != survey.campaign_id or indicator.level != Level.INDICATOR \
            or indicator.rule != Rule.SURVEY:
        raise S.NOT_SURVEY.error("indicator", name=indicator.name)
    if kind not in QuestionKind.values:
        raise E.CHOICE_INVALID.error("kind", what="题目类型")
    text = text_checked(text, 300, what="题目", field="text")
    if not text:
        raise E.NAME_REQUIRED.error("text", what="题目")
    with transaction.atomic():
        # Lock the survey row (a no-op UPDATE that must find it still a draft): two offices
        # adding at once cannot pass the limit, and nobody adds to a survey being published.
        if not Survey.objects.filter(pk=survey.pk, status=SurveyStatus.DRAFT).update(status=SurveyStatus.DRAFT):
            raise S.SURVEY_NOT_DRAFT.error(title=survey.title, action="修改题目")
        existing = list(SurveyQuestion.objects.filter(survey=survey).values_list("sort", flat=True))
        if len(existing) >= MAX_QUESTIONS:
            raise S.TOO_MANY_QUESTIONS.error(limit=MAX_QUESTIONS)
        question = SurveyQuestion.objects.create(survey=survey, indicator=indicator, text=text, kind=kind,
                                                 sort=max(existing, default=0) + 10)
        audit_record(actor=actor, action="evaluation.survey_question_add", obj=question,
                     node_path=survey.node.path, changes={"survey": survey.pk, "indicator": indicator.code})
    return question


def question_remove(*, actor, question: SurveyQuestion) -> None:
    survey = question.survey
    require(actor, EVAL_EDIT, survey.node.path)
    with transaction.atomic():
        if not Survey.objects.filter(pk=survey.pk, status=SurveyStatus.DRAFT).update(status=SurveyStatus.DRAFT):
            raise S.SURVEY_NOT_DRAFT.error(title=survey.title, action="修改题目")
        audit_record(actor=actor, action="evaluation.survey_question_remove", obj=question,
                     node_path=survey.node.path, changes={"survey": survey.pk, "text": question.text[:60]})
        question.delete()


def survey_open(*, actor, survey: Survey) -> Survey:
    """Publish a draft (it needs a question), or open a closed survey again."""
    require(actor, EVAL_EDIT, survey.node.path)
    require_open(survey.campaign, "发布问卷")
    with transaction.atomic():
        moved = Survey.objects.filter(pk=survey.pk, status__in=[SurveyStatus.DRAFT, SurveyStatus.CLOSED],
                                      questions__isnull=False).distinct()
        if not Survey.objects.filter(pk__in=moved.values("pk")).update(status=SurveyStatus.OPEN):
            survey.refresh_from_db()
            if survey.status == SurveyStatus.OPEN:
                raise S.SURVEY_BAD_STATUS.error(title=survey.title, status=survey.get_status_display(), action="发布")
            raise E.SURVEY_EMPTY.error()
        audit_record(actor=actor, action="evaluation.survey_open", obj=survey, node_path=survey.node.path)
    survey.refresh_from_db()
    return survey


def survey_close(*, actor, survey: Survey) -> Survey:
    require(actor, EVAL_EDIT, survey.node.path)
    with transaction.atomic():
        if not Survey.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).update(status=SurveyStatus.CLOSED):
            survey.refresh_from_db()
            raise S.SURVEY_BAD_STATUS.error(title=survey.title, status=survey.get_status_display(), action="结束")
        audit_record(actor=actor, action="evaluation.survey_close", obj=survey, node_path=survey.node.path)
    survey.refresh_from_db()
    return survey


# --- residents: the text code, the answer sheet ---------------------------------------------

def _phone(raw) -> str:
    return normalize_phone(str(raw or "")[:40])  # volunteers' phone codes and messages


def phone_key(survey: Survey, phone: str) -> str:
    """The keyed hash of a normalised phone, for this survey only."""
    return blind_index(phone, f"survey-phone:{survey.pk}")


def _code_hash(key: str, code: str) -> str:
    return blind_index(f"{key}:{code}", "survey-code")


def _require_answerable(survey: Survey) -> None:
    if survey.status != SurveyStatus.OPEN:
        raise E.SURVEY_CLOSED.error(title=survey.title,
                                    status="已结束" if survey.status == SurveyStatus.CLOSED else "尚未发布")


def survey_code_send(*, survey: Survey, phone: str, client: str = "", now: datetime | None = None) -> None:
    """Text a 6-digit code to the phone: one a minute per phone and survey, ten an hour per
    client address (nobody runs up the SMS bill or floods a stranger's phone)."""
    now = now or timezone.now()
    _require_answerable(survey)
    phone = _phone(phone)
    if client and not allow("survey-sms", client, limit=SMS_PER_CLIENT_HOUR, window=3600):
        raise CoreError.RATE_LIMITED.error()
    with transaction.atomic():
        try:
            code = code_issue(purpose=f"survey:{survey.pk}", phone_hash=phone_key(survey, phone), now=now)
        except CodeTooSoon as wait:
            raise E.CODE_TOO_SOON.error("phone", seconds=wait.seconds) from None
        notify_phone(phone=phone, subject="问卷验证码",
                     body=f"您正在参与问卷“{survey.title[:20]}”，验证码是 {code}，10 分钟内有效。如非本人操作请忽略。")


def _answer_value(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw if raw is not None else "").strip()
    return int(text) if len(text) == 1 and text.isascii() and text.isdigit() else None


def _validated(survey: Survey, answers) -> list[tuple[SurveyQuestion, int, bool]]:
    """(question, value, positive) for every question of the survey, in order."""
    given: dict[int, object] = {}
    for raw_key, value in (answers or {}).items() if isinstance(answers, dict) else ():
        pk = raw_key if isinstance(raw_key, int) and not isinstance(raw_key, bool) else parse_pk(raw_key)
        if pk is not None:
            given[pk] = value
    out = []
    for n, question in enumerate(survey.questions.order_by("sort", "id"), start=1):
        raw = given.get(question.pk)
        if raw is None or raw == "":
            raise E.SURVEY_INCOMPLETE.error(f"q{question.pk}", n=n)
        value = _answer_value(raw)
        allowed = VALUES[question.kind]
        if value not in allowed:
            raise S.ANSWER_INVALID.error(f"q{question.pk}", n=n)
        out.append((question, value, allowed[value]))
    if not out:
        raise E.SURVEY_EMPTY.error()
    return out


def _check_code(survey: Survey, key: str, code: str, now) -> int:
    """The id of the phone's live code for this survey when `code` matches it (the rules of
    core.phone_codes). The same code shown again after its sheet went in is a second tap:
    already answered (said only to whoever holds the code, so nobody learns who took part by
    guessing phones)."""
    check = code_check(purpose=f"survey:{survey.pk}", phone_hash=key, code=code, now=now)
    if check.spent_again:
        raise E.SURVEY_ANSWERED.error("phone")
    if not check.ok:
        raise E.CODE_WRONG.error("code")
    return check.code_id


def survey_answer(*, survey: Survey, phone: str, code: str, answers: dict,
                  now: datetime | None = None) -> SurveyResponse:
    """A resident's answer sheet: every question answered (awareness 1 知道 / 0 不知道;
    satisfaction 1–5, where 4 and 5 are positive), the phone proven by its code, once per
    phone. `answers` maps question ids (int or str) to values."""
    now = now or timezone.now()
    _require_answerable(survey)
    phone = _phone(phone)
    sheet = _validated(survey, answers)
    key = phone_key(survey, phone)
    check_id = _check_code(survey, key, code, now)
    try:
        with transaction.atomic():
            # the code is spent by the transaction that takes the sheet: used once, or not at all
            if not code_spend(check_id, now):
                if SurveyResponse.objects.filter(survey=survey, phone_hash=key).exists():
                    raise E.SURVEY_ANSWERED.error("phone")
                raise E.CODE_WRONG.error("code")
            response = SurveyResponse.objects.create(survey=survey, phone_hash=key, submitted_at=now)
            if not Survey.objects.filter(pk=survey.pk, status=SurveyStatus.OPEN).update(
                    responses_count=F("responses_count") + 1):
                survey.refresh_from_db()
                _require_answerable(survey)  # closed in between
            SurveyAnswer.objects.bulk_create([SurveyAnswer(response=response, question=q, value=v, positive=p)
                                              for q, v, p in sheet])
            SurveyQuestion.objects.filter(pk__in=[q.pk for q, _, _ in sheet]).update(answers=F("answers") + 1)
            positive = [q.pk for q, _, p in sheet if p]
            if positive:
                SurveyQuestion.objects.filter(pk__in=positive).update(positives=F("positives") + 1)
            record_many(figures.survey_rows(survey.node_id, month_start(as_date(now)),
                                            [(q.indicator_id, p) for q, _, p in sheet]))
    except IntegrityError:  # the same phone's sheet went in first (another tap, another device)
        raise E.SURVEY_ANSWERED.error("phone") from None
    return response
