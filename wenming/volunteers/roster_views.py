"""Roster pages: template download, upload (import or dry run), error workbook, Excel export.

Uploads are imported synchronously. The error workbook is written under
MEDIA_ROOT/roster_errors/<uuid>.xlsx and served only through `errors`, only to the session
that uploaded it; it holds masked ID numbers and phones only. Exports show exactly what the
list page shows (same GET parameters, same scoped selector), masked.
"""

import tempfile
import time
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import FileResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.core.decorators import staff_required
from wenming.core.errors import DomainError
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor

from . import selectors
from .forms import VolunteerFilterForm
from .page_selectors import team_choices_for_actor
from .roster.errors import RosterError
from .roster.exporter import export_volunteers
from .roster.importer import import_roster
from .roster.template import build_template, column_help

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_DIR = "roster_errors"
SESSION_KEY = "roster_error_files"
KEEP_ERROR_FILES = 20  # per session
ERROR_FILE_MAX_AGE = 7 * 24 * 3600
SHOWN_ERRORS = 200
# The list page's filter names, plus the selector's own names as aliases.
ALIASES = {"search": "q", "node_id": "node", "is_reserve": "reserve", "team_id": "team"}


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
    context = {"columns": column_help(), "max_size": settings.ROSTER_UPLOAD_MAX_BYTES}
    if request.method != "POST":
        return render(request, "volunteers/roster/upload.html", {**context, "form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "volunteers/roster/upload.html", {**context, "form": form}, status=400)
    upload_file = form.cleaned_data["file"]
    token = uuid.uuid4()
    errors_path = _errors_dir() / f"{token}.xlsx"
    source = upload_file.temporary_file_path() if hasattr(upload_file, "temporary_file_path") else upload_file
    try:
        report = import_roster(actor=request.user, source=source, dry_run=form.cleaned_data["dry_run"],
                               errors_path=errors_path, filename=upload_file.name)
    except DomainError as err:
        return render(request, "volunteers/roster/upload.html",
                      {**context, "form": form, "file_error": err}, status=err.status)
    if report.errors_path:
        _remember(request, str(token))
    _sweep_old_files()
    return render(request, "volunteers/roster/upload.html", {
        **context, "form": UploadForm(), "report": report, "shown_errors": report.errors[:SHOWN_ERRORS],
        "errors_token": str(token) if report.errors_path else "",
    })


@never_cache
@staff_required(Perm.VOLUNTEER_EDIT)
def errors_download(request, token: uuid.UUID):
    path = _errors_dir() / f"{token}.xlsx"
    if str(token) not in request.session.get(SESSION_KEY, []) or not path.is_file():
        raise RosterError.ERRORS_EXPIRED.error()
    return FileResponse(path.open("rb"), as_attachment=True, filename="名册错误清单.xlsx", content_type=XLSX)


@never_cache
@staff_required(Perm.VOLUNTEER_VIEW, leaders=True)
def export(request):
    actor = request.user
    data = request.GET.copy()
    for alias, name in ALIASES.items():
        if alias in data and name not in data:
            data[name] = data[alias]
    if data.get("reserve") in ("true", "True", "yes"):
        data["reserve"] = "1"
    elif data.get("reserve") in ("false", "False", "no"):
        data["reserve"] = "0"
    selected = data.get("node")
    filters = VolunteerFilterForm(
        data or None,
        node_choices=node_choices_for_actor(actor=actor, exclude_kinds=[NodeKind.POINT, NodeKind.GRID],
                                            selected_id=int(selected) if (selected or "").isdigit() else None),
        team_choices=team_choices_for_actor(actor=actor),
    )
    valid = filters.is_valid()
    qs = selectors.volunteer_list_for_actor(actor=actor, **(filters.selector_kwargs() if valid else {}))
    if filters.is_bound and not valid:
        qs = qs.none()  # e.g. a node outside the actor's scope: nothing, not everything
    out = tempfile.TemporaryFile()
    export_volunteers(actor=actor, queryset=qs, out=out,
                      filters=filters.selector_kwargs() if valid else {"invalid": True})
    out.seek(0)
    name = f"志愿者名单-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


def _errors_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / ERRORS_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remember(request, token: str) -> None:
    tokens = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    request.session[SESSION_KEY] = (tokens + [token])[-KEEP_ERROR_FILES:]


def _sweep_old_files() -> None:
    """Error workbooks are kept a week; each upload clears the older ones."""
    limit = time.time() - ERROR_FILE_MAX_AGE
    for entry in _errors_dir().glob("*.xlsx"):
        try:
            if entry.stat().st_mtime < limit:
                entry.unlink()
        except OSError:
            pass
