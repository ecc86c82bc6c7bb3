"""Who may see and do what in the evaluation: the one place for these rules.

- **Office** (EVAL_EDIT: office staff, platform admins): configures a campaign whose node
  lies in their subtree (indicators, duties, sites, surveys) and records accountability.
- **Inspectors** (EVAL_INSPECT: inspectors, office staff): plan rounds and record findings
  at sites in their subtree, re-inspect (accept or return) and withdraw findings there.
  Only they see rounds: an unannounced round is invisible to everyone else, and units see
  a finding only once it is recorded.
- **Readers** (EVAL_VIEW: also node managers): findings, duties and scores of their subtree.
- **Reviewers** (EVAL_REVIEW): score material of units attached in their subtree.
- **Liaisons** (role unit_liaison, bound to a unit): exactly their unit's duties, the
  findings routed to it, its material; another unit's are 404.

A campaign is visible to whoever sees part of its area: its node is in their subtree, or
their subtree lies inside its node (a county inspector works in the city's campaign).
"""

from django.db.models import Q

from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import EVERYTHING, NOTHING, Scope, scope_for
from wenming.core.errors import CoreError

EVAL_VIEW, EVAL_EDIT, EVAL_INSPECT, EVAL_REVIEW = Perm.EVAL_VIEW, Perm.EVAL_EDIT, Perm.EVAL_INSPECT, Perm.EVAL_REVIEW


def unit_ids(actor) -> list[int]:
    """The units the actor speaks for as liaison."""
    return sorted({g.unit_id for g in scope_for(actor).grants if g.role == Role.UNIT_LIAISON and g.unit_id})


def is_liaison(actor) -> bool:
    return bool(unit_ids(actor))


def _overlap_q(scope: Scope, perm: str, path_field: str) -> Q:
    """Rows whose node is in the actor's subtree, or above it (the actor's area lies inside)."""
    if scope.is_global:
        return EVERYTHING
    q = NOTHING
    for path in scope.paths(perm):
        q |= Q(**{f"{path_field}__startswith": path})
        ancestors = [path[:i] for i in range(4, len(path), 4)]
        if ancestors:
            q |= Q(**{f"{path_field}__in": ancestors})
    return q


def campaign_q(actor) -> Q:
    scope = scope_for(actor)
    q = _overlap_q(scope, EVAL_VIEW, "node__path")
    units = unit_ids(actor)
    if units:
        from wenming.orgs.models import Unit

        for path in Unit.objects.filter(pk__in=units).values_list("node__path", flat=True):
            q |= Q(node__path__in=[path[:i] for i in range(4, len(path) + 1, 4)])
    return q


def finding_q(actor) -> Q:
    """Findings the actor may read."""
    scope = scope_for(actor)
    q = scope.q(EVAL_VIEW, "node__path")
    units = unit_ids(actor)
    if units:
        from .models import FindingUnit

        q |= Q(pk__in=FindingUnit.objects.filter(unit_id__in=units).values("finding_id"))
    return q


def may(actor, perm: str, path: str) -> bool:
    return scope_for(actor).allows(perm, path)


def require(actor, perm: str, path: str) -> None:
    """403 for an action on something the actor may read but not change."""
    if not may(actor, perm, path):
        raise CoreError.FORBIDDEN.error()


def has(actor, perm: str) -> bool:
    return scope_for(actor).has(perm)
