"""Pages of the counselling hotline: a counselor's call log and entry form, a call's page,
follow-ups, the supervisor's view of their counselors' logs, and statistics.

Which records a page shows comes from the selectors (access.call_visibility_q: the author
and their supervisor only); a call's page decrypts through call_log_read, which writes the
audit row. Ids in URLs are parsed with parse_pk, so "²", "abc" or 23 digits are a 404 page.
Pages with counselling content are never cached. The set-up pages (lines, counselors,
schedules) are in setup_views.py.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.core.decorators import add_domain_error, login_page
from wenming.core.errors import DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk, pk_or_404
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm

from . import disclosure
from . import selectors as sel
from .access import may_manage_any, may_view_stats
from .call_services import (
    call_log_create,
    call_log_read,
    call_log_update,
    call_phone_reveal,
    followup_complete,
    followup_create,
    may_edit,
)
from .errors import HotlineError as E
from .forms import DATETIME_LOCAL, CallEditForm, CallForm, CompleteForm, FollowUpForm, StatsForm
from .stats import call_stats_for_actor, stats_hotline_list

PAGE_SIZE = 30
STAT_TABLES = [("by_period", "按时间", "by-period"), ("by_caller_group", "按来电人群", "by-group"),
               ("by_topic", "按咨询主题", "by-topic"), ("by_hotline", "按热线", "by-hotline")]
WEEKDAYS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}


def form_error(form, exc: DomainError) -> None:
    """Refusals about the input go next to the form; not-found stays an error page."""
    if exc.status == 404:
        raise exc
    add_domain_error(form, exc)


def slot_label(slot) -> str:
    day = f"{slot.on_date:%Y-%m-%d}" if slot.on_date else f"每{WEEKDAYS.get(slot.weekday, '')}"
    overnight = "（次日）" if slot.ends_at <= slot.starts_at else ""
    return f"{day} {slot.starts_at:%H:%M}–{overnight}{slot.ends_at:%H:%M}"


# ---- the counselor's log --------------------------------------------------------------------

@never_cache
@login_page
def calls(request):
    actor = request.user
    rows = list(sel.counselor_rows_of(actor=actor))
    return render(request, "hotline/calls.html", {
        "page": paginate(sel.call_list_for_actor(actor=actor, mine=True), request.GET.get("page", 1), PAGE_SIZE),
        "lines": [{"counselor": c, "slots": [slot_label(s) for s in sel.schedule_of(counselor=c)]} for c in rows],
        "open_followups": sel.followup_list_for_actor(actor=actor, assigned_to_me=True, open_only=True).count(),
        "supervises": sel.supervised_counselors(actor=actor).exists(),
        "can_stats": may_view_stats(actor),
        "can_setup": may_manage_any(actor),
    })


def _hotline_choices(actor) -> list[tuple[str, str]]:
    return [(str(c.hotline_id), f"{c.hotline.name}（{c.hotline.number}）") for c in sel.counselor_rows_of(actor=actor)]


@never_cache
@login_page
def call_new(request):
    actor = request.user
    choices = _hotline_choices(actor)
    if not choices:
        raise E.NOT_YOUR_HOTLINE.error()
    form = CallForm(request.POST or None, hotline_choices=choices)
    if request.method == "POST" and form.is_valid():
        hotline = sel.hotline_get_for_actor(actor=actor, hotline_id=int(form.cleaned_data["hotline"]))
        try:
            call = call_log_create(actor=actor, hotline=hotline, values=form.service_values())
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "来电记录已保存" + ("，已生成回访任务" if call.followups.exists() else ""))
            return redirect("hotline:call_detail", call.pk)
    return render(request, "hotline/call_form.html", {"form": form, "call": None},
                  status=422 if request.method == "POST" else 200)


# ---- one call ---------------------------------------------------------------------------------

def _detail_page(request, call, *, revealed_phone: str | None = None, followup_form=None, status=200):
    actor = request.user
    record = call_log_read(actor=actor, call=call)  # writes the audit row for this read
    return render(request, "hotline/call_detail.html", {
        "record": record, "call": call, "revealed_phone": revealed_phone,
        "can_edit": may_edit(actor, call), "is_author": call.counselor.user_id == actor.pk,
        "followup_form": followup_form or FollowUpForm(initial={"due_on": timezone.localdate()}),
        "complete_form": CompleteForm(), "today": timezone.localdate(),
    }, status=status)


@never_cache
@login_page
def call_detail(request, call_id: str):
    call = sel.call_get_for_actor(actor=request.user, call_id=pk_or_404(call_id))
    return _detail_page(request, call)


@never_cache
@require_POST
@login_page
def call_phone(request, call_id: str):
    """Show the caller's full number once, on this response only (audited)."""
    call = sel.call_get_for_actor(actor=request.user, call_id=pk_or_404(call_id))
    phone = call_phone_reveal(actor=request.user, call=call)
    return _detail_page(request, call, revealed_phone=phone or "（未记录）")


def _edit_initial(call, summary: str) -> dict:
    return {"started_at": timezone.localtime(call.started_at).strftime(DATETIME_LOCAL),
            "duration_minutes": call.duration_minutes, "caller_group": call.caller_group, "topic": call.topic.code,
            "outcome": call.outcome, "is_crisis": call.is_crisis, "referral": call.referral, "summary": summary}


@never_cache
@login_page
def call_edit(request, call_id: str):
    actor = request.user
    call = sel.call_get_for_actor(actor=actor, call_id=pk_or_404(call_id))
    if call.counselor.user_id != actor.pk:
        raise E.NOT_AUTHOR.error()
    if not may_edit(actor, call):
        raise E.EDIT_WINDOW.error(hours=24)
    if request.method == "POST":
        form = CallEditForm(request.POST)
        if form.is_valid():
            values = form.service_values()
            if values.get("started_at") == call.started_at.replace(second=0, microsecond=0):
                values.pop("started_at")  # the form shows minutes: untouched is not a change
            try:
                call_log_update(actor=actor, call=call, values=values)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, "来电记录已修改")
                return redirect("hotline:call_detail", call.pk)
        return render(request, "hotline/call_form.html", {"form": form, "call": call}, status=422)
    record = call_log_read(actor=actor, call=call)  # the form shows the summary: an audited read
    form = CallEditForm(initial=_edit_initial(call, record.summary))
    return render(request, "hotline/call_form.html", {"form": form, "call": call})


@require_POST
@login_page
def followup_add(request, call_id: str):
    call = sel.call_get_for_actor(actor=request.user, call_id=pk_or_404(call_id))
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            followup_create(actor=request.user, call=call, due_on=form.cleaned_data["due_on"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已追加回访任务")
            return redirect(reverse("hotline:call_detail", args=[call.pk]) + "#followups")
    return _detail_page(request, call, followup_form=form, status=422)


@require_POST
@login_page
def followup_done(request, followup_id: str):
    followup = sel.followup_get_for_actor(actor=request.user, followup_id=pk_or_404(followup_id))
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "回访记录不能超过 2000 字")
    else:
        try:
            followup_complete(actor=request.user, followup=followup, note=form.cleaned_data["note"])
        except DomainError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, "回访已完成")
    if request.POST.get("back") == "list":
        return redirect("hotline:followups")
    return redirect(reverse("hotline:call_detail", args=[followup.call_id]) + "#followups")


# ---- follow-ups and supervision ---------------------------------------------------------------

@never_cache
@login_page
def followups(request):
    actor = request.user
    return render(request, "hotline/followups.html", {
        "mine": list(sel.followup_list_for_actor(actor=actor, assigned_to_me=True, open_only=True)[:200]),
        "supervised": list(sel.followup_list_for_actor(actor=actor, supervised=True, open_only=True)[:200]),
        "today": timezone.localdate(), "complete_form": CompleteForm(),
    })


@never_cache
@login_page
def supervision(request):
    actor = request.user
    qs = sel.call_list_for_actor(actor=actor, supervised=True)
    counselor_id = parse_pk(request.GET.get("counselor"))
    crisis = request.GET.get("crisis") == "1"
    if request.GET.get("counselor"):  # a bad id filters to nothing, not to everything
        qs = qs.filter(counselor_id=counselor_id) if counselor_id else qs.none()
    if crisis:
        qs = qs.filter(is_crisis=True)
    return render(request, "hotline/supervision.html", {
        "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE), "counselors": list(sel.supervised_counselors(actor=actor)),
        "counselor_id": counselor_id, "crisis": crisis,
        "overdue": sel.followup_list_for_actor(actor=actor, supervised=True, open_only=True).filter(
            due_on__lt=timezone.localdate()).count(),
    })


# ---- statistics -------------------------------------------------------------------------------

@never_cache
@login_page
def stats(request):
    actor = request.user
    if not may_view_stats(actor):
        raise E.STATS_FORBIDDEN.error()
    hotlines = [(str(h.pk), f"{h.name}（{h.node.name}）") for h in stats_hotline_list(actor=actor)[:300]]
    nodes = node_choices_for_actor(actor=actor, perm=Perm.HOTLINE_STATS, exclude_kinds=[NodeKind.GRID],
                                   selected_id=parse_pk(request.GET.get("node")))
    form = StatsForm(request.GET or None, node_choices=nodes, hotline_choices=hotlines)
    result, status = None, 200
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        node = node_with_perm(actor=actor, perm=Perm.HOTLINE_STATS, node_id=data["node"]) if data.get("node") else None
        hotline = stats_hotline_list(actor=actor).filter(pk=parse_pk(data["hotline"])).first() if data.get(
            "hotline") else None
        try:
            result = call_stats_for_actor(actor=actor, period=data.get("period") or "day",
                                          date_from=data.get("date_from"), date_to=data.get("date_to"),
                                          node=node, hotline=hotline)
        except DomainError as exc:
            if exc.status != 422:
                raise
            form_error(form, exc)
            status = 422
    else:
        status = 422
    tables = [{"id": id_, "title": title, "rows": getattr(result, name), "withheld": name in result.withheld}
              for name, title, id_ in STAT_TABLES] if result else []
    return render(request, "hotline/stats.html", {"form": form, "stats": result, "tables": tables,
                                                  "round_to": disclosure.ROUND_TO}, status=status)
