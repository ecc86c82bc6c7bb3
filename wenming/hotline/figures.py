"""Dashboard figures of the counselling hotline (docs/dashboards.md): calls and crisis calls
per month of the call, at the hotline's node — counts only, nothing about a caller. The
dashboards show them through the hotline's disclosure rules (rounded, small counts hidden)."""

from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from wenming.dashboards.metrics import Metric, as_date, register, register_source
from wenming.dashboards.summary import record_many

from .models import CallLog, CallTally

register(Metric("hotline_calls", "心理热线来电", "次"), Metric("hotline_crisis", "危机来电", "次"))


def _rows(call: CallLog | None, sign: int) -> list:
    if call is None:
        return []
    month = timezone.localdate(call.started_at).replace(day=1)
    node = call.hotline.node_id
    return [(node, "hotline_calls", month, sign)] + ([(node, "hotline_crisis", month, sign)] if call.is_crisis else [])


def call_changed(before: tuple[date, bool] | None, call: CallLog) -> None:
    """`before` is (started_at, is_crisis) as stored before the change, None for a new call."""
    old = []
    if before is not None:
        month = timezone.localdate(before[0]).replace(day=1)
        node = call.hotline.node_id
        old = [(node, "hotline_calls", month, -1)] + ([(node, "hotline_crisis", month, -1)] if before[1] else [])
    record_many(old + _rows(call, +1))


@register_source
def raw_rows():
    months = (CallLog.objects.annotate(month=TruncMonth("started_at", tzinfo=timezone.get_current_timezone()))
              .values("hotline__node_id", "month")
              .annotate(n=Count("pk"), crisis=Count("pk", filter=Q(is_crisis=True)))
              .values_list("hotline__node_id", "month", "n", "crisis"))
    for node_id, month, n, crisis in months:
        day = as_date(month)
        yield node_id, "hotline_calls", day, n
        yield node_id, "hotline_crisis", day, crisis
    for node_id, month, calls, crisis in CallTally.objects.values_list(
            "hotline__node_id", "period", "calls_remainder", "crisis_remainder"):
        yield node_id, "hotline_calls", month, calls  # what a paper log adds to the logged calls
        yield node_id, "hotline_crisis", month, crisis
