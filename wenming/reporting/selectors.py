"""Reads of information reports, each filtered by access.py's rules.

A report outside the actor's view answers exactly like a missing one (404). Counts per
unit are a GROUP BY over the (few) report rows in the actor's scope; counts per node and
its children come from the dashboard summaries (figures.py), never from the raw rows.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet

from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.dashboards.summary import figures_for, figures_for_children
from wenming.orgs.models import Node, Unit
from wenming.orgs.page_selectors import node_choices_for_actor

from . import access, figures
from .errors import ReportingError
from .models import InfoReport, ReportCategory, ReportImage, ReportStatus

S = ReportStatus


# ---- categories ----------------------------------------------------------------------------

def category_list(*, active_only: bool = False) -> QuerySet:
    qs = ReportCategory.objects.all()
    return (qs.filter(active=True) if active_only else qs).order_by("sort", "id")


def category_get(*, category_id) -> ReportCategory:
    found = ReportCategory.objects.filter(pk=category_id).first() if isinstance(category_id, int) else None
    if found is None:
        raise ReportingError.CATEGORY_UNKNOWN.error("category_id", value=category_id)
    return found


# ---- authors -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuthorOption:
    key: str  # "unit:<id>" or "node:<id>", the value of a form's choice
    kind: str
    id: int
    name: str


def author_options_for_actor(*, actor) -> list[AuthorOption]:
    """In whose name the actor may write: the units they are liaison of, the nodes of their
    staff assignments (a platform admin: any live node, bounded like every node list)."""
    scope = scope_for(actor)
    units = Unit.objects.filter(pk__in=access.liaison_unit_ids(scope), archived_at__isnull=True).order_by("name")
    out = [AuthorOption(f"unit:{u.pk}", "unit", u.pk, u.name) for u in units]
    if scope.is_global:
        out += [AuthorOption(f"node:{pk}", "node", int(pk), label.strip("\u3000"))
                for pk, label in node_choices_for_actor(actor=actor, perm=access.REPORT_WRITE)]
    else:
        nodes = Node.objects.filter(path__in=access.writer_paths(scope), archived_at__isnull=True).order_by("path")
        out += [AuthorOption(f"node:{n.pk}", "node", n.pk, n.name) for n in nodes]
    return out


def author_unit_or_node(*, unit_id: int | None, node_id: int | None) -> tuple[Unit | None, Node | None]:
    """The unit or node named by an id (the service checks the actor may write for it; an id
    that names nothing is a 404 like one outside the scope)."""
    unit = Unit.objects.select_related("node").filter(pk=unit_id).first() if unit_id else None
    node = Node.objects.filter(pk=node_id).first() if node_id else None
    if (unit_id and unit is None) or (node_id and node is None):
        raise CoreError.NOT_FOUND.error("unit_id" if unit_id else "node_id")
    return unit, node


# ---- reports -------------------------------------------------------------------------------

def _base() -> QuerySet:
    return InfoReport.objects.select_related("node", "unit", "category", "author")


def _filtered(qs: QuerySet, *, status: str = "", category_id: int | None = None, unit_id: int | None = None,
              node_id: int | None = None, period_from: date | None = None, period_to: date | None = None,
              search: str = "") -> QuerySet:
    if status:
        qs = qs.filter(status=status)
    if category_id:
        qs = qs.filter(category_id=category_id)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if node_id:
        path = Node.objects.filter(pk=node_id).values_list("path", flat=True).first()
        # The rows are already scoped: a node's path can only narrow them.
        qs = qs.filter(node__path__startswith=path) if path else qs.none()
    if period_from:
        qs = qs.filter(period__gte=period_from)
    if period_to:
        qs = qs.filter(period__lte=period_to)
    search = (search or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a literal
    if search:
        qs = qs.filter(title__contains=search)
    return qs


def report_list_for_actor(*, actor, mine: bool = False, **filters) -> QuerySet:
    """Reports the actor may read; `mine`: only those on their author side."""
    scope = scope_for(actor)
    q = access.author_q(scope) if mine else access.visible_q(scope)
    return _filtered(_base().filter(q), **filters).order_by("-period", "-id")


def report_get_for_actor(*, actor, report_id) -> InfoReport:
    report = report_list_for_actor(actor=actor).filter(pk=report_id).first() if report_id else None
    if report is None:
        raise CoreError.NOT_FOUND.error()
    return report


def review_queue_for_actor(*, actor, status: str = S.SUBMITTED, **filters) -> QuerySet:
    """Reports waiting for the actor's decision: submitted ones to review (or, with
    status="approved", approved ones to publish). Their own reports are left out."""
    scope = scope_for(actor)
    qs = (_base().filter(access.visible_q(scope)).filter(access.review_q(scope), status=status)
          .exclude(author_id=getattr(actor, "pk", None)))
    order = ["submitted_at", "id"] if status == S.SUBMITTED else ["-approved_at", "-id"]
    return _filtered(qs, **filters).order_by(*order)


def report_image_of(report: InfoReport, report_image_id) -> ReportImage | None:
    if not report_image_id:
        return None
    return ReportImage.objects.select_related("image").filter(report=report, pk=report_image_id).first()


def history_of(report: InfoReport) -> list:
    return list(report.reviews.select_related("actor").order_by("at", "id"))


def actions_for(actor, report: InfoReport) -> list[str]:
    """What the actor may do with the report now (for buttons and API clients)."""
    scope = scope_for(actor)
    out = []
    if access.may_author(scope, report):
        if report.is_editable:
            out += ["edit", "add_image", "submit"]
        if report.status == S.DRAFT:
            out.append("delete")
    if access.may_decide(actor, report):
        out += {S.SUBMITTED: ["approve", "return"], S.APPROVED: ["publish"],
                S.PUBLISHED: ["unpublish"]}.get(report.status, [])
    if access.may_decide(actor, report) and report.status in (S.SUBMITTED, S.APPROVED, S.PUBLISHED):
        out.append("adopt")  # record 刊播采用 (not on one's own report: nobody counts their own)
    return out


# ---- the public portal ---------------------------------------------------------------------

def report_public_list(**filters) -> QuerySet:
    """Published reports, newest first (no login)."""
    filters.pop("status", None)
    qs = _base().filter(status=S.PUBLISHED)
    return _filtered(qs, **filters).order_by("-published_at", "-id")


def report_public_get(*, report_id) -> InfoReport:
    report = _base().filter(pk=report_id, status=S.PUBLISHED).first() if report_id else None
    if report is None:
        raise CoreError.NOT_FOUND.error()
    return report


# ---- counts --------------------------------------------------------------------------------

@dataclass
class UnitCount:
    unit_id: int
    unit_name: str
    node_name: str
    period: date
    submitted: int
    approved: int
    published: int


def unit_counts_for_actor(*, actor, period_from: date | None = None, period_to: date | None = None,
                          node_id: int | None = None, unit_id: int | None = None) -> list[UnitCount]:
    """Per unit and month: reports submitted, approved, published (raw rows; a unit writes a
    few a month). Units the actor may see reports of."""
    scope = scope_for(actor)
    qs = _filtered(InfoReport.objects.filter(access.visible_q(scope), unit__isnull=False, first_submitted_at__isnull=False),
                   node_id=node_id, unit_id=unit_id, period_from=period_from, period_to=period_to)
    rows = (qs.values("unit_id", "unit__name", "node__name", "period")
            .annotate(submitted=Count("id"), approved=Count("id", filter=Q(approved_at__isnull=False)),
                      published=Count("id", filter=Q(status=S.PUBLISHED)))
            .order_by("-period", "node__name", "unit__name"))
    return [UnitCount(r["unit_id"], r["unit__name"], r["node__name"], r["period"], r["submitted"], r["approved"],
                      r["published"]) for r in rows]


@dataclass
class NodeCounts:
    node: Node
    totals: dict[str, int]  # metric → count over the months asked for
    months: list[tuple[date, dict[str, int]]] = field(default_factory=list)
    children: list[tuple[Node, dict[str, int]]] = field(default_factory=list)


def _totals(figs: dict) -> dict[str, int]:
    out = dict.fromkeys(figures.METRICS, 0)
    for (metric, _period), value in figs.items():
        out[metric] += int(value)
    return out


def node_counts_for_actor(*, actor, node_id, period_from: date | None = None,
                          period_to: date | None = None) -> NodeCounts:
    """A node's subtree: per month and in total, and each live child's totals, from the
    dashboard summaries. Needs REPORT_VIEW over the node (404 otherwise)."""
    scope = scope_for(actor)
    node = Node.objects.filter(scope.q(access.REPORT_VIEW, "path"), pk=node_id).first() if node_id else None
    if node is None:
        raise CoreError.NOT_FOUND.error("node_id")
    metrics = list(figures.METRICS)
    figs = figures_for(node, metrics, since=period_from, until=period_to)
    months: dict[date, dict[str, int]] = {}
    for (metric, period), value in sorted(figs.items(), key=lambda kv: kv[0][1], reverse=True):
        months.setdefault(period, dict.fromkeys(metrics, 0))[metric] = int(value)
    children = list(Node.objects.filter(parent=node, archived_at__isnull=True).order_by("path"))
    per_child = figures_for_children(children, metrics, since=period_from, until=period_to)
    return NodeCounts(node=node, totals=_totals(figs), months=list(months.items()),
                      children=[(c, _totals(per_child[c.pk])) for c in children])


def count_roots_for_actor(*, actor) -> list[Node]:
    """Where the counts page starts: the top nodes of the actor's view scope."""
    scope = scope_for(actor)
    qs = Node.objects.filter(archived_at__isnull=True)
    if scope.is_global:
        return list(qs.filter(parent__isnull=True).order_by("path"))
    return list(qs.filter(path__in=scope.paths(access.REPORT_VIEW)).order_by("path"))
