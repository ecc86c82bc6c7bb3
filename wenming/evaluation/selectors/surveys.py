"""Reads for questionnaires (问卷调查) and material review (材料审核).

- Surveys: staff with EVAL_VIEW over the survey's place; the public page finds a published
  (open or closed) survey by its public id only. Results come from the questions' maintained
  counters: 知晓率 / 满意率 per question, and per indicator (positive answers over all the
  answers to its questions — the rate the scoreboards score).
- Materials: staff with EVAL_VIEW over the unit's place and the unit's own liaisons read
  them; reviewers (EVAL_REVIEW over the unit's place) get the queue. Anything else is 404.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.core.params import pk_or_404

from ..access import EVAL_EDIT, EVAL_REVIEW, EVAL_VIEW, unit_ids
from ..models import (
    Campaign,
    Duty,
    Indicator,
    Level,
    Material,
    MaterialStatus,
    Rule,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyStatus,
)

CENT = Decimal("0.01")


def _one(qs: QuerySet, pk):
    obj = qs.filter(pk=pk_or_404(pk)).first()
    if obj is None:
        raise CoreError.NOT_FOUND.error()
    return obj


def rate_of(positives: int, answers: int) -> Decimal | None:
    """Percent with two decimals; None without answers (暂无数据)."""
    if not answers:
        return None
    return (Decimal(positives) * 100 / Decimal(answers)).quantize(CENT)


# --- surveys ---------------------------------------------------------------------------------

def surveys_for_actor(*, actor, campaign: Campaign | None = None, status: str = "") -> QuerySet:
    qs = Survey.objects.filter(scope_for(actor).q(EVAL_VIEW, "node__path")).select_related("campaign", "node")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if status in SurveyStatus.values:
        qs = qs.filter(status=status)
    return qs.annotate(n_questions=Count("questions")).order_by("-created_at", "-id")


def survey_get_for_actor(*, actor, pk) -> Survey:
    return _one(surveys_for_actor(actor=actor).select_related("campaign__node"), pk)


def may_edit_survey(actor, survey: Survey) -> bool:
    return scope_for(actor).allows(EVAL_EDIT, survey.node.path)


def may_create_survey(actor, campaign: Campaign) -> bool:
    """Whether the actor runs surveys anywhere in the campaign's area."""
    scope = scope_for(actor)
    return scope.is_global or any(p.startswith(campaign.node.path) or campaign.node.path.startswith(p)
                                  for p in scope.paths(EVAL_EDIT))


def survey_public_get(public_id) -> Survey:
    """A published survey (open, or closed: its page says so) by its public id; drafts and
    unknown ids are 404."""
    try:
        key = uuid.UUID(str(public_id)[:40])
    except (ValueError, TypeError, AttributeError):
        raise CoreError.NOT_FOUND.error() from None
    survey = (Survey.objects.filter(public_id=key, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED])
              .select_related("campaign", "node").first())
    if survey is None:
        raise CoreError.NOT_FOUND.error()
    return survey


def public_url(survey: Survey) -> str:
    """The absolute link residents open (and the QR code carries): the configured site
    address, so a code printed on paper does not carry whatever host the office's browser used."""
    return f"{settings.SITE_URL}{reverse('evaluation:survey_public', args=[survey.public_id])}"


def questions_of(survey: Survey) -> list[SurveyQuestion]:
    return list(survey.questions.select_related("indicator").order_by("sort", "id"))


def question_get(survey: Survey, pk) -> SurveyQuestion:
    return _one(survey.questions.select_related("survey__node", "indicator"), pk)


def survey_indicators(campaign: Campaign) -> list[Indicator]:
    """The indicators a question may be put on: scored by survey rates."""
    return list(campaign.indicators.filter(level=Level.INDICATOR, rule=Rule.SURVEY).order_by("sort", "id"))


@dataclass
class QuestionResult:
    question: SurveyQuestion
    n: int  # its place on the sheet
    answers: int
    positives: int
    rate: Decimal | None
    counts: list[tuple[str, int]]  # (choice label, answers) in the sheet's order


@dataclass
class IndicatorResult:
    indicator: Indicator
    answers: int = 0
    positives: int = 0
    by_kind: dict = field(default_factory=dict)  # "awareness" / "satisfaction" → its questions' rate

    @property
    def rate(self) -> Decimal | None:
        return rate_of(self.positives, self.answers)


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    questions: list[QuestionResult]
    indicators: list[IndicatorResult]


def survey_results(survey: Survey) -> SurveyResults:
    """Rates per question (from its counters, with the spread of the choices) and per
    indicator (all of its questions together, and apart by kind: 知晓率, 满意率)."""
    from ..services.surveys import CHOICES

    questions = questions_of(survey)
    spread: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (SurveyAnswer.objects.filter(question__survey=survey).values("question_id", "value")
                .annotate(c=Count("id")).order_by()):
        spread[row["question_id"]][row["value"]] = row["c"]
    out, per_ind = [], {}
    kinds: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for n, q in enumerate(questions, start=1):
        counts = [(label, spread[q.pk].get(value, 0)) for value, label in CHOICES[q.kind]]
        out.append(QuestionResult(q, n, q.answers, q.positives, rate_of(q.positives, q.answers), counts))
        ind = per_ind.setdefault(q.indicator_id, IndicatorResult(q.indicator))
        ind.answers += q.answers
        ind.positives += q.positives
        kinds[(q.indicator_id, q.kind)][0] += q.positives
        kinds[(q.indicator_id, q.kind)][1] += q.answers
    for (ind_id, kind), (pos, ans) in kinds.items():
        per_ind[ind_id].by_kind[str(kind)] = rate_of(pos, ans)
    return SurveyResults(survey, survey.responses_count, out, list(per_ind.values()))


# --- materials -------------------------------------------------------------------------------

def _materials_q(actor) -> Q:
    q = scope_for(actor).q(EVAL_VIEW, "unit__node__path")
    mine = unit_ids(actor)
    if mine:
        q |= Q(unit_id__in=mine)
    return q


def material_get_for_actor(*, actor, pk) -> Material:
    """One material: staff over the unit's place, or the unit's liaisons; else 404."""
    return _one(Material.objects.filter(_materials_q(actor)).select_related(
        "campaign", "indicator", "unit__node", "submitted_by", "reviewed_by"), pk)


def may_review(actor, material: Material) -> bool:
    return scope_for(actor).allows(EVAL_REVIEW, material.unit.node.path)


def is_reviewer(actor) -> bool:
    return scope_for(actor).has(EVAL_REVIEW)


def review_queue_for_actor(*, actor, campaign: Campaign, status: str = MaterialStatus.SUBMITTED) -> QuerySet:
    """Material of units in the reviewer's area; waiting for review first by default."""
    qs = Material.objects.filter(scope_for(actor).q(EVAL_REVIEW, "unit__node__path"), campaign=campaign)
    if status in MaterialStatus.values:
        qs = qs.filter(status=status)
    order = ("submitted_at", "id") if status == MaterialStatus.SUBMITTED else ("-submitted_at", "-id")
    return qs.select_related("indicator", "unit", "submitted_by").order_by(*order)


@dataclass
class DutyMaterials:
    """A liaison's material duty (one unit, one indicator scored by review) and what was sent."""

    duty: Duty
    materials: list[Material]  # newest first

    @property
    def latest(self) -> Material | None:
        return self.materials[0] if self.materials else None

    @property
    def pending(self) -> bool:
        return any(m.status == MaterialStatus.SUBMITTED for m in self.materials)

    @property
    def score(self) -> Decimal | None:
        """What counts: the latest scored material's score."""
        scored = [m for m in self.materials if m.status == MaterialStatus.SCORED]
        return max(scored, key=lambda m: (m.reviewed_at, m.pk)).score if scored else None


def material_duties_for_liaison(*, actor, campaign: Campaign) -> list[DutyMaterials]:
    """The liaison's units' duties on indicators scored by review, each with its material."""
    mine = unit_ids(actor)
    if not mine:
        return []
    duties = list(Duty.objects.filter(campaign=campaign, unit_id__in=mine, indicator__level=Level.INDICATOR,
                                      indicator__rule=Rule.MATERIAL)
                  .select_related("indicator", "unit").order_by("indicator__sort", "indicator_id", "unit_id"))
    by_key: dict[tuple[int, int], list[Material]] = defaultdict(list)
    for m in (Material.objects.filter(campaign=campaign, unit_id__in=mine).select_related("reviewed_by")
              .order_by("-submitted_at", "-id")):
        by_key[(m.unit_id, m.indicator_id)].append(m)
    return [DutyMaterials(d, by_key.get((d.unit_id, d.indicator_id), [])) for d in duties]
