"""Dashboard figures of information reports (docs/dashboards.md, docs/reporting.md).

Counted at the report's node, in the month of the report's period (not of the click):
- `reports_submitted`: +1 when a report is submitted the first time (a resubmission after
  a return does not count again); moved (−1 old month, +1 new) when a returned report's
  period is corrected.
- `reports_approved`: +1 on approval (approval is final: a published report withdrawn from
  the portal stays approved).
- `reports_published`: +1 on publication, −1 when withdrawn.

Node roll-ups read these through dashboards.summary; the source below recomputes them
from the raw rows for `rebuild_figures` (and the tests compare both).
"""

from django.db.models import Count

from wenming.dashboards.metrics import Metric, register, register_source
from wenming.dashboards.summary import record

from .models import InfoReport, ReportStatus

SUBMITTED, APPROVED, PUBLISHED = "reports_submitted", "reports_approved", "reports_published"
METRICS = (SUBMITTED, APPROVED, PUBLISHED)

register(
    Metric(SUBMITTED, "信息报送（报送）", "篇"),
    Metric(APPROVED, "信息报送（审核通过）", "篇"),
    Metric(PUBLISHED, "信息报送（公开发布）", "篇"),
)


def counted(report: InfoReport, metric: str, delta: int = 1, period=None) -> None:
    """A change of `metric` for `report`, in the caller's transaction."""
    record(node_id=report.node_id, metric=metric, delta=delta, period=period or report.period)


@register_source
def raw_rows():
    """(node id, metric, month, count) from the reports themselves."""
    shapes = (
        (SUBMITTED, {"first_submitted_at__isnull": False}),
        (APPROVED, {"approved_at__isnull": False}),
        (PUBLISHED, {"status": ReportStatus.PUBLISHED}),
    )
    for metric, condition in shapes:
        rows = (InfoReport.objects.filter(**condition).values("node_id", "period").annotate(n=Count("id"))
                .order_by())
        for row in rows:
            yield row["node_id"], metric, row["period"], row["n"]
