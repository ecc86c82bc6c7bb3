"""What a node's dashboard shows, read from the summaries (never from the raw tables, except
the live count of overdue requests, which is a handful of rows found through an index).

`dashboard_for_actor(actor=, node=, months=12)` answers for a node the actor may see
(node.view over it; out of scope = 404): headline figures, trends by month, projects and
requests by state, the hotline (counts only, rounded as the hotline publishes them; with
hotline.stats), the figures other apps register (screening, tallies, custom reform,
online activity — shown when their apps are installed), and the children ranked.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.campaigns.tally_selectors import latest_rows, latest_sums, latest_totals
from wenming.demands.models import OPEN_STATUSES, Demand, DemandStatus
from wenming.orgs.models import Node, NodeKind
from wenming.orgs.selectors import node_get_for_actor
from wenming.service.models import ProjectStatus

from .asof import collapse, grid_coverage_as_of, is_past, month_end, stock_groups
from .metrics import FLOW, LATEST, METRICS, STOCK, STOCK_PERIOD, Metric, family_metrics
from .periods import TREND_MONTHS, Bucket, Period, last_months
from .summary import figures_for_groups, totals_for_nodes

ZERO = Decimal(0)
CENT = Decimal("0.01")
HEADLINE = ["volunteers", "volunteers_reserve", "volunteers_party", "teams"]
FLOWS = ["hours", "volunteers_joined", "demands_submitted", "demands_solved", "rating_sum", "rating_count"]
HOTLINE = ["hotline_calls", "hotline_crisis"]
MAX_DEPTH = 8  # levels walked down to find one worth ranking
MAP_LIMIT = 500  # points on the map
NETWORK_FIELDS = ("id", "name", "kind", "parent_id", "path", "depth", "lat", "lon")  # what ranking and map use
# the two live levels under a node (its path, depth + 1, depth + 2); written out in SQL, as the
# ORM's building of it cost more than running it
TWO_LEVELS = (f"SELECT {', '.join(NETWORK_FIELDS)} FROM {Node._meta.db_table} WHERE path LIKE %s"
              " AND depth IN (%s, %s) AND archived_at IS NULL ORDER BY path")


def month_starts(until: date, months: int) -> list[date]:
    """The first days of the `months` months ending with `until`'s month."""
    return last_months(until, months).month_starts()


def _by_metric(values: dict[tuple[str, date], Decimal]) -> dict[str, dict[date, Decimal]]:
    """{(metric, period): value} → {metric: {period: value}}, so each lookup below touches
    one metric's periods, not every figure of the node."""
    out: dict[str, dict[date, Decimal]] = {}
    for (metric, period), value in values.items():
        out.setdefault(metric, {})[period] = value
    return out


def _val(fig: dict, metric: str, period: date = STOCK_PERIOD) -> Decimal:
    return fig.get(metric, {}).get(period, ZERO)


def _get(fig: dict, metric: str, period: date = STOCK_PERIOD) -> int:
    """A count."""
    return int(_val(fig, metric, period))


def _hours(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def _sum(fig: dict, metric: str, since: date | None = None, until: date | None = None) -> Decimal:
    return sum((v for p, v in fig.get(metric, {}).items()
                if (since is None or p >= since) and (until is None or p <= until)), ZERO)


def _trend(fig: dict, metric: str, buckets: list[Bucket]) -> list[Decimal]:
    """The metric's sum in each bucket of the trend (a month, or a year of a long period)."""
    months = fig.get(metric, {})  # monthly figures: keyed by first days
    return [months.get(b.start, ZERO) if b.start == b.end else _sum(fig, metric, b.start, b.end) for b in buckets]


def _extra_metrics(node: Node) -> list[Metric]:
    """Metrics other apps register (grids, tallies, reform, online activity) — the members
    of families that list them included (tally:banner 宣传统计·横幅 条 …), leaving out an
    office's own indicators where they do not apply (neither inside nor above that office)."""
    known = set(HEADLINE + FLOWS + HOTLINE) | {"active_day"}
    members = [m for m in family_metrics()
               if not m.scope_path or node.path.startswith(m.scope_path) or m.scope_path.startswith(node.path)]
    return [m for code, m in METRICS.items() if code not in known] + members


def dashboard_for_actor(*, actor, node_id: int, period: Period | None = None, months: int = 12,
                        today: date | None = None) -> dict:
    """The dashboard of a node for a period (default: the last `months` months). Flows are
    the period's; 累计 figures are everything up to the period's end; stocks (volunteers,
    teams, grid coverage, party check-ins) are as of the end of a period that is over
    (`stocks_as_of`, asof.py) and today's for one that reaches this month (`stocks_now`);
    projects and requests by state keep no history and are always today's; the live figures
    (served in the last 30 days, overdue requests) only when the period reaches today."""
    node = node_get_for_actor(actor=actor, node_id=node_id, with_parent=False)
    today = today or timezone.localdate()
    period = period or last_months(today, months)
    buckets = period.buckets()
    since, end = period.since, period.end
    live = period.includes(today)
    as_of = _as_of(period, today)
    scope = scope_for(actor)
    with_hotline = scope.allows(Perm.HOTLINE_STATS, node.path)
    families = [f"projects:{s}" for s in ProjectStatus.values] + [f"demands:{s}" for s in DemandStatus.values]
    extra = _extra_metrics(node)
    totals_of = ["hours", "demands_submitted", "demands_solved", "rating_sum", "rating_count"]
    flows_of = [m for m in FLOWS if m not in totals_of] + (HOTLINE if with_hotline else [])
    # One statement: stocks now, totals up to the period's end (the period's own part is
    # summed from their months), the other flows of the period, and — when the period
    # reaches today — the last-service-day histogram of the last 30 days.
    groups = [
        *stock_groups(HEADLINE + families + [m.code for m in extra if m.kind == STOCK], as_of),
        (totals_of, None, end),
        (flows_of + [m.code for m in extra if m.kind != STOCK], since, end),
    ]
    if live:
        groups.append((["active_day"], today - timedelta(days=29), today))
    values = _by_metric(collapse(figures_for_groups(node, groups)))
    if as_of is not None:  # grid coverage keeps no dated figures: recounted from the visits
        values |= {m: {STOCK_PERIOD: Decimal(n)} for m, n in grid_coverage_as_of(node, as_of).items()}
    rating_count, rating_sum = _sum(values, "rating_count", since), _sum(values, "rating_sum", since)
    ranking, below = network(node)
    out = {
        "node": {"id": node.pk, "name": node.name, "kind": node.kind, "kind_name": node.get_kind_display(),
                 "path": node.path},
        "as_of": today,
        "period": {"since": since, "until": period.until, "end": end, "label": period.label,
                   "months": period.months, "live": live, "by": "month" if period.months <= TREND_MONTHS else "year"},
        "stocks_now": as_of is None,
        "stocks_as_of": month_end(as_of) if as_of else None,
        "stock_label": "期末" if as_of else "当前",  # how the pages label volunteers, teams, coverage
        "months": [b.start for b in buckets],
        "trend_labels": [b.label for b in buckets],
        "volunteers": {
            "registered": _get(values, "volunteers"), "reserve": _get(values, "volunteers_reserve"),
            "party": _get(values, "volunteers_party"),
            "active_30d": int(_sum(values, "active_day")) if live else None,
            "joined": int(_sum(values, "volunteers_joined")),
        },
        "teams": _get(values, "teams"),
        "projects": {s.value: _get(values, f"projects:{s.value}") for s in ProjectStatus},
        "hours": {
            "total": _hours(_sum(values, "hours")),
            "period": _hours(_sum(values, "hours", since)),
            "trend": [_hours(v) for v in _trend(values, "hours", buckets)],
        },
        "demands": {
            "submitted": int(_sum(values, "demands_submitted", since)),
            "solved": int(_sum(values, "demands_solved", since)),
            "submitted_total": int(_sum(values, "demands_submitted")),
            "solved_total": int(_sum(values, "demands_solved")),
            "average_rating": (rating_sum / rating_count).quantize(CENT) if rating_count else None,
            "overdue": overdue_demands(node) if live else None,
            "by_status": {s.value: _get(values, f"demands:{s.value}") for s in DemandStatus},
            "submitted_trend": [int(v) for v in _trend(values, "demands_submitted", buckets)],
            "solved_trend": [int(v) for v in _trend(values, "demands_solved", buckets)],
        },
        "hotline": _hotline(values, buckets) if with_hotline else None,
        "screening": _screening(values),
        "other": _other(extra, values, buckets, node, as_of is not None),
    }
    on_map = map_nodes(node, ranking, below)
    # the ranked nodes and the map's in one read: volunteers at the period's end, its flows
    values = totals_for_nodes([*ranking, *on_map], [*stock_groups(["volunteers"], _as_of(period, today)),
                                                    (["hours", "demands_solved"], period.since, period.end)])
    out["children"] = children_ranked(ranking, values)
    kinds = {n.kind for n in ranking}
    out["ranking_level"] = ranking[0].get_kind_display() if len(kinds) == 1 else "下级阵地"
    out["map"] = map_points(on_map, values)
    return out


def dashboard_roots_for_actor(*, actor) -> list[Node]:
    """The top nodes of the actor's node.view scope: where the dashboard starts."""
    scope = scope_for(actor)
    qs = Node.objects.filter(archived_at__isnull=True)
    if scope.is_global:
        return list(qs.filter(parent__isnull=True).order_by("path"))
    return list(qs.filter(path__in=scope.paths(Perm.NODE_VIEW)).order_by("path"))


OVERDUE = (f"SELECT COUNT(*) FROM {Demand._meta.db_table} d JOIN {Node._meta.db_table} n ON n.id = d.node_id"
           f" WHERE d.status IN ({', '.join(['%s'] * len(OPEN_STATUSES))}) AND d.due_at < %s AND n.path LIKE %s")


def overdue_demands(node: Node) -> int:
    """Open requests past their SLA time in the subtree: a live count — few rows, found
    through the (status, due_at) index, so no summary is needed. Written out in SQL: building
    the ORM's count costs more than running it (a station dashboard's budget is a few ms)."""
    with connection.cursor() as cur:  # paths are [0-9A-Z]: nothing in them to escape for LIKE
        cur.execute(OVERDUE, [*(str(s) for s in OPEN_STATUSES), timezone.now(), f"{node.path}%"])
        return cur.fetchone()[0]


def _hotline(values: dict, buckets: list[Bucket]) -> dict:
    from wenming.hotline.disclosure import rounded

    calls, crisis = _sum(values, "hotline_calls"), _sum(values, "hotline_crisis")
    return {"calls": rounded(int(calls)), "crisis": rounded(int(crisis)),
            "trend": [rounded(int(v)) for v in _trend(values, "hotline_calls", buckets)],
            "note": "按心理热线发布规则：小于 3 的数不显示，其余取最接近的 5 的倍数"}


def _screening(values: dict) -> dict:
    """敲门行动 coverage: distinct households visited over the grids' household counts (now);
    the visits of the period."""
    households, visited = _get(values, "grid_households"), _get(values, "households_visited")
    return {"households": households, "visited": visited, "grids_visited": _get(values, "grids_visited"),
            "visits": int(_sum(values, "visits")),
            "coverage_pct": (Decimal(visited * 100) / households).quantize(Decimal("0.1")) if households else None}


def _other(extra: list[Metric], values: dict, buckets: list[Bucket], node: Node, past: bool) -> list[dict]:
    """The other apps' metrics over the period (a stock: at the end of a past period when it
    keeps its history, else now — `now` says which), with label and unit. An
    equipment indicator (aggregate LATEST) is each subject's latest month, added up
    (campaigns.tally_selectors.latest_sum), not a sum of months."""
    latest = [m.code.removeprefix("tally:") for m in extra if m.aggregate == LATEST and m.code.startswith("tally:")]
    # month values are never negative: with nothing entered in the period, every latest value is 0
    entered = [c for c in latest if _sum(values, f"tally:{c}")]
    since, until = buckets[0].start, buckets[-1].end
    totals = latest_totals(node, entered, since, month_end(until))
    monthly = all(b.start == b.end for b in buckets)
    # a month's latest value is its value (one row per subject and month): the figure store's
    # monthly sums are the trend; years (a period over 36 months) need the rows
    rows = [] if monthly else latest_rows(node, entered, since, until)
    out = []
    for metric in extra:
        code = metric.code.removeprefix("tally:")
        if code in latest:
            total = Decimal(totals.get(code, 0))
            trend = _trend(values, metric.code, buckets) if monthly else \
                [Decimal(n) for n in latest_sums(rows, code, [(b.start, b.end) for b in buckets])]
        else:
            total = _sum(values, metric.code)
            trend = _trend(values, metric.code, buckets) if metric.kind == FLOW else []
        out.append({"code": metric.code, "label": metric.label, "unit": metric.unit, "kind": metric.kind,
                    "aggregate": metric.aggregate, "total": total.quantize(CENT), "trend": trend,
                    "now": metric.kind == STOCK and not (past and metric.history)})
    return out


def network(node: Node) -> tuple[list[Node], list[Node]]:
    """(the ranking level, the live level below it). The ranking level is the first level below
    `node` with more than one live node (a county whose only child is its center ranks the
    center's institutes); [] when there is none, and then the node's children come second.
    The two levels under `node` in one read, more only when a level has a single node."""
    depth = node.depth
    rows = list(Node.objects.raw(TWO_LEVELS, [f"{node.path}%", depth + 1, depth + 2]))
    level = [n for n in rows if n.depth == depth + 1]
    ids = {n.pk for n in level}
    below = [n for n in rows if n.depth == depth + 2 and n.parent_id in ids]
    children = level  # with no ranking level, the map shows the node and these
    for _ in range(MAX_DEPTH):
        if len(level) > 1:
            return level, below
        if not level:
            return [], children
        level, below = below, list(Node.objects.filter(parent__in=below, archived_at__isnull=True)
                                   .only(*NETWORK_FIELDS).order_by("path"))
    return [], children


def _as_of(period: Period, today: date | None = None) -> date | None:
    """The month whose end a period's stocks are counted at: its last, when it is over."""
    return period.until if is_past(period.until, today) else None


def children_ranked(nodes: list[Node], values: dict) -> list[dict]:
    """`nodes` (a ranking level) by the period's service hours, then volunteers (at the
    period's end); `values` read for them by totals_for_nodes."""
    rows = []
    for child in nodes:
        v = values[child.pk]
        rows.append({"id": child.pk, "name": child.name, "kind": child.get_kind_display(),
                     "volunteers": int(v.get("volunteers", 0)), "hours": _hours(v.get("hours", ZERO)),
                     "demands_solved": int(v.get("demands_solved", 0))})
    return sorted(rows, key=lambda r: (-r["hours"], -r["volunteers"], r["name"]))


def map_nodes(node: Node, ranking: list[Node], below: list[Node]) -> list[Node]:
    """The node network on a map: the ranking level (else the node) and the level below it
    (grids, archived nodes and nodes without coordinates left out; at most MAP_LIMIT)."""
    return [n for n in [*(ranking or [node]), *below]
            if n.lat is not None and n.lon is not None and n.kind != NodeKind.GRID][:MAP_LIMIT]


def map_points(nodes: list[Node], values: dict) -> list[dict]:
    """Each node of the map with the period's service hours and its volunteers (at the period's
    end). Drawn as a scatter on longitude and latitude: no map tiles, nothing fetched from outside."""
    out = []
    for n in nodes:
        v = values[n.pk]
        out.append({"id": n.pk, "name": n.name, "kind": n.kind, "kind_name": n.get_kind_display(),
                    "lat": float(n.lat), "lon": float(n.lon), "hours": _hours(v.get("hours", ZERO)),
                    "volunteers": int(v.get("volunteers", 0))})
    return out


def plain_numbers(value):
    """The dashboard with its Decimals as plain JSON numbers (an int when whole): what the API
    answers and the charts read. A Decimal would otherwise travel as text, "3E+2"."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_numbers(v) for v in value]
    return value
