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

from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.demands.models import OPEN_STATUSES, Demand, DemandStatus
from wenming.orgs.models import Node
from wenming.orgs.selectors import node_get_for_actor
from wenming.service.models import ProjectStatus

from .metrics import FLOW, METRICS, STOCK, STOCK_PERIOD, Metric, family_metrics
from .summary import figures_for_children, figures_for_groups

ZERO = Decimal(0)
CENT = Decimal("0.01")
HEADLINE = ["volunteers", "volunteers_reserve", "volunteers_party", "teams"]
FLOWS = ["hours", "volunteers_joined", "demands_submitted", "demands_solved", "rating_sum", "rating_count"]
HOTLINE = ["hotline_calls", "hotline_crisis"]
RANKED = [("volunteers", "在册志愿者"), ("hours", "服务时长（小时）"), ("demands_solved", "办结点单")]


def month_starts(until: date, months: int) -> list[date]:
    first = until.replace(day=1)
    out = []
    for _ in range(months):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


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


def _sum(fig: dict, metric: str, since: date | None = None) -> Decimal:
    return sum((v for p, v in fig.get(metric, {}).items() if since is None or p >= since), ZERO)


def _extra_metrics() -> list[Metric]:
    """Metrics other apps register (grids, tallies, reform, online activity) — the members
    of families that list them included (tally:banner 宣传统计·横幅 条 …)."""
    known = set(HEADLINE + FLOWS + HOTLINE) | {"active_day"}
    return [m for code, m in METRICS.items() if code not in known] + family_metrics()


def dashboard_for_actor(*, actor, node_id: int, months: int = 12, today: date | None = None) -> dict:
    node = node_get_for_actor(actor=actor, node_id=node_id, with_parent=False)
    today = today or timezone.localdate()
    trend = month_starts(today, months)
    since = trend[0]
    scope = scope_for(actor)
    with_hotline = scope.allows(Perm.HOTLINE_STATS, node.path)
    families = [f"projects:{s}" for s in ProjectStatus.values] + [f"demands:{s}" for s in DemandStatus.values]
    extra = _extra_metrics()
    totals_of = ["hours", "demands_submitted", "demands_solved", "rating_sum", "rating_count"]
    flows_of = [m for m in FLOWS if m not in totals_of] + (HOTLINE if with_hotline else [])
    # One statement: stocks now, totals of all time, flows since the first month of the
    # trend, the last-service-day histogram of the last 30 days.
    values = _by_metric(figures_for_groups(node, [
        (HEADLINE + families + [m.code for m in extra if m.kind == STOCK], None, STOCK_PERIOD),
        (totals_of, None, None),
        (flows_of + [m.code for m in extra if m.kind != STOCK], since, None),
        (["active_day"], today - timedelta(days=29), today),
    ]))
    active_30d = int(_sum(values, "active_day"))
    rating_count, rating_sum = _sum(values, "rating_count"), _sum(values, "rating_sum")
    this_month = trend[-1]
    out = {
        "node": {"id": node.pk, "name": node.name, "kind": node.kind, "kind_name": node.get_kind_display(),
                 "path": node.path},
        "as_of": today,
        "months": trend,
        "volunteers": {
            "registered": _get(values, "volunteers"), "reserve": _get(values, "volunteers_reserve"),
            "party": _get(values, "volunteers_party"), "active_30d": active_30d,
            "joined_this_month": _get(values, "volunteers_joined", this_month),
        },
        "teams": _get(values, "teams"),
        "projects": {s.value: _get(values, f"projects:{s.value}") for s in ProjectStatus},
        "hours": {
            "total": _hours(_sum(values, "hours")),
            "this_month": _hours(_val(values, "hours", this_month)),
            "trend": [_hours(_val(values, "hours", m)) for m in trend],
        },
        "demands": {
            "submitted": int(_sum(values, "demands_submitted")),
            "solved": int(_sum(values, "demands_solved")),
            "average_rating": (rating_sum / rating_count).quantize(CENT) if rating_count else None,
            "overdue": overdue_demands(node),
            "by_status": {s.value: _get(values, f"demands:{s.value}") for s in DemandStatus},
            "submitted_trend": [_get(values, "demands_submitted", m) for m in trend],
            "solved_trend": [_get(values, "demands_solved", m) for m in trend],
        },
        "hotline": _hotline(values, trend) if with_hotline else None,
        "screening": _screening(values),
        "other": _other(extra, values, trend),
    }
    out["children"] = children_ranked(node, since=since)
    return out


def dashboard_roots_for_actor(*, actor) -> list[Node]:
    """The top nodes of the actor's node.view scope: where the dashboard starts."""
    scope = scope_for(actor)
    qs = Node.objects.filter(archived_at__isnull=True)
    if scope.is_global:
        return list(qs.filter(parent__isnull=True).order_by("path"))
    return list(qs.filter(path__in=scope.paths(Perm.NODE_VIEW)).order_by("path"))


def overdue_demands(node: Node) -> int:
    """Open requests past their SLA time in the subtree: a live count — few rows, found
    through the (status, due_at) index, so no summary is needed."""
    return Demand.objects.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now(),
                                 node__path__startswith=node.path).count()


def _hotline(values: dict, trend: list[date]) -> dict:
    from wenming.hotline.disclosure import rounded

    calls, crisis = _sum(values, "hotline_calls"), _sum(values, "hotline_crisis")
    return {"calls": rounded(int(calls)), "crisis": rounded(int(crisis)),
            "trend": [rounded(int(_get(values, "hotline_calls", m))) for m in trend],
            "note": "按心理热线发布规则：小于 3 的数不显示，其余取最接近的 5 的倍数"}


def _screening(values: dict) -> dict:
    """敲门行动 coverage: distinct households visited over the grids' household counts."""
    households, visited = _get(values, "grid_households"), _get(values, "households_visited")
    return {"households": households, "visited": visited, "grids_visited": _get(values, "grids_visited"),
            "visits": int(_sum(values, "visits")),
            "coverage_pct": (Decimal(visited * 100) / households).quantize(Decimal("0.1")) if households else None}


def _other(extra: list[Metric], values: dict, trend: list[date]) -> list[dict]:
    """The other apps' metrics over the period (a stock: now), with label and unit."""
    out = []
    for metric in extra:
        out.append({"code": metric.code, "label": metric.label, "unit": metric.unit, "kind": metric.kind,
                    "total": _sum(values, metric.code).quantize(CENT).normalize(),
                    "trend": [_val(values, metric.code, m) for m in trend] if metric.kind == FLOW else []})
    return out


def children_ranked(node: Node, *, since: date) -> list[dict]:
    children = list(Node.objects.filter(parent=node, archived_at__isnull=True).order_by("path"))
    if not children:
        return []
    values = figures_for_children(children, [code for code, _ in RANKED], since=None)
    rows = []
    for child in children:
        v = _by_metric(values[child.pk])
        rows.append({"id": child.pk, "name": child.name, "kind": child.get_kind_display(),
                     "volunteers": _get(v, "volunteers"), "hours": _hours(_sum(v, "hours", since)),
                     "demands_solved": int(_sum(v, "demands_solved", since))})
    return sorted(rows, key=lambda r: (-r["hours"], -r["volunteers"], r["name"]))
