"""Hours: computed from attendance, verified by a leader into the append-only ledger;
make-up hours and corrections as new entries; totals, points and stars moved with them."""

from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.orgs.closing import period_check_open

from .errors import ServiceError as E
from .figures import hours_recorded
from .models import Attendance, HoursKind, PointsEntry, ServiceRecord, StarAward, VolunteerStats
from .permissions import may_run_project

MAX_ENTRY_HOURS = 24


def attendance_hours(attendance: Attendance) -> Decimal:
    """Time on site clipped to the shift window, rounded down to HOURS_ROUNDING_MINUTES."""
    shift = attendance.enrollment.shift
    if attendance.check_out_at is None:
        return Decimal("0")
    start = max(attendance.check_in_at, shift.starts_at)
    end = min(attendance.check_out_at, shift.ends_at)
    minutes = max(0, int((end - start).total_seconds() // 60))
    step = settings.HOURS_ROUNDING_MINUTES
    if step > 0:
        minutes -= minutes % step
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def hours_verify(*, actor, attendance: Attendance) -> ServiceRecord:
    """The leader confirms an attendance's hours: one AUTO entry per attendance."""
    enrollment = attendance.enrollment
    project = enrollment.shift.project
    if not may_run_project(actor, project):
        raise CoreError.NOT_FOUND.error()
    _refuse_own(actor, enrollment.volunteer)
    if enrollment.status != "confirmed":
        raise E.NOT_CONFIRMED.error()
    try:
        with transaction.atomic():
            # Re-read under a row lock (attendance_manual takes the same one): the hours come
            # from the times as they are now, not as the caller loaded them.
            attendance = Attendance.objects.select_for_update().select_related("enrollment__shift").get(
                pk=attendance.pk)
            if attendance.check_out_at is None:
                raise E.NOT_CHECKED_OUT.error()
            hours = attendance_hours(attendance)
            if hours <= 0:
                raise E.HOURS_INVALID.error(limit=MAX_ENTRY_HOURS)
            period_check_open(node=project.node, day=timezone.localtime(enrollment.shift.starts_at).date())
            record = ServiceRecord.objects.create(
                volunteer=enrollment.volunteer, kind=HoursKind.AUTO, bucket=HoursKind.AUTO, hours=hours,
                service_date=timezone.localtime(enrollment.shift.starts_at).date(), project=project,
                attendance=attendance, node=project.node, recorded_by=actor)
            _apply(record)
            audit_record(actor=actor, action="hours.verify", obj=record, node_path=project.node.path,
                         changes={"hours": str(hours)})
    except IntegrityError:
        if ServiceRecord.objects.filter(attendance=attendance, kind=HoursKind.AUTO).exists():
            raise E.ALREADY_VERIFIED.error() from None
        raise
    return record


def hours_makeup(*, actor, volunteer, hours: Decimal, service_date, reason: str, node, project=None) -> ServiceRecord:
    """Manual make-up hours (补录), kept apart from attendance hours; staff over the volunteer."""
    scope = scope_for(actor)
    if not scope.allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path) or not scope.allows(
            Perm.PROJECT_EDIT, node.path) or (project is not None and not project.node.path.startswith(node.path)):
        raise CoreError.NOT_FOUND.error()
    _refuse_own(actor, volunteer)
    hours = _cents(hours)
    if hours is None or not (0 < hours <= MAX_ENTRY_HOURS):
        raise E.HOURS_INVALID.error("hours", limit=MAX_ENTRY_HOURS)
    if not reason.strip():
        raise E.REASON_REQUIRED.error("reason")
    if service_date > timezone.localdate():
        raise E.DATE_FUTURE.error("service_date")
    with transaction.atomic():
        period_check_open(node=node, day=service_date)
        _refuse_repeat(volunteer, kind=HoursKind.MAKEUP, hours=hours, reason=reason, service_date=service_date)
        record = ServiceRecord.objects.create(
            volunteer=volunteer, kind=HoursKind.MAKEUP, bucket=HoursKind.MAKEUP, hours=hours,
            service_date=service_date, project=project, node=node, reason=reason.strip()[:200], recorded_by=actor)
        _apply(record)
        audit_record(actor=actor, action="hours.makeup", obj=record, node_path=volunteer.home_node.path,
                     changes={"hours": str(hours), "reason": record.reason})
    return record


def hours_correct(*, actor, record: ServiceRecord, delta: Decimal, reason: str) -> ServiceRecord:
    """A correction is a new entry (positive or negative) pointing at the original entry it
    corrects (correcting a correction corrects its original); an entry's net hours never go
    below zero."""
    volunteer = record.volunteer
    if not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path):
        raise CoreError.NOT_FOUND.error()
    _refuse_own(actor, volunteer)
    if record.kind == HoursKind.CORRECTION and record.corrects_id:
        record = ServiceRecord.objects.select_related("volunteer", "project", "node").get(pk=record.corrects_id)
    delta = _cents(delta)
    if delta is None or delta == 0 or abs(delta) > MAX_ENTRY_HOURS:
        raise E.HOURS_INVALID.error("hours", limit=MAX_ENTRY_HOURS)
    if not reason.strip():
        raise E.REASON_REQUIRED.error("reason")
    try:
        with transaction.atomic():
            # Serialize corrections of one entry, then check its net hours stay ≥ 0.
            ServiceRecord.objects.select_for_update().filter(pk=record.pk).values_list("pk").first()
            period_check_open(node=record.node, day=record.service_date)
            _refuse_repeat(volunteer, kind=HoursKind.CORRECTION, hours=delta, reason=reason, corrects=record)
            net = record.hours + (record.corrections.aggregate(total=Sum("hours"))["total"] or Decimal(0))
            if net + delta < 0:
                raise E.CORRECTION_NEGATIVE.error()
            correction = ServiceRecord.objects.create(
                volunteer=volunteer, kind=HoursKind.CORRECTION, bucket=record.bucket, hours=delta,
                service_date=record.service_date, project=record.project, node=record.node, corrects=record,
                reason=reason.strip()[:200], recorded_by=actor)
            _apply(correction)
            audit_record(actor=actor, action="hours.correct", obj=correction, node_path=volunteer.home_node.path,
                         changes={"corrects": record.pk, "delta": str(delta), "reason": correction.reason})
    except IntegrityError:  # the CHECK on the totals: hours would go below zero
        raise E.CORRECTION_NEGATIVE.error() from None
    return correction


def _refuse_own(actor, volunteer) -> None:
    """Nobody verifies, makes up or corrects their own hours (a leader who also served)."""
    if volunteer.user_id is not None and volunteer.user_id == getattr(actor, "pk", None):
        raise E.SELF_HOURS.error()


REPEAT_WINDOW = timedelta(minutes=10)


def _refuse_repeat(volunteer, **same) -> None:
    """A double-submitted form: the same entry for the same volunteer within minutes. Runs
    inside the writer's transaction after a lock on the volunteer's stats row, so two
    simultaneous submissions are serialized and the second one sees the first."""
    VolunteerStats.objects.get_or_create(volunteer=volunteer)
    VolunteerStats.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk").first()
    reason = same.pop("reason").strip()[:200]
    if ServiceRecord.objects.filter(volunteer=volunteer, reason=reason, recorded_at__gte=timezone.now() - REPEAT_WINDOW,
                                    **same).exists():
        raise E.DUPLICATE_ENTRY.error()


def _cents(value) -> Decimal | None:
    """Hours as stored (two decimals, half up); None when not a finite number."""
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return hours if hours.is_finite() else None


def _apply(record: ServiceRecord) -> None:
    """Move the totals, points and stars for one new ledger row (inside its transaction)."""
    volunteer = record.volunteer
    VolunteerStats.objects.get_or_create(volunteer=volunteer)
    column = "auto_hours" if record.bucket == HoursKind.AUTO else "makeup_hours"
    VolunteerStats.objects.filter(pk=volunteer.pk).update(**{column: F(column) + record.hours})
    stats = VolunteerStats.objects.get(pk=volunteer.pk)
    points = int((record.hours * settings.POINTS_PER_HOUR).to_integral_value(rounding=ROUND_DOWN))
    if points < 0:
        points = -min(-points, stats.points)  # spent points stay spent; the balance stops at zero
    if points:
        PointsEntry.objects.create(volunteer=volunteer, points=points, service_record=record,
                                   reason=f"{record.get_kind_display()} {record.hours} 小时")
        VolunteerStats.objects.filter(pk=volunteer.pk).update(points=F("points") + points)
    level = star_level_for(stats.total_hours)
    if level != stats.star_level:
        VolunteerStats.objects.filter(pk=volunteer.pk).update(star_level=level)
    today = timezone.localdate()
    for n, threshold in enumerate(settings.STAR_THRESHOLDS[:level], start=1):
        StarAward.objects.get_or_create(volunteer=volunteer, level=n,
                                        defaults={"threshold_hours": threshold, "reached_on": today})
    hours_recorded(record)  # dashboard figures, after the stats row lock serialized this volunteer


def star_level_for(hours: Decimal) -> int:
    return sum(1 for threshold in settings.STAR_THRESHOLDS if hours >= threshold)
