"""Who may see and do what in the honours: the one place for these rules.

- **The office** (HONOUR_EDIT: office staff over the campaign's node) runs a campaign: the
  plan, the criteria, moving the stages, the final selection, voiding votes, answering
  objections, announcing.
- **Nominators**: a node in the campaign's area, in its own name (HONOUR_NOMINATE: node
  managers and office staff over that node); a civilized unit, by its liaison; a person for
  themselves (自荐), when the campaign allows it.
- **Reviewers** (HONOUR_REVIEW: office staff, 评审员): the initial review by whoever reviews
  over the nomination's place (the county), the final review over the campaign's node. A
  reviewer from the nominee's own unit is flagged and may not score (`conflict_unit`).
- **Readers** (HONOUR_VIEW): campaigns overlapping their area, and the nominations whose
  place lies in their subtree; a county reviewer never sees another county's. A liaison
  sees their unit's nominations, a person their own; anything else is 404.
"""

from django.db.models import Q

from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import EVERYTHING, NOTHING, scope_for
from wenming.core.errors import CoreError

HONOUR_VIEW, HONOUR_EDIT = Perm.HONOUR_VIEW, Perm.HONOUR_EDIT
HONOUR_NOMINATE, HONOUR_REVIEW = Perm.HONOUR_NOMINATE, Perm.HONOUR_REVIEW


def liaison_unit_ids(actor) -> list[int]:
    return sorted({g.unit_id for g in scope_for(actor).grants if g.role == Role.UNIT_LIAISON and g.unit_id})


def may(actor, perm: str, path: str) -> bool:
    return scope_for(actor).allows(perm, path)


def require(actor, perm: str, path: str) -> None:
    if not may(actor, perm, path):
        raise CoreError.FORBIDDEN.error()


def _ancestors_q(path_field: str, path: str) -> Q:
    return Q(**{f"{path_field}__in": [path[:i] for i in range(4, len(path) + 1, 4)]})


def campaign_q(actor) -> Q:
    """Campaigns whose node is in the actor's subtree or above it (a county works in the
    city's campaign); for a liaison, those over their unit."""
    scope = scope_for(actor)
    if scope.is_global:
        return EVERYTHING
    q = NOTHING
    for perm in (HONOUR_VIEW, HONOUR_NOMINATE, HONOUR_REVIEW):
        for path in scope.paths(perm):
            q |= Q(node__path__startswith=path) | _ancestors_q("node__path", path)
    units = liaison_unit_ids(actor)
    if units:
        from wenming.orgs.models import Unit

        for path in Unit.objects.filter(pk__in=units).values_list("node__path", flat=True):
            q |= _ancestors_q("node__path", path)
    return q


def nomination_q(actor) -> Q:
    """Nominations the actor may read."""
    scope = scope_for(actor)
    q = scope.q(HONOUR_VIEW, "node__path")
    units = liaison_unit_ids(actor)
    if units:
        q |= Q(nominating_unit_id__in=units)
    if getattr(actor, "is_authenticated", False):
        q |= Q(submitted_by=actor)
    return q


def reviewer_units(actor) -> set[int]:
    """The units a reviewer belongs to: those on their role assignments (a reviewer's employer,
    a liaison's unit) and those whose member list (evaluation's UnitMember) holds their
    volunteer record."""
    from wenming.evaluation.models import UnitMember

    mine = {g.unit_id for g in scope_for(actor).grants if g.unit_id}
    if getattr(actor, "is_authenticated", False):
        mine |= set(UnitMember.objects.filter(volunteer__user=actor).values_list("unit_id", flat=True))
    return mine


def conflict_q(actor) -> Q:
    """The nominations conflict_unit flags for this actor, as a filter: a reviewer's to-do list
    leaves out those they must abstain from (回避)."""
    from wenming.evaluation.models import UnitMember

    mine = reviewer_units(actor)
    if not mine:
        return NOTHING
    return (Q(unit_id__in=mine) | Q(work_unit_id__in=mine) | Q(nominating_unit_id__in=mine)
            | Q(volunteer_id__in=UnitMember.objects.filter(unit_id__in=mine).values("volunteer_id")))


def conflict_unit(actor, nomination):
    """The unit the reviewer (reviewer_units) shares with the nominee, or None. The nominee's
    units: the nominated unit itself, their work unit, the nominating unit and, for a
    volunteer, their units."""
    from wenming.evaluation.models import UnitMember
    from wenming.orgs.models import Unit

    mine = reviewer_units(actor)
    if not mine:
        return None
    theirs = {nomination.unit_id, nomination.work_unit_id, nomination.nominating_unit_id} - {None}
    if nomination.volunteer_id:
        theirs |= set(UnitMember.objects.filter(volunteer_id=nomination.volunteer_id).values_list("unit_id", flat=True))
    shared = sorted(mine & theirs)
    return Unit.objects.filter(pk=shared[0]).first() if shared else None


def may_change_nomination(actor, nomination) -> bool:
    """The nominator may correct and withdraw: whoever submitted it, the nominating unit's
    liaison, a nominator over the nominating node."""
    if nomination.submitted_by_id and nomination.submitted_by_id == getattr(actor, "pk", None):
        return True
    if nomination.nominating_unit_id and nomination.nominating_unit_id in liaison_unit_ids(actor):
        return True
    return bool(nomination.nominating_node_id and may(actor, HONOUR_NOMINATE, nomination.nominating_node.path))
