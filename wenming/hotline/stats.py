"""Hotline statistics without personal data (SPEC 4.5): counts by period, caller group,
topic and hotline, crisis counts and average duration, over the hotlines the actor may see
statistics of (access.stats_hotlines_q).

Nothing here reads a summary, a note, a phone or a name: the queries touch only the
metadata columns. What may be shown of the counts is decided in disclosure.py: 1–2 are
hidden, the rest rounded to 5, and every breakdown protected so that no hidden count can be
had by subtraction. Ranges cover whole periods (calendar months for day and month figures,
ISO weeks for weekly ones): two ranges differ by whole months or weeks, never by a day.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from . import disclosure
from .access import may_view_stats, stats_hotlines_q
from .disclosure import MIN_CELL, ROUND_TO, Cell, StatRow, publish
from .errors import HotlineError as E
from .models import CallerGroup, CallLog, Hotline

__all__ = ["MIN_CELL", "PERIODS", "ROUND_TO", "HotlineStats", "StatRow", "call_stats_for_actor", "resolve_range",
           "stats_hotline_list"]

# period → (truncation, longest range in days, label)
PERIODS = {
    "day": (TruncDay, 366, "日"),
    "week": (TruncWeek, 3 * 366, "周"),
    "month": (TruncMonth, 5 * 366, "月"),
}
BREAKDOWNS = ("by_period", "by_caller_group", "by_topic", "by_hotline")


@dataclass
class HotlineStats:
    period: str
    date_from: date
    date_to: date
    min_cell: int
    round_to: int
    total: StatRow
    by_period: list[StatRow]
    by_caller_group: list[StatRow]
    by_topic: list[StatRow]
    by_hotline: list[StatRow]
    withheld: list[str]  # breakdowns not listed because their rows would give a hidden count away


_MEASURES = {"calls": Count("id"), "crisis": Count("id", filter=Q(is_crisis=True)), "minutes": Sum("duration_minutes")}


def _grouped(qs: QuerySet, *fields) -> list[dict]:
    # order_by(): the model's default ordering would otherwise join the GROUP BY.
    return list(qs.order_by().values(*fields).annotate(**_MEASURES).order_by(*fields))


def _cell(key, label: str, r: dict) -> Cell:
    return Cell(str(key), label, r["calls"], r["crisis"], r["minutes"] or 0)


def stats_hotline_list(*, actor) -> QuerySet:
    """Hotlines whose statistics the actor may read (for the filter and to check one)."""
    return Hotline.objects.filter(stats_hotlines_q(actor, "")).select_related("node").order_by("node__path", "name")


def _month_start(day: date, back: int = 0) -> date:
    months = day.year * 12 + day.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def _align(period: str, date_from: date, date_to: date) -> tuple[date, date]:
    """Widen a range to whole periods: ISO weeks (Monday–Sunday) for weekly figures,
    calendar months otherwise."""
    if period == "week":
        return date_from - timedelta(days=date_from.isoweekday() - 1), date_to + timedelta(days=7 - date_to.isoweekday())
    last = calendar.monthrange(date_to.year, date_to.month)[1]
    return _month_start(date_from), date_to.replace(day=last)


def resolve_range(period: str, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """The whole-period range a statistic covers. Defaults: this month and the last (day),
    the last 12 weeks (week), the last 12 months (month), up to the current period."""
    if period not in PERIODS:
        raise E.PERIOD_INVALID.error("period")
    _, longest, label = PERIODS[period]
    date_to = date_to or timezone.localdate()
    if date_from is None:
        date_from = {"day": date_to - timedelta(days=29), "week": date_to - timedelta(weeks=11),
                     "month": _month_start(date_to, back=11)}[period]
    if date_from > date_to:
        raise E.RANGE_INVALID.error("date_from", period=label, days=longest)
    date_from, date_to = _align(period, date_from, date_to)
    if (date_to - date_from).days >= longest:
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
    groups = dict(CallerGroup.choices)
    cells = {
        "by_period": [_cell(r["bucket"].isoformat(), _period_label(period, r["bucket"]), r) for r in
                      _grouped(qs.annotate(bucket=trunc("started_at", output_field=DateField())), "bucket")],
        "by_caller_group": [_cell(r["caller_group"], groups.get(r["caller_group"], r["caller_group"]), r)
                            for r in _grouped(qs, "caller_group")],
        "by_topic": [_cell(r["topic__code"], r["topic__name"], r)
                     for r in _grouped(qs, "topic__sort", "topic__code", "topic__name")],
        "by_hotline": [_cell(r["hotline_id"], f"{r['hotline__name']}（{r['hotline__node__name']}）", r)
                       for r in _grouped(qs, "hotline__node__path", "hotline_id", "hotline__name",
                                         "hotline__node__name")],
    }
    total, rows, withheld = publish(Cell("total", "合计", totals["calls"], totals["crisis"], totals["minutes"] or 0),
                                    cells)
    return HotlineStats(period=period, date_from=date_from, date_to=date_to, min_cell=disclosure.MIN_CELL,
                        round_to=disclosure.ROUND_TO,
                        total=total, withheld=withheld, **rows)


def _period_label(period: str, day: date) -> str:
    if period == "month":
        return f"{day.year}年{day.month}月"
    if period == "week":
        return f"{day:%Y-%m-%d} 起一周"
    return f"{day:%Y-%m-%d}"
