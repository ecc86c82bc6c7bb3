"""Dashboard figures of volunteer service (docs/dashboards.md).

- `hours`: verified hours per month of service, at the node where the service was given
  (`ServiceRecord.node`); corrections are new ledger rows and add their (signed) hours.
- `projects:<status>`: projects in each state, at the publishing node (a stock).
- the volunteers' last service day (`active_day`, see volunteers/figures.py) moves when a
  new auto or make-up entry is later than the volunteer's previous latest service.
"""

from django.db.models import Count, Max, Sum
from django.db.models.functions import TruncMonth

from wenming.dashboards.metrics import (
    STOCK,
    STOCK_PERIOD,
    Metric,
    as_date,
    register,
    register_family,
    register_source,
)
from wenming.dashboards.summary import record, record_many

from .ledger_models import HoursKind, ServiceRecord
from .models import Project

register(Metric("hours", "志愿服务时长", "小时"))
register_family("projects:", "志愿服务项目", "个", STOCK)


def hours_recorded(entry: ServiceRecord) -> None:
    """In the ledger row's transaction (hours_services._apply)."""
    record(node_id=entry.node_id, metric="hours", delta=entry.hours, when=entry.service_date)
    if entry.kind == HoursKind.CORRECTION:
        return
    before = (ServiceRecord.objects.filter(volunteer_id=entry.volunteer_id, kind__in=[HoursKind.AUTO, HoursKind.MAKEUP])
              .exclude(pk=entry.pk).aggregate(last=Max("service_date"))["last"])
    if before is None or entry.service_date > before:
        home = entry.volunteer.home_node_id
        record_many([(home, "active_day", day, sign) for day, sign in ((before, -1), (entry.service_date, 1))
                     if day is not None])


def project_state_changed(project: Project, before: str | None, after: str | None) -> None:
    record_many([(project.node_id, f"projects:{state}", STOCK_PERIOD, sign)
                 for state, sign in ((before, -1), (after, 1)) if state is not None])


@register_source
def raw_rows():
    months = (ServiceRecord.objects.annotate(month=TruncMonth("service_date")).values("node_id", "month")
              .annotate(h=Sum("hours")).values_list("node_id", "month", "h"))
    for node_id, month, hours in months:
        yield node_id, "hours", as_date(month), hours
    for node_id, status, n in (Project.objects.values("node_id", "status").annotate(n=Count("pk"))
                               .values_list("node_id", "status", "n")):
        yield node_id, f"projects:{status}", STOCK_PERIOD, n
