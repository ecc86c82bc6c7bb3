"""Writes for projects and shifts: draft → published → claimed → recruiting → ongoing →
finished, or cancelled (every live enrollment cancelled with it)."""

from django.db import transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.notify import notify
from wenming.volunteers.models import Volunteer

from .errors import ServiceError as E
from .figures import project_state_changed
from .models import LIVE_STATUSES, Enrollment, EnrollmentStatus, Project, ProjectStatus, Shift
from .permissions import may_run_project

# status → the statuses it may move to
TRANSITIONS = {
    ProjectStatus.DRAFT: {ProjectStatus.PUBLISHED, ProjectStatus.CANCELLED},
    ProjectStatus.PUBLISHED: {ProjectStatus.CLAIMED, ProjectStatus.RECRUITING, ProjectStatus.CANCELLED},
    ProjectStatus.CLAIMED: {ProjectStatus.RECRUITING, ProjectStatus.CANCELLED},
    ProjectStatus.RECRUITING: {ProjectStatus.ONGOING, ProjectStatus.FINISHED, ProjectStatus.CANCELLED},
    ProjectStatus.ONGOING: {ProjectStatus.FINISHED, ProjectStatus.CANCELLED},
    ProjectStatus.FINISHED: set(),
    ProjectStatus.CANCELLED: set(),
}
PROJECT_FIELDS = ["title", "category_id", "description", "risk_disclosure", "requires_insurance", "min_age",
                  "address", "lat", "lon", "geofence_radius_m", "cancel_before_minutes", "allow_waitlist"]


def _check_edit(actor, node) -> None:
    if not scope_for(actor).allows(Perm.PROJECT_EDIT, node.path):
        raise CoreError.NOT_FOUND.error()


def project_create(*, actor, node, title: str, category, skills=(), **fields) -> Project:
    _check_edit(actor, node)
    with transaction.atomic():
        project = Project.objects.create(node=node, title=title.strip(), category=category, created_by=actor,
                                         **fields)
        project.required_skills.set(skills)
        project_state_changed(project, None, project.status)
        audit_record(actor=actor, action="project.create", obj=project, node_path=node.path,
                     changes={"title": project.title})
    return project


def project_update(*, actor, project: Project, skills=None, **changes) -> Project:
    _check_edit(actor, project.node)
    if project.status in (ProjectStatus.FINISHED, ProjectStatus.CANCELLED):
        raise E.BAD_STATUS.error(status=project.get_status_display(), action="修改")
    before = {f: getattr(project, f) for f in PROJECT_FIELDS}
    for key, value in changes.items():
        setattr(project, key, value)
    diff = {f: [str(before[f]), str(getattr(project, f))] for f in PROJECT_FIELDS if before[f] != getattr(project, f)}
    with transaction.atomic():
        project.save()
        if skills is not None:
            project.required_skills.set(skills)
        audit_record(actor=actor, action="project.update", obj=project, node_path=project.node.path, changes=diff)
    return project


def shift_add(*, actor, project: Project, title: str, starts_at, ends_at, capacity: int) -> Shift:
    _check_edit(actor, project.node)
    if project.status in (ProjectStatus.FINISHED, ProjectStatus.CANCELLED):
        raise E.BAD_STATUS.error(status=project.get_status_display(), action="添加班次")
    if starts_at <= timezone.now():
        raise E.SHIFT_IN_PAST.error("starts_at")
    if ends_at <= starts_at:
        raise E.SHIFT_TIMES.error("ends_at")
    if capacity < 1:
        raise E.CAPACITY.error("capacity", taken=0)
    with transaction.atomic():
        shift = Shift.objects.create(project=project, title=title.strip(), starts_at=starts_at, ends_at=ends_at,
                                     capacity=capacity)
        audit_record(actor=actor, action="shift.create", obj=shift, node_path=project.node.path,
                     changes={"capacity": capacity})
    return shift


def shift_set_capacity(*, actor, shift: Shift, capacity: int) -> Shift:
    """Raise or lower a capacity; never below the confirmed count (the CHECK would refuse too)."""
    _check_edit(actor, shift.project.node)
    from .enrollment_services import fill_from_waitlist

    with transaction.atomic():
        changed = Shift.objects.filter(pk=shift.pk, taken__lte=capacity).update(capacity=capacity)
        shift.refresh_from_db()
        if not changed or capacity < 1:
            raise E.CAPACITY.error("capacity", taken=shift.taken)
        # new places go to the waitlist in this same transaction, before any newcomer
        promoted = fill_from_waitlist(shift)
        audit_record(actor=actor, action="shift.capacity", obj=shift, node_path=shift.project.node.path,
                     changes={"capacity": capacity, "promoted": promoted})
    shift.refresh_from_db()
    return shift


def _move(*, actor, project: Project, to: str, action: str, **fields) -> Project:
    """A conditional UPDATE from the status we checked, so two concurrent moves cannot both win."""
    if to not in TRANSITIONS[project.status]:
        raise E.BAD_STATUS.error(status=project.get_status_display(), action=action)
    frm = project.status
    updated = Project.objects.filter(pk=project.pk, status=frm).update(status=to, updated_at=timezone.now(),
                                                                       **fields)
    if not updated:
        project.refresh_from_db()
        raise E.BAD_STATUS.error(status=project.get_status_display(), action=action)
    project.refresh_from_db()
    project_state_changed(project, frm, to)
    audit_record(actor=actor, action=f"project.{to}", obj=project, node_path=project.node.path,
                 changes={"status": [frm, to]})
    return project


def project_publish(*, actor, project: Project) -> Project:
    _check_edit(actor, project.node)
    if not project.shifts.exists():
        raise E.NO_SHIFTS.error()
    with transaction.atomic():
        return _move(actor=actor, project=project, to=ProjectStatus.PUBLISHED, action="发布",
                     published_at=timezone.now())


def project_claim(*, actor, project: Project, team) -> Project:
    """A team claims (认领) a published project: its leader, or staff over the team's node."""
    scope = scope_for(actor)
    if team.pk not in scope.led_team_ids() and not scope.allows(Perm.TEAM_EDIT, team.node.path):
        raise E.CLAIM_SCOPE.error()
    # A team serves its own area: projects at its node, above it or below it.
    team_path, project_path = team.node.path, project.node.path
    if not (project_path.startswith(team_path) or team_path.startswith(project_path)):
        raise E.CLAIM_AREA.error()
    with transaction.atomic():
        return _move(actor=actor, project=project, to=ProjectStatus.CLAIMED, action="认领",
                     claimed_by=team, claimed_at=timezone.now())


def project_open_recruiting(*, actor, project: Project) -> Project:
    if not may_run_project(actor, project):
        raise CoreError.NOT_FOUND.error()
    with transaction.atomic():
        return _move(actor=actor, project=project, to=ProjectStatus.RECRUITING, action="开始招募")


def project_start(*, actor, project: Project) -> Project:
    _check_edit(actor, project.node)
    with transaction.atomic():
        return _move(actor=actor, project=project, to=ProjectStatus.ONGOING, action="开始")


def project_finish(*, actor, project: Project) -> Project:
    _check_edit(actor, project.node)
    with transaction.atomic():
        return _move(actor=actor, project=project, to=ProjectStatus.FINISHED, action="结束")


def project_cancel(*, actor, project: Project, reason: str) -> Project:
    """Cancel the project and every live enrollment, and tell everyone who was enrolled."""
    _check_edit(actor, project.node)
    now = timezone.now()
    with transaction.atomic():
        project = _move(actor=actor, project=project, to=ProjectStatus.CANCELLED, action="取消",
                        cancelled_at=now, cancel_reason=reason[:200])
        # Shifts first: this waits for sign-ups holding a shift row, so the enrollment UPDATE
        # below sees them; sign-ups after it re-read the project and are refused.
        Shift.objects.filter(project=project).update(taken=0)
        live = Enrollment.objects.filter(shift__project=project, status__in=LIVE_STATUSES)
        volunteers = list(Volunteer.objects.filter(enrollments__in=live).distinct())
        cancelled = live.update(status=EnrollmentStatus.CANCELLED, cancelled_at=now, cancel_reason="项目已取消")
        notify(users_or_volunteers=volunteers, subject=f"项目已取消：{project.title}",
               body=f"您报名的“{project.title}”已取消。原因：{reason[:100] or '未说明'}")
        audit_record(actor=actor, action="project.cancel_enrollments", obj=project, node_path=project.node.path,
                     changes={"enrollments": cancelled})
    return project
