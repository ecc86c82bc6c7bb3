"""Background jobs for API clients: `GET /jobs/{job_id}` (state and progress) and
`GET /jobs/{job_id}/download` (the result file). Same scope as the job page."""

from datetime import datetime
from uuid import UUID

from django.urls import reverse
from ninja import Router, Schema

from .files import handle_response
from .jobs import job_get_for_actor, job_label, job_result_open, job_url
from .models import BackgroundJob, JobStatus

router = Router(tags=["后台任务"])


class JobOut(Schema):
    id: UUID
    kind: str
    kind_label: str
    status: str  # queued | running | done | failed
    status_label: str
    done: int
    total: int | None
    percent: int | None
    message: str
    error_code: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    page_url: str  # the job's web page
    download_url: str | None  # this API's download, once there is a file


def job_out(job: BackgroundJob) -> dict:
    has_file = job.status == JobStatus.DONE and bool(job.result_name)
    return {
        "id": job.public_id, "kind": job.kind, "kind_label": job_label(job), "status": job.status,
        "status_label": job.get_status_display(), "done": job.done, "total": job.total, "percent": job.percent,
        "message": job.message, "error_code": job.error_code, "created_at": job.created_at,
        "started_at": job.started_at, "finished_at": job.finished_at, "page_url": job_url(job),
        "download_url": reverse("api:job_download", args=[job.public_id]) if has_file else None,
    }


@router.get("/jobs/{job_id}", response=JobOut, summary="后台任务状态与进度")
def job_detail(request, job_id: UUID):
    return job_out(job_get_for_actor(actor=request.user, public_id=job_id))


@router.get("/jobs/{job_id}/download", url_name="job_download", summary="下载后台任务的结果文件",
            openapi_extra={"responses": {200: {"content": {"application/octet-stream": {}}}}})
def job_download(request, job_id: UUID):
    handle, job = job_result_open(actor=request.user, public_id=job_id)
    return handle_response(handle, filename=job.result_filename, content_type=job.result_type)
