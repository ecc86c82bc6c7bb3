"""Set-up pages of the hotline: lines, their counselors (with supervisors) and duty schedules.

The same rule as the API, from the same places: a line is set up by whoever holds node.edit
over its node or the hotline-supervisor role over it (access.manage_q / may_manage_hotline);
the selectors answer 404 for any other line, and the services check again and decide who
may name whom supervisor. Nothing here shows or reaches a call record.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from wenming.accounts.models import User
from wenming.core.decorators import login_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.params import parse_pk, pk_or_404

from . import selectors as sel
from .access import may_manage_any
from .errors import HotlineError as E
from .services import counselor_add, counselor_update, hotline_create, hotline_update, schedule_set
from .setup_forms import (
    CounselorAddForm,
    CounselorEditForm,
    HotlineForm,
    SlotFormSet,
    TallyForm,
    schedule_initial,
    schedule_slots,
)
from .tally_services import call_tally_set
from .views import form_error, slot_label


def _require_manager(actor) -> None:
    if not may_manage_any(actor):
        raise E.MANAGE_FORBIDDEN.error()


def _user_choices(users) -> list[tuple[str, str]]:
    return [(str(u.pk), u.username if str(u) == u.username else f"{u}（{u.username}）")
            for u in users[:sel.CHOICE_LIMIT]]


def _picked_user(queryset, raw) -> User | None:
    """A user picked from a form's choices, read back through the same candidate query."""
    pk = parse_pk(raw)
    return queryset.filter(pk=pk).first() if pk else None


# ---- lines ------------------------------------------------------------------------------------

@login_page
def lines(request):
    actor = request.user
    _require_manager(actor)
    return render(request, "hotline/setup/lines.html", {
        "lines": list(sel.hotline_list_for_manager(actor=actor)[:500]),
        "can_create": sel.manageable_nodes(actor=actor).exists(),
    })


def _node_choices(actor) -> list[tuple[str, str]]:
    return [(str(n.pk), f"{'　' * max(n.depth - 1, 0)}{n.name}")
            for n in sel.manageable_nodes(actor=actor)[:sel.CHOICE_LIMIT]]


@login_page
def line_new(request):
    actor = request.user
    _require_manager(actor)
    choices = _node_choices(actor)
    if not choices:
        raise E.MANAGE_FORBIDDEN.error()
    form = HotlineForm(request.POST or None, node_choices=choices)
    if request.method == "POST" and form.is_valid():
        node = sel.manageable_nodes(actor=actor).filter(pk=parse_pk(form.cleaned_data["node"])).first()
        if node is None:
            raise CoreError.NOT_FOUND.error()
        try:
            hotline = hotline_create(actor=actor, node=node, name=form.cleaned_data["name"],
                                     number=form.cleaned_data["number"], hours=form.cleaned_data["hours"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已创建热线“{hotline.name}”，请添加咨询师并排班")
            return redirect("hotline:line_detail", hotline.pk)
    return render(request, "hotline/setup/line_form.html", {"form": form, "line": None},
                  status=422 if request.method == "POST" else 200)


@login_page
def line_edit(request, hotline_id: str):
    actor = request.user
    hotline = sel.hotline_get_for_manager(actor=actor, hotline_id=pk_or_404(hotline_id))
    initial = {"name": hotline.name, "number": hotline.number, "hours": hotline.hours, "active": hotline.active}
    form = HotlineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            hotline_update(actor=actor, hotline=hotline, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "热线信息已保存")
            return redirect("hotline:line_detail", hotline.pk)
    return render(request, "hotline/setup/line_form.html", {"form": form, "line": hotline},
                  status=422 if request.method == "POST" else 200)


def _add_form(hotline, data=None) -> CounselorAddForm:
    return CounselorAddForm(data, user_choices=_user_choices(sel.counselor_candidates(hotline=hotline)),
                            supervisor_choices=_user_choices(sel.supervisor_candidates(hotline=hotline)))


def _line_page(request, hotline, *, add_form=None, tally_form=None, status=200):
    counselors = [{"row": c, "slots": [slot_label(s) for s in sel.schedule_of(counselor=c)]}
                  for c in sel.counselor_list(hotline=hotline)]
    return render(request, "hotline/setup/line_detail.html", {
        "line": hotline, "counselors": counselors, "add_form": add_form or _add_form(hotline),
        "tallies": hotline.tallies.select_related("entered_by")[:24], "tally_form": tally_form or TallyForm(),
    }, status=status)


@require_POST
@login_page
def tally_set(request, hotline_id: str):
    """补录 a month's calls from the paper log (0 and 0 removes it)."""
    actor = request.user
    hotline = sel.hotline_get_for_manager(actor=actor, hotline_id=pk_or_404(hotline_id))
    form = TallyForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            tally = call_tally_set(actor=actor, hotline=hotline, period=d["month"], calls=d["calls"],
                                   crisis=d["crisis"], reason=d["reason"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已补录 {d['month']} 的来电 {d['calls']} 次" if tally else "已撤销该月补录")
            return redirect(reverse("hotline:line_detail", args=[hotline.pk]) + "#tallies")
    return _line_page(request, hotline, tally_form=form, status=422)


@login_page
def line_detail(request, hotline_id: str):
    hotline = sel.hotline_get_for_manager(actor=request.user, hotline_id=pk_or_404(hotline_id))
    return _line_page(request, hotline)


# ---- counselors -------------------------------------------------------------------------------

@require_POST
@login_page
def counselor_new(request, hotline_id: str):
    actor = request.user
    hotline = sel.hotline_get_for_manager(actor=actor, hotline_id=pk_or_404(hotline_id))
    form = _add_form(hotline, request.POST)
    if form.is_valid():
        user = _picked_user(sel.counselor_candidates(hotline=hotline), form.cleaned_data["user"])
        supervisor = _picked_user(sel.supervisor_candidates(hotline=hotline), form.cleaned_data["supervisor"])
        try:
            if user is None:
                raise E.NOT_A_COUNSELOR.error("user")
            counselor_add(actor=actor, hotline=hotline, user=user, supervisor=supervisor,
                          is_supervisor=form.cleaned_data["is_supervisor"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已添加咨询师 {user}，请为其排班")
            return redirect("hotline:line_detail", hotline.pk)
    return _line_page(request, hotline, add_form=form, status=422)


def _supervisor_choices(counselor) -> list[tuple[str, str]]:
    candidates = sel.supervisor_candidates(hotline=counselor.hotline).exclude(pk=counselor.user_id)
    choices = _user_choices(candidates)
    if counselor.supervisor_id and str(counselor.supervisor_id) not in {k for k, _ in choices}:
        # the current supervisor lost the basis for it: keep them visible so the form shows the truth
        choices.append((str(counselor.supervisor_id), f"{counselor.supervisor}（已不具备督导资格）"))
    return choices


@login_page
def counselor_edit(request, counselor_id: str):
    actor = request.user
    counselor = sel.counselor_get_for_manager(actor=actor, counselor_id=pk_or_404(counselor_id))
    initial = {"supervisor": str(counselor.supervisor_id or ""), "is_supervisor": counselor.is_supervisor,
               "active": counselor.active}
    form = CounselorEditForm(request.POST or None, initial=initial, supervisor_choices=_supervisor_choices(counselor))
    if request.method == "POST" and form.is_valid():
        data, changes = form.cleaned_data, {}
        if data["supervisor"] != initial["supervisor"]:  # only what changed: naming a supervisor is checked
            changes["supervisor"] = _picked_user(sel.supervisor_candidates(hotline=counselor.hotline),
                                                 data["supervisor"])
        for field in ("is_supervisor", "active"):
            if data[field] != initial[field]:
                changes[field] = data[field]
        try:
            counselor_update(actor=actor, counselor=counselor, **changes)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "咨询师设置已保存" if changes else "没有修改")
            return redirect("hotline:line_detail", counselor.hotline_id)
    return render(request, "hotline/setup/counselor_form.html", {"form": form, "counselor": counselor},
                  status=422 if request.method == "POST" else 200)


@require_POST
@login_page
def counselor_active(request, counselor_id: str):
    """Take a counselor off the line (or back on) from the line's page."""
    actor = request.user
    counselor = sel.counselor_get_for_manager(actor=actor, counselor_id=pk_or_404(counselor_id))
    active = request.POST.get("active") == "1"
    try:
        counselor_update(actor=actor, counselor=counselor, active=active)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{counselor.user} 已{'恢复在岗' if active else '离岗'}")
    return redirect("hotline:line_detail", counselor.hotline_id)


# ---- duty schedule ----------------------------------------------------------------------------

@login_page
def schedule(request, counselor_id: str):
    actor = request.user
    counselor = sel.counselor_get_for_manager(actor=actor, counselor_id=pk_or_404(counselor_id))
    if request.method == "POST":
        formset = SlotFormSet(request.POST)
        if formset.is_valid():
            try:
                schedule_set(actor=actor, counselor=counselor, slots=schedule_slots(formset))
            except DomainError as exc:
                if exc.status == 404:
                    raise
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已保存 {counselor.user} 的值班安排")
                return redirect("hotline:line_detail", counselor.hotline_id)
        status = 422
    else:
        formset = SlotFormSet(initial=schedule_initial(sel.schedule_of(counselor=counselor)))
        status = 200
    return render(request, "hotline/setup/schedule.html", {"formset": formset, "counselor": counselor},
                  status=status)
