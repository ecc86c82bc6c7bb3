"""Reads for volunteers and teams. The only way views, API and exports get these rows."""

from django.db.models import Count, Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import NOTHING, scope_for
from wenming.core.crypto import blind_index
from wenming.core.errors import CoreError
from wenming.orgs.selectors import node_path_for_actor

from .models import PHONE_PURPOSE, Skill, Team, TeamMember, Volunteer


def _team_descendant_ids(team_ids: list[int]) -> set[int]:
    found, frontier = set(team_ids), list(team_ids)
    while frontier:
        frontier = list(Team.objects.filter(parent_id__in=frontier).exclude(pk__in=found).values_list("pk", flat=True))
        found.update(frontier)
    return found


def volunteer_visibility_q(actor) -> Q:
    """Staff by node subtree, team leaders their members, everyone their own record."""
    scope = scope_for(actor)
    if scope.user_id is None:
        return NOTHING
    q = scope.q(Perm.VOLUNTEER_VIEW, "home_node__path") | Q(user_id=scope.user_id)
    led = scope.led_team_ids()
    if led:
        q |= Q(pk__in=TeamMember.objects.filter(team_id__in=_team_descendant_ids(led)).values("volunteer_id"))
    return q


def volunteer_list_for_actor(*, actor, search: str = "", node_id: int | None = None,
                             political_status: str = "", skill: str = "", is_reserve: bool | None = None,
                             team_id: int | None = None, status: str = "", sex: str = "") -> QuerySet:
    qs = Volunteer.objects.filter(volunteer_visibility_q(actor)).select_related("home_node")
    if search:
        qs = qs.filter(_search_q(search.strip()))
    if node_id:
        node_path = node_path_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(home_node__path__startswith=node_path) if node_path else qs.none()
    if political_status:
        qs = qs.filter(political_status=political_status)
    if skill:
        qs = qs.filter(skills__code=skill)
    if is_reserve is not None:
        qs = qs.filter(is_reserve=is_reserve)
    if team_id:
        qs = qs.filter(memberships__team_id=team_id)
    if status:
        qs = qs.filter(status=status)
    if sex:
        qs = qs.filter(sex=sex)
    return qs.order_by("-id")


def _search_q(text: str) -> Q:
    """Name, pinyin, initials, volunteer number, or an exact phone (via its blind index)."""
    low = text.lower()
    q = Q(name__contains=text) | Q(volunteer_no=text.upper())
    if low.isascii() and low.isalpha():
        q |= Q(name_pinyin__startswith=low) | Q(name_initials__startswith=low)
    if text.isdigit() and len(text) == 11:
        q |= Q(phone_hash=blind_index(text, PHONE_PURPOSE))
    return q


def volunteer_get_for_actor(*, actor, volunteer_id: int) -> Volunteer:
    vol = (Volunteer.objects.filter(volunteer_visibility_q(actor)).select_related("home_node", "grid", "user")
           .filter(pk=volunteer_id).first())
    if vol is None:
        raise CoreError.NOT_FOUND.error()
    return vol


def volunteer_get_editable(*, actor, volunteer_id: int) -> Volunteer:
    """404 when invisible, 403 when visible but not editable by this actor."""
    vol = volunteer_get_for_actor(actor=actor, volunteer_id=volunteer_id)
    if not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, vol.home_node.path):
        raise CoreError.FORBIDDEN.error()
    return vol


def volunteer_for_user(user) -> Volunteer | None:
    if user is None or not user.is_authenticated:
        return None
    return Volunteer.objects.filter(user=user).select_related("home_node").first()


def skill_list() -> QuerySet:
    return Skill.objects.all()


def team_visibility_q(actor) -> Q:
    scope = scope_for(actor)
    if scope.user_id is None:
        return NOTHING
    q = scope.q(Perm.TEAM_VIEW, "node__path")
    led = scope.led_team_ids()
    if led:
        q |= Q(pk__in=_team_descendant_ids(led))
    q |= Q(memberships__volunteer__user_id=scope.user_id)
    return q


def team_list_for_actor(*, actor, search: str = "", node_id: int | None = None, level: str = "",
                        kind: str = "", parent_id: int | None = None, include_archived: bool = False) -> QuerySet:
    ids = Team.objects.filter(team_visibility_q(actor)).values("pk")
    qs = (Team.objects.filter(pk__in=ids).select_related("node", "parent", "skill")
          .annotate(member_count=Count("memberships")))
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    if search:
        qs = qs.filter(name__contains=search.strip())
    if node_id:
        node_path = node_path_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node_path) if node_path else qs.none()
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    return qs.order_by("node__path", "name")


def team_get_for_actor(*, actor, team_id: int) -> Team:
    team = team_list_for_actor(actor=actor, include_archived=True).filter(pk=team_id).first()
    if team is None:
        raise CoreError.NOT_FOUND.error()
    return team


def team_get_editable(*, actor, team_id: int) -> Team:
    """A team the actor manages (TEAM_EDIT over its node), for write targets such as a new
    parent or a team leader grant; a team merely visible through membership is not found."""
    team = Team.objects.select_related("node").filter(pk=team_id).first()
    if team is None or not scope_for(actor).allows(Perm.TEAM_EDIT, team.node.path):
        raise CoreError.NOT_FOUND.error()
    return team


def team_members_for_actor(*, actor, team: Team) -> QuerySet:
    """The roster of a team, for staff over its node and its leaders (and leaders of a team
    above it); a plain member sees the team but not everyone in it."""
    scope = scope_for(actor)
    if not (scope.allows(Perm.TEAM_VIEW, team.node.path) or team.pk in _team_descendant_ids(scope.led_team_ids())):
        raise CoreError.FORBIDDEN.error()
    return team.memberships.select_related("volunteer").order_by("role", "volunteer__name")


def pending_confirmations_count(user) -> int:
    """How many volunteers' own updates of insurance or skills wait for this staff member's
    decision (a to-do count for the workbench; 0 for anyone who may decide none)."""
    from .change_selectors import pending_count_for_actor

    return pending_count_for_actor(user)
