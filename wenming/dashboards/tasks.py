"""Background tasks of the dashboards."""

from wenming.accounts.roles import Perm
from wenming.core.jobs import job_task
from wenming.core.periodic import periodic_job

from .jobs import (
    EXPORT_KIND,
    EXPORT_LABEL,
    REPORT_KIND,
    REPORT_LABEL,
    dashboard_export_job_run,
    work_report_job_run,
)
from .summary import fold_all


@periodic_job("dashboards.fold_figures")
def fold_figures() -> dict:
    """Fold pending figure deltas into the node totals."""
    return {"folded": fold_all()}


@job_task(EXPORT_KIND, label=EXPORT_LABEL, perm=Perm.NODE_VIEW)
def dashboard_export(job, workdir):
    """A city's dashboard workbook (jobs.py)."""
    return dashboard_export_job_run(job, workdir)


@job_task(REPORT_KIND, label=REPORT_LABEL, perm=Perm.NODE_VIEW)
def work_report_export(job, workdir):
    """A city's work-report workbook (jobs.py)."""
    return work_report_job_run(job, workdir)
