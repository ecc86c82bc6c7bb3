"""Who may see and do what on the hotline: the one place these rules live.

Counselling records are visible by *assignment*, never by node scope: a call log and its
follow-ups are seen by the counselor who took the call (while still active on that hotline)
and by that counselor's supervisor (while the supervisor still holds the basis for it: the
hotline-supervisor role over the hotline's node, or being an active counselor of the hotline
marked as supervisor). Office staff, node managers, platform admins and superusers get
nothing here from their scope; `Scope.is_global` is deliberately never consulted.

Setting a hotline up (lines, counselors, schedules) is administration, not reading records:
it needs node.edit over the hotline's node, or the hotline-supervisor role over it.
"""

from django.db.models import Q

from wenming.accounts.models import RoleAssignment
from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import NOTHING, scope_for

from .models import Counselor, Hotline


def _actor_id(actor) -> int | None:
    """The actor's id when it is a logged-in, active account (scope_for drops the others)."""
    return scope_for(actor).user_id


def supervisor_paths(actor) -> list[str]:
    """Node paths where the actor holds the hotline-supervisor role."""
    return sorted({g.path for g in scope_for(actor).grants if g.role == Role.HOTLINE_SUPERVISOR})


def _supervising_counselor_hotlines(user_id: int):
    return Counselor.objects.filter(user_id=user_id, is_supervisor=True, active=True).values("hotline_id")


def _f(hotline_field: str, rest: str) -> str:
    """A lookup on the hotline through `hotline_field` ("" when querying Hotline itself)."""
    return f"{hotline_field}__{rest}" if hotline_field else rest


def _id(hotline_field: str) -> str:
    return f"{hotline_field}_id" if hotline_field else "id"


def supervisor_basis_q(actor, hotline_field: str = "hotline") -> Q:
    """Hotlines (through `hotline_field`) on which the actor may act as a supervisor."""
    user_id = _actor_id(actor)
    if user_id is None:
        return NOTHING
    q = Q(**{f"{_id(hotline_field)}__in": _supervising_counselor_hotlines(user_id)})
    for path in supervisor_paths(actor):
        q |= Q(**{_f(hotline_field, "node__path__startswith"): path})
    return q


def call_visibility_q(actor, prefix: str = "") -> Q:
    """Calls (or, with prefix "call__", follow-ups) the actor may read."""
    user_id = _actor_id(actor)
    if user_id is None:
        return NOTHING
    own = Q(**{f"{prefix}counselor__user_id": user_id, f"{prefix}counselor__active": True})
    supervised = Q(**{f"{prefix}counselor__supervisor_id": user_id}) & supervisor_basis_q(
        actor, f"{prefix}hotline")
    return own | supervised


def supervised_q(actor, prefix: str = "") -> Q:
    """Only the calls the actor sees as a supervisor (not their own)."""
    user_id = _actor_id(actor)
    if user_id is None:
        return NOTHING
    return Q(**{f"{prefix}counselor__supervisor_id": user_id}) & supervisor_basis_q(actor, f"{prefix}hotline")


def may_manage_hotline(actor, node_path: str) -> bool:
    scope = scope_for(actor)
    return scope.allows(Perm.NODE_EDIT, node_path) or any(node_path.startswith(p) for p in supervisor_paths(actor))


def manage_q(actor, path_field: str) -> Q:
    """Rows (through a node path field) where the actor may set hotlines up — the same rule
    as may_manage_hotline, as a filter: node.edit over the node, or the hotline-supervisor
    role over it."""
    q = scope_for(actor).q(Perm.NODE_EDIT, path_field)
    for path in supervisor_paths(actor):
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def may_manage_any(actor) -> bool:
    """May the actor set up hotlines anywhere (the set-up pages' entry check)?"""
    return _actor_id(actor) is not None and (scope_for(actor).has(Perm.NODE_EDIT) or bool(supervisor_paths(actor)))


def may_supervise(user, hotline: Hotline) -> bool:
    """May `user` be named supervisor of a counselor on `hotline`?"""
    path = hotline.node.path
    by_role = any(path.startswith(p) for p in RoleAssignment.objects.filter(
        user=user, role=Role.HOTLINE_SUPERVISOR).values_list("node__path", flat=True))
    return by_role or Counselor.objects.filter(user=user, hotline=hotline, is_supervisor=True, active=True).exists()


def holds_supervisor_role(user) -> bool:
    """Holds the hotline-supervisor role anywhere (only a platform admin grants it)."""
    return RoleAssignment.objects.filter(user=user, role=Role.HOTLINE_SUPERVISOR).exists()


def holds_counselor_role(user, hotline: Hotline) -> bool:
    """The counselor role at the hotline's node, above it, or inside its subtree."""
    path = hotline.node.path
    return any(path.startswith(p) or p.startswith(path) for p in RoleAssignment.objects.filter(
        user=user, role=Role.COUNSELOR).values_list("node__path", flat=True))


def stats_hotlines_q(actor, hotline_field: str = "hotline") -> Q:
    """Hotlines whose statistics the actor may read: hotline.stats over their node (office
    staff, supervisors by role, platform admins), or being a counselor of the hotline marked
    as supervisor. Statistics carry no personal data, so here a wide scope does count."""
    user_id = _actor_id(actor)
    if user_id is None:
        return NOTHING
    q = scope_for(actor).q(Perm.HOTLINE_STATS, _f(hotline_field, "node__path"))
    return q | Q(**{f"{_id(hotline_field)}__in": _supervising_counselor_hotlines(user_id)})


def may_view_stats(actor) -> bool:
    user_id = _actor_id(actor)
    if user_id is None:
        return False
    return scope_for(actor).has(Perm.HOTLINE_STATS) or _supervising_counselor_hotlines(user_id).exists()
