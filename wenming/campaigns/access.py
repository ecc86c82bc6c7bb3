"""Who may see and write campaign data — built on the one scope (accounts.scope).

- Node-level data (tallies of a node, 移风易俗 records, online activities) is read with
  node.view and written with node.edit over the node's subtree (office staff, node managers;
  inspectors read).
- A unit liaison (文明单位联络员) reads and writes the tallies of their own unit(s), nothing else.
- Party check-ins carry volunteers' names: read with volunteer.view over the station, written
  with volunteer.edit over the volunteer's home node, or by the volunteer themself.

Out of scope answers exactly like missing (404); in scope to read but not to write is 403.
"""

from django.db.models import Q

from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError, DomainError
from wenming.orgs.models import Node, Unit


def own_unit_ids(actor) -> list[int]:
    return sorted({g.unit_id for g in scope_for(actor).grants if g.role == Role.UNIT_LIAISON and g.unit_id})


def node_q(actor, path_field: str, perm: str = Perm.NODE_VIEW) -> Q:
    return scope_for(actor).q(perm, path_field)


def tally_q(actor, perm: str = Perm.NODE_VIEW) -> Q:
    """Tally rows (entries or totals) the actor may read (perm=node.view) or write (node.edit)."""
    q = node_q(actor, "node__path", perm)
    units = own_unit_ids(actor)
    return q | Q(unit_id__in=units) if units else q


def may_use_tallies(actor) -> bool:
    scope = scope_for(actor)
    return scope.has(Perm.NODE_VIEW) or bool(own_unit_ids(actor))


def _deny(readable: bool):
    raise (CoreError.FORBIDDEN if readable else CoreError.NOT_FOUND).error()


def check_node_edit(actor, node: Node) -> None:
    scope = scope_for(actor)
    if not scope.allows(Perm.NODE_EDIT, node.path):
        _deny(scope.allows(Perm.NODE_VIEW, node.path))


def check_tally_edit(actor, node: Node, unit: Unit | None) -> None:
    """Write a tally of `unit` (at `node`, its node) or of `node` itself."""
    scope = scope_for(actor)
    if unit is not None and unit.pk in own_unit_ids(actor):
        return
    if not scope.allows(Perm.NODE_EDIT, node.path):
        _deny(scope.allows(Perm.NODE_VIEW, node.path))


def may_edit_tally(actor, node: Node, unit: Unit | None) -> bool:
    try:
        check_tally_edit(actor, node, unit)
    except DomainError:  # 403 or 404
        return False
    return True
