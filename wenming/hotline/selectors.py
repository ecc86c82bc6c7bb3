"""Reads for the hotline. Call logs and follow-ups come only through call_visibility_q
(access.py): the counselor who took the call and their supervisor, nobody by node scope.
Out of visibility and missing answer the same 404."""

from django.db.models import Count, Q, QuerySet

from wenming.accounts.models import User
from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import NOTHING, scope_for
from wenming.core.errors import CoreError
from wenming.orgs.models import Node, NodeKind
from wenming.orgs.tree import ancestor_paths

from .access import call_visibility_q, manage_q, stats_hotlines_q, supervised_q, supervisor_basis_q
from .models import CallLog, Counselor, DutyShift, FollowUp, Hotline, Topic

CHOICE_LIMIT = 300


def topic_list(*, include_inactive: bool = False) -> QuerySet:
    qs = Topic.objects.all()
    return qs if include_inactive else qs.filter(active=True)


# ---- hotlines, counselors, schedules (no counselling content) ---------------------------

def hotline_list_for_actor(*, actor) -> QuerySet:
    """Lines the actor may see: by node scope (node.view or hotline.stats), or by serving on
    them as a counselor or supervisor. A line's name, number and hours are public anyway."""
    user_id = scope_for(actor).user_id
    if user_id is None:
        return Hotline.objects.none()
    scope = scope_for(actor)
    q = scope.q(Perm.NODE_VIEW, "node__path") | stats_hotlines_q(actor, "") | supervisor_basis_q(actor, "")
    q |= Q(id__in=Counselor.objects.filter(user_id=user_id, active=True).values("hotline_id"))
    return Hotline.objects.filter(q).select_related("node").order_by("node__path", "name")


def hotline_get_for_actor(*, actor, hotline_id: int) -> Hotline:
    hotline = hotline_list_for_actor(actor=actor).filter(pk=hotline_id).first()
    if hotline is None:
        raise CoreError.NOT_FOUND.error()
    return hotline


def counselor_list(*, hotline: Hotline) -> QuerySet:
    return hotline.counselors.select_related("user", "supervisor").annotate(
        shift_count=Count("duty_shifts")).order_by("-active", "id")


def counselor_get_for_actor(*, actor, counselor_id: int) -> Counselor:
    counselor = Counselor.objects.filter(pk=counselor_id, hotline__in=hotline_list_for_actor(actor=actor)).select_related(
        "user", "supervisor", "hotline__node").first()
    if counselor is None:
        raise CoreError.NOT_FOUND.error()
    return counselor


def counselor_rows_of(*, actor) -> QuerySet:
    """The actor's own active counselor rows (one per hotline they answer)."""
    user_id = scope_for(actor).user_id
    if user_id is None:
        return Counselor.objects.none()
    return Counselor.objects.filter(user_id=user_id, active=True, hotline__active=True).select_related(
        "hotline__node", "supervisor")


def supervised_counselors(*, actor) -> QuerySet:
    """The counselors the actor supervises (while holding the basis for it)."""
    user_id = scope_for(actor).user_id
    if user_id is None:
        return Counselor.objects.none()
    return Counselor.objects.filter(supervisor_basis_q(actor), supervisor_id=user_id).select_related(
        "user", "hotline").order_by("hotline_id", "id")


# ---- setting up (the set-up pages): only what the actor may manage -----------------------

def hotline_list_for_manager(*, actor) -> QuerySet:
    """Lines the actor may set up (access.manage_q), with their active counselors counted."""
    return Hotline.objects.filter(manage_q(actor, "node__path")).select_related("node").annotate(
        counselor_count=Count("counselors", filter=Q(counselors__active=True))).order_by("node__path", "name")


def hotline_get_for_manager(*, actor, hotline_id: int) -> Hotline:
    hotline = hotline_list_for_manager(actor=actor).filter(pk=hotline_id).first()
    if hotline is None:
        raise CoreError.NOT_FOUND.error()
    return hotline


def counselor_get_for_manager(*, actor, counselor_id: int) -> Counselor:
    counselor = Counselor.objects.filter(manage_q(actor, "hotline__node__path"), pk=counselor_id).select_related(
        "user", "supervisor", "hotline__node").first()
    if counselor is None:
        raise CoreError.NOT_FOUND.error()
    return counselor


def manageable_nodes(*, actor) -> QuerySet:
    """Live nodes (no grids) where the actor may open a line."""
    return Node.objects.filter(manage_q(actor, "path"), archived_at__isnull=True).exclude(
        kind=NodeKind.GRID).order_by("path")


def counselor_candidates(*, hotline: Hotline) -> QuerySet:
    """Active users holding the counselor role at the line's node, above it or inside its
    subtree (services.counselor_add checks the same), not yet on the line."""
    path = hotline.node.path
    near = Q(assignments__node__path__in=ancestor_paths(path)) | Q(assignments__node__path__startswith=path)
    return User.objects.filter(near, assignments__role=Role.COUNSELOR, is_active=True).exclude(
        hotline_counselors__hotline=hotline).distinct().order_by("username")


def supervisor_candidates(*, hotline: Hotline) -> QuerySet:
    """Active users who may be named supervisor on the line (access.may_supervise): the
    hotline-supervisor role at its node or above, or an active counselor of it marked as
    supervisor."""
    by_role = Q(assignments__role=Role.HOTLINE_SUPERVISOR,
                assignments__node__path__in=ancestor_paths(hotline.node.path))
    marked = Q(pk__in=Counselor.objects.filter(hotline=hotline, is_supervisor=True, active=True).values("user_id"))
    return User.objects.filter(by_role | marked, is_active=True).distinct().order_by("username")


def schedule_of(*, counselor: Counselor) -> QuerySet:
    return DutyShift.objects.filter(counselor=counselor).order_by("on_date", "weekday", "starts_at")


# ---- call logs and follow-ups (counselling records) --------------------------------------

def call_list_for_actor(*, actor, mine: bool = False, supervised: bool = False, hotline_id: int | None = None,
                        counselor_id: int | None = None, crisis: bool | None = None) -> QuerySet:
    """Calls the actor may read; `mine` narrows to the ones they took, `supervised` to their
    counselors' ones."""
    q = call_visibility_q(actor)
    if mine:
        user_id = scope_for(actor).user_id
        q &= Q(counselor__user_id=user_id) if user_id else NOTHING
    if supervised:
        q &= supervised_q(actor)
    qs = CallLog.objects.filter(q)
    if hotline_id:
        qs = qs.filter(hotline_id=hotline_id)
    if counselor_id:
        qs = qs.filter(counselor_id=counselor_id)
    if crisis is not None:
        qs = qs.filter(is_crisis=crisis)
    open_followups = Count("followups", filter=Q(followups__done_at__isnull=True))
    return qs.select_related("hotline", "topic", "counselor__user").annotate(
        open_followups=open_followups).order_by("-started_at", "-id")


def call_get_for_actor(*, actor, call_id: int) -> CallLog:
    call = CallLog.objects.filter(call_visibility_q(actor), pk=call_id).select_related(
        "hotline__node", "topic", "counselor__user", "counselor__supervisor").first()
    if call is None:
        raise CoreError.NOT_FOUND.error()
    return call


def followup_list_for_actor(*, actor, assigned_to_me: bool = False, supervised: bool = False,
                            open_only: bool = False, call: CallLog | None = None) -> QuerySet:
    q = call_visibility_q(actor, "call__")
    user_id = scope_for(actor).user_id
    if assigned_to_me:
        q &= Q(assigned_to__user_id=user_id, assigned_to__active=True) if user_id else NOTHING
    if supervised:
        q &= supervised_q(actor, "call__")
    qs = FollowUp.objects.filter(q)
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    if call is not None:
        qs = qs.filter(call=call)
    return qs.select_related("call__hotline", "call__topic", "assigned_to__user").order_by(
        "done_at", "due_on", "id")


def followup_get_for_actor(*, actor, followup_id: int) -> FollowUp:
    followup = FollowUp.objects.filter(call_visibility_q(actor, "call__"), pk=followup_id).select_related(
        "call__hotline__node", "call__counselor__user", "assigned_to__user").first()
    if followup is None:
        raise CoreError.NOT_FOUND.error()
    return followup
