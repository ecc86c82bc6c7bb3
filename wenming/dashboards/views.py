"""Dashboard pages: a node's dashboard with charts (ECharts from our own static files), the
full-screen big screen (大屏) that refreshes itself from the API, and the Excel export of
every table. Which node: ?node=<id> among those the actor may see (node.view), by default
the top of their scope."""

from datetime import date
from io import BytesIO

from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.decorators import staff_required
from wenming.core.errors import CoreError
from wenming.core.jobs import job_url
from wenming.core.params import parse_pk
from wenming.orgs.closing import closings_over
from wenming.orgs.page_selectors import node_breadcrumbs
from wenming.orgs.selectors import node_get_for_actor

from .export import dashboard_workbook
from .jobs import dashboard_export_job_start, runs_in_background, work_report_job_start
from .periods import EARLIEST, month_of, period_from, preset_links
from .selectors import dashboard_for_actor, dashboard_roots_for_actor, plain_numbers
from .work_report import work_report, work_report_text, work_report_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _node_id(request) -> int:
    pk = parse_pk(request.GET.get("node"))
    if pk is None:
        roots = dashboard_roots_for_actor(actor=request.user)
        if not roots:
            raise CoreError.NOT_FOUND.error()
        pk = roots[0].pk
    return pk


def _period(request):
    today = timezone.localdate()
    return period_from(request.GET, today), today


@never_cache
@staff_required(Perm.NODE_VIEW)
def board(request):
    period, today = _period(request)
    data = dashboard_for_actor(actor=request.user, node_id=_node_id(request), period=period, today=today)
    node = node_get_for_actor(actor=request.user, node_id=data["node"]["id"])
    return render(request, "dashboards/board.html", {
        "data": data, "chart_data": plain_numbers(data), "node": node, "period": period,
        "other_shown": [o for o in data["other"] if o["total"]], "other_zero": [o for o in data["other"] if not o["total"]],
        "presets": preset_links(today), "crumbs": node_breadcrumbs(actor=request.user, node=node)})


@never_cache
@staff_required(Perm.NODE_VIEW)
def screen(request):
    period, today = _period(request)
    data = dashboard_for_actor(actor=request.user, node_id=_node_id(request), period=period, today=today)
    return render(request, "dashboards/screen.html", {
        "data": data, "chart_data": plain_numbers(data), "period": period, "refresh_seconds": 60})


@never_cache
@staff_required(Perm.NODE_VIEW)
def export(request):
    node_id = _node_id(request)
    node = node_get_for_actor(actor=request.user, node_id=node_id)
    period, today = _period(request)
    if runs_in_background(node):  # a whole city: confirmed, then written by a worker
        back = _board_url(node, period)
        if request.method == "POST":
            return redirect(job_url(dashboard_export_job_start(actor=request.user, node=node, period=period,
                                                               back_url=back)))
        return render(request, "core/jobs/confirm.html", {
            "title": f"导出数据看板 · {node.name}",
            "text": f"{node.name}范围较大，{period.label}的数据看板 Excel 文件将在后台生成。",
            "action": request.get_full_path(), "back_url": back})
    data = dashboard_for_actor(actor=request.user, node_id=node_id, period=period, today=today)
    audit_record(actor=request.user, action="dashboard.export", obj=node, node_path=node.path)
    return FileResponse(BytesIO(dashboard_workbook(data)), as_attachment=True,
                        filename=f"数据看板-{node.name}-{period.since:%Y%m}-{period.until:%Y%m}.xlsx",
                        content_type=XLSX)


@never_cache
@staff_required(Perm.NODE_VIEW)
def report(request):
    """工作报告数据: the figures a work report quotes, for a node and a period of months."""
    today = timezone.localdate()
    since = _month(request.GET.get("since")) or today.replace(month=1, day=1)
    until = _month(request.GET.get("until")) or today.replace(day=1)
    if since > until:
        since, until = until, since
    node = node_get_for_actor(actor=request.user, node_id=_node_id(request))
    big = runs_in_background(node)
    if request.GET.get("format") == "xlsx":
        if big:  # a whole city: confirmed, then written by a worker
            back = f"{reverse('dashboards:report')}?node={node.pk}&since={since:%Y-%m}&until={until:%Y-%m}"
            if request.method == "POST":
                return redirect(job_url(work_report_job_start(actor=request.user, node=node, since=since,
                                                               until=until, back_url=back)))
            return render(request, "core/jobs/confirm.html", {
                "title": f"导出工作报告数据 · {node.name}", "back_url": back, "action": request.get_full_path(),
                "text": f"{node.name}范围较大，{since:%Y年%m月}至{until:%Y年%m月}的工作报告数据将在后台生成 Excel 文件。"})
    # a whole city's coverage reads millions of raw rows: only in its workbook, written by a worker
    data = work_report(node, since=since, until=until, with_coverage=not big)
    if request.GET.get("format") == "xlsx":
        audit_record(actor=request.user, action="dashboard.work_report", obj=data.node, node_path=data.node.path)
        return FileResponse(BytesIO(work_report_workbook(data)), as_attachment=True, content_type=XLSX,
                            filename=f"工作报告数据-{data.node.name}-{since:%Y%m}-{until:%Y%m}.xlsx")
    return render(request, "dashboards/report.html", {
        "report": data, "text": work_report_text(data), "since": since, "until": until, "lines": data.lines,
        "closed": closings_over(data.node, since, until),
        "may_close": data.as_of is not None and scope_for(request.user).allows(Perm.PERIOD_CLOSE, data.node.path)})


def _board_url(node, period=None) -> str:
    return f"{reverse('dashboards:board')}?node={node.pk}" + (f"&{period.query}" if period else "")


def _month(raw) -> date | None:
    """YYYY-MM from a query string, within the years reports cover; None for anything else."""
    month = month_of(raw)
    return month if month is not None and EARLIEST <= month <= date(2100, 12, 1) else None
