"""Inspection rounds and findings (督查): plan, record at the site, route, withdraw."""

import uuid
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.counters import counter_take
from wenming.core.notify import notify
from wenming.dashboards.summary import record_many
from wenming.orgs.models import Node
from wenming.service.venue import check_geofence, parse_coordinates

from .. import figures
from ..access import EVAL_EDIT, EVAL_INSPECT, may, require
from ..errors import EvaluationError as E
from ..models import (
    LIVE,
    Campaign,
    Duty,
    DutyRole,
    EventKind,
    Finding,
    FindingEvent,
    FindingPhoto,
    FindingStatus,
    FindingUnit,
    Indicator,
    InspectionRound,
    Level,
    RoundStatus,
    Severity,
    Site,
    SiteDuty,
)
from .common import discard_photos, liaison_users, points_of, require_active, store_photos, text_of
from .tallies import finding_tally


def round_plan(*, actor, campaign: Campaign, node: Node, title: str, planned_on: date, sites=(), indicators=(),
               announced: bool = False) -> InspectionRound:
    require(actor, EVAL_INSPECT, node.path)
    require_active(campaign, "安排督查")
    if not node.path.startswith(campaign.node.path):
        raise E.SITE_OUT_OF_SCOPE.error("node", name=node.name)
    title = text_of(title, 100)
    if not title:
        raise E.NAME_REQUIRED.error("title", what="督查名称")
    for site in sites:
        if not site.node.path.startswith(node.path):
            raise E.SITE_OUT_OF_SCOPE.error("sites", name=site.name)
    for ind in indicators:
        if ind.campaign_id != campaign.pk:
            raise E.CHOICE_INVALID.error("indicators", what="指标")
    with transaction.atomic():
        rnd = InspectionRound.objects.create(campaign=campaign, node=node, title=title, planned_on=planned_on,
                                             announced=bool(announced), created_by=actor)
        rnd.sites.set(sites)
        rnd.indicators.set(indicators)
        audit_record(actor=actor, action="evaluation.round_plan", obj=rnd,
                     changes={"sites": len(sites), "announced": bool(announced)})
    return rnd


def round_finish(*, actor, rnd: InspectionRound, cancel: bool = False) -> InspectionRound:
    require(actor, EVAL_INSPECT, rnd.node.path)
    with transaction.atomic():
        done = InspectionRound.objects.filter(pk=rnd.pk, status=RoundStatus.PLANNED).update(
            status=RoundStatus.CANCELLED if cancel else RoundStatus.DONE, finished_at=timezone.now())
        if not done:
            rnd.refresh_from_db()
            raise E.ROUND_DONE.error(title=rnd.title, status=rnd.get_status_display())
        audit_record(actor=actor, action="evaluation.round_cancel" if cancel else "evaluation.round_finish", obj=rnd)
    rnd.refresh_from_db()
    return rnd


def route(*, site: Site, indicator: Indicator, deduction: Indicator | None) -> tuple[int | None, list[int]]:
    """(lead unit id, cooperating unit ids) for a problem at a site: the site's own duty for
    the item wins, then the duty table (the deduction item's, then the indicator's), then the
    site's unit. Cooperating units of the duty table, and the site's unit when it is not
    the lead, are told too."""
    items = [i.pk for i in (deduction, indicator) if i is not None]
    site_duties = {d.indicator_id: d.unit_id for d in SiteDuty.objects.filter(site=site, indicator_id__in=items)}
    duties = list(Duty.objects.filter(indicator_id__in=items).values_list("indicator_id", "unit_id", "role"))
    leads = {ind: unit for ind, unit, role in duties if role == DutyRole.LEAD}
    lead = next((site_duties[i] for i in items if i in site_duties), None)
    if lead is None:
        lead = next((leads[i] for i in items if i in leads), None)
    if lead is None:
        lead = site.unit_id
    coops = {unit for _, unit, role in duties if role == DutyRole.COOP}
    coops |= {u for u in leads.values()}
    if site.unit_id:
        coops.add(site.unit_id)
    coops.discard(lead)
    coops.discard(None)
    return lead, sorted(coops)


def _deadline(campaign: Campaign, severity: str, start: datetime) -> datetime:
    """The end of the local day `days` after the start."""
    local = timezone.localtime(start) + timedelta(days=campaign.days_for(severity))
    return local.replace(hour=23, minute=59, second=59, microsecond=0)


def _repeat_of(campaign: Campaign, site: Site, indicator: Indicator, observed_at: datetime) -> Finding | None:
    since = observed_at - timedelta(days=campaign.repeat_window_days)
    return (Finding.objects.filter(site=site, indicator=indicator, observed_at__gte=since,
                                   observed_at__lte=observed_at)
            .exclude(status=FindingStatus.WITHDRAWN).order_by("-observed_at", "-id").first())


def _position(site: Site, lat, lon, accuracy) -> tuple[bool | None, int | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    flat, flon = parse_coordinates(lat, lon)
    if site.lat is None or site.lon is None:
        return None, None
    result = check_geofence(lat=flat, lon=flon, center_lat=site.lat, center_lon=site.lon, radius_m=site.radius_m,
                            accuracy_m=accuracy)
    return result.passed, result.distance_m


def _submission(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise E.CHOICE_INVALID.error("submission_id", what="提交编号（请刷新页面后重新提交）") from None


def _already(actor, submission: uuid.UUID | None) -> Finding | None:
    if submission is None:
        return None
    return Finding.objects.filter(recorded_by=actor, submission_id=submission).first()


def finding_record(*, actor, rnd: InspectionRound, site: Site, indicator: Indicator,
                   deduction: Indicator | None = None, description: str, points=None,
                   severity: str = Severity.MINOR, photos=(), lat=None, lon=None, accuracy=None,
                   now: datetime | None = None, submission_id=None) -> Finding:
    """Record a problem found at a site; route it to the responsible units and tell them.
    The position is checked against the site and kept as pass/fail and distance only.
    `submission_id` (the form's one-time id) makes a repeated submission return the finding
    it already recorded."""
    now = now or timezone.now()
    submission = _submission(submission_id)
    done = _already(actor, submission)
    if done is not None:
        return done
    campaign = rnd.campaign
    require(actor, EVAL_INSPECT, site.node.path)
    require_active(campaign, "录入问题")
    if rnd.status != RoundStatus.PLANNED:
        raise E.ROUND_DONE.error(title=rnd.title, status=rnd.get_status_display())
    if site.archived_at is not None:
        raise E.SITE_ARCHIVED.error("site", name=site.name)
    if not site.node.path.startswith(rnd.node.path):
        raise E.SITE_OUT_OF_SCOPE.error("site", name=site.name)
    if indicator.campaign_id != campaign.pk or indicator.level != Level.INDICATOR:
        raise E.NOT_SCORED.error("indicator", name=indicator.name)
    if deduction is not None and (deduction.parent_id != indicator.pk or deduction.level != Level.DEDUCTION):
        raise E.DEDUCTION_MISMATCH.error("deduction", name=deduction.name)
    if severity not in Severity.values:
        raise E.CHOICE_INVALID.error("severity", what="严重程度")
    description = text_of(description, 2000)
    if not description:
        raise E.DESCRIPTION_REQUIRED.error("description")
    default = deduction.deduct_points if deduction is not None else indicator.deduct_points
    amount = default if points in (None, "") else points_of(points, "扣分")
    passed, distance = _position(site, lat, lon, accuracy)
    images = store_photos(actor=actor, uploads=photos, purpose="evaluation_finding", what="问题")
    try:
        with transaction.atomic():
            lead, coops = route(site=site, indicator=indicator, deduction=deduction)
            repeat = _repeat_of(campaign, site, indicator, now)
            finding = Finding.objects.create(
                campaign=campaign, round=rnd, site=site, node_id=site.node_id, indicator=indicator,
                deduction=deduction, lead_unit_id=lead, description=description, points=amount, severity=severity,
                observed_at=now, recorded_at=now, recorded_by=actor, position_passed=passed,
                distance_m=distance, deadline=_deadline(campaign, severity, now), repeat_of=repeat,
                submission_id=submission,
                number=f"DC{campaign.year}{counter_take(f'evaluation-finding:{campaign.year}'):06d}")
            FindingUnit.objects.bulk_create(
                ([FindingUnit(finding=finding, unit_id=lead, role=DutyRole.LEAD)] if lead else [])
                + [FindingUnit(finding=finding, unit_id=u, role=DutyRole.COOP) for u in coops])
            event = FindingEvent.objects.create(finding=finding, kind=EventKind.RECORDED, actor=actor,
                                                note=description, at=finding.recorded_at)
            FindingPhoto.objects.bulk_create([FindingPhoto(finding=finding, event=event, image=i) for i in images])
            finding_tally(finding, +1, live=True)
            record_many(figures.finding_rows(finding, +1, live=True, overdue=False))
            audit_record(actor=actor, action="evaluation.finding_record", obj=finding, changes={
                "site": site.pk, "indicator": indicator.code, "points": str(amount), "lead_unit": lead,
                "coop_units": coops, "repeat_of": repeat.pk if repeat else None, "position_passed": passed})
            _tell_units(finding, [lead, *coops], "督查发现问题",
                        f"{site.name}：{indicator.name}。{description[:60]}（扣 {amount} 分），"
                        f"请于 {timezone.localtime(finding.deadline):%m月%d日} 前整改并上传整改材料。")
    except IntegrityError:
        discard_photos(images)
        done = _already(actor, submission)  # the same form, submitted twice at once
        if done is None:
            raise
        return done
    except Exception:
        discard_photos(images)
        raise
    return finding


def _tell_units(finding: Finding, unit_ids, subject: str, body: str) -> None:
    users = liaison_users([u for u in unit_ids if u])
    if users:
        notify(users_or_volunteers=users, subject=f"{subject}（{finding.number}）", body=body,
               link=f"/evaluation/findings/{finding.pk}/")


def finding_withdraw(*, actor, finding: Finding, reason: str) -> Finding:
    """Take back a finding recorded by mistake: it deducts nothing any more; the record stays."""
    if not (may(actor, EVAL_INSPECT, finding.node.path) or may(actor, EVAL_EDIT, finding.node.path)):
        require(actor, EVAL_INSPECT, finding.node.path)
    reason = text_of(reason, 500)
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    with transaction.atomic():
        old = Finding.objects.select_for_update().get(pk=finding.pk)
        if old.status == FindingStatus.WITHDRAWN:
            raise E.BAD_STATUS.error(number=old.number, status=old.get_status_display(), action="撤销")
        was_live, was_overdue = old.status in LIVE, old.overdue and old.status in LIVE
        moved = Finding.objects.filter(pk=old.pk, status=old.status).update(
            status=FindingStatus.WITHDRAWN, overdue=False, closed_at=timezone.now())
        if not moved:
            raise E.BAD_STATUS.error(number=old.number, status=old.get_status_display(), action="撤销")
        finding_tally(old, -1, live=was_live, overdue=was_overdue)
        record_many(figures.finding_rows(old, -1, live=was_live, overdue=was_overdue))
        FindingEvent.objects.create(finding=old, kind=EventKind.WITHDRAWN, actor=actor, note=reason,
                                    at=timezone.now())
        audit_record(actor=actor, action="evaluation.finding_withdraw", obj=old, changes={"reason": reason})
        _tell_units(old, old.routes.values_list("unit_id", flat=True), "督查问题已撤销", f"撤销原因：{reason}")
    finding.refresh_from_db()
    return finding
