"""A whole city's dashboard workbook and work-report workbook as background jobs (core/jobs.py,
docs/jobs.md): the same selectors and workbooks as the pages, run by a worker with the
actor who asked, the workbook offered on the job page. Each export is audited as on the
page (`dashboard.export`, `dashboard.work_report`) when the worker writes it.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.jobs import JobResult, job_progress, job_start
from wenming.orgs.models import KIND_RANK, NodeKind
from wenming.orgs.selectors import node_get_for_actor

from .export import dashboard_workbook
from .periods import Period
from .selectors import dashboard_for_actor
from .work_report import work_report_for_actor, work_report_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_KIND, EXPORT_LABEL = "dashboards.export", "导出数据看板"
REPORT_KIND, REPORT_LABEL = "dashboards.work_report", "导出工作报告数据"


def runs_in_background(node) -> bool:
    """A city (or a province) is read in a worker, not in a web request."""
    return KIND_RANK.get(node.kind, 99) <= KIND_RANK[NodeKind.CITY]


def dashboard_export_job_start(*, actor, node, period: Period | None = None, back_url: str = ""):
    # The workbook carries the hotline figures only for actors who may see them: then so
    # must anyone else who opens the job.
    perm = Perm.HOTLINE_STATS if scope_for(actor).allows(Perm.HOTLINE_STATS, node.path) else Perm.NODE_VIEW
    params = {"node_id": node.pk}
    if period is not None:
        params |= {"since": period.since.isoformat(), "until": period.until.isoformat()}
    return job_start(actor=actor, kind=EXPORT_KIND, node=node, perm=perm, back_url=back_url, params=params)


def dashboard_export_job_run(job, workdir) -> JobResult:
    job_progress(job, 0, 2)
    period = Period(date.fromisoformat(job.params["since"]), date.fromisoformat(job.params["until"])) \
        if "since" in job.params else None  # jobs queued before periods: the last twelve months
    data = dashboard_for_actor(actor=job.actor, node_id=job.params["node_id"], period=period)
    node = node_get_for_actor(actor=job.actor, node_id=data["node"]["id"], with_parent=False)
    job_progress(job, 1, 2)
    out = workdir / "dashboard.xlsx"
    out.write_bytes(dashboard_workbook(data))
    with transaction.atomic():
        audit_record(actor=job.actor, action="dashboard.export", obj=node, node_path=node.path,
                     changes={"job": str(job.public_id)})
    since, until = data["period"]["since"], data["period"]["until"]
    return JobResult(f"已生成{node.name}{data['period']['label']}的数据看板", file=out, content_type=XLSX,
                     filename=f"数据看板-{node.name}-{since:%Y%m}-{until:%Y%m}.xlsx")


def work_report_job_start(*, actor, node, since: date, until: date, back_url: str = ""):
    return job_start(actor=actor, kind=REPORT_KIND, node=node, perm=Perm.NODE_VIEW, back_url=back_url,
                     params={"node_id": node.pk, "since": since.isoformat(), "until": until.isoformat()})


def work_report_job_run(job, workdir) -> JobResult:
    job_progress(job, 0, 2)
    since, until = date.fromisoformat(job.params["since"]), date.fromisoformat(job.params["until"])
    report = work_report_for_actor(actor=job.actor, node_id=job.params["node_id"], since=since, until=until)
    job_progress(job, 1, 2)
    out = workdir / "work-report.xlsx"
    out.write_bytes(work_report_workbook(report))
    with transaction.atomic():
        audit_record(actor=job.actor, action="dashboard.work_report", obj=report.node, node_path=report.node.path,
                     changes={"job": str(job.public_id), "since": f"{since:%Y-%m}", "until": f"{until:%Y-%m}"})
    return JobResult(f"已生成{report.node.name} {since:%Y-%m} 至 {until:%Y-%m} 的工作报告数据", file=out,
                     content_type=XLSX, filename=f"工作报告数据-{report.node.name}-{since:%Y%m}-{until:%Y%m}.xlsx")
