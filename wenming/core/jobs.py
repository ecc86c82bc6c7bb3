"""Heavy one-offs as background jobs, with their progress on a page (docs/jobs.md).

    # in an app's tasks.py: the body runs in a Celery worker
    @job_task("volunteers.export", label="导出志愿者名单", perm=Perm.VOLUNTEER_VIEW)
    def volunteer_export_job(job, workdir) -> JobResult:
        ...                                   # job_progress(job, done, total) as it goes
        return JobResult("已导出 1,234 名志愿者", file=workdir / "out.xlsx", filename="志愿者名单.xlsx")

    # in the view that starts it
    job = job_start(actor=request.user, kind="volunteers.export", node=node, params={...})
    return redirect(job_url(job))              # /jobs/<uuid>/ polls until done, then offers the file

A job is a `BackgroundJob` row. `job_start` writes it and an audit row in one transaction
and queues the task once that commits. The task claims the row with a conditional UPDATE
(queued → running, or running with a heartbeat older than the task's hard time limit: the
worker that had it was killed), so a message delivered twice (acks_late) never runs a job
twice at once, and a job already done or failed is left alone. A body that writes to the
database in steps keeps in `job.state` (saved in the same transaction as the step) what a
resumed run must not redo. Errors: a DomainError fails the job with its code and Chinese
message; anything else fails it with `job.crashed` (logged with the traceback).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePath

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .audit import audit_record
from .errors import CoreError, DomainError
from .files import file_delete, file_open, file_save
from .job_errors import JobError
from .models import BackgroundJob, JobStatus
from .periodic import on_commit_send

log = logging.getLogger("wenming.jobs")

PROGRESS_EVERY_S = 1.0  # at most one progress write per second and job
MAX_ATTEMPTS = 3  # runs started for one job (a worker killed each time: give up)
KEEP_DAYS = 7  # result and input files of finished jobs are removed after this
SWEEP_BATCH = 50
LOST_AFTER = timedelta(minutes=5)  # a queued job no worker took by then lost its message


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str  # Chinese, on the job page
    perm: str  # what someone other than the starter needs over the job's node to see it
    task: Callable


@dataclass
class JobResult:
    """What a finished body hands back: the Chinese message and, optionally, a local file
    that becomes the job's download (stored in the uploads storage)."""

    message: str
    file: Path | None = None
    filename: str = ""  # the download's name (Chinese is fine)
    content_type: str = "application/octet-stream"


JOB_KINDS: dict[str, JobKind] = {}


def job_task(kind: str, *, label: str, perm: str):
    """Register `body(job, workdir) -> JobResult` as the Celery task `wenming.job.<kind>`.
    `workdir` is a fresh local temporary directory, removed after the run."""

    def decorate(body: Callable[[BackgroundJob, Path], JobResult]):
        @shared_task(name=f"wenming.job.{kind}", ignore_result=True)
        def task(public_id: str) -> str:
            return job_run(public_id, body)

        task.body = body
        JOB_KINDS[kind] = JobKind(kind, label, perm, task)
        return task

    return decorate


def job_label(job: BackgroundJob) -> str:
    spec = JOB_KINDS.get(job.kind)
    return spec.label if spec else job.kind


def job_url(job: BackgroundJob) -> str:
    return reverse("jobs:detail", args=[job.public_id])


# --- writes ------------------------------------------------------------------------------

def job_start(*, actor, kind: str, node=None, params: dict | None = None, perm: str | None = None,
              input_file=None, input_suffix: str = "", back_url: str = "") -> BackgroundJob:
    """Create a job and queue its task after the commit. `node` scopes it (who else may see
    it); `params` (JSON, no raw personal data) are what the body needs; `input_file` (a
    local path or binary file, e.g. an uploaded workbook) is stored beside the job for the
    worker, which may run on another machine, and removed when the job ends. `back_url`: the
    page that started it (the job page's way back)."""
    spec = JOB_KINDS[kind]  # KeyError: a kind whose tasks module was never imported
    job = BackgroundJob(kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None,
                        node_path=node.path if node is not None else "", perm=perm or spec.perm,
                        params=dict(params or {}), message="已提交，等待后台处理")
    if back_url.startswith("/") and not back_url.startswith("//"):
        job.params["back_url"] = back_url[:500]
    stored = ""
    if input_file is not None:
        stored = file_save(f"jobs/{job.public_id}/input{_suffix(input_suffix)}", input_file)
        job.params["input"] = stored
    try:
        with transaction.atomic():
            job.save()
            audit_record(actor=actor, action="job.start", obj=job, node_path=job.node_path,
                         changes={"kind": kind, "public_id": str(job.public_id)})
            on_commit_send(spec.task, str(job.public_id))
    except BaseException:
        if stored:
            file_delete(stored)
        raise
    return job


def job_progress(job: BackgroundJob, done: int, total: int | None = None) -> None:
    """Record progress: cheap to call per row, written at most once a second (and at the end)."""
    job.done, job.total = max(0, int(done)), (None if total is None else max(0, int(total)))
    now = time.monotonic()
    if now - getattr(job, "_progress_written", 0.0) < PROGRESS_EVERY_S and job.done != job.total:
        return
    job._progress_written = now
    BackgroundJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        done=job.done, total=job.total, heartbeat_at=timezone.now())


def job_save_state(job: BackgroundJob, **state) -> None:
    """Remember what this run has done for good (call inside the transaction that did it)."""
    job.state = {**job.state, **state}
    BackgroundJob.objects.filter(pk=job.pk).update(state=job.state, heartbeat_at=timezone.now())


def job_finish(job: BackgroundJob, result: JobResult) -> BackgroundJob:
    """Done: store the result file (if any) and the message."""
    fields = {"status": JobStatus.DONE, "message": result.message[:500], "error_code": "",
              "finished_at": timezone.now(), "heartbeat_at": timezone.now()}
    if job.total is not None:
        fields["done"] = job.total
    if result.file is not None:
        fields["result_name"] = file_save(f"jobs/{job.public_id}/result{_suffix(result.filename)}", result.file)
        fields["result_filename"] = result.filename[:200] or "result"
        fields["result_type"] = result.content_type[:100]
    if not BackgroundJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields):
        if fields.get("result_name"):  # someone else ended it meanwhile: keep their outcome
            file_delete(fields["result_name"])
    job.refresh_from_db()
    return job


def job_fail(job: BackgroundJob, *, code: str, message: str) -> BackgroundJob:
    BackgroundJob.objects.filter(pk=job.pk).exclude(status__in=[JobStatus.DONE, JobStatus.FAILED]).update(
        status=JobStatus.FAILED, error_code=code[:64], message=message[:500], finished_at=timezone.now())
    job.refresh_from_db()
    return job


def job_run(public_id: str, body: Callable[[BackgroundJob, Path], JobResult]) -> str:
    """The task's work: claim, run the body in a temporary directory, finish or fail."""
    job = BackgroundJob.objects.filter(public_id=public_id).first()
    if job is None or job.is_finished:
        return "skipped"
    if not _claim(job):
        return "skipped"  # another worker has it now
    job.refresh_from_db()
    try:
        if job.attempts > MAX_ATTEMPTS:
            job_fail(job, code=JobError.INTERRUPTED.code, message=JobError.INTERRUPTED.template)
            return "failed"
        if job.actor is None or not job.actor.is_active:
            raise JobError.ACTOR_GONE.error()
        with tempfile.TemporaryDirectory(prefix="wenming-job-") as workdir:
            result = body(job, Path(workdir))
            job_finish(job, result)
        return "done"
    except DomainError as err:
        job_fail(job, code=err.code, message=err.message)
        return "failed"
    except SoftTimeLimitExceeded:
        job_fail(job, code=JobError.TIMED_OUT.code, message=JobError.TIMED_OUT.template)
        return "failed"
    except Exception:
        log.exception("background job %s (%s) failed", job.public_id, job.kind)
        job_fail(job, code=JobError.CRASHED.code, message=JobError.CRASHED.template)
        return "failed"
    finally:
        if job.is_finished and job.params.get("input"):
            file_delete(job.params["input"])  # an uploaded workbook holds personal data: not kept


def _claim(job: BackgroundJob) -> bool:
    now = timezone.now()
    dead_before = now - timedelta(seconds=_stale_after())
    return bool(BackgroundJob.objects.filter(pk=job.pk).filter(
        Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=dead_before)
    ).update(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1,
             message="正在处理"))


def _stale_after() -> int:
    """A run silent for longer than the hard time limit is dead: Celery kills it by then."""
    return int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 660) or 660) + 60


def job_sweep(*, now=None) -> int:
    """Remove the files of jobs finished more than KEEP_DAYS ago, SWEEP_BATCH per call (the
    hourly housekeeping job calls it until a call finds fewer)."""
    limit = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    old = list(BackgroundJob.objects.filter(finished_at__lt=limit).filter(
        ~Q(result_name="") | Q(params__has_key="input")).order_by("finished_at")[:SWEEP_BATCH])
    for job in old:
        for name in (job.result_name, job.params.get("input", "")):
            if name:
                file_delete(name)
        job.params.pop("input", None)
        BackgroundJob.objects.filter(pk=job.pk).update(result_name="", params=job.params)
    return len(old)


def job_requeue_lost(*, now=None) -> int:
    """Send the task again for jobs whose message was lost: queued for longer than
    LOST_AFTER (the broker was down when the job started) or running without a heartbeat for
    longer than the hard time limit (the worker was killed, and the embedded queue does not
    give a taken message back). The claim makes a duplicate harmless; a job started
    MAX_ATTEMPTS times fails with job.interrupted."""
    now = now or timezone.now()
    lost = BackgroundJob.objects.filter(
        Q(status=JobStatus.QUEUED, created_at__lt=now - LOST_AFTER)
        | Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - timedelta(seconds=_stale_after())))
    # Not again for a job sent again lately: a backlog must not fill up with duplicates.
    lost = lost.filter(Q(requeued_at__isnull=True) | Q(requeued_at__lt=now - LOST_AFTER))
    sent = 0
    for pk, public_id, kind in lost.values_list("pk", "public_id", "kind")[:SWEEP_BATCH]:
        spec = JOB_KINDS.get(kind)
        if spec is not None:
            BackgroundJob.objects.filter(pk=pk).update(requeued_at=now)
            spec.task.apply_async(args=[str(public_id)])
            sent += 1
    return sent


def _suffix(name: str) -> str:
    """'.xlsx' from '名册.xlsx' or '.xlsx' itself; '' for anything odd."""
    name = name or ""
    suffix = PurePath(f"x{name}" if name.startswith(".") else name).suffix.lower()
    return suffix if suffix[1:].isalnum() and len(suffix) <= 8 else ""


# --- reads -------------------------------------------------------------------------------

def job_visible(actor, job: BackgroundJob) -> bool:
    from wenming.accounts.scope import scope_for

    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if job.actor_id is not None and job.actor_id == actor.pk:
        return True
    return bool(job.node_path and job.perm and scope_for(actor).allows(job.perm, job.node_path))


def job_get_for_actor(*, actor, public_id) -> BackgroundJob:
    """The job if the actor started it or holds its permission over its node; else 404."""
    job = BackgroundJob.objects.select_related("actor").filter(public_id=public_id).first()
    if job is None or not job_visible(actor, job):
        raise CoreError.NOT_FOUND.error()
    return job


def job_result_open(*, actor, public_id):
    """(open file, job) of a finished job's result, for someone who may see the job; the
    download is audited like every export."""
    job = job_get_for_actor(actor=actor, public_id=public_id)
    if not job.is_finished:
        raise JobError.NOT_FINISHED.error()
    if job.status != JobStatus.DONE or not job.result_name and not job.result_filename:
        raise JobError.NO_RESULT.error()
    try:
        handle = file_open(job.result_name)
    except (OSError, ValueError):
        raise JobError.RESULT_GONE.error(days=KEEP_DAYS) from None
    with transaction.atomic():
        audit_record(actor=actor, action="job.download", obj=job, node_path=job.node_path,
                     changes={"kind": job.kind, "file": job.result_filename})
    return handle, job
