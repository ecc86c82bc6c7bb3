"""Reads of the campaign tallies, each through the actor's scope (access.py).

Current values of one subject come from the maintained TallyTotal rows (a few per month);
totals of a subtree and its children come from the dashboard figures (`tally:<code>`), the one
roll-up every page and report shares (docs/dashboards.md) — never from scanning entries.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.dashboards.summary import figures_for, figures_for_children
from wenming.orgs.models import Node, Unit
from wenming.orgs.tree import ancestor_paths

from . import access
from .errors import CampaignError as E
from .figures import tally_metric
from .models import Aggregation, Indicator, TallyEntry, TallyTotal

# ---- indicators ---------------------------------------------------------------------------

def indicators_q(node: Node) -> Q:
    """The indicators a node's entries may use: the platform's, and those its own office or
    an office above it defined."""
    return Q(node__isnull=True) | Q(node__path__in=ancestor_paths(node.path))


def indicators_over_q(node: Node) -> Q:
    """The indicators whose figures can exist in a node's subtree: also those of offices below."""
    return indicators_q(node) | Q(node__path__startswith=node.path)


def indicator_list(*, active_only: bool = False, node: Node | None = None) -> QuerySet:
    """Every indicator, or those that concern `node`'s subtree."""
    qs = Indicator.objects.select_related("node")
    if node is not None:
        qs = qs.filter(indicators_over_q(node))
    return (qs.filter(active=True) if active_only else qs).order_by("sort", "id")


def indicator_list_for_actor(*, actor, active_only: bool = True) -> QuerySet:
    """The indicators an actor's forms offer: the platform's and those of the offices at,
    above or below the nodes (and units' nodes) they work on."""
    scope = scope_for(actor)
    qs = indicator_list(active_only=active_only)
    if scope.is_global:
        return qs
    roots = scope.paths(Perm.NODE_VIEW) + list(
        Unit.objects.filter(pk__in=access.own_unit_ids(actor)).values_list("node__path", flat=True))
    q = Q(node__isnull=True)
    for path in roots:
        q |= Q(node__path__in=ancestor_paths(path)) | Q(node__path__startswith=path)
    return qs.filter(q)


def indicator_get(*, key, field: str = "indicator", node: Node | None = None) -> Indicator:
    """An indicator by code ("banner"), id or name; by name among those `node` may use (two
    offices may each have a 消杀面积)."""
    qs = Indicator.objects.select_related("node")
    found = None
    if isinstance(key, int) and not isinstance(key, bool):
        found = qs.filter(pk=key).first()
    elif isinstance(key, str) and key.strip():
        text = key.strip().replace("\x00", "")
        named = qs.filter(indicators_q(node)) if node is not None else qs
        found = qs.filter(code=text.lower()).first() or named.filter(name=text).order_by("node__path").first()
    if found is None:
        raise E.INDICATOR_UNKNOWN.error(field, value=str(key)[:32])
    return found


# ---- subjects -----------------------------------------------------------------------------

def tally_node_get_for_actor(*, actor, node_id, perm: str = Perm.NODE_VIEW) -> Node:
    """A node (archived included) where the actor holds `perm`; otherwise 404."""
    node = Node.objects.filter(access.node_q(actor, "path", perm)).filter(pk=node_id).first() if node_id else None
    if node is None:
        raise CoreError.NOT_FOUND.error("node_id")
    return node


def tally_unit_list_for_actor(*, actor, node: Node | None = None) -> QuerySet:
    """Units whose tallies the actor may read: under their node.view scope, or their own."""
    q = access.node_q(actor, "node__path")
    units = access.own_unit_ids(actor)
    if units:
        q |= Q(pk__in=units)
    qs = Unit.objects.filter(q).select_related("node")
    if node is not None:
        qs = qs.filter(node__path__startswith=node.path)
    return qs.order_by("node__path", "name")


def tally_unit_get_for_actor(*, actor, unit_id) -> Unit:
    unit = tally_unit_list_for_actor(actor=actor).filter(pk=unit_id).first() if unit_id else None
    if unit is None:
        raise CoreError.NOT_FOUND.error("unit_id")
    return unit


def tally_subject_for_actor(*, actor, node_id=None, unit_id=None) -> tuple[Node, Unit | None]:
    """(node, unit) of a subject named by one of node_id / unit_id; a unit counts at its node."""
    if bool(node_id) == bool(unit_id):
        raise E.SUBJECT_INVALID.error("node_id")
    if unit_id:
        unit = tally_unit_get_for_actor(actor=actor, unit_id=unit_id)
        return unit.node, unit
    return tally_node_get_for_actor(actor=actor, node_id=node_id), None


# ---- entries ------------------------------------------------------------------------------

def tally_entry_list_for_actor(*, actor, node_id: int | None = None, unit_id: int | None = None,
                               indicator_id: int | None = None, period: date | None = None,
                               subtree: bool = True, kind: str = "") -> QuerySet:
    qs = TallyEntry.objects.filter(access.tally_q(actor)).select_related("node", "unit", "indicator", "recorded_by")
    if unit_id:
        qs = qs.filter(unit=tally_unit_get_for_actor(actor=actor, unit_id=unit_id))
    elif node_id:
        node = tally_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node.path) if subtree else qs.filter(node=node, unit__isnull=True)
    if indicator_id:
        qs = qs.filter(indicator_id=indicator_id)
    if period:
        qs = qs.filter(period=period)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-recorded_at", "-id")


def tally_entry_get_for_actor(*, actor, entry_id: int) -> TallyEntry:
    entry = tally_entry_list_for_actor(actor=actor).filter(pk=entry_id).first()
    if entry is None:
        raise CoreError.NOT_FOUND.error()
    return entry


# ---- current values of one subject --------------------------------------------------------

@dataclass
class CurrentValue:
    indicator: Indicator
    value: int


def tally_values(*, node: Node, unit: Unit | None, period: date) -> dict[int, int]:
    """{indicator id: current value} of one bucket set (the caller checked the scope)."""
    rows = TallyTotal.objects.filter(node=node, unit=unit, period=period)
    return dict(rows.values_list("indicator_id", "value"))


def tally_current_for_actor(*, actor, node: Node, unit: Unit | None, period: date) -> list[CurrentValue]:
    """Every active indicator (and any retired one holding a value) with the subject's value."""
    if unit is not None:
        tally_unit_get_for_actor(actor=actor, unit_id=unit.pk)
    else:
        tally_node_get_for_actor(actor=actor, node_id=node.pk)
    values = tally_values(node=node, unit=unit, period=period)
    indicators = Indicator.objects.filter(indicators_q(node)).filter(
        Q(active=True) | Q(pk__in=[k for k, v in values.items() if v]))
    return [CurrentValue(i, values.get(i.pk, 0)) for i in indicators.order_by("sort", "id")]


# ---- roll-ups from the figures -------------------------------------------------------------

@dataclass
class IndicatorTotal:
    indicator: Indicator
    value: int


@dataclass
class ChildTotals:
    node: Node
    values: dict[int, int]  # indicator id → value over the child's subtree

    def value(self, indicator: Indicator) -> int:
        return self.values.get(indicator.pk, 0)


def _by_indicator(figures: dict, indicators: list[Indicator]) -> dict[int, int]:
    codes = {tally_metric(i.code): i.pk for i in indicators}
    out: dict[int, int] = {}
    for (metric, _period), value in figures.items():
        if metric in codes:
            out[codes[metric]] = out.get(codes[metric], 0) + int(value)
    return out


# ---- indicators of equipment on hand (aggregation "latest") ---------------------------------

LatestRow = tuple[str, str, date, int]  # (indicator code, subject: node or unit, month, value)


def latest_rows(node: Node, codes: list[str], since: date | None, until: date | None) -> list[LatestRow]:
    """The month values of `codes` entered in `node`'s subtree between since and until, per
    subject (a node's own, or a unit's): what `latest_sum` adds up."""
    if not codes:
        return []
    qs = TallyTotal.objects.filter(node__path__startswith=node.path, indicator__code__in=codes)
    if since is not None:
        qs = qs.filter(period__gte=since)
    if until is not None:
        qs = qs.filter(period__lte=until)
    return [(code, f"{node_id}:{unit_id or ''}", period, value) for code, node_id, unit_id, period, value in
            qs.values_list("indicator__code", "node_id", "unit_id", "period", "value")]


def latest_sum(rows: list[LatestRow], code: str, since: date | None = None, until: date | None = None) -> int:
    """An equipment indicator over a period: each subject's latest month in it (an entered 0
    counts: the vehicles were given back), added up over the subjects — station A's 3 消毒车 of
    March and station B's 2 of February are 5, and two months of A's 3 are 3."""
    latest: dict[str, tuple[date, int]] = {}
    for c, subject, period, value in rows:
        if c == code and (since is None or period >= since) and (until is None or period <= until):
            if subject not in latest or period > latest[subject][0]:
                latest[subject] = (period, value)
    return sum(value for _, value in latest.values())


LATEST_TOTALS = """
SELECT code, SUM(value) FROM (
  SELECT i.code AS code, t.value AS value,
         ROW_NUMBER() OVER (PARTITION BY t.indicator_id, t.node_id, t.unit_id ORDER BY t.period DESC) AS nth
    FROM campaigns_tallytotal t
    JOIN campaigns_indicator i ON i.id = t.indicator_id
    JOIN orgs_node n ON n.id = t.node_id
   WHERE n.path LIKE %s AND i.code IN ({codes}) AND t.period BETWEEN %s AND %s
) latest WHERE nth = 1 GROUP BY code
"""


def latest_totals(node: Node, codes: list[str], since: date, until: date) -> dict[str, int]:
    """latest_sum of each of `codes` over the months since..until in `node`'s subtree, added
    up in the database: each subject's latest month (a city's year is thousands of rows)."""
    if not codes:
        return {}
    with connection.cursor() as cur:
        cur.execute(LATEST_TOTALS.format(codes=", ".join(["%s"] * len(codes))),
                    [f"{node.path}%", *codes, since, until])
        return {code: int(total) for code, total in cur.fetchall()}


def latest_sums(rows: list[LatestRow], code: str, spans: list[tuple[date, date]]) -> list[int]:
    """latest_sum for each of `spans` (a trend's months or years: sorted, not overlapping) in
    one pass over the rows."""
    starts = [lo for lo, _ in spans]
    latest: list[dict[str, tuple[date, int]]] = [{} for _ in spans]
    for c, subject, period, value in rows:
        k = bisect_right(starts, period) - 1
        if c != code or k < 0 or period > spans[k][1]:
            continue
        if subject not in latest[k] or period > latest[k][subject][0]:
            latest[k][subject] = (period, value)
    return [sum(value for _, value in found.values()) for found in latest]


def _with_latest(values: dict[int, int], indicators: list[Indicator], node: Node, since, until) -> dict[int, int]:
    """`values` with each latest-value indicator's figure taken per subject (latest_sum)."""
    latest = [i for i in indicators if i.aggregation == Aggregation.LATEST]
    rows = latest_rows(node, [i.code for i in latest], since, until)
    return {**values, **{i.pk: latest_sum(rows, i.code) for i in latest}}


def tally_totals_for_actor(*, actor, node: Node, since: date, until: date) -> list[IndicatorTotal]:
    """Per indicator, the sum over `node`'s whole subtree and the months since..until: the
    node's own entries, its units' and everything below, each counted once."""
    tally_node_get_for_actor(actor=actor, node_id=node.pk)
    indicators = list(indicator_list(node=node))
    values = _by_indicator(figures_for(node, [tally_metric(i.code) for i in indicators], since=since,
                                       until=until), indicators)
    values = _with_latest(values, indicators, node, since, until)
    return [IndicatorTotal(i, values.get(i.pk, 0)) for i in indicators if i.active or values.get(i.pk)]


def tally_children_for_actor(*, actor, node: Node, since: date, until: date) -> list[ChildTotals]:
    """Each live child of `node` with its subtree's totals (to rank them)."""
    tally_node_get_for_actor(actor=actor, node_id=node.pk)
    children = list(Node.objects.filter(parent=node, archived_at__isnull=True).order_by("path"))
    indicators = list(indicator_list(node=node))
    figures = figures_for_children(children, [tally_metric(i.code) for i in indicators], since=since, until=until)
    return [ChildTotals(c, _with_latest(_by_indicator(figures[c.pk], indicators), indicators, c, since, until))
            for c in children]
