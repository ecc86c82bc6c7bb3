"""Pages for the rewards shop (爱心超市): a volunteer spends points on an item and gets a
one-time code; staff of the shop's node add items, restock them, and collect codes at the
counter.

Writes go through rewards_services (stock and points move by conditional UPDATEs there, and
each write is audited); which items a user sees comes from reward_list_for_actor /
reward_get_for_actor. Ids in URLs are parsed with parse_pk, so "²", "abc" or a 23-digit
number are a 404, never a 500. A volunteer's name at the counter is masked.
"""

import re

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.crypto import mask_name
from wenming.core.decorators import add_domain_error, login_page, staff_required
from wenming.core.errors import CoreError, DomainError
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm
from wenming.volunteers.selectors import volunteer_for_user

from . import selectors
from .errors import ServiceError
from .record_selectors import stats_row
from .rewards_models import RedemptionStatus
from .rewards_services import redemption_collect, reward_item_create, reward_redeem, reward_restock

ITEM_LIMIT = 200
MINE_LIMIT = 100
MAX_COST = 1_000_000
MAX_STOCK = 100_000  # per form: keeps F("stock") + add far from the integer column's limit
_CODE_NOISE = re.compile(r"[\s\-]+")  # "ABCDE FGHJK" / "ABCDE-FGHJK" read aloud or copied


# ---- forms (they only shape input; the services validate and write) ---------------------


class ItemForm(forms.Form):
    node = forms.ChoiceField(label="所属阵地")
    name = forms.CharField(label="物品名称", max_length=100, help_text="如：大米 5 斤、洗衣液一瓶")
    points_cost = forms.IntegerField(label="所需积分", min_value=1, max_value=MAX_COST)
    stock = forms.IntegerField(label="库存", min_value=0, max_value=MAX_STOCK)
    description = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, node_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = node_choices


class RestockForm(forms.Form):
    add = forms.IntegerField(label="补充数量", min_value=1, max_value=MAX_STOCK)


class CollectForm(forms.Form):
    code = forms.CharField(label="兑换码", max_length=32, help_text="志愿者出示的 10 位兑换码，不区分大小写",
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false", "class": "mono"}))

    def clean_code(self) -> str:
        return _CODE_NOISE.sub("", self.cleaned_data["code"]).upper()


def _item_or_404(actor, raw_id):
    pk = parse_pk(raw_id)
    if pk is None:
        raise CoreError.NOT_FOUND.error()
    return selectors.reward_get_for_actor(actor=actor, reward_id=pk)


# ---- the volunteer's side -----------------------------------------------------------------


@never_cache
@login_page
def items(request):
    volunteer = volunteer_for_user(request.user)
    stats = stats_row(volunteer)
    balance = stats.points if stats else 0
    rows = []
    if volunteer is not None:
        # Active items only: a staff member who is also a volunteer sees their nodes' withdrawn
        # items on the manage page, not here.
        for item in selectors.reward_list_for_actor(actor=request.user).filter(active=True)[:ITEM_LIMIT]:
            rows.append({"item": item, "short": max(item.points_cost - balance, 0)})
    return render(request, "service/shop/items.html", {
        "volunteer": volunteer, "balance": balance, "rows": rows,
        "can_manage": scope_for(request.user).has(Perm.PROJECT_EDIT),
    })


@require_POST
@login_page
def redeem(request, item_id: str):
    item = _item_or_404(request.user, item_id)
    volunteer = volunteer_for_user(request.user)
    if volunteer is None:
        raise ServiceError.NOT_A_VOLUNTEER.error()
    try:
        redemption = reward_redeem(actor=request.user, item=item, volunteer=volunteer)
    except DomainError as exc:
        if exc.status not in (409, 422):  # out of scope and the like stay error pages
            raise
        messages.error(request, exc.message)
        return redirect("shop:items")
    messages.success(request, f"兑换成功：{item.name}，花费 {redemption.points} 积分。"
                              f"请凭兑换码 {redemption.code} 到{item.node.name}领取")
    return redirect(reverse("shop:mine") + f"#redemption-{redemption.pk}")


@never_cache
@login_page
def mine(request):
    volunteer = volunteer_for_user(request.user)
    stats = stats_row(volunteer)
    # Only the volunteer's own redemptions, whatever else the account may see as staff.
    redemptions = list(volunteer.redemptions.select_related("item__node")[:MINE_LIMIT]) if volunteer else []
    return render(request, "service/shop/mine.html", {
        "volunteer": volunteer, "balance": stats.points if stats else 0, "redemptions": redemptions,
        "pending": RedemptionStatus.PENDING,
    })


# ---- the staff side -----------------------------------------------------------------------


def _node_choices(actor, selected_id=None) -> list[tuple[str, str]]:
    return node_choices_for_actor(actor=actor, perm=Perm.PROJECT_EDIT, exclude_kinds=[NodeKind.GRID],
                                  selected_id=selected_id, strict_selected=True)


def _manage_page(request, *, item_form=None, collect_form=None, collected=None, status=200):
    actor = request.user
    # The items of the nodes this actor runs (project.edit), not everything they may view.
    managed = selectors.reward_list_for_actor(actor=actor).filter(scope_for(actor).q(Perm.PROJECT_EDIT, "node__path"))
    return render(request, "service/shop/manage.html", {
        "items": list(managed[:ITEM_LIMIT]),
        "item_form": item_form or ItemForm(node_choices=_node_choices(actor)),
        "collect_form": collect_form or CollectForm(),
        "collected": collected,
    }, status=status)


@never_cache
@staff_required(Perm.PROJECT_EDIT)
def manage(request):
    return _manage_page(request)


@require_POST
@staff_required(Perm.PROJECT_EDIT)
def item_new(request):
    actor = request.user
    form = ItemForm(request.POST, node_choices=_node_choices(actor, parse_pk(request.POST.get("node"))))
    if form.is_valid():
        data = form.cleaned_data
        node = node_with_perm(actor=actor, perm=Perm.PROJECT_EDIT, node_id=data["node"])
        if node is None:
            form.add_error("node", "请选择您管理范围内的阵地")
        else:
            try:
                item = reward_item_create(actor=actor, node=node, name=data["name"], points_cost=data["points_cost"],
                                          stock=data["stock"], description=data["description"])
            except DomainError as exc:
                add_domain_error(form, exc, {"stock": "stock"})
            else:
                messages.success(request, f"已上架“{item.name}”（{item.points_cost} 积分，库存 {item.stock}）")
                return redirect(reverse("shop:manage") + f"#item-{item.pk}")
    return _manage_page(request, item_form=form, status=422)


@require_POST
@staff_required(Perm.PROJECT_EDIT)
def restock(request, item_id: str):
    item = _item_or_404(request.user, item_id)
    form = RestockForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"“{item.name}”的补充数量须为 1 至 {MAX_STOCK} 的整数")
    else:
        try:  # out of the actor's project.edit scope: the service answers 404 (an error page)
            item = reward_restock(actor=request.user, item=item, add=form.cleaned_data["add"])
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已为“{item.name}”补充库存，现有 {item.stock}")
    return redirect(reverse("shop:manage") + f"#item-{item.pk}")


@require_POST
@staff_required(Perm.PROJECT_EDIT)
def collect(request):
    form = CollectForm(request.POST)
    if form.is_valid():
        try:
            redemption = redemption_collect(actor=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:  # unknown, used, or another node's code: one message for all
            add_domain_error(form, exc)
        else:
            collected = {"item": redemption.item, "name": mask_name(redemption.volunteer.name),
                         "points": redemption.points, "code": redemption.code}
            return _manage_page(request, collected=collected)
    return _manage_page(request, collect_form=form, status=422)
