"""The page of a background job (/jobs/<uuid>/) and its download. The page polls itself
with htmx every POLL_SECONDS while the job runs (the status box is re-rendered alone);
no JavaScript: a refresh link does the same."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .decorators import login_page
from .files import handle_response
from .jobs import KEEP_DAYS, job_get_for_actor, job_label, job_result_open

POLL_SECONDS = 2


def _context(request, job) -> dict:
    back = job.params.get("back_url") or "/"
    return {"job": job, "label": job_label(job), "back_url": back, "poll_seconds": POLL_SECONDS,
            "keep_days": KEEP_DAYS}


@never_cache
@login_page
def job_detail(request, public_id):
    job = job_get_for_actor(actor=request.user, public_id=public_id)
    partial = request.headers.get("HX-Request") == "true"
    template = "core/jobs/_status.html" if partial else "core/jobs/detail.html"
    return render(request, template, _context(request, job))


@never_cache
@login_page
def job_download(request, public_id):
    handle, job = job_result_open(actor=request.user, public_id=public_id)
    return handle_response(handle, filename=job.result_filename, content_type=job.result_type)
