"""Background tasks of the volunteer registry: the roster's big imports and exports
(roster_jobs)."""

from wenming.accounts.roles import Perm
from wenming.core.jobs import job_task

from .roster_jobs import (
    EXPORT_KIND,
    EXPORT_LABEL,
    IMPORT_KIND,
    IMPORT_LABEL,
    roster_import_job_run,
    volunteer_export_job_run,
)


@job_task(IMPORT_KIND, label=IMPORT_LABEL, perm=Perm.VOLUNTEER_EDIT)
def roster_import(job, workdir):
    return roster_import_job_run(job, workdir)


@job_task(EXPORT_KIND, label=EXPORT_LABEL, perm=Perm.VOLUNTEER_VIEW)
def volunteer_export(job, workdir):
    return volunteer_export_job_run(job, workdir)
