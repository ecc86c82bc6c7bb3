"""Reads for attendance, the hours / points ledgers and a volunteer's certificates (the
check-in and hours API routes, the hour-verification and my-certificates pages).

Visibility follows the objects these rows belong to: an attendance is seen by whoever sees
its enrollment, a ledger row by whoever sees its volunteer. Seeing is not acting: the
`*_runnable` / `*_editable` getters answer 403 when the object is visible but the actor may
not run the project (or edit the volunteer), and 404 when it is not visible at all.
"""

from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.volunteers.models import Volunteer
from wenming.volunteers.selectors import volunteer_visibility_q

from .certificate_services import certificate_list_for_actor
from .models import (
    Attendance,
    Enrollment,
    EnrollmentStatus,
    HoursKind,
    PointsEntry,
    ServiceRecord,
    Shift,
    StarAward,
    VolunteerStats,
)
from .permissions import may_run_project
from .selectors import enrollment_get_for_actor, enrollment_list_for_actor, shift_get_for_actor


def _with_verified(qs: QuerySet) -> QuerySet:
    # One AUTO ledger row per attendance (a unique constraint): its presence means verified.
    auto = ServiceRecord.objects.filter(attendance=OuterRef("pk"), kind=HoursKind.AUTO)
    return qs.annotate(verified=Exists(auto))


def attendance_list_for_actor(*, actor, shift: Shift | None = None) -> QuerySet:
    qs = Attendance.objects.filter(enrollment__in=enrollment_list_for_actor(actor=actor).values("pk"))
    if shift is not None:
        qs = qs.filter(enrollment__shift=shift)
    return _with_verified(qs.select_related("enrollment__shift__project__node", "enrollment__volunteer")
                          ).order_by("check_in_at", "id")


def attendance_get_for_actor(*, actor, attendance_id: int) -> Attendance:
    attendance = attendance_list_for_actor(actor=actor).filter(pk=attendance_id).first()
    if attendance is None:
        raise CoreError.NOT_FOUND.error()
    return attendance


def attendance_for_enrollment(enrollment: Enrollment) -> Attendance | None:
    return _with_verified(Attendance.objects.filter(enrollment=enrollment)).select_related(
        "enrollment__shift", "enrollment__volunteer").first()


def _require_run(actor, project) -> None:
    if not may_run_project(actor, project):
        raise CoreError.FORBIDDEN.error()


def shift_get_runnable(*, actor, shift_id: int) -> Shift:
    """A shift the actor may run (roster, venue code): 404 if unseen, 403 if only seen."""
    shift = shift_get_for_actor(actor=actor, shift_id=shift_id)
    _require_run(actor, shift.project)
    return shift


def enrollment_get_runnable(*, actor, enrollment_id: int) -> Enrollment:
    enrollment = enrollment_get_for_actor(actor=actor, enrollment_id=enrollment_id)
    _require_run(actor, enrollment.shift.project)
    return enrollment


def attendance_get_runnable(*, actor, attendance_id: int) -> Attendance:
    attendance = attendance_get_for_actor(actor=actor, attendance_id=attendance_id)
    _require_run(actor, attendance.enrollment.shift.project)
    return attendance


def service_record_list(*, volunteer: Volunteer) -> QuerySet:
    """The ledger of a volunteer the caller already obtained through a `*_for_actor` getter."""
    return (ServiceRecord.objects.filter(volunteer=volunteer).select_related("project", "node")
            .order_by("-service_date", "-id"))


def service_record_get_editable(*, actor, record_id: int) -> ServiceRecord:
    """A ledger row to correct: 404 unless its volunteer is visible, 403 unless editable."""
    record = (ServiceRecord.objects.filter(volunteer__in=Volunteer.objects.filter(volunteer_visibility_q(actor)))
              .select_related("volunteer__home_node", "project", "node").filter(pk=record_id).first())
    if record is None:
        raise CoreError.NOT_FOUND.error()
    if not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, record.volunteer.home_node.path):
        raise CoreError.FORBIDDEN.error()
    return record


def points_list(*, volunteer: Volunteer) -> QuerySet:
    return PointsEntry.objects.filter(volunteer=volunteer).order_by("-id")


def star_awards(*, volunteer: Volunteer) -> list[StarAward]:
    return list(StarAward.objects.filter(volunteer=volunteer).order_by("level"))


def volunteer_stats(*, volunteer: Volunteer) -> dict:
    """Maintained totals (zeros before the first ledger row), the stars reached and the next
    threshold."""
    stats = VolunteerStats.objects.filter(pk=volunteer.pk).first() or VolunteerStats(volunteer=volunteer)
    thresholds = settings.STAR_THRESHOLDS

    def cents(value) -> Decimal:  # an unsaved row holds int 0; answer like a stored one
        return Decimal(value).quantize(Decimal("0.01"))

    return {
        "volunteer_id": volunteer.pk, "auto_hours": cents(stats.auto_hours),
        "makeup_hours": cents(stats.makeup_hours), "total_hours": cents(stats.total_hours), "points": stats.points, "star_level": stats.star_level,
        "next_star_hours": thresholds[stats.star_level] if stats.star_level < len(thresholds) else None,
        "stars": star_awards(volunteer=volunteer),
    }


def _runnable_q(actor, prefix: str) -> Q:
    """may_run_project as a filter on `<prefix>node__path` / `<prefix>claimed_by_id`."""
    scope = scope_for(actor)
    q = scope.q(Perm.PROJECT_EDIT, f"{prefix}node__path")
    led = scope.led_team_ids()
    if led:
        q |= Q(**{f"{prefix}claimed_by_id__in": led})
    return q


def attendance_runnable_list(*, actor) -> QuerySet:
    """Attendances of the projects the actor runs (the hour-verification page), whatever
    their verification state."""
    return (Attendance.objects.filter(_runnable_q(actor, "enrollment__shift__project__"))
            .select_related("enrollment__shift__project__node", "enrollment__volunteer"))


def attendance_unverified_for_actor(*, actor) -> QuerySet:
    """Checked out, enrollment confirmed, no attendance-hours entry yet: waiting for a leader."""
    verified = ServiceRecord.objects.filter(attendance=OuterRef("pk"), kind=HoursKind.AUTO)
    return (attendance_runnable_list(actor=actor)
            .filter(check_out_at__isnull=False, enrollment__status=EnrollmentStatus.CONFIRMED)
            .exclude(Exists(verified))
            .order_by("enrollment__shift__starts_at", "id"))


def service_record_list_for_actor(*, actor, volunteer=None) -> QuerySet:
    """Ledger entries of volunteers homed in the actor's subtrees (volunteer.view)."""
    qs = ServiceRecord.objects.filter(scope_for(actor).q(Perm.VOLUNTEER_VIEW, "volunteer__home_node__path"))
    if volunteer is not None:
        qs = qs.filter(volunteer=volunteer)
    return qs.select_related("volunteer__home_node", "project", "node", "corrects").order_by("-service_date", "-id")


def service_record_get_for_actor(*, actor, record_id: int) -> ServiceRecord:
    record = service_record_list_for_actor(actor=actor).filter(pk=record_id).first()
    if record is None:
        raise CoreError.NOT_FOUND.error()
    return record


def record_net_hours(record: ServiceRecord) -> Decimal:
    """An entry plus the corrections pointing at it (what a certificate would count)."""
    corrections = record.corrections.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    return record.hours + corrections


def stats_row(volunteer) -> VolunteerStats | None:
    return VolunteerStats.objects.filter(volunteer=volunteer).first() if volunteer else None


def own_certificates(*, actor, volunteer) -> QuerySet:
    """The volunteer's own certificates only, even when the actor is also staff."""
    return certificate_list_for_actor(actor=actor, volunteer_id=volunteer.pk).filter(volunteer=volunteer)
