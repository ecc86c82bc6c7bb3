"""Roster pages: template download, upload (import or dry run), error workbook, Excel export.

A small upload is imported in the request; a big one (ROSTER_JOB_MIN_BYTES and more) is
stored and imported by a background job whose page shows the rows done and offers the
error workbook (roster_jobs). The error workbook of a request is kept in the uploads
storage as roster_errors/<uuid>.xlsx and served only through `errors`, only to the session
that uploaded it; it holds masked ID numbers and phones only. Exports show exactly what
the list page shows (same GET parameters, same scoped selector), masked; a long list
(VOLUNTEER_EXPORT_JOB_MIN_ROWS and more) is confirmed and written by a background job.
"""

import tempfile
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.core.decorators import staff_required
from wenming.core.errors import DomainError
from wenming.core.files import file_response, file_save
from wenming.core.jobs import job_url

from .roster.error_files import error_file_name
from .roster.errors import RosterError
from .roster.exporter import export_volunteers
from .roster.importer import import_roster
from .roster.template import build_template, column_help
from .roster_jobs import (
    XLSX,
    export_filename,
    roster_import_job_start,
    volunteer_export_job_start,
    volunteer_export_query,
)

SESSION_KEY = "roster_error_files"
KEEP_ERROR_FILES = 20  # per session
SHOWN_ERRORS = 200
JOB_MIN_BYTES = 512 * 1024  # ~6,000 rows, about two seconds of importing
EXPORT_JOB_MIN_ROWS = 10_000


class UploadForm(forms.Form):
    file = forms.FileField(label="名册文件（.xlsx）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}))
    dry_run = forms.BooleanField(label="只检查，不导入（试运行）", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ROSTER_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(RosterError.TOO_LARGE.error(
                limit=filesizeformat(settings.ROSTER_UPLOAD_MAX_BYTES)).message, code=RosterError.TOO_LARGE.code)
        return upload


@staff_required(Perm.VOLUNTEER_EDIT)
def template_download(request):
    return FileResponse(build_template_file(), as_attachment=True, filename="志愿者名册模板.xlsx",
                        content_type=XLSX)


def build_template_file():
    out = tempfile.TemporaryFile()
    out.write(build_template())
    out.seek(0)
    return out


@never_cache
@staff_required(Perm.VOLUNTEER_EDIT)
def upload(request):
    job_min_bytes = getattr(settings, "ROSTER_JOB_MIN_BYTES", JOB_MIN_BYTES)
    context = {"columns": column_help(), "max_size": settings.ROSTER_UPLOAD_MAX_BYTES, "job_min_bytes": job_min_bytes}
    if request.method != "POST":
        return render(request, "volunteers/roster/upload.html", {**context, "form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "volunteers/roster/upload.html", {**context, "form": form}, status=400)
    upload_file = form.cleaned_data["file"]
    source = upload_file.temporary_file_path() if hasattr(upload_file, "temporary_file_path") else upload_file
    if upload_file.size >= job_min_bytes:
        job = roster_import_job_start(actor=request.user, upload=source, dry_run=form.cleaned_data["dry_run"],
                                      filename=upload_file.name, back_url=reverse("roster:upload"))
        return redirect(job_url(job))
    token = uuid.uuid4()
    with tempfile.TemporaryDirectory(prefix="wenming-roster-") as workdir:
        errors_path = Path(workdir) / "errors.xlsx"
        try:
            report = import_roster(actor=request.user, source=source, dry_run=form.cleaned_data["dry_run"],
                                   errors_path=errors_path, filename=upload_file.name)
        except DomainError as err:
            return render(request, "volunteers/roster/upload.html",
                          {**context, "form": form, "file_error": err}, status=err.status)
        if report.errors_path:
            file_save(error_file_name(token), errors_path)
            _remember(request, str(token))
    return render(request, "volunteers/roster/upload.html", {
        **context, "form": UploadForm(), "report": report, "shown_errors": report.errors[:SHOWN_ERRORS],
        "errors_token": str(token) if report.errors_path else "",
    })


@never_cache
@staff_required(Perm.VOLUNTEER_EDIT)
def errors_download(request, token: uuid.UUID):
    if str(token) not in request.session.get(SESSION_KEY, []):
        raise RosterError.ERRORS_EXPIRED.error()
    try:
        return file_response(error_file_name(token), filename="名册错误清单.xlsx", content_type=XLSX)
    except (OSError, ValueError):
        raise RosterError.ERRORS_EXPIRED.error() from None


@never_cache
@staff_required(Perm.VOLUNTEER_VIEW, leaders=True)
def export(request):
    actor = request.user
    if request.method == "POST":  # confirmed: a long list goes to a background job
        _, filters = volunteer_export_query(actor=actor, data=request.GET)
        job = volunteer_export_job_start(actor=actor, data=request.GET, filters=filters,
                                         back_url=_list_url(request, keep_search=False))
        return redirect(job_url(job))
    qs, filters = volunteer_export_query(actor=actor, data=request.GET)
    rows = qs.count()
    if rows >= getattr(settings, "VOLUNTEER_EXPORT_JOB_MIN_ROWS", EXPORT_JOB_MIN_ROWS):
        return render(request, "core/jobs/confirm.html", {
            "title": "导出志愿者名单", "text": f"按当前筛选条件共有 {rows} 名志愿者，名单较长，将在后台生成 Excel 文件。",
            "action": request.get_full_path(), "back_url": _list_url(request), "button": "开始导出"})
    out = tempfile.TemporaryFile()
    export_volunteers(actor=actor, queryset=qs, out=out, filters=filters)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=export_filename(), content_type=XLSX)


def _list_url(request, *, keep_search: bool = True) -> str:
    """The list page with the same filters. A job keeps it as its way back: without the
    search text there, which may be a phone number."""
    data = request.GET.copy()
    if not keep_search:
        for key in ("q", "search"):
            data.pop(key, None)
    query = data.urlencode()
    return reverse("volunteers:list") + (f"?{query}" if query else "")


def _remember(request, token: str) -> None:
    tokens = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    request.session[SESSION_KEY] = (tokens + [token])[-KEEP_ERROR_FILES:]
