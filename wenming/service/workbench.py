"""The volunteer service's to-do panel on the home page (工作台).

Whoever runs projects (project.edit over the node, or the leader of the claiming team): the
attendances waiting for their hours to be verified (attendance_unverified_for_actor, the
list of 时长审核), the published projects their teams may claim (claim_board_for_actor,
认领项目) and their draft projects not yet published (项目管理, filtered to 草稿). A
volunteer: the shifts they signed up for that are still ahead (我的服务)."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import scope_for
from wenming.core.workbench import Panel, Todo, register_panel

from .models import EnrollmentStatus, ProjectStatus
from .record_selectors import attendance_unverified_for_actor
from .selectors import enrollment_list_for_actor, project_list_for_actor
from .staff_selectors import claim_board_for_actor


def runner_todos(user, *, edits: bool) -> list[Todo]:
    todos = [Todo("待核定的服务时长", attendance_unverified_for_actor(actor=user).order_by().count(),
                  reverse("service_records:hours"))]
    claimable = claim_board_for_actor(actor=user).filter(status=ProjectStatus.PUBLISHED).order_by().count()
    todos.append(Todo("已发布、待队伍认领的项目", claimable, reverse("service_staff:claims")))
    if edits:
        drafts = project_list_for_actor(actor=user, mine_only=True, status=ProjectStatus.DRAFT).order_by().count()
        todos.append(Todo("草稿（尚未发布）的项目", drafts,
                          reverse("service_staff:projects") + f"?status={ProjectStatus.DRAFT}"))
    return todos


def upcoming_enrollments(user):
    """The volunteer's sign-ups still ahead (the 即将参加 part of 我的服务): confirmed for a
    shift not over yet, or waitlisted for one not started yet, in a project not cancelled."""
    now = timezone.now()
    ahead = (Q(status=EnrollmentStatus.CONFIRMED, shift__ends_at__gt=now)
             | Q(status=EnrollmentStatus.WAITLISTED, shift__starts_at__gt=now))
    return (enrollment_list_for_actor(actor=user).filter(ahead, volunteer__user=user)
            .exclude(shift__project__status=ProjectStatus.CANCELLED))


@register_panel
def service_panel(user) -> Panel | None:
    scope = scope_for(user)
    edits, leads = scope.has(Perm.PROJECT_EDIT), bool(scope.led_team_ids())
    volunteer = Role.VOLUNTEER in scope.roles()
    if not (edits or leads or volunteer):
        return None
    todos = runner_todos(user, edits=edits) if (edits or leads) else []
    if volunteer:
        todos.append(Todo("已报名、待参加的班次", upcoming_enrollments(user).order_by().count(),
                          reverse("service_pages:my_shifts")))
    if edits or leads:
        return Panel("志愿服务", todos, reverse("service_staff:projects"), "进入项目管理", order=20)
    return Panel("志愿服务", todos, reverse("service_pages:my_shifts"), "查看我的服务", order=20)
