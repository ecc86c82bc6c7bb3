"""The roster's heavy one-offs as background jobs (core/jobs.py, docs/jobs.md): a big
uploaded roster imported by a worker (progress = rows, the error workbook as the result),
and a big volunteer list exported to Excel (the workbook as the result).

Both keep exactly the rules of the synchronous pages: the same importer and exporter,
the same scoped selector and list filters, re-checked in the worker with the actor who
started the job. The uploaded workbook (raw ID numbers and phones) is kept in the uploads
storage only until its job ends; a search text (it may be a phone number) is kept
encrypted in the job's parameters.
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.crypto import decrypt, encrypt
from wenming.core.files import file_to_local
from wenming.core.jobs import JobResult, job_progress, job_start
from wenming.core.params import parse_pk
from wenming.orgs.models import Node, NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor

from . import selectors
from .forms import VolunteerFilterForm
from .page_selectors import team_choices_for_actor
from .roster.errors import RosterError
from .roster.exporter import export_volunteers
from .roster.importer import LONG_DIGITS, import_roster

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_KIND, IMPORT_LABEL = "volunteers.roster_import", "批量导入志愿者"
EXPORT_KIND, EXPORT_LABEL = "volunteers.export", "导出志愿者名单"
# The list page's filter names, plus the selector's own names as aliases.
ALIASES = {"search": "q", "node_id": "node", "is_reserve": "reserve", "team_id": "team"}


def _single_root(actor, perm: str) -> Node | None:
    """The actor's one subtree for `perm` (who else may see the job), None with several."""
    paths = scope_for(actor).paths(perm)
    return Node.objects.filter(path=paths[0]).first() if len(paths) == 1 else None


# --- import --------------------------------------------------------------------------------

def roster_import_job_start(*, actor, upload, dry_run: bool, filename: str, back_url: str = ""):
    """Queue the import of an uploaded roster (a path or a binary file)."""
    if not scope_for(actor).has(Perm.VOLUNTEER_EDIT):
        raise RosterError.NO_EDIT_SCOPE.error()
    return job_start(actor=actor, kind=IMPORT_KIND, node=_single_root(actor, Perm.VOLUNTEER_EDIT),
                     perm=Perm.VOLUNTEER_EDIT, input_file=upload, input_suffix=".xlsx", back_url=back_url,
                     params={"dry_run": bool(dry_run), "filename": LONG_DIGITS.sub("***", filename or "")[:200]})


def roster_import_job_run(job, workdir) -> JobResult:
    # An import is re-runnable by design (upsert by ID number; unchanged rows are left
    # alone), so a run resumed after a killed worker simply reads the file again.
    source = file_to_local(job.params["input"], workdir)
    errors_path = workdir / "errors.xlsx"
    report = import_roster(actor=job.actor, source=source, dry_run=job.params.get("dry_run", False),
                           errors_path=errors_path, filename=job.params.get("filename", ""),
                           progress=lambda done, total: job_progress(job, done, total))
    message = report.summary()
    if report.aborted:
        message += "。文件后半部分无法读取，请检查文件后重新导入（已导入的行不会重复）"
    if not report.errors_path:
        return JobResult(message)
    return JobResult(message + "。有误的行见错误清单（证件号码、手机号码已脱敏），改正后可重新导入",
                     file=errors_path, filename="名册错误清单.xlsx", content_type=XLSX)


# --- export --------------------------------------------------------------------------------

def volunteer_export_query(*, actor, data: QueryDict):
    """(queryset, filters) of an export: the list page's filters (its GET parameters, or
    the selector's names as aliases) over the actor's scoped list. Invalid filters (e.g. a
    node out of scope) export nothing, never everything."""
    data = data.copy()
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
                                            selected_id=parse_pk(selected)),
        team_choices=team_choices_for_actor(actor=actor),
    )
    valid = filters.is_valid()
    kwargs = filters.selector_kwargs() if valid else {}
    qs = selectors.volunteer_list_for_actor(actor=actor, **kwargs)
    if filters.is_bound and not valid:
        qs = qs.none()
    return qs, (kwargs if valid else {"invalid": True})


def export_filename() -> str:
    return f"志愿者名单-{timezone.localdate():%Y%m%d}.xlsx"


def volunteer_export_job_start(*, actor, data: QueryDict, filters: dict, back_url: str = ""):
    """Queue an export with the list's filters. The job's node is the filtered node, else
    the actor's one subtree: its contents are within what anyone with volunteer.view there
    sees anyway."""
    node = None
    if filters.get("node_id"):
        node = Node.objects.filter(pk=filters["node_id"]).first()
    node = node or _single_root(actor, Perm.VOLUNTEER_VIEW)
    params = {k: v for k, v in data.lists() if k not in ("q", "search")}
    search = data.get("q") or data.get("search") or ""
    if search:
        params["q_enc"] = encrypt(search)
    return job_start(actor=actor, kind=EXPORT_KIND, node=node, perm=Perm.VOLUNTEER_VIEW, params={"query": params},
                     back_url=back_url)


def volunteer_export_job_run(job, workdir) -> JobResult:
    data = QueryDict(mutable=True)
    for key, values in job.params.get("query", {}).items():
        if key == "q_enc":
            data["q"] = decrypt(values)
        else:
            data.setlist(key, values)
    qs, filters = volunteer_export_query(actor=job.actor, data=data)
    total = qs.count()
    job_progress(job, 0, total)
    out = workdir / "volunteers.xlsx"
    count = export_volunteers(actor=job.actor, queryset=qs, out=out, filters=filters,
                              progress=lambda done: job_progress(job, done, total))
    job_progress(job, count, count)
    return JobResult(f"已导出 {count} 名志愿者（证件号码、手机号码已脱敏）", file=out, filename=export_filename(),
                     content_type=XLSX)
