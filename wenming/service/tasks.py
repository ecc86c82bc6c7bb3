"""Background tasks of volunteer service."""

from wenming.accounts.roles import Perm
from wenming.core.jobs import job_task
from wenming.core.periodic import periodic_job

from .attendance_services import attendance_close_forgotten
from .certificate_jobs import JOB_KIND, JOB_LABEL, certificate_batch_job_run


@periodic_job("service.close_forgotten_checkouts")
def close_forgotten_checkouts() -> dict:
    return {"closed": attendance_close_forgotten()}


@job_task(JOB_KIND, label=JOB_LABEL, perm=Perm.VOLUNTEER_VIEW)
def certificate_batch(job, workdir):
    """Issue a batch of certificates and zip their PDFs (certificate_jobs)."""
    return certificate_batch_job_run(job, workdir)
