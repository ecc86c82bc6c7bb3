"""Reads for the staff pages, built on the scoped selectors in selectors.py.

The staff pages use `mine_only=True`: a published project is public, but its back-office
page, roster and export belong only to staff over its node and the claiming team's leader,
so anyone else gets the same 404 as for a missing project.
"""

from django.db.models import Count, Q, QuerySet, Sum

from wenming.accounts.roles import Perm
from wenming.accounts.scope import EVERYTHING, NOTHING, scope_for
from wenming.core.errors import CoreError
from wenming.orgs.tree import ancestor_paths
from wenming.volunteers.selectors import team_list_for_actor

from .models import Project, ProjectStatus, Shift
from .selectors import project_list_for_actor

CLAIM_BOARD_STATUSES = (ProjectStatus.PUBLISHED, ProjectStatus.CLAIMED)


def staff_project_list(*, actor, **filters) -> QuerySet:
    """The actor's own projects (node scope or claimed by a led team) with shift totals."""
    return project_list_for_actor(actor=actor, mine_only=True, **filters).annotate(
        shift_count=Count("shifts"), taken_sum=Sum("shifts__taken"), capacity_sum=Sum("shifts__capacity"))


def staff_project_get(*, actor, project_id: int) -> Project:
    project = project_list_for_actor(actor=actor, mine_only=True).filter(pk=project_id).first()
    if project is None:
        raise CoreError.NOT_FOUND.error()
    return project


def staff_shift_get(*, actor, shift_id: int) -> Shift:
    shift = (Shift.objects.filter(pk=shift_id, project__in=project_list_for_actor(actor=actor, mine_only=True))
             .select_related("project__node", "project__claimed_by").first())
    if shift is None:
        raise CoreError.NOT_FOUND.error()
    return shift


def _area_q(paths: list[str]) -> Q:
    """Projects a team at one of `paths` may claim: published at its node, above it (the
    institute or center publishing for the area) or below it."""
    q = NOTHING
    for path in paths:
        q |= Q(node__path__startswith=path) | Q(node__path__in=ancestor_paths(path))
    return q


def claim_teams_for_actor(*, actor) -> QuerySet:
    """Teams the actor may claim for: the ones they lead, or manage (TEAM_EDIT over the node)."""
    scope = scope_for(actor)
    return (team_list_for_actor(actor=actor)
            .filter(Q(pk__in=scope.led_team_ids()) | scope.q(Perm.TEAM_EDIT, "node__path")))


def claim_board_for_actor(*, actor) -> QuerySet:
    """Published projects in the area of the actor's teams, and the ones already claimed there."""
    scope = scope_for(actor)
    if scope.is_global:
        area = EVERYTHING
    else:
        led_paths = list(team_list_for_actor(actor=actor).filter(pk__in=scope.led_team_ids())
                         .values_list("node__path", flat=True))
        area = _area_q(led_paths + scope.paths(Perm.TEAM_EDIT))
    return (project_list_for_actor(actor=actor).filter(area, status__in=CLAIM_BOARD_STATUSES)
            .order_by("-status", "-published_at", "-id"))  # published before claimed


def claimable_by_team(*, actor, project_id: int, team) -> Project | None:
    """The published project if it lies in the team's area, else None."""
    return (claim_board_for_actor(actor=actor).filter(_area_q([team.node.path]), pk=project_id,
                                                      status=ProjectStatus.PUBLISHED).first())
