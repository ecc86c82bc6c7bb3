"""Who may write, see and review information reports: the one place for these rules.

The permissions are accounts' `report.view`, `report.write` and `report.review`
(accounts/roles.py: office staff and node managers hold all three, inspectors
`report.view`, platform admins everything; other roles none).

- **Authors** ("the author side" of a report): for a unit's report, the unit's liaisons
  (role unit_liaison bound to that unit; by the assignment's unit, not by a permission);
  for a node's report, staff holding REPORT_WRITE through an assignment *at that node
  itself* (the station's manager writes the station's reports; the county office writes
  the county's). A platform admin may act as either.
- **Readers**: the author side sees its reports in every state, drafts included; staff
  holding REPORT_VIEW over the report's node see it once submitted (never drafts).
  Published reports are public on the portal (selectors.report_public_*).
- **Reviewers** (approve, return, publish, withdraw) are "up the tree": staff holding
  REPORT_REVIEW through an assignment at a *strict ancestor* of the report's node, or, for
  a unit's report, at the unit's node itself or above (the node a unit is attached to is
  its superior). Nobody reviews a report they wrote. A platform admin reviews anything
  but their own reports.
"""

from django.db.models import Q

from wenming.accounts.roles import ROLE_PERMS, Perm, Role
from wenming.accounts.scope import EVERYTHING, NOTHING, Scope, scope_for

REPORT_VIEW = Perm.REPORT_VIEW  # read submitted reports of a subtree
REPORT_WRITE = Perm.REPORT_WRITE  # write reports in the name of the node of the assignment
REPORT_REVIEW = Perm.REPORT_REVIEW  # review and publish reports from below


def liaison_unit_ids(scope: Scope) -> list[int]:
    return sorted({g.unit_id for g in scope.grants if g.role == Role.UNIT_LIAISON and g.unit_id})


def writer_paths(scope: Scope) -> list[str]:
    """Paths of the nodes where the actor writes reports (assignments at the node itself)."""
    return sorted({g.path for g in scope.grants if REPORT_WRITE in ROLE_PERMS[g.role]})


def author_q(scope: Scope, prefix: str = "") -> Q:
    """Reports on the actor's author side (any state)."""
    if scope.is_global:
        return EVERYTHING
    q = NOTHING
    units = liaison_unit_ids(scope)
    if units:
        q |= Q(**{f"{prefix}unit_id__in": units})
    paths = writer_paths(scope)
    if paths:
        q |= Q(**{f"{prefix}unit__isnull": True, f"{prefix}node__path__in": paths})
    return q


def visible_q(scope: Scope, prefix: str = "") -> Q:
    """Reports the actor may read: the author side's, and submitted ones in the view scope."""
    from .models import ReportStatus

    staff = scope.q(REPORT_VIEW, f"{prefix}node__path") & ~Q(**{f"{prefix}status": ReportStatus.DRAFT})
    return author_q(scope, prefix) | staff


def review_q(scope: Scope) -> Q:
    """Reports the actor reviews by position (their own ones are excluded separately)."""
    if scope.is_global:
        return EVERYTHING
    q = NOTHING
    for path in scope.paths(REPORT_REVIEW):
        q |= Q(node__path__startswith=path) & ~Q(node__path=path, unit__isnull=True)
    return q


def may_author(scope: Scope, report) -> bool:
    if scope.is_global:
        return True
    if report.unit_id:
        return report.unit_id in liaison_unit_ids(scope)
    return report.node.path in writer_paths(scope)


def may_review(scope: Scope, report) -> bool:
    """Reviewer by position; does not look at who wrote the report."""
    if scope.is_global:
        return True
    path = report.node.path
    return any(path.startswith(p) and (p != path or report.unit_id is not None)
               for p in scope.paths(REPORT_REVIEW))


def is_own(actor, report) -> bool:
    return actor is not None and report.author_id is not None and report.author_id == actor.pk


def may_decide(actor, report) -> bool:
    return may_review(scope_for(actor), report) and not is_own(actor, report)
