"""Hotline statistics without personal data (SPEC 4.5): counts by period, caller group,
topic and hotline, crisis counts and average duration, over the hotlines the actor may see
statistics of (access.stats_hotlines_q).

Nothing here reads a summary, a note, a phone or a name: the queries touch only the
metadata columns. Small cells are suppressed: a count of 1 or 2 (MIN_CELL) is answered as
None with `suppressed = True` (shown as "<3"), and an average only for cells of at least
MIN_CELL calls, so a village line's single crisis call on one day cannot be picked out.
Zeros are exact. Totals follow the same rule. When a breakdown would hide exactly one cell
of a column whose total is shown, the smallest other non-zero cell is hidden too
(secondary suppression), so the hidden one cannot be had by subtraction from the total.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from .access import may_view_stats, stats_hotlines_q
from .errors import HotlineError as E
from .models import CallerGroup, CallLog, Hotline

MIN_CELL = 3
# period → (truncation, longest range in days, default range in days, label)
PERIODS = {
    "day": (TruncDay, 366, 30, "日"),
    "week": (TruncWeek, 3 * 366, 7 * 12, "周"),
    "month": (TruncMonth, 5 * 366, 365, "月"),
}


@dataclass
class StatRow:
    key: str
    label: str
    calls: int | None
    crisis: int | None
    avg_minutes: Decimal | None
    suppressed: bool


@dataclass
class HotlineStats:
    period: str
    date_from: date
    date_to: date
    min_cell: int
    total: StatRow
    by_period: list[StatRow]
    by_caller_group: list[StatRow]
    by_topic: list[StatRow]
    by_hotline: list[StatRow]


def _small(n: int) -> bool:
    return 0 < n < MIN_CELL


def _row(key, label, calls: int, crisis: int, minutes: int | None) -> StatRow:
    if _small(calls):
        return StatRow(str(key), label, None, None, None, True)
    avg = (Decimal(minutes or 0) / calls).quantize(Decimal("0.1"), ROUND_HALF_UP) if calls else None
    return StatRow(str(key), label, calls, None if _small(crisis) else crisis, avg, _small(crisis))


_MEASURES = {"calls": Count("id"), "crisis": Count("id", filter=Q(is_crisis=True)), "minutes": Sum("duration_minutes")}


def _grouped(qs: QuerySet, *fields) -> list[dict]:
    # order_by(): the model's default ordering would otherwise join the GROUP BY.
    return list(qs.order_by().values(*fields).annotate(**_MEASURES).order_by(*fields))


def _protect(rows: list[StatRow], total: StatRow) -> list[StatRow]:
    """Secondary suppression, per column, within one breakdown."""
    for attr in ("calls", "crisis"):
        if getattr(total, attr) is None or sum(getattr(r, attr) is None for r in rows) != 1:
            continue
        shown = [r for r in rows if getattr(r, attr)]
        if shown:
            victim = min(shown, key=lambda r: (getattr(r, attr), r.key))
            setattr(victim, attr, None)
            victim.suppressed = True
    return rows


def stats_hotline_list(*, actor) -> QuerySet:
    """Hotlines whose statistics the actor may read (for the filter and to check one)."""
    return Hotline.objects.filter(stats_hotlines_q(actor, "")).select_related("node").order_by("node__path", "name")


def resolve_range(period: str, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    if period not in PERIODS:
        raise E.PERIOD_INVALID.error("period")
    _, longest, default, label = PERIODS[period]
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - timedelta(days=default - 1)
    if date_from > date_to or (date_to - date_from).days >= longest:
        raise E.RANGE_INVALID.error("date_from", period=label, days=longest)
    return date_from, date_to


def call_stats_for_actor(*, actor, period: str = "day", date_from: date | None = None, date_to: date | None = None,
                         node=None, hotline: Hotline | None = None) -> HotlineStats:
    if not may_view_stats(actor):
        raise E.STATS_FORBIDDEN.error()
    date_from, date_to = resolve_range(period, date_from, date_to)
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    qs = CallLog.objects.filter(stats_hotlines_q(actor), started_at__gte=start, started_at__lt=end)
    if node is not None:
        qs = qs.filter(hotline__node__path__startswith=node.path)
    if hotline is not None:
        qs = qs.filter(hotline=hotline)

    totals = qs.aggregate(**_MEASURES)
    trunc = PERIODS[period][0]
    by_period = _grouped(qs.annotate(bucket=trunc("started_at", output_field=DateField())), "bucket")
    groups = dict(CallerGroup.choices)
    total = _row("total", "合计", totals["calls"], totals["crisis"], totals["minutes"])
    return HotlineStats(
        period=period, date_from=date_from, date_to=date_to, min_cell=MIN_CELL, total=total,
        by_period=_protect([_row(r["bucket"].isoformat(), _period_label(period, r["bucket"]), r["calls"], r["crisis"],
                                 r["minutes"]) for r in by_period], total),
        by_caller_group=_protect([_row(r["caller_group"], groups.get(r["caller_group"], r["caller_group"]),
                                       r["calls"], r["crisis"], r["minutes"]) for r in _grouped(qs, "caller_group")],
                                 total),
        by_topic=_protect([_row(r["topic__code"], r["topic__name"], r["calls"], r["crisis"], r["minutes"])
                           for r in _grouped(qs, "topic__sort", "topic__code", "topic__name")], total),
        by_hotline=_protect([_row(r["hotline_id"], f"{r['hotline__name']}（{r['hotline__node__name']}）", r["calls"],
                                  r["crisis"], r["minutes"])
                             for r in _grouped(qs, "hotline__node__path", "hotline_id", "hotline__name",
                                               "hotline__node__name")], total),
    )


def _period_label(period: str, day: date) -> str:
    if period == "month":
        return f"{day.year}年{day.month}月"
    if period == "week":
        return f"{day:%Y-%m-%d} 起一周"
    return f"{day:%Y-%m-%d}"
