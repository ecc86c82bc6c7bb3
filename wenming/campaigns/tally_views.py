"""Pages of the campaign tallies: a subject's month (current values, subtree totals, children),
the entry form, corrections, the ledger and the Excel entry sheet.

A subject is written `n:<node id>` or `u:<unit id>` in query strings and forms; it is looked up
through the scoped selectors, so a foreign id is "nothing to show", never someone else's data.
"""

from io import BytesIO

from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.core.decorators import add_domain_error, form_submit, login_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import node_choices_for_actor

from . import access, sheet, tally_selectors, tally_services
from .forms import CorrectionForm, EntryForm, SubjectForm, UploadForm
from .periods import current_month, parse_period

PAGE_SIZE = 20
UNIT_CHOICE_LIMIT = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _guard(actor) -> None:
    if not access.may_use_tallies(actor):
        raise CoreError.FORBIDDEN.error()


def subject_choices(actor, perm: str = Perm.NODE_VIEW) -> list[tuple[str, str]]:
    nodes = [(f"n:{pk}", label) for pk, label in node_choices_for_actor(actor=actor, perm=perm)]
    units = tally_selectors.tally_unit_list_for_actor(actor=actor).filter(archived_at__isnull=True)
    return nodes + [(f"u:{u.pk}", f"{u.name}（文明单位 · {u.node.name}）") for u in units[:UNIT_CHOICE_LIMIT]]


def parse_subject(actor, raw):
    """(node, unit) of an `n:<id>`/`u:<id>` value the actor may read; None otherwise."""
    kind, _, pk = str(raw or "").partition(":")
    pk = parse_pk(pk)
    if pk is None or kind not in ("n", "u"):
        return None
    try:
        return tally_selectors.tally_subject_for_actor(
            actor=actor, node_id=pk if kind == "n" else None, unit_id=pk if kind == "u" else None)
    except DomainError:
        return None


def subject_value(node, unit) -> str:
    return f"u:{unit.pk}" if unit is not None else f"n:{node.pk}"


def _month(raw):
    try:
        return parse_period(raw) if raw else current_month()
    except DomainError:
        return None


def _query(node, unit, month) -> str:
    return "?" + urlencode({"subject": subject_value(node, unit), "month": f"{month:%Y-%m}"})


@never_cache
@login_page
def tallies(request):
    actor = request.user
    _guard(actor)
    choices = subject_choices(actor)
    raw = request.GET.get("subject") or (choices[0][0] if choices else "")
    subject = parse_subject(actor, raw)
    month = _month(request.GET.get("month"))
    form = SubjectForm(initial={"subject": raw, "month": f"{(month or current_month()):%Y-%m}"},
                       subject_choices=choices)
    context = {"form": form, "month": month, "bad_month": month is None, "subject": subject}
    if subject is not None and month is not None:
        node, unit = subject
        context |= {"node": node, "unit": unit, "query": _query(node, unit, month),
                    "current": tally_selectors.tally_current_for_actor(actor=actor, node=node, unit=unit,
                                                                       period=month),
                    "can_edit": access.may_edit_tally(actor, node, unit) and node.archived_at is None}
        if unit is None:
            totals = tally_selectors.tally_totals_for_actor(actor=actor, node=node, since=month, until=month)
            children = tally_selectors.tally_children_for_actor(actor=actor, node=node, since=month, until=month)
            context |= {"totals": totals,
                        "children": [(c.node, [(t.indicator, c.value(t.indicator)) for t in totals
                                               if c.value(t.indicator)]) for c in children]}
    return render(request, "campaigns/tallies.html", context)


@never_cache
@login_page
def entries(request):
    actor = request.user
    _guard(actor)
    choices = subject_choices(actor)
    subject = parse_subject(actor, request.GET.get("subject"))
    month = _month(request.GET.get("month")) if request.GET.get("month") else None
    node, unit = subject if subject else (None, None)
    qs = tally_selectors.tally_entry_list_for_actor(actor=actor, node_id=node.pk if node and not unit else None,
                                                    unit_id=unit.pk if unit else None, period=month)
    if request.GET.get("subject") and subject is None:
        qs = qs.none()  # a subject outside the scope: nothing, not everything
    form = SubjectForm(initial={"subject": request.GET.get("subject", ""), "month": request.GET.get("month", "")},
                       subject_choices=[("", "全部")] + choices)
    return render(request, "campaigns/entries.html", {
        "form": form, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE)})


@never_cache
@login_page
def entry_new(request):
    actor = request.user
    _guard(actor)
    post = request.POST if request.method == "POST" else None
    indicators = [(str(i.pk), str(i)) for i in tally_selectors.indicator_list_for_actor(actor=actor)]
    initial = {k: request.GET[k] for k in ("subject", "month") if request.GET.get(k)}
    form = EntryForm(post, initial=initial, subject_choices=subject_choices(actor, Perm.NODE_EDIT),
                     indicator_choices=indicators)
    def add(d):
        subject = parse_subject(actor, d["subject"])
        if subject is None:
            raise CoreError.NOT_FOUND.error("subject")
        node, unit = subject
        return tally_services.tally_add(actor=actor, node=None if unit else node, unit=unit, period=d["month"],
                                        value=d["value"],
                                        indicator=tally_selectors.indicator_get(key=d["indicator"], node=node),
                                        note=d["note"], late_reason=d["late_reason"])

    sent = form_submit(request, form, add, aliases={"node_id": "subject", "unit_id": "subject", "period": "month"},
                       success=lambda e: f"已填报：{e.indicator.name} {e.delta} {e.indicator.unit}")
    if sent.done:
        entry = sent.value
        return redirect(reverse("campaigns:tallies") + _query(entry.node, entry.unit, entry.period))
    return render(request, "campaigns/entry_form.html", {"form": form}, status=sent.status)


@never_cache
@login_page
def entry_correct(request, entry_id: int):
    actor = request.user
    _guard(actor)
    entry = tally_selectors.tally_entry_get_for_actor(actor=actor, entry_id=entry_id)
    post = request.POST if request.method == "POST" else None
    form = CorrectionForm(post)
    sent = form_submit(request, form, lambda d: tally_services.tally_correct(
        actor=actor, entry=entry, delta=d["delta"], reason=d["reason"]), success="已录入更正，原记录保持不变")
    if sent.done:
        return redirect(reverse("campaigns:tallies") + _query(entry.node, entry.unit, entry.period))
    return render(request, "campaigns/entry_correct.html", {"form": form, "entry": entry}, status=sent.status)


@never_cache
@login_page
def sheet_download(request):
    actor = request.user
    _guard(actor)
    subject = parse_subject(actor, request.GET.get("subject"))
    month = _month(request.GET.get("month"))
    if subject is None or month is None:
        raise CoreError.NOT_FOUND.error()
    node, unit = subject
    values = tally_selectors.tally_current_for_actor(actor=actor, node=node, unit=unit, period=month)
    data = sheet.build_sheet(node=node, unit=unit, period=month, values=values)
    return FileResponse(BytesIO(data), as_attachment=True, content_type=XLSX,
                        filename=sheet.sheet_filename(node=node, unit=unit, period=month))


@never_cache
@login_page
def sheet_upload(request):
    actor = request.user
    _guard(actor)
    form = UploadForm(request.POST or None, request.FILES or None)
    context, status = {"form": form}, 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = sheet.tally_sheet_import(actor=actor, upload=upload, file_name=upload.name or "",
                                                  late_reason=form.cleaned_data["late_reason"])
            except sheet.SheetRejected as exc:
                context |= {"rejected": exc}
                status = exc.status
            except DomainError as exc:
                add_domain_error(form, exc, {"file": "file"})
                status = exc.status
            else:
                context |= {"result": result, "query": _query(result.node, result.unit, result.period)}
                status = 200
    return render(request, "campaigns/sheet_upload.html", context, status=status)
