"""Writing and reading the dashboard summaries.

- `record` — called by a service inside its transaction: one pending delta at the node
  where the data lives. Cheap, and no row shared with other writers.
- `fold_pending` — periodic (inline once a minute, or `wenming manage fold_figures`): adds
  the pending deltas to the node and to every ancestor (from the materialized path), in
  one upsert, and deletes them. One folder at a time (a PostgreSQL advisory lock; SQLite
  serializes writers anyway).
- `figures_for` / `figures_for_children` — what a dashboard reads: the folded rows of the
  node plus whatever is still pending in its subtree, in one statement (one snapshot, so a
  fold committing in between can neither double nor drop a delta).
- `subtree_moved` — called by orgs.node_move in its transaction: the moved subtree's totals
  leave the old ancestors and join the new ones.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.db import connection, transaction

from wenming.orgs.models import Node
from wenming.orgs.tree import ancestor_paths

from .metrics import metric_for
from .models import Figure, FigureDelta

FOLD_BATCH = 20_000
ZERO = Decimal(0)
SAFE_METRIC = re.compile(r"[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?")  # a metric, or a family member
_LOCK_KEY = 0x57_4D_46_44  # "WMFD": the advisory lock of the folder


def record(*, node_id: int, metric: str, delta, when=None, period: date | None = None) -> None:
    """A change of `delta` to `metric` at `node_id` (in the caller's transaction)."""
    value = Decimal(str(delta))
    if value:
        FigureDelta.objects.create(node_id=node_id, metric=metric, value=value,
                                   period=period or metric_for(metric).period(when))


def record_many(rows: Iterable[tuple[int, str, date, object]]) -> None:
    """Many deltas at once: (node id, metric, period, value)."""
    deltas = [FigureDelta(node_id=n, metric=m, period=p, value=Decimal(str(v))) for n, m, p, v in rows if v]
    FigureDelta.objects.bulk_create(deltas, batch_size=1000)


def _folder_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _ancestor_ids(node_ids: set[int]) -> dict[int, list[int]]:
    paths = dict(Node.objects.filter(pk__in=node_ids).values_list("pk", "path"))
    wanted = {p for path in paths.values() for p in ancestor_paths(path)}
    by_path = dict(Node.objects.filter(path__in=wanted).values_list("path", "pk"))
    return {pk: [by_path[p] for p in ancestor_paths(path) if p in by_path] for pk, path in paths.items()}


UPSERT = ("INSERT INTO dashboards_figure (node_id, metric, period, value) VALUES {rows} "
          "ON CONFLICT (node_id, metric, period) DO UPDATE SET value = dashboards_figure.value + excluded.value")


def _add(totals: dict[tuple[int, str, date], Decimal]) -> None:
    items = [(k, v) for k, v in totals.items() if v]
    with connection.cursor() as cur:
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            params = []
            for (node_id, metric, period), value in chunk:
                params += [node_id, metric, period, value]
            cur.execute(UPSERT.format(rows=", ".join(["(%s, %s, %s, %s)"] * len(chunk))), params)


def fold_pending(*, limit: int = FOLD_BATCH) -> int:
    """Fold up to `limit` pending deltas into the summaries; returns how many."""
    with transaction.atomic():
        _folder_lock()
        return _fold_locked(limit)


def _fold_locked(limit: int) -> int:
    rows = list(FigureDelta.objects.order_by("id").values_list("id", "node_id", "metric", "period", "value")[:limit])
    if not rows:
        return 0
    ancestors = _ancestor_ids({r[1] for r in rows})
    totals: dict[tuple[int, str, date], Decimal] = defaultdict(Decimal)
    for _, node_id, metric, period, value in rows:
        for target in ancestors.get(node_id, ()):
            totals[(target, metric, period)] += value
    _add(totals)
    FigureDelta.objects.filter(id__in=[r[0] for r in rows]).delete()
    return len(rows)


def fold_all() -> int:
    done = 0
    while n := fold_pending():
        done += n
    return done


def subtree_moved(*, node: Node, old_parent_id: int, new_parent_id: int) -> None:
    """Called inside node_move's transaction, **before** the paths change: fold what is
    pending (under the old paths), then move the subtree's totals from the old ancestors to
    the new ones as two deltas (their common ancestors see -x and +x: no change)."""
    _folder_lock()
    while _fold_locked(FOLD_BATCH):
        pass
    totals = list(Figure.objects.filter(node=node).values_list("metric", "period", "value"))
    FigureDelta.objects.bulk_create(
        [FigureDelta(node_id=old_parent_id, metric=m, period=p, value=-v) for m, p, v in totals if v]
        + [FigureDelta(node_id=new_parent_id, metric=m, period=p, value=v) for m, p, v in totals if v],
        batch_size=1000)


# Folded rows of the asked nodes, plus the deltas still pending anywhere in their subtrees
# (found by the constant path prefixes, an index range each; summed per path in SQL), in one
# statement — one snapshot. The wanted (metric, period range) pairs are a VALUES list joined
# to both sides: cheaper to plan than OR-ed IN lists, and the same SQL on SQLite and
# PostgreSQL (VALUES columns are column1…3 in both).
READ = """
SELECT f.node_id, '', f.metric, f.period, f.value
  FROM dashboards_figure f
  JOIN (VALUES {wanted}) g ON g.column1 = f.metric AND f.period BETWEEN g.column2 AND g.column3
 WHERE f.node_id IN ({ids})
UNION ALL
SELECT NULL, n.path, d.metric, d.period, SUM(d.value)
  FROM dashboards_figuredelta d
  JOIN orgs_node n ON n.id = d.node_id
  JOIN (VALUES {wanted}) g ON g.column1 = d.metric AND d.period BETWEEN g.column2 AND g.column3
 WHERE {prefixes}
 GROUP BY n.path, d.metric, d.period
"""

# The same read summed over each metric's range: one row per node and metric (a map's or a
# ranking's nodes need the period's total and the stock, not every month).
READ_TOTALS = """
SELECT f.node_id, '', f.metric, NULL, SUM(f.value)
  FROM dashboards_figure f
  JOIN (VALUES {wanted}) g ON g.column1 = f.metric AND f.period BETWEEN g.column2 AND g.column3
 WHERE f.node_id IN ({ids})
 GROUP BY f.node_id, f.metric
UNION ALL
SELECT NULL, n.path, d.metric, NULL, SUM(d.value)
  FROM dashboards_figuredelta d
  JOIN orgs_node n ON n.id = d.node_id
  JOIN (VALUES {wanted}) g ON g.column1 = d.metric AND d.period BETWEEN g.column2 AND g.column3
 WHERE {prefixes}
 GROUP BY n.path, d.metric
"""

# What one read asks for: some metrics, over periods from `since` to `until` (None: open).
Group = tuple[list[str], date | None, date | None]


def _day(value: date) -> date:
    """A plain date (a datetime's isoformat would not compare as a date on SQLite)."""
    return date(value.year, value.month, value.day)


def _ranges(groups: list[Group]) -> dict[str, tuple[date, date]]:
    """metric → (since, until). A metric asked for twice must be asked for the same range:
    the caller sums each metric's periods, so a merged range would silently widen one."""
    out: dict[str, tuple[date, date]] = {}
    for metrics, since, until in groups:
        span = (_day(since or date.min), _day(until or date.max))
        for m in metrics:
            if out.setdefault(m, span) != span:
                raise ValueError(f"metric {m!r} asked for two period ranges")
    return out


@lru_cache(maxsize=256)
def _wanted_literal(vendor: str, ranges: tuple[tuple[str, date, date], ...]) -> str:
    """The VALUES rows as SQL text, built once per distinct request: binding a dashboard's
    ~200 values as parameters on every call cost more than running the query. Only called
    with metric codes that SAFE_METRIC accepts (letters, digits, _ and -, one ':') and plain
    dates, so nothing here can end a string literal."""
    rows = []
    for metric, lo, hi in ranges:
        dates = [f"DATE '{d.isoformat()}'" if vendor == "postgresql" else f"'{d.isoformat()}'" for d in (lo, hi)]
        rows.append(f"('{metric}', {dates[0]}, {dates[1]})")
    return ", ".join(rows)


def _wanted(ranges: dict[str, tuple[date, date]]) -> tuple[str, list]:
    """(VALUES rows, their parameters): literal text when every code is a plain slug — what
    the registered metrics are — else bound parameters (an odd code someone loaded by hand
    must not break the dashboards)."""
    triples = tuple((m, lo, hi) for m, (lo, hi) in ranges.items())
    if all(SAFE_METRIC.fullmatch(m) for m, _, _ in triples):
        return _wanted_literal(connection.vendor, triples), []
    return ", ".join(["(%s, %s, %s)"] * len(triples)), [x for t in triples for x in t]


def _read(nodes: list[Node], groups: list[Group], template: str = READ) -> dict[int, dict[tuple[str, date], Decimal]]:
    """{node id: {(metric, period): value}} over each node's subtree, exact at this moment
    (READ_TOTALS: period None, the range's sum)."""
    nodes = list({n.pk: n for n in nodes}.values())  # a node asked for twice counts once
    out: dict[int, dict[tuple[str, date], Decimal]] = {n.pk: {} for n in nodes}
    ranges = _ranges(groups)
    if not nodes or not ranges:
        return out
    wanted, wanted_params = _wanted(ranges)
    tops = _outermost(n.path for n in nodes)  # a map's nodes under its ranked ones: a few prefixes, not 500
    sql = template.format(wanted=wanted, ids=", ".join(["%s"] * len(nodes)),
                      prefixes=" OR ".join(["n.path LIKE %s"] * len(tops)))
    params = [*wanted_params, *(n.pk for n in nodes), *wanted_params, *(f"{p}%" for p in tops)]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    by_path = {n.path: n.pk for n in nodes}
    lengths = sorted({len(p) for p in by_path})
    for node_id, path, metric, period, value in rows:
        key, amount = (metric, period and _as_date(period)), Decimal(str(value))
        if node_id is not None:
            targets = [node_id]
        else:  # a pending delta counts for every asked node whose subtree holds its node
            targets = [by_path[path[:k]] for k in lengths if path[:k] in by_path]
        for target in targets:
            figures = out[target]
            figures[key] = figures.get(key, ZERO) + amount
    return out


def _outermost(paths) -> list[str]:
    """The paths not below another of them: their prefixes find every pending delta of all."""
    out: list[str] = []
    for path in sorted(set(paths)):  # an ancestor sorts before its subtree
        if not out or not path.startswith(out[-1]):
            out.append(path)
    return out


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def figures_for(node: Node, metrics: list[str], *, since: date | None = None,
                until: date | None = None) -> dict[tuple[str, date], Decimal]:
    """{(metric, period): value} over the node's whole subtree, exact at this moment."""
    return figures_for_groups(node, [(metrics, since, until)])


def figures_for_groups(node: Node, groups: list[Group]) -> dict[tuple[str, date], Decimal]:
    """The same for several (metrics, since, until) groups in one statement — what a
    dashboard reads at once (stocks now, flows of the last months, totals of all time).
    A metric named in two groups gets the widest of their ranges."""
    return _read([node], groups)[node.pk]


def totals_for_nodes(nodes: list[Node], groups: list[Group]) -> dict[int, dict[str, Decimal]]:
    """{node id: {metric: sum over its range}} for several nodes in one statement: a stock read
    as of a month (stock_groups) is its dated changes summed, i.e. its value then."""
    return {pk: {metric: v for (metric, _), v in found.items()}
            for pk, found in _read(nodes, groups, READ_TOTALS).items()}


def figures_for_children(nodes: list[Node], metrics: list[str], *, since: date | None = None,
                         until: date | None = None) -> dict[int, dict[tuple[str, date], Decimal]]:
    """The same for several nodes at once (a node's children, for ranking them)."""
    return _read(nodes, [(metrics, since, until)])
