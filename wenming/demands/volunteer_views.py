"""The volunteer's pages: offers (接单 / 婉拒 with a reason) and the request they accepted,
with the resident's contact, the shopping list, 开始服务, 完成 with proof and photos.

Before acceptance a volunteer sees the area of the address (masked) and the description,
never the resident's name or phone. On the accepted request's page the contact is read in
clear through contact.demand_contact_reveal, which checks the volunteer and the state and
writes the audit row each time the page shows it.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.core.decorators import login_page, user_error
from wenming.core.errors import CoreError, DomainError
from wenming.core.params import pk_or_404

from . import workflow
from .contact import demand_contact_reveal, masked_contact, may_see_contact
from .errors import DemandError as E
from .forms import CompleteForm, PhotoForm, ReasonForm
from .models import DemandStatus, OfferStatus
from .public_views import public_history
from .selectors import demand_get_for_actor, offer_get_for_actor, offer_list_for_actor

LIST_LIMIT = 50
S = DemandStatus


def _is_doer(user, demand) -> bool:
    vol = demand.accepted_by
    return vol is not None and vol.user_id is not None and vol.user_id == user.pk


@dataclass(frozen=True)
class OfferState:
    """An offer as the volunteer sees it: the state in words and the next step (issue 15)."""

    key: str
    label: str
    note: str


# The accepted request's own progress, for the volunteer who accepted it.
_DOING = {
    S.ACCEPTED: ("accepted", "已接单", "下一步：联系群众、约好时间，出发前点“开始服务”。"),
    S.IN_PROGRESS: ("in_progress", "服务中", "下一步：服务完成后上传照片，点“完成”。"),
    S.COMPLETED: ("completed", "已完成", "等待群众评价，无需操作。"),
    S.RATED: ("rated", "已评价", "群众已评价，感谢您的服务。"),
    S.CLOSED: ("closed", "已办结", "该单已办结，无需操作。"),
}


def offer_state(offer, *, mine: bool, now) -> OfferState:
    """Reads only the offer, its request and the clock (all loaded with the list)."""
    demand = offer.demand
    if offer.status == OfferStatus.OFFERED:
        if offer.expires_at and offer.expires_at < now:
            return OfferState("expired", "已过接单时限", "已超过接单时限，该单将派给其他志愿者，无需操作。")
        until = f"请在 {timezone.localtime(offer.expires_at):%m月%d日 %H:%M} 前" if offer.expires_at else "请尽快"
        return OfferState("offered", "待接单", f"{until}接单，或说明原因婉拒。接单后可看到群众的联系方式。")
    if offer.status == OfferStatus.ACCEPTED:
        if not mine:
            return OfferState("withdrawn", "已由队友接单", "本队其他志愿者已接单，无需操作。")
        key, label, note = _DOING.get(demand.status, (demand.status, demand.get_status_display(), ""))
        if demand.status == S.RATED and demand.rating:
            note = f"群众评价 {demand.rating} 星，感谢您的服务。"
        return OfferState(key, label, note)
    if offer.status == OfferStatus.DECLINED:
        return OfferState("declined", "已婉拒", "已告知阵地，该单派给其他志愿者，无需操作。")
    if offer.status == OfferStatus.EXPIRED:
        return OfferState("expired", "已超时", "超过接单时限未答复，该单已派给其他志愿者，无需操作。")
    return OfferState("withdrawn", "已撤回", "该单已由其他志愿者接单或阵地已撤回，无需操作。")


def _offer_rows(user, offers) -> list:
    now = timezone.now()
    for offer in offers:
        offer.mine = offer.status == OfferStatus.ACCEPTED and _is_doer(user, offer.demand)
        offer.state = offer_state(offer, mine=offer.mine, now=now)
    return offers


@never_cache
@login_page
def offers(request):
    actor = request.user
    open_offers = offer_list_for_actor(actor=actor, open_only=True).select_related("demand__accepted_by")
    # queued offers are not asked yet: the volunteer hears of them when their turn comes
    answered = (offer_list_for_actor(actor=actor).select_related("demand__accepted_by")
                .exclude(status__in=[OfferStatus.OFFERED, OfferStatus.QUEUED]))
    return render(request, "demands/volunteer/offers.html", {
        "open_offers": _offer_rows(actor, list(open_offers[:LIST_LIMIT])),
        "answered": _offer_rows(actor, list(answered[:LIST_LIMIT])),
        "now": timezone.now(),
    })


@never_cache
@login_page
def offer(request, offer_id: str):
    """One offer: the page the notification links to."""
    found = offer_get_for_actor(actor=request.user, offer_id=pk_or_404(offer_id))
    if found.status == OfferStatus.QUEUED:
        raise CoreError.NOT_FOUND.error()
    return render(request, "demands/volunteer/offer.html", {
        "offer": _offer_rows(request.user, [found])[0], "now": timezone.now(),
    })


def _back(request, offer_id: int):
    """Back to where the button was: the offer's own page or the list."""
    if request.POST.get("back") == "offer":
        return redirect("demands:offer", offer_id=offer_id)
    return redirect("demands:offers")


@require_POST
@login_page
def offer_accept(request, offer_id: str):
    found = offer_get_for_actor(actor=request.user, offer_id=pk_or_404(offer_id))
    try:
        demand = workflow.offer_accept(actor=request.user, offer=found)
    except DomainError as exc:
        user_error(request, exc)
        return _back(request, found.pk)
    messages.success(request, "接单成功。群众的联系方式已在下方显示，请尽快联系并按约定时间上门。")
    return redirect("demands:my_demand", demand_id=demand.pk)


@require_POST
@login_page
def offer_decline(request, offer_id: str):
    found = offer_get_for_actor(actor=request.user, offer_id=pk_or_404(offer_id))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写婉拒原因")
        return _back(request, found.pk)
    try:
        workflow.offer_decline(actor=request.user, offer=found, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, "已婉拒，感谢告知。该单将派给其他志愿者。")
    return _back(request, found.pk)


def _my(request, demand_id: str):
    """A request the actor accepted; anyone else gets the same 404 as a missing one."""
    demand = demand_get_for_actor(actor=request.user, demand_id=pk_or_404(demand_id))
    if not _is_doer(request.user, demand):
        raise CoreError.NOT_FOUND.error()
    return demand


def _my_page(request, demand, *, complete_form=None, photo_form=None, status=200):
    actor = request.user
    contact = demand_contact_reveal(actor=actor, demand=demand) if may_see_contact(actor, demand) \
        else masked_contact(demand)
    return render(request, "demands/volunteer/my_demand.html", {
        "demand": demand, "contact": contact, "items": list(demand.items.all()),
        "photos": list(demand.photos.all()), "history": public_history(demand),
        "complete_form": complete_form or CompleteForm(), "photo_form": photo_form or PhotoForm(auto_id="add_%s"),
        "can_start": demand.status == S.ACCEPTED, "can_complete": demand.status == S.IN_PROGRESS,
        "can_add_photo": demand.status in (S.IN_PROGRESS, S.COMPLETED),
        "next_step": _DOING.get(demand.status, ("", "", ""))[2],
    }, status=status)


@never_cache
@login_page
def my_demand(request, demand_id: str):
    return _my_page(request, _my(request, demand_id))


def _acted_on(request, demand_id: str):
    """For the volunteer's POSTs: any request the actor can see; the service decides whether
    they may act (only the volunteer who accepted it) and answers with its message."""
    return demand_get_for_actor(actor=request.user, demand_id=pk_or_404(demand_id))


@require_POST
@login_page
def start(request, demand_id: str):
    demand = _acted_on(request, demand_id)
    try:
        workflow.demand_start(actor=request.user, demand=demand)
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, "已开始服务")
    return redirect("demands:my_demand", demand_id=demand.pk)


@require_POST
@login_page
def complete(request, demand_id: str):
    demand = _acted_on(request, demand_id)
    form = CompleteForm(request.POST, request.FILES)
    if not form.is_valid():
        if not _is_doer(request.user, demand):
            raise E.NOT_YOURS.error(who="接单的志愿者", action="完成")
        return _my_page(request, demand, complete_form=form, status=422)
    upload = form.cleaned_data["photo"]
    try:
        if upload:  # the photo first: a refused photo leaves the request in service
            workflow.demand_add_photo(actor=request.user, demand=demand, upload=upload)
        workflow.demand_complete(actor=request.user, demand=demand, note=form.cleaned_data["note"],
                                 receipt_amount=form.cleaned_data["receipt_amount"])
    except DomainError as exc:
        if exc.status not in (413, 415, 422) or not _is_doer(request.user, demand):
            user_error(request, exc)
            return redirect("demands:my_demand", demand_id=demand.pk)
        form.add_error(exc.field if exc.field in form.fields else ("photo" if exc.code.startswith("upload.")
                                                                      else None), exc.message)
        demand.refresh_from_db()
        return _my_page(request, demand, complete_form=form, status=exc.status)
    messages.success(request, "已完成，感谢您的服务！群众可凭查询码评价。")
    return redirect("demands:my_demand", demand_id=demand.pk)


@require_POST
@login_page
def add_photo(request, demand_id: str):
    demand = _acted_on(request, demand_id)
    form = PhotoForm(request.POST, request.FILES, auto_id="add_%s")
    if not form.is_valid():
        messages.error(request, "请选择要上传的照片")
        return redirect("demands:my_demand", demand_id=demand.pk)
    try:
        workflow.demand_add_photo(actor=request.user, demand=demand, upload=form.cleaned_data["photo"])
    except DomainError as exc:
        user_error(request, exc)  # 图片过大、格式不对…: the upload's own Chinese message
    else:
        messages.success(request, "照片已上传（位置信息已去除）")
    return redirect("demands:my_demand", demand_id=demand.pk)
