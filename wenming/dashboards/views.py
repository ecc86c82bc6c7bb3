"""Dashboard pages: a node's dashboard with charts (ECharts from our own static files), the
full-screen big screen (大屏) that refreshes itself from the API, and the Excel export of
every table. Which node: ?node=<id> among those the actor may see (node.view), by default
the top of their scope."""

from datetime import date
from io import BytesIO

from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.core.audit import audit_record
from wenming.core.decorators import staff_required
from wenming.core.errors import CoreError
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import node_breadcrumbs
from wenming.orgs.selectors import node_get_for_actor

from .export import dashboard_workbook
from .selectors import dashboard_for_actor, dashboard_roots_for_actor
from .work_report import (
    FLOW_LINES,
    STOCK_LINES,
    work_report_for_actor,
    work_report_text,
    work_report_workbook,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _node_id(request) -> int:
    pk = parse_pk(request.GET.get("node"))
    if pk is None:
        roots = dashboard_roots_for_actor(actor=request.user)
        if not roots:
            raise CoreError.NOT_FOUND.error()
        pk = roots[0].pk
    return pk


@never_cache
@staff_required(Perm.NODE_VIEW)
def board(request):
    data = dashboard_for_actor(actor=request.user, node_id=_node_id(request))
    node = node_get_for_actor(actor=request.user, node_id=data["node"]["id"])
    return render(request, "dashboards/board.html", {
        "data": data, "node": node, "crumbs": node_breadcrumbs(actor=request.user, node=node)})


@never_cache
@staff_required(Perm.NODE_VIEW)
def screen(request):
    data = dashboard_for_actor(actor=request.user, node_id=_node_id(request))
    return render(request, "dashboards/screen.html", {"data": data, "refresh_seconds": 60})


@never_cache
@staff_required(Perm.NODE_VIEW)
def export(request):
    data = dashboard_for_actor(actor=request.user, node_id=_node_id(request))
    node = node_get_for_actor(actor=request.user, node_id=data["node"]["id"])
    audit_record(actor=request.user, action="dashboard.export", obj=node, node_path=node.path)
    return FileResponse(BytesIO(dashboard_workbook(data)), as_attachment=True,
                        filename=f"数据看板-{node.name}-{data['as_of']:%Y%m%d}.xlsx", content_type=XLSX)


@never_cache
@staff_required(Perm.NODE_VIEW)
def report(request):
    """工作报告数据: the figures a work report quotes, for a node and a period of months."""
    today = timezone.localdate()
    since = _month(request.GET.get("since")) or today.replace(month=1, day=1)
    until = _month(request.GET.get("until")) or today.replace(day=1)
    if since > until:
        since, until = until, since
    data = work_report_for_actor(actor=request.user, node_id=_node_id(request), since=since, until=until)
    if request.GET.get("format") == "xlsx":
        audit_record(actor=request.user, action="dashboard.work_report", obj=data.node, node_path=data.node.path)
        return FileResponse(BytesIO(work_report_workbook(data)), as_attachment=True, content_type=XLSX,
                            filename=f"工作报告数据-{data.node.name}-{since:%Y%m}-{until:%Y%m}.xlsx")
    return render(request, "dashboards/report.html", {
        "report": data, "text": work_report_text(data), "since": since, "until": until,
        "lines": [(label, data.figures[m], unit) for m, label, unit in STOCK_LINES + FLOW_LINES]})


def _month(raw) -> date | None:
    """YYYY-MM from a query string; None for anything else."""
    try:
        year, month = (int(x) for x in str(raw or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None
