"""Pages of delivery runs: the list (staff: their area's runs; volunteers: the runs they are
on), a new run, and the run's page — buying list, households, volunteers, receipts and the
actions its state and the viewer allow. Every read goes through the scoped selectors, every
write through services/stops (which check the actor and state again and audit)."""

from io import BytesIO

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.decorators import add_domain_error, login_page, user_error
from wenming.core.errors import DomainError
from wenming.core.form_errors import join_messages
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk, pk_or_404
from wenming.core.uploads import image_response
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm
from wenming.volunteers.page_selectors import volunteer_by_no_for_actor

from . import selectors, services, stops
from .access import is_member, is_staff
from .export import buying_list_workbook
from .forms import AmountForm, CallForm, CodeForm, MarkForm, NumbersForm, ReasonForm, ReceiptForm, RunForm
from .models import RunStatus, StopStatus

R = RunStatus
PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _run(request, run_id: str):
    return selectors.run_get_for_actor(actor=request.user, run_id=pk_or_404(run_id))


def _back(run):
    return redirect("deliveries:detail", run_id=run.pk)


@never_cache
@login_page
def runs(request):
    actor = request.user
    status = request.GET.get("status", "")
    status = status if status in R.values else ""
    page = paginate(selectors.run_list_for_actor(actor=actor, status=status), request.GET.get("page", 1), PAGE_SIZE)
    today = timezone.localdate()
    for run in page.items:  # an open run past its planned day is flagged: its households wait on it
        run.overdue = run.is_open and run.planned_for is not None and run.planned_for < today
    return render(request, "deliveries/runs.html", {
        "page": page, "runs": page.items, "status": status, "statuses": R.choices,
        "can_create": scope_for(actor).has(Perm.DEMAND_EDIT)})


@never_cache
@login_page
def new(request):
    actor = request.user
    choices = node_choices_for_actor(actor=actor, perm=Perm.DEMAND_EDIT, exclude_kinds=[NodeKind.GRID],
                                     selected_id=parse_pk(request.GET.get("node")))
    form = RunForm(request.POST or None, node_choices=choices, initial={"node": request.GET.get("node")})
    if request.method == "POST" and form.is_valid():
        node = node_with_perm(actor=actor, perm=Perm.DEMAND_EDIT, node_id=form.cleaned_data["node"])
        if node is None:
            form.add_error("node", "请选择您负责的阵地")
        else:
            try:
                run = services.run_create(actor=actor, node=node, title=form.cleaned_data["title"],
                                          planned_for=form.cleaned_data["planned_for"],
                                          note=form.cleaned_data["note"])
            except DomainError as exc:
                add_domain_error(form, exc, {"node_id": "node"})
            else:
                messages.success(request, "已新建批次，请勾选要纳入的代购点单")
                return _back(run)
    return render(request, "deliveries/new.html", {"form": form})


def _stop_rows(run, staff: bool, member: bool, contacts: dict) -> list[dict]:
    rows = []
    for stop in selectors.stops_of(run):
        pending = stop.status == StopStatus.PENDING
        row = {"stop": stop, "demand": stop.demand, "items": list(stop.demand.items.all()),
               "contact": contacts.get(stop.pk), "pending": pending}
        if pending and (staff or member) and run.status in (R.PURCHASING, R.DELIVERING):
            prefix = f"s{stop.pk}_%s"
            row["mark_form"] = MarkForm(auto_id=prefix)
            row["amount_form"] = AmountForm(auto_id=prefix, initial={"amount": stop.amount})
            if not staff:  # only staff may close a request the household no longer needs
                row["mark_form"].fields["outcome"].choices = [c for c in row["mark_form"].fields["outcome"].choices
                                                              if c[0] == "requeue"]
            if run.status == R.DELIVERING:
                row["code_form"] = CodeForm(auto_id=prefix)
                row["call_form"] = CallForm(auto_id=prefix) if staff else None
        rows.append(row)
    return rows


def _detail(request, run, *, contacts=None):
    actor = request.user
    staff, member = is_staff(actor, run), is_member(actor, run)
    members = list(selectors.members_of(run))
    gathering, working = run.status == R.GATHERING, run.status in (R.PURCHASING, R.DELIVERING)
    context = {
        "run": run, "staff": staff, "member": member, "figures": selectors.run_figures(run),
        "buying": selectors.buying_list(run), "rows": _stop_rows(run, staff, member, contacts or {}),
        "members": members, "receipts": list(run.receipts.all()),
        "contacts_shown": bool(contacts), "may_reveal": (staff or member) and working,
        "candidates": list(selectors.run_candidates_for_actor(actor=actor, run=run)[:100])
        if staff and gathering else [],
        "assign_form": NumbersForm() if staff and run.is_open else None,
        "receipt_form": ReceiptForm() if (staff or member) and working else None,
        "cancel_form": ReasonForm(auto_id="cancel_%s") if staff and run.status in (R.GATHERING, R.PURCHASING)
        else None,
        "leave_form": ReasonForm(auto_id="leave_%s") if member and run.is_open else None,
        "me_member": next((m for m in members if m.volunteer.user_id == actor.pk), None),
    }
    return render(request, "deliveries/detail.html", context)


@never_cache
@login_page
def detail(request, run_id: str):
    return _detail(request, _run(request, run_id))


@require_POST
@never_cache
@login_page
def contacts(request, run_id: str):
    """The households' names, phones and addresses for the people doing the run (audited);
    shown on this response only — a reload masks them again."""
    run = _run(request, run_id)
    try:
        found = stops.stop_contacts_reveal(actor=request.user, run=run)
    except DomainError as exc:
        user_error(request, exc)
        return _back(run)
    return _detail(request, run, contacts=found)


def _act(request, back_to, fn, ok: str, **kwargs):
    """Call a service for the user; its refusal becomes a message on the run's page."""
    try:
        fn(actor=request.user, **kwargs)
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, ok)
    return _back(back_to)


@require_POST
@login_page
def add_stops(request, run_id: str):
    run = _run(request, run_id)
    ids = [pk for pk in (parse_pk(v) for v in request.POST.getlist("demand")[:200]) if pk]
    found = list(selectors.run_candidates_for_actor(actor=request.user, run=run).filter(pk__in=ids))
    if not found:
        messages.error(request, "请勾选要纳入的代购点单（已被其他批次纳入的不能再选）")
        return _back(run)
    return _act(request, run, services.run_add_demands, f"已纳入 {len(found)} 户", run=run, demands=found)


@require_POST
@login_page
def remove_stop(request, run_id: str, stop_id: str):
    run = _run(request, run_id)
    stop = run.stops.select_related("run__node", "demand").filter(pk=pk_or_404(stop_id)).first()
    if stop is None:
        return _back(run)
    return _act(request, run, services.run_remove_stop, "已移出该户，点单退回待派单", stop=stop)


@require_POST
@login_page
def assign(request, run_id: str):
    run = _run(request, run_id)
    form = NumbersForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["numbers"][0])
        return _back(run)
    volunteers, unknown = [], []
    for number in form.cleaned_data["numbers"]:
        vol = volunteer_by_no_for_actor(actor=request.user, volunteer_no=number)
        (volunteers if vol else unknown).append(vol or number)
    if unknown:
        messages.error(request, f"找不到志愿者编号：{'、'.join(unknown[:5])}")
        return _back(run)
    return _act(request, run, services.run_assign, f"已安排 {len(volunteers)} 名志愿者", run=run,
                volunteers=volunteers)


@require_POST
@login_page
def leave(request, run_id: str):
    """A member leaves (their own row), or staff take a member off (volunteer id in the form)."""
    run = _run(request, run_id)
    member = selectors.members_of(run).filter(volunteer_id=parse_pk(request.POST.get("volunteer"))).first()
    if member is None:
        return _back(run)
    mine = member.volunteer.user_id == request.user.pk
    result = _act(request, run, services.run_leave, "已退出本批次" if mine else "已将该志愿者移出本批次", run=run,
                  volunteer=member.volunteer, reason=request.POST.get("reason", ""))
    if mine and not is_staff(request.user, run) and not is_member(request.user, run):
        return redirect("deliveries:runs")  # no longer on it: the run's page would be a 404
    return result


@require_POST
@login_page
def purchase(request, run_id: str):
    run = _run(request, run_id)
    return _act(request, run, services.run_start_purchase, "已开始采购：采购清单已确定", run=run)


@require_POST
@login_page
def deliver(request, run_id: str):
    run = _run(request, run_id)
    return _act(request, run, services.run_start_delivery, "已开始配送：收货码已短信发送给各户", run=run)


@require_POST
@login_page
def cancel(request, run_id: str):
    run = _run(request, run_id)
    return _act(request, run, services.run_cancel, "批次已取消，点单已退回待派单", run=run,
                reason=request.POST.get("reason", ""))


@require_POST
@login_page
def add_receipt(request, run_id: str):
    run = _run(request, run_id)
    form = ReceiptForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, join_messages(e for errors in form.errors.values() for e in errors))
        return _back(run)
    data = form.cleaned_data
    return _act(request, run, services.receipt_add, "已登记小票", run=run, amount=data["amount"], shop=data["shop"],
                note=data["note"], upload=data["photo"])


@require_GET
@login_page
def receipt_photo(request, run_id: str, receipt_id: str):
    run = _run(request, run_id)
    receipt = run.receipts.select_related("image").filter(pk=pk_or_404(receipt_id)).first()
    image = receipt.image if receipt else None
    return image_response(request, image, allowed=image is not None)


@require_GET
@login_page
def export(request, run_id: str):
    run = _run(request, run_id)
    data = buying_list_workbook(run)
    audit_record(actor=request.user, action="delivery.export", obj=run, node_path=run.node.path)
    return FileResponse(BytesIO(data), as_attachment=True, filename=f"采购清单-{run.pk}.xlsx", content_type=XLSX)


def _stop(request, stop_id: str):
    return selectors.stop_get_for_actor(actor=request.user, stop_id=pk_or_404(stop_id))


@require_POST
@login_page
def confirm(request, stop_id: str):
    stop = _stop(request, stop_id)
    return _act(request, stop.run, stops.stop_confirm_code, f"{stop.demand.tracking_no} 已确认送达", stop=stop,
                code=request.POST.get("code", ""))


@require_POST
@login_page
def confirm_by_call(request, stop_id: str):
    stop = _stop(request, stop_id)
    return _act(request, stop.run, stops.stop_confirm_by_call, f"{stop.demand.tracking_no} 已电话回访确认收货",
                stop=stop, note=request.POST.get("note", ""))


@require_POST
@login_page
def mark(request, stop_id: str):
    stop = _stop(request, stop_id)
    return _act(request, stop.run, stops.stop_mark, f"{stop.demand.tracking_no} 已登记未送达", stop=stop,
                reason=request.POST.get("reason", ""), outcome=request.POST.get("outcome", "requeue"))


@require_POST
@login_page
def amount(request, stop_id: str):
    stop = _stop(request, stop_id)
    return _act(request, stop.run, stops.stop_set_amount, f"{stop.demand.tracking_no} 金额已登记", stop=stop,
                amount=request.POST.get("amount", ""))
