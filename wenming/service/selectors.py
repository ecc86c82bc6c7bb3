"""Reads for projects, shifts and enrollments.

Staff see the projects of their subtrees in every state; leaders see what their teams
claimed; everyone (the public portal included) sees projects once published. Drafts and
out-of-scope objects answer as not found.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.orgs.selectors import node_path_for_actor

from .models import Enrollment, Project, ProjectCategory, ProjectStatus, Shift
from .venue import bounding_box, distance_m

PUBLIC_STATUSES = (ProjectStatus.PUBLISHED, ProjectStatus.CLAIMED, ProjectStatus.RECRUITING,
                   ProjectStatus.ONGOING, ProjectStatus.FINISHED)


def _staff_q(actor) -> Q:
    scope = scope_for(actor)
    q = scope.q(Perm.PROJECT_VIEW, "node__path")
    led = scope.led_team_ids()
    if led:
        q |= Q(claimed_by_id__in=led)
    return q


def project_list_for_actor(*, actor, status: str = "", category: str = "", node_id: int | None = None,
                           search: str = "", mine_only: bool = False) -> QuerySet:
    q = _staff_q(actor)
    if not mine_only:
        q |= Q(status__in=PUBLIC_STATUSES)
    qs = Project.objects.filter(q).select_related("category", "node", "claimed_by")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__code=category)
    if node_id:
        base = node_path_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=base) if base else qs.none()
    if search:
        qs = qs.filter(title__contains=search.strip())
    return qs.order_by("-id")


def project_get_for_actor(*, actor, project_id: int) -> Project:
    project = project_list_for_actor(actor=actor).filter(pk=project_id).first()
    if project is None:
        raise CoreError.NOT_FOUND.error()
    return project


def project_public_list(*, category: str = "") -> QuerySet:
    """Recruiting projects for the public portal and the volunteer pages."""
    qs = Project.objects.filter(status=ProjectStatus.RECRUITING).select_related("category", "node")
    if category:
        qs = qs.filter(category__code=category)
    return qs.order_by("-published_at", "-id")


NEARBY_KM = 50  # "nearby": within a county's reach
NEARBY_LIMIT = 100


def project_nearby_list(*, lat: float, lon: float, category: str = "") -> list[Project]:
    """Recruiting projects within NEARBY_KM, nearest first, each with `distance_km`. The
    bounding box uses the (lat, lon) index; the exact distance sorts what it lets through."""
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(lat, lon, NEARBY_KM)
    boxed = project_public_list(category=category).filter(lat__gte=lat_lo, lat__lte=lat_hi, lon__gte=lon_lo,
                                                         lon__lte=lon_hi)
    found = []
    for project in boxed:
        project.distance_km = distance_m(lat, lon, project.lat, project.lon) / 1000
        if project.distance_km <= NEARBY_KM:
            found.append(project)
    found.sort(key=lambda p: p.distance_km)
    return found[:NEARBY_LIMIT]


def _with_requirement_flags(qs: QuerySet) -> QuerySet:
    """Whether the shift's project requires skills or courses, in the same query, so a
    sign-up for a project without requirements skips those checks' queries."""
    from wenming.mobilization.models import ProjectCourse

    return qs.annotate(
        needs_skills=Exists(Project.required_skills.through.objects.filter(project_id=OuterRef("project_id"))),
        needs_courses=Exists(ProjectCourse.objects.filter(project_id=OuterRef("project_id"))))


def shift_get_for_actor(*, actor, shift_id: int) -> Shift:
    """Shifts of published projects are visible to everyone, so those need no scope lookup
    (this is the sign-up hot path); anything else goes through the actor's scope."""
    shift = _with_requirement_flags(Shift.objects.select_related("project__node")).filter(pk=shift_id).first()
    if shift is not None and shift.project.status in PUBLIC_STATUSES:
        return shift
    if shift is None or not project_list_for_actor(actor=actor).filter(pk=shift.project_id).exists():
        raise CoreError.NOT_FOUND.error()
    return shift


def enrollment_list_for_actor(*, actor, shift: Shift | None = None) -> QuerySet:
    """Rosters for staff over the project's node and leaders of the claiming team; a
    volunteer sees their own enrollments."""
    scope = scope_for(actor)
    q = Q(shift__project__in=Project.objects.filter(_staff_q(actor)))
    if scope.user_id is not None:
        q |= Q(volunteer__user_id=scope.user_id)
    qs = Enrollment.objects.filter(q).select_related("shift__project", "volunteer")
    if shift is not None:
        qs = qs.filter(shift=shift)
    return qs.order_by("shift_id", "created_at", "id")


def enrollment_get_for_actor(*, actor, enrollment_id: int) -> Enrollment:
    enrollment = enrollment_list_for_actor(actor=actor).select_related("shift__project__node",
                                                                       "volunteer__home_node").filter(
        pk=enrollment_id).first()
    if enrollment is None:
        raise CoreError.NOT_FOUND.error()
    return enrollment


def category_list() -> QuerySet:
    return ProjectCategory.objects.filter(active=True)


def reward_list_for_actor(*, actor) -> QuerySet:
    """Staff: items of their subtrees. Volunteers: the shops of their home node and above."""
    from wenming.orgs.tree import ancestor_paths
    from wenming.volunteers.selectors import volunteer_for_user

    from .models import RewardItem

    q = scope_for(actor).q(Perm.PROJECT_VIEW, "node__path")
    volunteer = volunteer_for_user(actor)
    if volunteer is not None:
        q |= Q(node__path__in=ancestor_paths(volunteer.home_node.path), active=True)
    return RewardItem.objects.filter(q).select_related("node").order_by("node__path", "name")


def reward_get_for_actor(*, actor, reward_id: int):
    item = reward_list_for_actor(actor=actor).filter(pk=reward_id).first()
    if item is None:
        raise CoreError.NOT_FOUND.error()
    return item
