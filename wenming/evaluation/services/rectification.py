"""Rectification (整改): the unit answers with evidence, the inspector re-inspects and
accepts or returns; overdue tasks remind the unit, then go up to the office; the office
records accountability (提醒/约谈/通报). Every step is an append-only FindingEvent."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.notify import notify
from wenming.orgs.models import Unit

from .. import figures
from ..access import EVAL_EDIT, EVAL_INSPECT, require, unit_ids
from ..errors import EvaluationError as E
from ..models import (
    OWED,
    Accountability,
    AccountabilityKind,
    Campaign,
    EventKind,
    Finding,
    FindingEvent,
    FindingPhoto,
    FindingStatus,
)
from .common import discard_photos, liaison_users, office_users, store_photos, text_of
from .inspections import _deadline, _tell_units
from .tallies import finding_tally


def _move(finding: Finding, frm, to: str, action: str, **fields) -> Finding:
    """Move the finding if it is still in one of `frm` (a conditional UPDATE: two taps or
    two inspectors cannot both move it); returns the row as it was before."""
    # The row lock (PostgreSQL) keeps the overdue job from flagging the task between this read
    # and the update; the update is conditional on what was read as well (SQLite's writers
    # queue, and the flag decides the counts the caller takes back).
    old = Finding.objects.select_for_update().get(pk=finding.pk)
    if old.status not in frm or not Finding.objects.filter(pk=old.pk, status=old.status,
                                                           overdue=old.overdue).update(status=to, **fields):
        old.refresh_from_db()
        raise E.BAD_STATUS.error(number=old.number, status=old.get_status_display(), action=action)
    return old


def finding_answer(*, actor, finding: Finding, text: str, photos=(), now: datetime | None = None) -> Finding:
    """The unit (a routed unit's liaison) reports the rectification with evidence."""
    now = now or timezone.now()
    routed = set(finding.routes.values_list("unit_id", flat=True)) & set(unit_ids(actor))
    if not routed:
        raise E.NOT_ROUTED.error(number=finding.number)
    text = text_of(text, 2000)
    if not text:
        raise E.DESCRIPTION_REQUIRED.error("text")
    if finding.status not in OWED:
        raise E.BAD_STATUS.error(number=finding.number, status=finding.get_status_display(), action="提交整改")
    images = store_photos(actor=actor, uploads=photos, purpose="evaluation_rectification", what="整改后")
    try:
        with transaction.atomic():
            old = _move(finding, OWED, FindingStatus.ANSWERED, "提交整改", overdue=False)
            if old.overdue:
                finding_tally(old, -1, counted=False, overdue=True)
                figures.stock_change(old, overdue=-1)
            unit = min(routed)
            event = FindingEvent.objects.create(finding=old, kind=EventKind.ANSWERED, actor=actor, unit_id=unit,
                                                note=text, at=now)
            FindingPhoto.objects.bulk_create([FindingPhoto(finding=old, event=event, image=i) for i in images])
            audit_record(actor=actor, action="evaluation.finding_answer", obj=old, changes={"unit": unit})
            notify(users_or_volunteers=[old.recorded_by], subject=f"整改待复查（{old.number}）",
                   body=f"{old.site.name}：{text[:60]}", link=f"/evaluation/findings/{old.pk}/")
    except Exception:
        discard_photos(images)
        raise
    finding.refresh_from_db()
    return finding


def finding_accept(*, actor, finding: Finding, note: str = "", now: datetime | None = None) -> Finding:
    """Re-inspection passed: the task is closed (its deduction stands)."""
    require(actor, EVAL_INSPECT, finding.node.path)
    now = now or timezone.now()
    with transaction.atomic():
        old = _move(finding, (FindingStatus.ANSWERED,), FindingStatus.ACCEPTED, "复查通过", closed_at=now)
        finding_tally(old, -1, counted=False, live=True)
        figures.stock_change(old, live=-1)
        FindingEvent.objects.create(finding=old, kind=EventKind.ACCEPTED, actor=actor, note=text_of(note, 500), at=now)
        audit_record(actor=actor, action="evaluation.finding_accept", obj=old)
        _tell_units(old, old.routes.values_list("unit_id", flat=True), "整改复查通过",
                    f"{old.site.name}：{old.indicator.name}，复查通过。")
    finding.refresh_from_db()
    return finding


def finding_return(*, actor, finding: Finding, reason: str, now: datetime | None = None) -> Finding:
    """Re-inspection failed: back to the unit with the reason and a new deadline."""
    require(actor, EVAL_INSPECT, finding.node.path)
    now = now or timezone.now()
    reason = text_of(reason, 500)
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    deadline = _deadline(finding.campaign, finding.severity, now)
    with transaction.atomic():
        old = _move(finding, (FindingStatus.ANSWERED,), FindingStatus.RETURNED, "退回整改", deadline=deadline,
                    reminded_at=None, escalated_at=None)
        FindingEvent.objects.create(finding=old, kind=EventKind.RETURNED, actor=actor, note=reason, at=now)
        audit_record(actor=actor, action="evaluation.finding_return", obj=old, changes={"reason": reason})
        _tell_units(old, old.routes.values_list("unit_id", flat=True), "整改复查未通过",
                    f"{old.site.name}：{reason[:60]}。请于 {timezone.localtime(deadline):%m月%d日} 前重新整改。")
    finding.refresh_from_db()
    return finding


def overdue_tick(*, now: datetime | None = None, limit: int = 500) -> dict:
    """Remind units of tasks past their deadline (once), and send to the office those still
    owed `escalate_after_days` later (once per deadline). Run by the periodic job."""
    now = now or timezone.now()
    reminded = escalated = 0
    due = (Finding.objects.filter(status__in=OWED, overdue=False, deadline__lt=now)
           .select_related("site", "indicator").order_by("deadline")[:limit])
    for finding in due:
        with transaction.atomic():
            if not Finding.objects.filter(pk=finding.pk, status__in=OWED, overdue=False).update(
                    overdue=True, reminded_at=now):
                continue
            finding_tally(finding, +1, counted=False, overdue=True)
            figures.stock_change(finding, overdue=+1)
            FindingEvent.objects.create(finding=finding, kind=EventKind.REMINDED, note="已超过整改期限，系统催办", at=now)
            _tell_units(finding, finding.routes.values_list("unit_id", flat=True), "整改已逾期",
                        f"{finding.site.name}：{finding.indicator.name}，整改期限已过，请尽快整改并上传材料。")
            reminded += 1
    campaigns = {c.pk: c for c in Campaign.objects.filter(findings__status__in=OWED, findings__overdue=True,
                                                          findings__escalated_at__isnull=True).distinct()}
    for campaign in campaigns.values():
        late = (Finding.objects.filter(campaign=campaign, status__in=OWED, overdue=True, escalated_at__isnull=True,
                                       deadline__lt=now - timedelta(days=campaign.escalate_after_days))
                .select_related("site", "indicator", "node", "lead_unit")[:limit])
        for finding in late:
            with transaction.atomic():
                if not Finding.objects.filter(pk=finding.pk, status__in=OWED, escalated_at__isnull=True).update(
                        escalated_at=now):
                    continue
                FindingEvent.objects.create(finding=finding, kind=EventKind.ESCALATED,
                                            note=f"逾期超过 {campaign.escalate_after_days} 天，已上报创建办", at=now)
                users = office_users(finding.node.path)  # the offices over the place, county to city
                if users:
                    unit = finding.lead_unit.name if finding.lead_unit else "未明确责任单位"
                    notify(users_or_volunteers=users, subject=f"逾期未整改（{finding.number}）",
                           body=f"{unit}：{finding.site.name} {finding.indicator.name}，逾期未整改。",
                           link=f"/evaluation/findings/{finding.pk}/")
                escalated += 1
    return {"reminded": reminded, "escalated": escalated}


def accountability_record(*, actor, campaign: Campaign, unit: Unit, kind: str, reason: str,
                          finding: Finding | None = None) -> Accountability:
    """提醒 / 约谈 / 通报 a unit, with who decided and why (append-only)."""
    require(actor, EVAL_EDIT, unit.node.path)
    if kind not in AccountabilityKind.values:
        raise E.CHOICE_INVALID.error("kind", what="问责方式")
    reason = text_of(reason, 2000)
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    if finding is not None and (finding.campaign_id != campaign.pk
                                or not finding.routes.filter(unit=unit).exists()):
        raise E.CHOICE_INVALID.error("finding", what="相关问题")
    with transaction.atomic():
        record = Accountability.objects.create(campaign=campaign, unit=unit, finding=finding, kind=kind,
                                               reason=reason, decided_by=actor, decided_at=timezone.now())
        audit_record(actor=actor, action="evaluation.accountability", obj=record,
                     changes={"unit": unit.pk, "kind": kind})
        users = liaison_users([unit.pk])
        if users:
            notify(users_or_volunteers=users, subject=f"测评问责：{record.get_kind_display()}",
                   body=f"{campaign.name}：{reason[:80]}", link="/evaluation/")
    return record
