"""Staged review: reviewers pass, return or reject with a reason and score each criterion;
the office then selects within the places.

- Initial review (初审, stage initial_review): a reviewer over the nomination's place decides;
  the first decision moves the nomination (submitted → shortlisted / returned / rejected),
  by a conditional UPDATE, so two reviewers deciding at once cannot both move it.
- Final review (复审, stage final_review): reviewers over the campaign's node score and give
  their opinion (pass or reject, no return); the office selects (拟表彰) from the scores, the
  votes and the priority flag: `selection_set`, within the places (a conditional UPDATE on
  the campaign's count, and a CHECK in the database).
A reviewer who shares a unit with the nominee is refused (access.conflict_unit)."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.errors import CoreError

from ..access import HONOUR_EDIT, HONOUR_REVIEW, conflict_unit, may, require
from ..errors import HonourError as E
from ..models import Decision, HonourCampaign, Nomination, NominationStatus, Review, ReviewStage, Stage
from .common import require_stage, text_of

MOVES = {Decision.PASS: NominationStatus.SHORTLISTED, Decision.RETURN: NominationStatus.RETURNED,
         Decision.REJECT: NominationStatus.REJECTED}


def _scores(campaign: HonourCampaign, raw, required: bool) -> tuple[dict, Decimal | None]:
    criteria = list(campaign.criteria.all())
    given = raw if isinstance(raw, dict) else {}
    out, total = {}, Decimal(0)
    for c in criteria:
        value = given.get(str(c.pk), given.get(c.pk))
        if value is None or value == "":
            if required:
                raise E.SCORES_MISSING.error(f"score_{c.pk}", name=c.name)
            continue
        try:
            points = Decimal(str(value)[:12])
        except InvalidOperation:
            raise E.SCORE_INVALID.error(f"score_{c.pk}", name=c.name, points=c.points) from None
        if not points.is_finite() or not 0 <= points <= c.points or points != points.quantize(Decimal("0.1")):
            raise E.SCORE_INVALID.error(f"score_{c.pk}", name=c.name, points=c.points)
        out[str(c.pk)] = str(points)
        total += points
    return out, (total if out else None)


def review_stage(campaign: HonourCampaign) -> str:
    if campaign.stage == Stage.INITIAL_REVIEW:
        return ReviewStage.INITIAL
    if campaign.stage == Stage.FINAL_REVIEW:
        return ReviewStage.FINAL
    raise E.STAGE_WRONG.error(name=campaign.name, stage=Stage(campaign.stage).label, action="评审")


def may_review(actor, nomination: Nomination) -> bool:
    """At the initial review, over the nomination's place; at the final, over the campaign's."""
    campaign = nomination.campaign
    path = nomination.node.path if campaign.stage == Stage.INITIAL_REVIEW else campaign.node.path
    return may(actor, HONOUR_REVIEW, path)


def review_submit(*, actor, nomination: Nomination, decision: str, reason: str = "", scores=None,
                  now: datetime | None = None) -> Review:
    campaign = nomination.campaign
    stage = review_stage(campaign)
    if not may_review(actor, nomination):
        raise CoreError.FORBIDDEN.error()
    shared = conflict_unit(actor, nomination)
    if shared is not None:
        raise E.CONFLICT_OF_INTEREST.error(unit=shared.name)
    if decision not in Decision.values or (stage == ReviewStage.FINAL and decision == Decision.RETURN):
        raise E.CHOICE_INVALID.error("decision", what="评审意见")
    reason = text_of(reason, 500, what="理由", field="reason")
    if decision != Decision.PASS and not reason:
        raise E.REASON_REQUIRED.error("reason")
    want = NominationStatus.SUBMITTED if stage == ReviewStage.INITIAL else NominationStatus.SHORTLISTED
    if nomination.status != want:
        raise E.NOT_EDITABLE.error(number=nomination.number, status=nomination.get_status_display(), action="评审")
    marks, total = _scores(campaign, scores, required=decision == Decision.PASS)
    try:
        with transaction.atomic():
            review = Review.objects.create(nomination=nomination, stage=stage, reviewer=actor, decision=decision,
                                           reason=reason, scores=marks, total=total, created_at=now or timezone.now())
            if stage == ReviewStage.INITIAL and not Nomination.objects.filter(
                    pk=nomination.pk, status=NominationStatus.SUBMITTED).update(
                        status=MOVES[decision], status_reason=reason if decision != Decision.PASS else ""):
                raise E.NOT_EDITABLE.error(number=nomination.number, status="已由其他评审员处理", action="评审")
            audit_record(actor=actor, action="honours.review_submit", obj=nomination, node_path=nomination.node.path,
                         changes={"stage": stage, "decision": decision, "total": str(total) if total else None})
    except IntegrityError:
        raise E.ALREADY_REVIEWED.error(number=nomination.number) from None
    nomination.refresh_from_db()
    return review


def selection_set(*, actor, nomination: Nomination, selected: bool, reason: str = "") -> Nomination:
    """The office's decision at the final review: select (拟表彰) within the places, take a
    selection back, or reject with a reason."""
    campaign = nomination.campaign
    require(actor, HONOUR_EDIT, campaign.node.path)
    require_stage(campaign, [Stage.FINAL_REVIEW], "确定拟表彰对象")
    reason = text_of(reason, 500, what="理由", field="reason")
    with transaction.atomic():
        if selected:
            if not Nomination.objects.filter(pk=nomination.pk, status=NominationStatus.SHORTLISTED).update(
                    status=NominationStatus.SELECTED, status_reason=""):
                raise E.NOT_EDITABLE.error(number=nomination.number, status=nomination.get_status_display(),
                                           action="拟表彰")
            if not HonourCampaign.objects.filter(pk=campaign.pk, selected_count__lt=F("places")).update(
                    selected_count=F("selected_count") + 1):
                raise E.PLACES_FULL.error(places=campaign.places)
            action = "honours.select"
        elif nomination.status == NominationStatus.SELECTED:
            if not Nomination.objects.filter(pk=nomination.pk, status=NominationStatus.SELECTED).update(
                    status=NominationStatus.SHORTLISTED):
                raise E.NOT_EDITABLE.error(number=nomination.number, status=nomination.get_status_display(),
                                           action="取消拟表彰")
            HonourCampaign.objects.filter(pk=campaign.pk).update(selected_count=F("selected_count") - 1)
            action = "honours.unselect"
        else:
            if not reason:
                raise E.REASON_REQUIRED.error("reason")
            if not Nomination.objects.filter(pk=nomination.pk, status=NominationStatus.SHORTLISTED).update(
                    status=NominationStatus.REJECTED, status_reason=reason):
                raise E.NOT_EDITABLE.error(number=nomination.number, status=nomination.get_status_display(),
                                           action="不予表彰")
            action = "honours.reject"
        audit_record(actor=actor, action=action, obj=nomination, node_path=nomination.node.path,
                     changes={"reason": reason} if reason else {})
    nomination.refresh_from_db()
    return nomination
