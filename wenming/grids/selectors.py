"""Reads for grids, claims and visits: the one place that decides who sees which rows.

- Grids: staff with node.view over the grid; team leaders the grids inside their teams'
  home nodes (where they may claim) and the grids their teams claimed; volunteers the grids
  their teams claimed.
- Claims: those of visible grids (staff), and those of the actor's own teams.
- Visits hold a resident's address (masked): staff with demand.view over the grid; a team
  leader the visits recorded for their teams; a volunteer only the visits they recorded or
  made. Out of scope answers like missing (404).

Coverage is read from the dashboard summaries (figures), never by counting visits; an
archived grid (out of the roll-up) shows what its own profile holds.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import NOTHING, scope_for
from wenming.core.errors import CoreError
from wenming.core.sorting import natural_sorted
from wenming.dashboards.metrics import STOCK_PERIOD
from wenming.dashboards.summary import figures_for, figures_for_children
from wenming.orgs.models import Node, NodeKind
from wenming.orgs.selectors import node_path_for_actor
from wenming.volunteers.models import Team, TeamMember

from .figures import COVERAGE_METRICS
from .models import GridClaim, GridProfile, HouseholdVisit, ScreeningTotal, VisitFlag

# ---- who the actor is to teams -----------------------------------------------------------

def led_team_ids(actor) -> set[int]:
    """Teams the actor leads (team_leader grants), with every team below them."""
    found = set(scope_for(actor).led_team_ids())
    frontier = list(found)
    while frontier:
        frontier = list(Team.objects.filter(parent_id__in=frontier).exclude(pk__in=found).values_list("pk", flat=True))
        found.update(frontier)
    return found


def member_team_ids(actor) -> set[int]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return set()
    return set(TeamMember.objects.filter(volunteer__user_id=actor.pk).values_list("team_id", flat=True))


def _own_claims(team_ids: set[int]) -> QuerySet:
    return GridClaim.objects.filter(team_id__in=team_ids, withdrawn_at__isnull=True)


# ---- grids --------------------------------------------------------------------------------

def grid_visibility_q(actor) -> Q:
    scope = scope_for(actor)
    if scope.user_id is None:
        return NOTHING
    q = scope.q(Perm.NODE_VIEW, "path")
    led = led_team_ids(actor)
    for path in set(Team.objects.filter(pk__in=led).values_list("node__path", flat=True)):
        q |= Q(path__startswith=path)
    teams = led | member_team_ids(actor)
    if teams:
        q |= Q(pk__in=_own_claims(teams).values("grid_id"))
    return q


def grid_list_for_actor(*, actor, node_id: int | None = None, search: str = "",
                        include_archived: bool = False) -> QuerySet:
    qs = Node.objects.filter(kind=NodeKind.GRID).filter(grid_visibility_q(actor)).select_related("grid_profile",
                                                                                                 "parent")
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    if node_id:
        path = node_path_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(path__startswith=path) if path else qs.none()
    if search:
        qs = qs.filter(Q(name__contains=search.strip()) | Q(code=search.strip()))
    return qs.order_by("path")


def grid_get_for_actor(*, actor, grid_id) -> Node:
    grid = grid_list_for_actor(actor=actor, include_archived=True).filter(pk=grid_id).first() if grid_id else None
    if grid is None:
        raise CoreError.NOT_FOUND.error()
    return grid


def profile_of(grid: Node) -> GridProfile | None:
    try:
        return grid.grid_profile
    except GridProfile.DoesNotExist:  # a grid nobody has described or visited yet
        return None


# ---- claims -------------------------------------------------------------------------------

def claim_visibility_q(actor) -> Q:
    scope = scope_for(actor)
    if scope.user_id is None:
        return NOTHING
    q = scope.q(Perm.NODE_VIEW, "grid__path")
    teams = led_team_ids(actor) | member_team_ids(actor)
    if teams:
        q |= Q(team_id__in=teams)
    return q


def claim_list_for_actor(*, actor, grid_id: int | None = None, team_id: int | None = None,
                         current_on: date | None = None, include_withdrawn: bool = False) -> QuerySet:
    qs = GridClaim.objects.filter(claim_visibility_q(actor)).select_related("grid", "team", "claimed_by")
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if current_on is not None:
        qs = qs.filter(starts_on__lte=current_on, ends_on__gte=current_on)
    if not include_withdrawn:
        qs = qs.filter(withdrawn_at__isnull=True)
    return qs.order_by("-starts_on", "-id")


def claim_get_for_actor(*, actor, claim_id) -> GridClaim:
    claim = (claim_list_for_actor(actor=actor, include_withdrawn=True).filter(pk=claim_id).first()
             if claim_id else None)
    if claim is None:
        raise CoreError.NOT_FOUND.error()
    return claim


def overlapping_claims(*, grid_id: int, starts_on: date, ends_on: date, exclude_team_id: int | None = None,
                       exclude_id: int | None = None) -> QuerySet:
    """Live claims of the grid whose period meets [starts_on, ends_on]."""
    qs = GridClaim.objects.filter(grid_id=grid_id, withdrawn_at__isnull=True, starts_on__lte=ends_on,
                                  ends_on__gte=starts_on).select_related("team")
    if exclude_team_id:
        qs = qs.exclude(team_id=exclude_team_id)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("starts_on", "id")


def claim_conflicts(claim: GridClaim) -> list[GridClaim]:
    """Other teams' live claims of the same grid overlapping this one (shown, not refused)."""
    if claim.withdrawn_at is not None:
        return []
    return list(overlapping_claims(grid_id=claim.grid_id, starts_on=claim.starts_on, ends_on=claim.ends_on,
                                   exclude_team_id=claim.team_id))


def conflicts_by_claim(claims: list[GridClaim]) -> dict[int, list[GridClaim]]:
    """For a list of claims: each one's conflicts, with one query for all their grids."""
    out: dict[int, list[GridClaim]] = {c.pk: [] for c in claims}
    grids = {c.grid_id for c in claims if c.withdrawn_at is None}
    if not grids:
        return out
    live = list(GridClaim.objects.filter(grid_id__in=grids, withdrawn_at__isnull=True).select_related("team"))
    for claim in claims:
        if claim.withdrawn_at is not None:
            continue
        out[claim.pk] = [o for o in live if o.grid_id == claim.grid_id and o.team_id != claim.team_id
                         and o.starts_on <= claim.ends_on and o.ends_on >= claim.starts_on]
    return out


def my_claims(*, actor, day: date | None = None) -> QuerySet:
    """Claims of the actor's own teams (member or leader) live on `day` (today): the grids
    a volunteer records visits in."""
    day = day or timezone.localdate()
    teams = led_team_ids(actor) | member_team_ids(actor)
    return (_own_claims(teams).filter(starts_on__lte=day, ends_on__gte=day, grid__archived_at__isnull=True)
            .select_related("grid", "grid__grid_profile", "team").order_by("grid__path", "team__name"))


# ---- visits -------------------------------------------------------------------------------

def flag_list(*, active_only: bool = False) -> QuerySet:
    qs = VisitFlag.objects.all()
    return qs.filter(active=True) if active_only else qs


def visit_visibility_q(actor) -> Q:
    scope = scope_for(actor)
    if scope.user_id is None:
        return NOTHING
    q = scope.q(Perm.DEMAND_VIEW, "grid__path") | Q(recorded_by_id=scope.user_id) | Q(volunteer__user_id=scope.user_id)
    led = led_team_ids(actor)
    if led:
        q |= Q(team_id__in=led)
    return q


def visit_list_for_actor(*, actor, grid_id: int | None = None, node_id: int | None = None, flag: str = "",
                         team_id: int | None = None, since: date | None = None, until: date | None = None,
                         mine: bool = False, include_void: bool = True, follow_up: str = "") -> QuerySet:
    """`follow_up`: "suggested" (a flag suggests it, not yet turned into a request), "done"
    (turned into a request), or "" (all)."""
    qs = (HouseholdVisit.objects.filter(visit_visibility_q(actor))
          .select_related("grid", "team", "volunteer", "recorded_by", "demand").prefetch_related("flags"))
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if node_id:
        path = node_path_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(grid__path__startswith=path) if path else qs.none()
    if flag:
        qs = qs.filter(pk__in=HouseholdVisit.objects.filter(flags__code=flag).values("pk"))
    if team_id:
        qs = qs.filter(team_id=team_id)
    if since:
        qs = qs.filter(visited_at__gte=_day_start(since))
    if until:
        qs = qs.filter(visited_at__lt=_day_start(until, 1))
    if mine:
        uid = scope_for(actor).user_id
        qs = qs.filter(Q(recorded_by_id=uid) | Q(volunteer__user_id=uid))
    if not include_void:
        qs = qs.filter(voided_at__isnull=True)
    if follow_up == "done":
        qs = qs.filter(demand__isnull=False)
    elif follow_up == "suggested":
        qs = qs.filter(demand__isnull=True, voided_at__isnull=True,
                       pk__in=HouseholdVisit.objects.filter(flags__suggests_follow_up=True).values("pk"))
    return qs.order_by("-visited_at", "-id")


def _day_start(day: date, plus: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=plus), time.min))


def visit_get_for_actor(*, actor, visit_id) -> HouseholdVisit:
    visit = visit_list_for_actor(actor=actor).filter(pk=visit_id).first() if visit_id else None
    if visit is None:
        raise CoreError.NOT_FOUND.error()
    return visit


# ---- coverage (from the dashboard summaries) ------------------------------------------------

@dataclass
class Coverage:
    households: int
    visited: int
    grids_visited: int

    @property
    def ratio(self) -> Decimal | None:
        """Visited households per household of the grids, in percent (None without a count)."""
        if not self.households:
            return None
        return (Decimal(self.visited) * 100 / Decimal(self.households)).quantize(Decimal("0.1"))


def _coverage(values: dict) -> Coverage:
    def get(metric):
        return int(values.get((metric, STOCK_PERIOD), 0))

    return Coverage(get("grid_households"), get("households_visited"), get("grids_visited"))


def _archived_grids_coverage(nodes: list[Node]) -> dict[int, Coverage]:
    """An archived grid is out of the roll-up (figures.grids_archived): its own page shows what
    its profile holds (households, the maintained count of households visited)."""
    ids = [n.pk for n in nodes if n.kind == NodeKind.GRID and n.archived_at is not None]
    if not ids:
        return {}
    kept = dict.fromkeys(ids, Coverage(0, 0, 0))
    for pk, households, visited in GridProfile.objects.filter(node_id__in=ids).values_list(
            "node_id", "household_count", "households_visited"):
        kept[pk] = Coverage(households, visited, 1 if visited else 0)
    return kept


def coverage_of(node: Node) -> Coverage:
    """Coverage of the node's whole subtree (a grid: the grid itself)."""
    archived = _archived_grids_coverage([node])
    if archived:
        return archived[node.pk]
    return _coverage(figures_for(node, COVERAGE_METRICS, since=STOCK_PERIOD, until=STOCK_PERIOD))


def coverage_of_many(nodes: list[Node]) -> dict[int, Coverage]:
    """The same for several nodes (a node's children, a page of grids) in one statement."""
    found = figures_for_children(nodes, COVERAGE_METRICS, since=STOCK_PERIOD, until=STOCK_PERIOD)
    return {pk: _coverage(values) for pk, values in found.items()} | _archived_grids_coverage(nodes)


def coverage_node_for_actor(*, actor, node_id) -> Node:
    """Any node (not only grids) whose coverage roll-up the actor may read (node.view)."""
    node = (Node.objects.filter(scope_for(actor).q(Perm.NODE_VIEW, "path")).filter(pk=node_id).first()
            if node_id else None)
    if node is None:
        raise CoreError.NOT_FOUND.error()
    return node


def coverage_children_for_actor(*, actor, node: Node) -> list[tuple[Node, Coverage]]:
    """The node's live children (grids excluded — they are listed apart) with their roll-ups."""
    children = natural_sorted(Node.objects.filter(parent=node, archived_at__isnull=True).exclude(kind=NodeKind.GRID)
                              .filter(scope_for(actor).q(Perm.NODE_VIEW, "path")).order_by("path"),
                              key=lambda n: n.name)  # 第2社区 before 第10社区 (core.sorting)
    found = coverage_of_many(children)
    return [(c, found[c.pk]) for c in children]


# ---- screening totals (排查总数) ------------------------------------------------------------

def screening_node_get_for_actor(*, actor, node_id, perm: str = Perm.NODE_VIEW) -> Node:
    """Any node (not only grids) where the actor holds `perm`; else 404."""
    node = (Node.objects.filter(scope_for(actor).q(perm, "path")).filter(pk=node_id).first()
            if node_id else None)
    if node is None:
        raise CoreError.NOT_FOUND.error("node_id")
    return node


def screening_totals_for_actor(*, actor, node_id: int | None = None) -> QuerySet:
    """The month totals entered in the actor's area (node.view; or under a node of it), newest
    first. Counts without personal data: read like coverage."""
    qs = (ScreeningTotal.objects.filter(scope_for(actor).q(Perm.NODE_VIEW, "node__path"))
          .select_related("node", "entered_by"))
    if node_id:
        node = screening_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node.path)
    return qs.order_by("-period", "node__path", "kind")


def screening_figures(node: Node, since: date, until: date) -> dict[str, int]:
    """The node's subtree over the months from `since` to `until` (inclusive): households
    screened in 户次 (`visits`: the visit rows and what month totals add beyond them) and
    businesses and sites screened (`screened_sites`, 家). For the work report; no scope check —
    the caller has one."""
    found = figures_for(node, ["visits", "screened_sites"], since=since.replace(day=1), until=until)
    return {metric: int(sum(v for (m, _p), v in found.items() if m == metric))
            for metric in ("visits", "screened_sites")}
