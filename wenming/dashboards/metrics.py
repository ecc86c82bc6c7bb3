"""The catalogue of dashboard metrics and the sources that recompute them from raw rows.

Each app owns its metrics in its own `figures.py`: it registers them here (code, label,
unit, kind), writes deltas with `summary.record` inside its services' transactions, and
registers a source — a function yielding the node-level values from its raw rows, which
`rebuild` rolls up and compares with the maintained summaries.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

STOCK_PERIOD = date(2000, 1, 1)  # the period of a current count (a stock, not a flow)
# A stock that keeps its history (Metric.history) also records each change in the month it
# happened, at periods from HISTORY_FLOOR on: its value as of a month's end is the sum of those
# months up to it, its current value stays at STOCK_PERIOD (both recomputed by `rebuild`).
HISTORY_FLOOR = date(2000, 2, 1)

FLOW, STOCK, DAILY = "flow", "stock", "daily"  # per month / current count / per day


SUM, LATEST = "sum", "latest"  # how a flow's months add up over a period (LATEST: the last month's)


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    kind: str = FLOW
    aggregate: str = SUM
    scope_path: str = ""  # an office's own metric matters only inside and above this node
    history: bool = False  # a stock whose changes are also dated (HISTORY_FLOOR): as-of values

    def period(self, when: date | datetime | None = None) -> date:
        if self.kind == STOCK:
            return STOCK_PERIOD
        if when is None:
            when = timezone.localdate()
        elif isinstance(when, datetime):
            when = timezone.localdate(when) if timezone.is_aware(when) else when.date()
        return when if self.kind == DAILY else when.replace(day=1)


Row = tuple[int, str, date, object]  # (node id, metric code, period, value)
METRICS: dict[str, Metric] = {}
FAMILIES: dict[str, Metric] = {}  # "tally:" → the metric of every tally:<indicator>
# prefix → (key, label, unit[, aggregate[, scope path]]) of each member
MEMBERS: dict[str, Callable[[], Iterable[tuple]]] = {}
SOURCES: list[Callable[[], Iterable[Row]]] = []


def register(*metrics: Metric) -> None:
    for m in metrics:
        METRICS[m.code] = m


def register_family(prefix: str, label: str, unit: str, kind: str = FLOW,
                    members: Callable[[], Iterable[tuple]] | None = None,
                    members_model=None) -> None:
    """Metrics named `prefix + key` (e.g. one per tally indicator or per project state).
    `members` lists the keys with their label and unit (and, for a tally indicator, how its
    months add up and the office it belongs to), for the dashboards to show;
    `members_model` is the table they come from (its writes clear the cached list)."""
    FAMILIES[prefix] = Metric(prefix, label, unit, kind)
    if members is not None:
        MEMBERS[prefix] = members
    if members_model is not None:
        for signal in (post_save, post_delete):
            signal.connect(members_changed, sender=members_model, dispatch_uid=f"dashboards-members-{prefix}")


MEMBERS_CACHE_KEY = "dashboards:family-members"
MEMBERS_TTL = 60  # seconds: the bound on staleness in another process (a save here clears it)
# Each process also keeps the list in memory this long: a dashboard then reads it without a
# round trip to the shared cache (one of a station dashboard's few, docs/benchmarks.md).
MEMBERS_LOCAL_TTL = 5.0
_members_here: list = []  # [read at (monotonic seconds), the list] once read


def family_metrics() -> list[Metric]:
    """Every member of the families that list theirs (tally:banner 横幅 条 …). Read on every
    dashboard view, changed rarely (an office adds an indicator): kept in this process for
    MEMBERS_LOCAL_TTL and in the cache, which `members_changed` clears when a member table is
    written."""
    now = time.monotonic()
    if _members_here and now - _members_here[0] < MEMBERS_LOCAL_TTL:
        return _members_here[1]
    out = cache.get(MEMBERS_CACHE_KEY)
    if out is None:
        out = []
        for prefix, members in MEMBERS.items():
            family = FAMILIES[prefix]
            for key, label, unit, *more in members():
                aggregate, scope_path = (list(more) + [SUM, ""][len(more):])[:2]
                out.append(Metric(f"{prefix}{key}", f"{family.label}·{label}", unit or family.unit, family.kind,
                                  aggregate, scope_path))
        cache.set(MEMBERS_CACHE_KEY, out, MEMBERS_TTL)
    _members_here[:] = [now, out]
    return out


def forget_members() -> None:
    """Drop the list here and in the shared cache."""
    _members_here.clear()
    cache.delete(MEMBERS_CACHE_KEY)


def members_changed(**_) -> None:
    """Signal receiver for the models that list a family's members (indicators, visit flags):
    forget the list now (this transaction's own reads) and again when the write commits (a
    reader in between may have cached the old list). Other processes see the change within
    MEMBERS_LOCAL_TTL when the cache is shared (Redis, the database table), within
    MEMBERS_TTL with a cache of their own."""
    forget_members()
    transaction.on_commit(forget_members)


def register_source(fn: Callable[[], Iterable[Row]]) -> Callable[[], Iterable[Row]]:
    SOURCES.append(fn)
    return fn


def metric_for(code: str) -> Metric:
    if code in METRICS:
        return METRICS[code]
    for prefix, family in FAMILIES.items():
        if code.startswith(prefix) and len(code) > len(prefix):
            return Metric(code, family.label, family.unit, family.kind)
    raise KeyError(f"unknown dashboard metric {code!r}")


def month_start(day: date) -> date:
    return day.replace(day=1)


def history_month(when: date | datetime) -> date:
    """The period a stock's change is dated in: its month, never before HISTORY_FLOOR (so
    never STOCK_PERIOD, the current count's)."""
    if isinstance(when, datetime):
        when = timezone.localdate(when) if timezone.is_aware(when) else when.date()
    return max(when.replace(day=1), HISTORY_FLOOR)


def stock_rows(node_id: int, metric: str, delta, when: date | datetime) -> list[Row]:
    """A change of a history-keeping stock: the current count and the dated change."""
    return [(node_id, metric, STOCK_PERIOD, delta), (node_id, metric, history_month(when), delta)]


def as_date(value) -> date:
    """A period from a database value (TruncMonth gives a date, or a datetime — aware for
    timestamp columns, in the current time zone): the local date."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
