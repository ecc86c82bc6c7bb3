"""Material review (材料审核): a unit's liaison submits material (text and an optional file)
for an indicator scored by review that the unit answers for; a reviewer over the unit's place
scores it (0 … the indicator's points) or returns it for more. The score lands in the unit's
tally (UnitTally.material_score, what the scoreboards read) in the reviewing transaction.

Files are checked by their content, not only their name (PDF, .docx, .xlsx, JPG, PNG, ZIP),
stored through core.files under a random name, and read back only through the owning pages'
permission check (`material_file_response`).
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.errors import DomainError
from wenming.core.files import file_delete
from wenming.core.notify import notify

from ..access import EVAL_REVIEW, require, unit_ids
from ..errors import EvaluationError as E
from ..models import Campaign, Duty, Indicator, Level, Material, MaterialStatus, Rule
from ..survey_errors import SurveyError as S
from .attachments import ACCEPT, MAX_BYTES, attachment_response, file_kind, store_file  # noqa: F401 (pages)
from .common import liaison_users, points_of, require_active, text_checked
from .tallies import material_tally


def material_submit(*, actor, campaign: Campaign, indicator: Indicator, text: str, upload=None,
                    unit_id: int | None = None, now: datetime | None = None) -> Material:
    """A liaison's material for an indicator scored by review that their unit answers for
    (as lead or cooperating unit). One waiting for review at a time per unit and indicator;
    after a review (scored or returned) the unit may submit again — the latest score counts.
    A liaison of several units names the unit (`unit_id`); else the lead one is taken."""
    mine = unit_ids(actor)
    if not mine:
        raise E.NO_UNIT.error()
    if unit_id is not None:
        if unit_id not in mine:
            raise E.NO_UNIT.error("unit")
        mine = [unit_id]
    if indicator.campaign_id != campaign.pk or indicator.level != Level.INDICATOR \
            or indicator.rule != Rule.MATERIAL:
        raise E.NOT_MATERIAL.error("indicator", name=indicator.name)
    duty = (Duty.objects.filter(campaign=campaign, indicator=indicator, unit_id__in=mine)
            .select_related("unit__node").order_by("-role", "unit_id").first())
    if duty is None:
        raise S.NO_DUTY.error("indicator", name=indicator.name)
    require_active(campaign, "提交材料")
    text = text_checked(text, 5000, what="材料说明", field="text")
    if not text:
        raise S.MATERIAL_TEXT_REQUIRED.error("text")
    now = now or timezone.now()
    pending = Material.objects.filter(campaign=campaign, indicator=indicator, unit_id=duty.unit_id,
                                      status=MaterialStatus.SUBMITTED)
    if pending.exists():  # before storing a file in vain; checked again under the lock below
        raise S.MATERIAL_PENDING.error("indicator", name=indicator.name)
    stored, shown = store_file(upload) if upload else ("", "")
    try:
        with transaction.atomic():
            # the partial unique constraint eval_material_one_pending refuses a second one
            material = Material.objects.create(campaign=campaign, indicator=indicator, unit_id=duty.unit_id,
                                               text=text, file=stored, file_name=shown, submitted_by=actor,
                                               submitted_at=now)
            audit_record(actor=actor, action="evaluation.material_submit", obj=material,
                         node_path=duty.unit.node.path,
                         changes={"indicator": indicator.code, "unit": duty.unit_id, "file": bool(stored)})
    except IntegrityError:
        if stored:
            file_delete(stored)
        raise S.MATERIAL_PENDING.error("indicator", name=indicator.name) from None
    except BaseException:
        if stored:
            file_delete(stored)
        raise
    return material


def _decide(material: Material, to: str, **fields) -> None:
    """Move a material still waiting for review (a conditional UPDATE: a double tap or two
    reviewers cannot both decide it)."""
    if not Material.objects.filter(pk=material.pk, status=MaterialStatus.SUBMITTED).update(status=to, **fields):
        current = Material.objects.get(pk=material.pk)
        raise E.MATERIAL_DONE.error(status=current.get_status_display())


def _tell_unit(material: Material, subject: str, body: str) -> None:
    users = liaison_users([material.unit_id])
    if users:
        notify(users_or_volunteers=users, subject=subject, body=body,
               link=f"/evaluation/campaigns/{material.campaign_id}/materials/mine/")


def material_review(*, actor, material: Material, score, note: str = "", now: datetime | None = None) -> Material:
    """Score the material (0 … the indicator's points): it becomes the unit's material score
    for the indicator."""
    require(actor, EVAL_REVIEW, material.unit.node.path)
    indicator = material.indicator
    try:
        amount = points_of(score, "评分")
    except DomainError:
        raise E.SCORE_INVALID.error("score", points=indicator.points) from None
    if amount > indicator.points:
        raise E.SCORE_INVALID.error("score", points=indicator.points)
    note = text_checked(note, 500, what="审核意见", field="note")
    now = now or timezone.now()
    with transaction.atomic():
        _decide(material, MaterialStatus.SCORED, score=amount, review_note=note, reviewed_by=actor, reviewed_at=now)
        material.refresh_from_db()
        material_tally(material)
        audit_record(actor=actor, action="evaluation.material_score", obj=material,
                     node_path=material.unit.node.path, changes={"score": str(amount), "indicator": indicator.code})
        _tell_unit(material, "测评材料已评分",
                   f"{indicator.code} {indicator.name}：得 {amount} 分（满分 {indicator.points}）。{note[:60]}")
    return material


def material_return(*, actor, material: Material, note: str, now: datetime | None = None) -> Material:
    """Send the material back with what to add or change; the unit submits again."""
    require(actor, EVAL_REVIEW, material.unit.node.path)
    note = text_checked(note, 500, what="退回意见", field="note")
    if not note:
        raise S.NOTE_REQUIRED.error("note")
    now = now or timezone.now()
    indicator = material.indicator
    with transaction.atomic():
        _decide(material, MaterialStatus.RETURNED, review_note=note, reviewed_by=actor, reviewed_at=now)
        audit_record(actor=actor, action="evaluation.material_return", obj=material,
                     node_path=material.unit.node.path, changes={"indicator": indicator.code})
        _tell_unit(material, "测评材料被退回", f"{indicator.code} {indicator.name}：{note[:80]}。请补充后重新提交。")
    material.refresh_from_db()
    return material


def material_file_response(material: Material):
    """The stored file as a download; the caller has fetched `material` through a selector
    that checked who may read it. None when there is no file (the caller answers 404)."""
    return attachment_response(material.file, material.file_name or f"材料{file_kind(material.file)}")
