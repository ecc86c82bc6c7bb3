"""Dashboard figures of residents' requests (docs/dashboards.md), at the request's current
node (an escalation moves its whole contribution to the parent):

- `demands_submitted` per month of submission, `demands:<status>` (a stock per state);
- `demands_solved` per month of completion (`completed_at`: completed by a volunteer or a
  household's confirmed delivery), and the residents' ratings as `rating_sum` and
  `rating_count` in the same month (the average is their quotient).
Each write takes the request's profile before and after and records the difference.
"""

from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from wenming.dashboards.metrics import (
    STOCK,
    STOCK_PERIOD,
    Metric,
    as_date,
    register,
    register_family,
    register_source,
)
from wenming.dashboards.summary import record_many

from .models import Demand

register(
    Metric("demands_submitted", "群众点单", "件"),
    Metric("demands_solved", "办结点单", "件"),
    Metric("rating_sum", "评价分数合计", "分"),
    Metric("rating_count", "评价次数", "次"),
)
register_family("demands:", "点单状态", "件", STOCK)


@dataclass(frozen=True)
class Profile:
    node_id: int
    status: str
    submitted: date
    completed: date | None
    rating: int | None

    def rows(self, sign: int) -> list:
        out = [(self.node_id, "demands_submitted", self.submitted, sign),
               (self.node_id, f"demands:{self.status}", STOCK_PERIOD, sign)]
        if self.completed is not None:
            out.append((self.node_id, "demands_solved", self.completed, sign))
            if self.rating:
                out += [(self.node_id, "rating_sum", self.completed, sign * self.rating),
                        (self.node_id, "rating_count", self.completed, sign)]
        return out


def _month(moment) -> date | None:
    return timezone.localdate(moment).replace(day=1) if moment else None


def profile_of(demand: Demand, **overrides) -> Profile:
    p = Profile(demand.node_id, demand.status, _month(demand.submitted_at), _month(demand.completed_at),
                demand.rating)
    return replace(p, **overrides) if overrides else p


def demand_changed(before: Profile | None, after: Profile | None) -> None:
    if before == after:
        return
    record_many((before.rows(-1) if before else []) + (after.rows(+1) if after else []))


@register_source
def raw_rows():
    local = timezone.get_current_timezone()
    rows = Demand.objects.values("node_id")
    for node_id, month, n in (rows.annotate(month=TruncMonth("submitted_at", tzinfo=local)).values("node_id", "month")
                              .annotate(n=Count("pk")).values_list("node_id", "month", "n")):
        yield node_id, "demands_submitted", as_date(month), n
    for node_id, status, n in rows.values("node_id", "status").annotate(n=Count("pk")).values_list(
            "node_id", "status", "n"):
        yield node_id, f"demands:{status}", STOCK_PERIOD, n
    solved = (Demand.objects.filter(completed_at__isnull=False)
              .annotate(month=TruncMonth("completed_at", tzinfo=local)).values("node_id", "month"))
    for node_id, month, n, total, rated in solved.annotate(n=Count("pk"), total=Sum("rating"), rated=Count("rating")) \
            .values_list("node_id", "month", "n", "total", "rated"):
        yield node_id, "demands_solved", as_date(month), n
        yield node_id, "rating_sum", as_date(month), total or 0
        yield node_id, "rating_count", as_date(month), rated
