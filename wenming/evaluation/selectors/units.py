"""Civilized units as participants: who sees and manages a unit's members, teams, pairings
and call answers, and the choices its forms offer.

- A unit's **liaison** (access.unit_ids) manages their own unit; another unit's liaison
  gets the same 404 as a unit that does not exist.
- **Staff** with UNIT_EDIT over the unit's node (office, node managers) manage it too.
- **Readers** with UNIT_VIEW or EVAL_VIEW over the unit's node (inspectors, …) see it.

A unit's **area** is the county (县级文明办 node) it lies in — or, for a unit attached above
any county, its own node: pairings are made and 招募令 answered inside it.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.core.params import pk_or_404
from wenming.mobilization.models import Call, CallStatus
from wenming.orgs.models import Node, NodeKind, Unit, UnitType
from wenming.orgs.tree import ancestor_paths
from wenming.volunteers.models import MemberRole, Team, TeamMember, VolunteerStatus

from ..access import EVAL_VIEW, unit_ids
from ..models import Pairing, UnitCallAnswer, UnitMember, UnitTeam

VIEW_PERMS = (Perm.UNIT_VIEW, EVAL_VIEW)
# Community-level places a unit pairs with: the village/community 实践站, its 实践点, its 网格.
PAIRING_KINDS = (NodeKind.STATION, NodeKind.POINT, NodeKind.GRID)
CHOICE_LIMIT = 100


# ---- who ------------------------------------------------------------------------------------

def may_manage(actor, unit: Unit) -> bool:
    return unit.pk in unit_ids(actor) or scope_for(actor).allows(Perm.UNIT_EDIT, unit.node.path)


def may_view(actor, unit: Unit) -> bool:
    scope = scope_for(actor)
    return may_manage(actor, unit) or any(scope.allows(p, unit.node.path) for p in VIEW_PERMS)


def require_manage(actor, unit: Unit) -> None:
    """404 for a unit the actor cannot see, 403 for one they only read."""
    if not may_view(actor, unit):
        raise CoreError.NOT_FOUND.error()
    if not may_manage(actor, unit):
        raise CoreError.FORBIDDEN.error()


def units_q(actor) -> Q:
    scope = scope_for(actor)
    q = scope.q(Perm.UNIT_VIEW, "node__path") | scope.q(EVAL_VIEW, "node__path")
    mine = unit_ids(actor)
    if mine:
        q |= Q(pk__in=mine)
    return q


def units_for_actor(*, actor, node: Node | None = None, search: str = "", unit_type: str = "",
                    include_archived: bool = False) -> QuerySet:
    qs = Unit.objects.filter(units_q(actor)).select_related("node")
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    if node is not None:
        qs = qs.filter(node__path__startswith=node.path)
    search = (search or "").replace("\x00", "").strip()[:50]
    if search:
        qs = qs.filter(name__contains=search)
    if unit_type in UnitType.values:
        qs = qs.filter(unit_type=unit_type)
    return qs.order_by("node__path", "name", "id")


def unit_get_for_actor(*, actor, pk) -> Unit:
    unit = Unit.objects.filter(units_q(actor), pk=pk_or_404(pk)).select_related("node").first()
    if unit is None:
        raise CoreError.NOT_FOUND.error()
    return unit


def unit_get_managed(*, actor, pk) -> Unit:
    unit = unit_get_for_actor(actor=actor, pk=pk)
    require_manage(actor, unit)
    return unit


# ---- the unit's area ------------------------------------------------------------------------

def area_of(unit: Unit) -> Node:
    """The county the unit lies in (its nearest county ancestor, or itself), else its node."""
    county = (Node.objects.filter(path__in=ancestor_paths(unit.node.path), kind=NodeKind.COUNTY)
              .order_by("-depth").first())
    return county or unit.node


# ---- what a unit has ------------------------------------------------------------------------

def members_of(unit: Unit) -> QuerySet:
    return (UnitMember.objects.filter(unit=unit).select_related("volunteer", "volunteer__home_node")
            .order_by("-joined_on", "-id"))


def member_get(*, unit: Unit, pk) -> UnitMember:
    member = members_of(unit).filter(pk=pk_or_404(pk)).first()
    if member is None:
        raise CoreError.NOT_FOUND.error()
    return member


def teams_of(unit: Unit) -> QuerySet:
    live = Count("team__memberships", filter=~Q(team__memberships__volunteer__status=VolunteerStatus.WITHDRAWN))
    return (UnitTeam.objects.filter(unit=unit).select_related("team", "team__node")
            .annotate(member_count=live).order_by("team__name", "id"))


def unit_team_get(*, unit: Unit, team_pk) -> UnitTeam:
    link = UnitTeam.objects.filter(unit=unit, team_id=pk_or_404(team_pk)).select_related("team", "team__node").first()
    if link is None:
        raise CoreError.NOT_FOUND.error()
    return link


def pairings_of(unit: Unit) -> QuerySet:
    return (Pairing.objects.filter(unit=unit).select_related("node", "node__parent")
            .order_by("-started_on", "id"))


def pairings_sorted(unit: Unit) -> list[Pairing]:
    """Live pairings first (newest start first), then the ended ones (latest end first)."""
    rows = list(pairings_of(unit))
    return sorted(rows, key=lambda p: (p.ended_on is not None, -(p.ended_on or p.started_on).toordinal(), p.pk))


def pairing_get(*, unit: Unit, pk) -> Pairing:
    pairing = pairings_of(unit).filter(pk=pk_or_404(pk)).first()
    if pairing is None:
        raise CoreError.NOT_FOUND.error()
    return pairing


def call_answers_of(unit: Unit) -> QuerySet:
    return (UnitCallAnswer.objects.filter(unit=unit)
            .select_related("call", "call__node", "call__shift", "team", "answered_by").order_by("-answered_at", "-id"))


# ---- choices for the forms ------------------------------------------------------------------

def team_eligible_q(actor, unit: Unit) -> Q:
    """Teams a unit may call its own: one led (队长) by a member of the unit, anywhere in the
    unit's area; or, for staff, a team at the unit's node or below that they manage."""
    area = area_of(unit)
    led_by_member = TeamMember.objects.filter(role=MemberRole.LEADER, volunteer__unit_memberships__unit=unit)
    q = Q(node__path__startswith=area.path, pk__in=led_by_member.values("team_id"))
    managed = scope_for(actor).q(Perm.TEAM_EDIT, "node__path")
    return q | (Q(node__path__startswith=unit.node.path) & managed)


def team_candidates(*, actor, unit: Unit) -> QuerySet:
    """Live teams the unit may link now (eligible and not any unit's team yet)."""
    return (Team.objects.filter(team_eligible_q(actor, unit), archived_at__isnull=True, unit_link__isnull=True)
            .select_related("node").order_by("node__path", "name")[:CHOICE_LIMIT])


def pairing_node_choices(*, unit: Unit, search: str = "") -> QuerySet:
    """Live stations, points and grids in the unit's area the unit is not paired with now."""
    area = area_of(unit)
    live = Pairing.objects.filter(unit=unit, ended_on__isnull=True).values("node_id")
    qs = (Node.objects.filter(path__startswith=area.path, kind__in=PAIRING_KINDS, archived_at__isnull=True)
          .exclude(pk__in=live).select_related("parent"))
    search = (search or "").replace("\x00", "").strip()[:50]
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(code=search))
    return qs.order_by("path")[:CHOICE_LIMIT]


def call_area_q(unit: Unit) -> Q:
    """Calls issued in the unit's area, or above the unit (a city's call reaches it too)."""
    return Q(node__path__startswith=area_of(unit).path) | Q(node__path__in=ancestor_paths(unit.node.path))


def calls_for_unit(*, unit: Unit, open_only: bool = True) -> QuerySet:
    """招募令 the unit may answer, with whether it has (`answered`)."""
    qs = Call.objects.filter(call_area_q(unit)).select_related("node", "shift", "shift__project")
    if open_only:
        qs = qs.filter(status=CallStatus.OPEN, deadline__gt=timezone.now())
    answered = UnitCallAnswer.objects.filter(unit=unit, call=OuterRef("pk"))
    return qs.annotate(answered=Exists(answered)).order_by("deadline", "id")


def call_for_unit(*, unit: Unit, pk) -> Call:
    """A call in the unit's area (open or not: the service says why it cannot be answered)."""
    call = calls_for_unit(unit=unit, open_only=False).filter(pk=pk_or_404(pk)).first()
    if call is None:
        raise CoreError.NOT_FOUND.error()
    return call
