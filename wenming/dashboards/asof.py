"""Stocks as of a period's end (issue 14): a report or dashboard for a period that is over
counts volunteers, teams, party check-ins, nodes and grid coverage as they stood on its last
day, not as they stand today.

- Stocks that keep their history (Metric.history: the register, the reserve, party members,
  teams, party check-ins) are read from the figure store: the sum of their dated changes up
  to the period's last month (dashboards.metrics.HISTORY_FLOOR).
- Nodes (built stations, grids) count when they were created by the period's end and not
  archived by then.
- Grid coverage is recomputed from the visits (households and grids with a live visit by the
  period's end, in grids that existed then); the households registered in a grid have no
  history, so the register's count of today is used (and said so).
- Anything else (projects and requests by state, open findings) has no history: it is shown
  as today's and labelled 当前.
"""

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from wenming.orgs.models import Node, NodeKind

from .metrics import HISTORY_FLOOR, METRICS, STOCK_PERIOD
from .summary import Group


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def live_at(end_at: datetime) -> Q:
    """Rows (nodes, teams, hotlines) that existed at `end_at` and were not archived by then."""
    return Q(created_at__lte=end_at) & (Q(archived_at__isnull=True) | Q(archived_at__gt=end_at))


def is_past(until: date, today: date | None = None) -> bool:
    """Whether a period whose last month is `until` is over (its stocks are as of its end)."""
    return until.replace(day=1) < (today or timezone.localdate()).replace(day=1)


def keeps_history(metric: str) -> bool:
    return metric in history_metrics()


def history_metrics() -> set[str]:
    """The stocks that keep their history (registered metrics only: family members do not)."""
    return {code for code, m in METRICS.items() if m.history}


def stock_groups(metrics: list[str], until: date | None) -> list[Group]:
    """The reads of `metrics` as stocks: now (until None), or as of the end of the month
    `until` for those that keep their history (the others: now)."""
    if until is None:
        return [(metrics, None, STOCK_PERIOD)]
    dated = [m for m in metrics if keeps_history(m)]
    now = [m for m in metrics if m not in dated]
    return [g for g in ((now, None, STOCK_PERIOD), (dated, HISTORY_FLOOR, until.replace(day=1))) if g[0]]


def collapse(values: dict[tuple[str, date], object]) -> dict:
    """{(metric, period): value} with every dated change of a history-keeping stock added into
    its (metric, STOCK_PERIOD): the as-of value, where the readers look for a stock."""
    dated = history_metrics()
    out: dict = {}
    for (metric, period), value in values.items():
        key = (metric, STOCK_PERIOD) if metric in dated and period >= HISTORY_FLOOR else (metric, period)
        out[key] = out.get(key, 0) + value
    return out


def nodes_by_kind(node: Node, until: date | None) -> dict[str, int]:
    """The live nodes under `node` by kind, now or as of the end of the month `until`."""
    qs = Node.objects.filter(path__startswith=node.path).exclude(pk=node.pk)
    qs = qs.filter(archived_at__isnull=True) if until is None else qs.filter(live_at(end_of_day(month_end(until))))
    return dict(qs.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))


def grid_coverage_as_of(node: Node, until: date) -> dict[str, int]:
    """grid_households, households_visited, grids_visited under `node` at the end of the
    month `until`, from the raw visits (a report is asked for rarely)."""
    from wenming.grids.models import GridProfile, HouseholdVisit

    end_at = end_of_day(month_end(until))
    grids = Node.objects.filter(live_at(end_at), path__startswith=node.path, kind=NodeKind.GRID)
    households = GridProfile.objects.filter(node__in=grids).aggregate(n=Sum("household_count"))["n"] or 0
    households_seen = HouseholdVisit.objects.filter(grid__in=grids, visited_at__lte=end_at, voided_at__isnull=True) \
        .order_by().values("grid_id", "household_key").distinct()
    sql, params = households_seen.query.sql_with_params()
    with connection.cursor() as cur:  # both counts in one pass over the visits
        cur.execute(f"SELECT COUNT(*), COUNT(DISTINCT grid_id) FROM ({sql}) seen", params)
        visited, grids_visited = cur.fetchone()
    return {"grid_households": households, "households_visited": visited, "grids_visited": grids_visited}
