"""Sign-up, cancellation with waitlist promotion, and no-show marking.

Never overbooks, whatever the concurrency: a slot is claimed only by
`UPDATE shift SET taken = taken + 1 WHERE id = … AND taken < capacity` inside the same
transaction that inserts the enrollment; when it claims nothing the enrollment is
waitlisted. The partial unique constraint refuses a second live enrollment of one volunteer.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, When
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.dates import age_on
from wenming.core.errors import CoreError
from wenming.core.notify import notify
from wenming.mobilization.selectors import require_courses
from wenming.volunteers.models import Volunteer

from .errors import ServiceError as E
from .models import (
    LIVE_STATUSES,
    Attendance,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    ProjectStatus,
    Shift,
)
from .permissions import may_run_project


def _check_requirements(*, shift: Shift, volunteer) -> None:
    project = shift.project
    if project.status != ProjectStatus.RECRUITING:
        raise E.NOT_RECRUITING.error()
    if shift.starts_at <= timezone.now():
        raise E.SHIFT_STARTED.error()
    if volunteer.status != "active":
        raise E.VOLUNTEER_INACTIVE.error()
    if age_on(volunteer.birth_date, timezone.localtime(shift.starts_at).date()) < project.min_age:
        raise E.TOO_YOUNG.error(age=project.min_age)
    # Shifts from the selectors carry needs_skills / needs_courses; others are checked fully.
    if getattr(shift, "needs_skills", True):
        held = Volunteer.skills.through.objects.filter(volunteer_id=volunteer.pk).values("skill_id")
        missing = sorted(project.required_skills.exclude(pk__in=held).values_list("name", flat=True))
        if missing:
            raise E.SKILLS_MISSING.error(skills="、".join(missing))
    if getattr(shift, "needs_courses", True):
        require_courses(project=project, volunteer=volunteer)
    if project.requires_insurance and (
        volunteer.insurance_valid_until is None
        or volunteer.insurance_valid_until < timezone.localtime(shift.ends_at).date()
    ):
        raise E.INSURANCE_REQUIRED.error()


def _check_clash(*, shift: Shift, volunteer) -> None:
    """One query: a live enrollment overlapping this shift is either this shift (already
    enrolled) or another one (time clash)."""
    clash = (Enrollment.objects.filter(volunteer=volunteer, status__in=LIVE_STATUSES,
                                       shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at)
             .order_by(Case(When(shift_id=shift.pk, then=0), default=1))
             .values_list("shift_id", "shift__project__title", "shift__title").first())
    if clash is None:
        return
    if clash[0] == shift.pk:
        raise E.ALREADY_ENROLLED.error()
    raise E.TIME_CLASH.error(other=f"{clash[1]} · {clash[2]}")


def _may_act_for(actor, volunteer) -> bool:
    if volunteer.user_id is not None and volunteer.user_id == getattr(actor, "pk", None):
        return True
    return scope_for(actor).allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path)


def enrollment_create(*, actor, shift: Shift, volunteer, source: str = EnrollmentSource.SELF) -> Enrollment:
    """Sign a volunteer up: confirmed while there is a free slot, else waitlisted (or refused
    when the project has no waitlist). The volunteer themself, or staff over their node.

    `shift` must come with its project and node loaded (the selectors do that); its status
    and times are checked again where it matters, inside the transaction."""
    if not _may_act_for(actor, volunteer):
        raise CoreError.NOT_FOUND.error()
    _check_requirements(shift=shift, volunteer=volunteer)
    try:
        with transaction.atomic():
            # One sign-up per volunteer at a time (PostgreSQL row lock; SQLite writers are
            # serialized already), so two simultaneous sign-ups for overlapping shifts cannot
            # both pass the clash check.
            Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk").first()
            _check_clash(shift=shift, volunteer=volunteer)
            # The hot shift row is locked by the claim below until COMMIT, so only the
            # statements that must see it come after it.
            claimed = Shift.objects.filter(pk=shift.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1)
            # Re-read project status and start time now that the shift row is held: a
            # cancellation or a change that committed since the checks above must win (the
            # caller's objects may be stale; raising rolls the claim back).
            status, starts_at = Shift.objects.filter(pk=shift.pk).values_list("project__status", "starts_at").get()
            if status != ProjectStatus.RECRUITING:
                raise E.NOT_RECRUITING.error()
            if starts_at <= timezone.now():
                raise E.SHIFT_STARTED.error()
            if not claimed and not shift.project.allow_waitlist:
                raise E.FULL.error()
            now = timezone.now()
            enrollment = Enrollment.objects.create(
                shift=shift, volunteer=volunteer, source=source,
                status=EnrollmentStatus.CONFIRMED if claimed else EnrollmentStatus.WAITLISTED,
                confirmed_at=now if claimed else None,
            )
            audit_record(actor=actor, action="enrollment.create", obj=enrollment,
                         node_path=shift.project.node.path, changes={"status": enrollment.status})
    except IntegrityError:
        # A duplicate tap that raced past the check: the unique constraint refused it, and the
        # rollback returned the slot it had claimed.
        raise E.ALREADY_ENROLLED.error() from None
    return enrollment


def _promote_head(shift: Shift):
    """Confirm the oldest waitlisted enrollment (conditional UPDATE, so two transactions
    never promote the same one); None when nobody is waiting or the shift has started."""
    if shift.starts_at <= timezone.now():
        return None
    for candidate in (Enrollment.objects.filter(shift=shift, status=EnrollmentStatus.WAITLISTED)
                      .select_related("volunteer").order_by("created_at", "id")[:20]):
        if Enrollment.objects.filter(pk=candidate.pk, status=EnrollmentStatus.WAITLISTED).update(
                status=EnrollmentStatus.CONFIRMED, confirmed_at=timezone.now()):
            audit_record(actor=None, action="enrollment.promote", obj=candidate, node_path=shift.project.node.path)
            notify(users_or_volunteers=[candidate.volunteer], subject=f"候补成功：{shift.project.title}",
                   body=f"您候补的“{shift.project.title} · {shift.title}”"
                        f"（{timezone.localtime(shift.starts_at):%m月%d日 %H:%M}）已转为正式报名，请按时到岗。",
                   link=f"/projects/{shift.project_id}/")
            return candidate
    return None


def fill_from_waitlist(shift: Shift) -> int:
    """Inside the caller's transaction: claim free slots and hand each to the head of the
    waitlist; a claimed slot nobody can take is given back. Returns how many were promoted."""
    promoted = 0
    while Shift.objects.filter(pk=shift.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1):
        if _promote_head(shift) is None:
            Shift.objects.filter(pk=shift.pk).update(taken=F("taken") - 1)
            break
        promoted += 1
    return promoted


def promote_waitlist(*, shift: Shift) -> int:
    with transaction.atomic():
        return fill_from_waitlist(shift)


def enrollment_cancel(*, actor, enrollment: Enrollment, reason: str = "") -> Enrollment:
    """Cancel a live enrollment; a freed slot goes to the head of the waitlist. Volunteers
    cannot cancel themselves within the project's deadline; staff and leaders can."""
    shift = enrollment.shift
    project = shift.project
    is_staff = may_run_project(actor, project)
    if not is_staff and not _may_act_for(actor, enrollment.volunteer):
        raise CoreError.NOT_FOUND.error()
    if timezone.now() >= shift.starts_at:
        raise E.SHIFT_STARTED_CANCEL.error()
    if not is_staff and timezone.now() > shift.starts_at - timedelta(minutes=project.cancel_before_minutes):
        raise E.CANCEL_TOO_LATE.error(minutes=project.cancel_before_minutes)
    with transaction.atomic():
        was = Enrollment.objects.filter(pk=enrollment.pk, status__in=LIVE_STATUSES).values_list(
            "status", flat=True).first()
        if was is None or not Enrollment.objects.filter(pk=enrollment.pk, status=was).update(
                status=EnrollmentStatus.CANCELLED, cancelled_at=timezone.now(), cancel_reason=reason[:200]):
            raise E.NOT_CANCELLABLE.error()
        # The freed slot goes straight to the head of the waitlist in this same transaction,
        # so a newcomer can never take it in between; only with nobody waiting is it released.
        if was == EnrollmentStatus.CONFIRMED and _promote_head(shift) is None:
            Shift.objects.filter(pk=shift.pk).update(taken=F("taken") - 1)
        audit_record(actor=actor, action="enrollment.cancel", obj=enrollment, node_path=project.node.path,
                     changes={"was": was})
        if enrollment.volunteer.user_id is None or enrollment.volunteer.user_id != getattr(actor, "pk", None):
            # cancelled by a leader or staff: the volunteer must hear of it
            notify(users_or_volunteers=[enrollment.volunteer], subject=f"报名已取消：{project.title}",
                   body=f"您在“{project.title} · {shift.title}”的报名已由组织方取消。"
                        + (f"说明：{reason[:100]}" if reason.strip() else ""),
                   link=f"/projects/{project.pk}/")
    enrollment.refresh_from_db()
    return enrollment


def enrollment_mark_no_show(*, actor, enrollment: Enrollment) -> Enrollment:
    """After the shift has started, a leader or staff marks a confirmed volunteer absent.
    The slot stays taken: the shift is under way and nobody can be promoted into it."""
    project = enrollment.shift.project
    if not may_run_project(actor, project):
        raise CoreError.NOT_FOUND.error()
    if timezone.now() < enrollment.shift.starts_at:
        raise E.NO_SHOW_TOO_EARLY.error()
    if Attendance.objects.filter(enrollment=enrollment).exists():
        raise E.ATTENDED.error()
    with transaction.atomic():
        if not Enrollment.objects.filter(pk=enrollment.pk, status=EnrollmentStatus.CONFIRMED).update(
                status=EnrollmentStatus.NO_SHOW):
            raise E.NOT_CANCELLABLE.error()
        audit_record(actor=actor, action="enrollment.no_show", obj=enrollment, node_path=project.node.path)
    enrollment.refresh_from_db()
    return enrollment
