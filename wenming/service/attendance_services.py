"""Check-in and check-out by venue code (场所码) plus geofence; manual check-in by leaders;
closing forgotten check-outs.

Idempotent by construction: one Attendance row per enrollment (OneToOne), created with
get_or_create and closed with a conditional UPDATE, so a double tap changes nothing.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.errors import CoreError

from .errors import ServiceError as E
from .models import (
    Attendance,
    AttendanceMethod,
    Enrollment,
    EnrollmentStatus,
    HoursKind,
    ServiceRecord,
    Shift,
)
from .permissions import may_run_project
from .venue import require_within_geofence, verify_venue_token


def _own_enrollment(*, actor, shift: Shift) -> Enrollment:
    enrollment = (Enrollment.objects.filter(shift=shift, volunteer__user=actor, status=EnrollmentStatus.CONFIRMED)
                  .select_related("shift__project__node").first())
    if enrollment is None:
        raise E.NOT_ENROLLED.error()
    return enrollment


def _locate(shift: Shift, lat, lon, accuracy_m):
    """Geofence result for a project with coordinates; (None, None) when it has none."""
    project = shift.project
    if project.lat is None or project.lon is None:
        return None, None
    result = require_within_geofence(lat=lat, lon=lon, center_lat=project.lat, center_lon=project.lon,
                                     radius_m=project.geofence_radius_m, accuracy_m=accuracy_m)
    return result.passed, result.distance_m


def attendance_check_in(*, actor, shift: Shift, token: str, lat=None, lon=None, accuracy_m=None,
                        now: datetime | None = None) -> Attendance:
    now = now or timezone.now()
    verify_venue_token(token, shift.pk, now)
    enrollment = _own_enrollment(actor=actor, shift=shift)
    opens = shift.starts_at - timedelta(minutes=settings.CHECKIN_OPENS_MINUTES)
    if not opens <= now <= shift.ends_at:
        raise E.CHECKIN_CLOSED.error(minutes=settings.CHECKIN_OPENS_MINUTES)
    passed, distance = _locate(shift, lat, lon, accuracy_m)
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.get_or_create(
                enrollment=enrollment,
                # the real time; hours are clipped to the shift window when they are computed
                defaults={"check_in_at": now,
                          "method": AttendanceMethod.VENUE_CODE, "geofence_passed": passed,
                          "distance_m": distance},
            )
            if created:
                audit_record(actor=actor, action="attendance.check_in", obj=attendance,
                             node_path=shift.project.node.path, changes={"distance_m": distance})
    except IntegrityError:  # two taps at the same instant: the other one made the row
        attendance = Attendance.objects.get(enrollment=enrollment)
    return attendance


def attendance_check_out(*, actor, shift: Shift, token: str, lat=None, lon=None, accuracy_m=None,
                         now: datetime | None = None) -> Attendance:
    now = now or timezone.now()
    verify_venue_token(token, shift.pk, now)
    enrollment = _own_enrollment(actor=actor, shift=shift)
    attendance = Attendance.objects.filter(enrollment=enrollment).first()
    if attendance is None:
        raise E.NOT_CHECKED_IN.error()
    passed, distance = _locate(shift, lat, lon, accuracy_m)
    with transaction.atomic():
        if Attendance.objects.filter(pk=attendance.pk, check_out_at__isnull=True).update(
                check_out_at=max(now, attendance.check_in_at), out_geofence_passed=passed,
                out_distance_m=distance):
            audit_record(actor=actor, action="attendance.check_out", obj=attendance,
                         node_path=shift.project.node.path, changes={"distance_m": distance})
    attendance.refresh_from_db()
    return attendance


def attendance_manual(*, actor, enrollment: Enrollment, check_in_at: datetime,
                      check_out_at: datetime | None = None, reason: str) -> Attendance:
    """A leader or staff records an attendance by hand (e.g. the volunteer had no phone);
    always audited with its reason, and marked as manual so hours can tell it apart."""
    shift = enrollment.shift
    project = shift.project
    if not may_run_project(actor, project):
        raise CoreError.NOT_FOUND.error()
    if not reason.strip():
        raise E.REASON_REQUIRED.error("reason")
    # Times without a zone (a form, a hand-written API call) are local time.
    check_in_at = timezone.make_aware(check_in_at) if timezone.is_naive(check_in_at) else check_in_at
    if check_out_at is not None and timezone.is_naive(check_out_at):
        check_out_at = timezone.make_aware(check_out_at)
    if enrollment.status not in (EnrollmentStatus.CONFIRMED, EnrollmentStatus.NO_SHOW):
        raise E.NOT_ENROLLED.error()
    grace = timedelta(minutes=settings.CHECKIN_OPENS_MINUTES)
    if not (shift.starts_at - grace <= check_in_at <= shift.ends_at) or (
            check_out_at is not None and check_out_at < check_in_at):
        raise E.MANUAL_TIMES.error("check_in_at")
    with transaction.atomic():
        # Hold the attendance row (hours_verify takes the same lock) so a verification running
        # at this moment either sees the new times or makes this refuse.
        Attendance.objects.select_for_update().filter(enrollment=enrollment).values_list("pk").first()
        if ServiceRecord.objects.filter(attendance__enrollment=enrollment, kind=HoursKind.AUTO).exists():
            raise E.ALREADY_VERIFIED.error()  # verified hours are corrected in the ledger, not here
        attendance, created = Attendance.objects.update_or_create(
            enrollment=enrollment,
            defaults={"check_in_at": check_in_at, "check_out_at": check_out_at, "method": AttendanceMethod.MANUAL,
                      "recorded_by": actor, "geofence_passed": None, "distance_m": None, "auto_closed": False},
        )
        if enrollment.status == EnrollmentStatus.NO_SHOW:  # they came after all: the slot was held
            Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.CONFIRMED)
        audit_record(actor=actor, action="attendance.manual", obj=attendance, node_path=project.node.path,
                     changes={"check_in_at": check_in_at.isoformat(),
                              "check_out_at": check_out_at.isoformat() if check_out_at else None,
                              "replaced": not created, "reason": reason.strip()[:200]})
    return attendance


def attendance_close_forgotten(*, now: datetime | None = None) -> int:
    """Close open attendances at shift end once the grace period has passed. Periodic: the
    `close_attendance` command (cron or Celery beat); one conditional UPDATE per shift."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.CHECKOUT_GRACE_MINUTES)
    closed = 0
    open_rows = Attendance.objects.filter(check_out_at__isnull=True, enrollment__shift__ends_at__lte=cutoff)
    for shift_id, ends_at in (open_rows.values_list("enrollment__shift_id", "enrollment__shift__ends_at")
                              .distinct()):
        with transaction.atomic():
            # never before the check-in (a manual entry may sit at the very end of the shift)
            n = Attendance.objects.filter(check_out_at__isnull=True, enrollment__shift_id=shift_id).update(
                check_out_at=Greatest(F("check_in_at"), Value(ends_at)), auto_closed=True)
            if n:
                audit_record(actor=None, action="attendance.auto_close", node_path="",
                             changes={"shift": shift_id, "closed": n})
        closed += n
    return closed
