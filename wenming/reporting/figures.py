"""Dashboard figures of information reports (docs/dashboards.md, docs/reporting.md).

Counted at the report's node, in the month of the report's period (not of the click):
- `reports_submitted`: +1 when a report is submitted the first time (a resubmission after
  a return does not count again); moved (−1 old month, +1 new) when a returned report's
  period is corrected.
- `reports_approved`: +1 on approval (approval is final: a published report withdrawn from
  the portal stays approved).
- `reports_published`: +1 on publication, −1 when withdrawn.
- `reports_adopted:<outlet>`: +1 when an outlet's adoption (学习强国, 中国文明网 …) is
  recorded, −1 when it is taken back; in the month of the adoption.

Node roll-ups read these through dashboards.summary; the source below recomputes them
from the raw rows for `rebuild_figures` (and the tests compare both).
"""

from django.db.models import Count
from django.db.models.functions import TruncMonth

from wenming.dashboards.metrics import FLOW, Metric, as_date, register, register_family, register_source
from wenming.dashboards.summary import record

from .models import InfoReport, Outlet, ReportAdoption, ReportStatus

SUBMITTED, APPROVED, PUBLISHED = "reports_submitted", "reports_approved", "reports_published"
METRICS = (SUBMITTED, APPROVED, PUBLISHED)

register(
    Metric(SUBMITTED, "信息报送（报送）", "篇"),
    Metric(APPROVED, "信息报送（审核通过）", "篇"),
    Metric(PUBLISHED, "信息报送（公开发布）", "篇"),
)


ADOPTED = "reports_adopted:"
register_family(ADOPTED, "信息刊播", "篇", FLOW, members_model=Outlet,
                members=lambda: [(code, name, "篇") for code, name in
                                 Outlet.objects.order_by("sort", "id").values_list("code", "name")])


def adoption_counted(adoption: ReportAdoption, delta: int) -> None:
    record(node_id=adoption.report.node_id, metric=f"{ADOPTED}{adoption.outlet.code}", delta=delta,
           period=adoption.adopted_on.replace(day=1))


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
    adoptions = (ReportAdoption.objects.annotate(month=TruncMonth("adopted_on"))
                 .values("report__node_id", "outlet__code", "month").annotate(n=Count("id")).order_by())
    for row in adoptions:
        yield row["report__node_id"], f"{ADOPTED}{row['outlet__code']}", as_date(row["month"]), row["n"]
