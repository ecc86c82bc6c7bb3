"""Reads the grid pages need on top of selectors.py: choices for forms and what buttons to show."""

from datetime import date

from django.db.models import Q

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.sorting import natural_sorted
from wenming.demands.selectors import category_list
from wenming.orgs.models import Node
from wenming.orgs.tree import ancestor_paths
from wenming.volunteers.models import Team
from wenming.volunteers.selectors import team_visibility_q

from .models import GridClaim
from .selectors import claim_list_for_actor, flag_list, led_team_ids, member_team_ids

TEAM_CHOICE_LIMIT = 300


def flag_choices(*, active_only: bool = True) -> list[tuple[str, str]]:
    return [(f.code, f.name) for f in flag_list(active_only=active_only)]


def category_choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in category_list()]


def claim_teams_for(*, actor, grid: Node) -> list[Team]:
    """Live teams the actor may claim this grid for: homed at the grid's ancestors (the grid
    lies in their area), led by the actor or — staff with node.edit over the grid — visible."""
    qs = Team.objects.filter(archived_at__isnull=True, node__path__in=ancestor_paths(grid.path)).select_related("node")
    if not scope_for(actor).allows(Perm.NODE_EDIT, grid.path):
        qs = qs.filter(pk__in=led_team_ids(actor))
    else:
        qs = qs.filter(pk__in=Team.objects.filter(team_visibility_q(actor)).values("pk"))
    return natural_sorted(qs.order_by("node__path", "name")[:TEAM_CHOICE_LIMIT], key=lambda t: t.name,
                          group=lambda t: t.node.path)


def recording_teams_for(*, actor, grid: Node, day: date) -> list[Team]:
    """The actor's own teams (member or leader) with a live claim on the grid on `day`."""
    mine = led_team_ids(actor) | member_team_ids(actor)
    claims = GridClaim.objects.filter(grid=grid, team_id__in=mine, withdrawn_at__isnull=True, starts_on__lte=day,
                                      ends_on__gte=day).select_related("team")
    return natural_sorted(sorted({c.team for c in claims}, key=lambda t: t.pk), key=lambda t: t.name)


def may_record(*, actor, grid: Node, day: date) -> bool:
    if grid.archived_at is not None:
        return False
    return scope_for(actor).allows(Perm.DEMAND_EDIT, grid.path) or bool(recording_teams_for(actor=actor, grid=grid,
                                                                                             day=day))


def current_claims_by_grid(*, actor, grid_ids: list[int], day: date) -> dict[int, list[GridClaim]]:
    """Live claims on `day` of each listed grid (those the actor may see)."""
    out: dict[int, list[GridClaim]] = {pk: [] for pk in grid_ids}
    for claim in claim_list_for_actor(actor=actor, current_on=day).filter(grid_id__in=grid_ids):
        out[claim.grid_id].append(claim)
    return out


def coverage_roots_for_actor(*, actor) -> list[Node]:
    """Where the coverage page starts: the top nodes of the actor's node.view scope."""
    scope = scope_for(actor)
    qs = Node.objects.filter(archived_at__isnull=True)
    if scope.is_global:
        return list(qs.filter(parent__isnull=True).order_by("path"))
    roots = scope.paths(Perm.NODE_VIEW)
    return list(qs.filter(Q(path__in=roots)).order_by("path")) if roots else []
