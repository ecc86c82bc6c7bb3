"""Pages of the supplies ledger: stock per node with its subtree roll-up, receiving a
donation, distributing (or transferring), stocktaking, and the lists behind them.

Which rows show comes from the scoped selectors; every write goes through a service (which
checks the scope again and writes the audit row). Ids from query strings are parsed with
parse_pk, so "²" or a 23-digit number is "no such node", never a 500.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import add_domain_error, form_submit, staff_required
from wenming.core.errors import DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_breadcrumbs, node_choices_for_actor
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import team_get_for_actor, team_list_for_actor

from . import selectors, services
from .forms import (
    AdjustForm,
    DistributionForm,
    DonationForm,
    MovementFilterForm,
    NodeFilterForm,
    filled_lines,
    line_formset,
)
from .models import RecipientKind
from .quantities import fmt_qty

PAGE_SIZE = 20
TEAM_CHOICE_LIMIT = 300
NO_GRIDS = [NodeKind.GRID]  # a grid is an area, not a store room


def _nodes(actor, perm: str, selected=None, strict=True) -> list[tuple[str, str]]:
    return node_choices_for_actor(actor=actor, perm=perm, exclude_kinds=NO_GRIDS, selected_id=parse_pk(selected),
                                  strict_selected=strict)


def _items(active_only: bool = False) -> tuple[list[tuple[str, str]], dict]:
    items = list(selectors.item_list(active_only=active_only))
    return [(str(i.pk), str(i)) for i in items], {i.pk: i for i in items}


def _node_or_none(actor, raw, perm=Perm.SUPPLY_VIEW):
    """The node of a query-string id, or None for bad input and out-of-scope alike."""
    pk = parse_pk(raw)
    try:
        return selectors.supply_node_get_for_actor(actor=actor, node_id=pk, perm=perm) if pk else None
    except DomainError:
        return None


def _post(request):
    return request.POST if request.method == "POST" else None


# ---- stock --------------------------------------------------------------------------------

@never_cache
@staff_required(Perm.SUPPLY_VIEW)
def stock(request):
    actor = request.user
    roots = selectors.supply_roots_for_actor(actor=actor)
    node = _node_or_none(actor, request.GET.get("node")) or (roots[0] if roots else None)
    context = {"node": node, "node_choices": _nodes(actor, Perm.SUPPLY_VIEW, node and node.pk, strict=False)}
    if node is not None:
        context |= {
            "totals": selectors.stock_totals_for_actor(actor=actor, node=node),
            "branches": selectors.stock_branches_for_actor(actor=actor, node=node),
            "crumbs": node_breadcrumbs(actor=actor, node=node),
            "can_edit": scope_for(actor).allows(Perm.SUPPLY_EDIT, node.path) and node.archived_at is None,
        }
    return render(request, "supplies/stock.html", context)


# ---- donations ----------------------------------------------------------------------------

@never_cache
@staff_required(Perm.SUPPLY_VIEW)
def donations(request):
    actor = request.user
    filters = NodeFilterForm(request.GET or None,
                             node_choices=_nodes(actor, Perm.SUPPLY_VIEW, request.GET.get("node"), strict=False))
    node_id = filters.cleaned_data.get("node") if filters.is_valid() else None
    qs = selectors.donation_list_for_actor(actor=actor, node_id=node_id)
    if filters.is_bound and not filters.is_valid():
        qs = qs.none()  # a node outside the scope: nothing, not everything
    return render(request, "supplies/donations.html", {
        "filters": filters, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE),
        "can_edit": scope_for(actor).has(Perm.SUPPLY_EDIT)})


@never_cache
@staff_required(Perm.SUPPLY_EDIT)
def donation_new(request):
    actor = request.user
    post = _post(request)
    raw_node = (post or request.GET).get("node") or ""
    item_choices, items = _items(active_only=True)
    form = DonationForm(post, initial={"node": raw_node} if raw_node else None,
                        node_choices=_nodes(actor, Perm.SUPPLY_EDIT, raw_node))
    lines = line_formset(post, item_choices=item_choices)
    status = 200
    if post is not None:
        status = 422
        if form.is_valid() and lines.is_valid():
            d = form.cleaned_data
            try:
                node = selectors.supply_node_get_for_actor(actor=actor, node_id=d["node"], perm=Perm.SUPPLY_EDIT)
                donation = services.donation_receive(
                    actor=actor, node=node, donor_name=d["donor_name"], donor_phone=d["donor_phone"],
                    received_at=d["received_at"], note=d["note"], lines=filled_lines(lines, items))
            except DomainError as exc:
                add_domain_error(form, exc, {"node_id": "node"})
                status = exc.status
            else:
                messages.success(request, f"已登记{donation.donor_name}的捐赠，物资已计入{node.name}库存")
                return redirect(reverse("supplies:stock") + f"?node={node.pk}")
    return render(request, "supplies/donation_form.html", {"form": form, "lines": lines}, status=status)


# ---- distributions ------------------------------------------------------------------------

@never_cache
@staff_required(Perm.SUPPLY_VIEW)
def distributions(request):
    actor = request.user
    filters = NodeFilterForm(request.GET or None,
                             node_choices=_nodes(actor, Perm.SUPPLY_VIEW, request.GET.get("node"), strict=False))
    node_id = filters.cleaned_data.get("node") if filters.is_valid() else None
    qs = selectors.distribution_list_for_actor(actor=actor, node_id=node_id)
    if filters.is_bound and not filters.is_valid():
        qs = qs.none()
    return render(request, "supplies/distributions.html", {
        "filters": filters, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE),
        "can_edit": scope_for(actor).has(Perm.SUPPLY_EDIT)})


def _team_choices(actor) -> list[tuple[str, str]]:
    teams = team_list_for_actor(actor=actor)[:TEAM_CHOICE_LIMIT]
    return [(str(t.pk), f"{t.name}（{t.node.name}）") for t in teams]


def _recipient_objects(actor, form) -> dict:
    """The chosen target node or team, looked up in the actor's scope (404 otherwise)."""
    d, kind = form.cleaned_data, form.cleaned_data["to_kind"]
    node_id = d["to_node"] if kind == RecipientKind.NODE else None
    team_id = d["to_team"] if kind == RecipientKind.TEAM else None
    return {"to_node": node_get_for_actor(actor=actor, node_id=node_id) if node_id else None,
            "to_team": team_get_for_actor(actor=actor, team_id=team_id) if team_id else None}


@never_cache
@staff_required(Perm.SUPPLY_EDIT)
def distribute(request):
    actor = request.user
    post = _post(request)
    raw_node = (post or request.GET).get("from_node") or request.GET.get("node") or ""
    item_choices, items = _items()
    form = DistributionForm(
        post, initial={"from_node": raw_node} if raw_node else None,
        node_choices=_nodes(actor, Perm.SUPPLY_EDIT, raw_node),
        target_choices=_nodes(actor, Perm.NODE_VIEW, (post or {}).get("to_node")),
        team_choices=_team_choices(actor))
    lines = line_formset(post, item_choices=item_choices)
    status = 200
    if post is not None:
        status = 422
        if form.is_valid() and lines.is_valid():
            d = form.cleaned_data
            try:
                node = selectors.supply_node_get_for_actor(actor=actor, node_id=d["from_node"],
                                                           perm=Perm.SUPPLY_EDIT)
                dist = services.distribute(actor=actor, from_node=node, reason=d["reason"],
                                           distributed_at=d["distributed_at"], lines=filled_lines(lines, items),
                                           **form.recipient(), **_recipient_objects(actor, form))
            except DomainError as exc:
                add_domain_error(form, exc, {"node_id": "from_node", "node": "from_node"})
                status = exc.status
            else:
                messages.success(request, f"已从{node.name}发放物资至{dist.recipient_label}")
                return redirect(reverse("supplies:stock") + f"?node={node.pk}")
    source = _node_or_none(actor, raw_node, Perm.SUPPLY_EDIT)
    on_hand = (selectors.stock_list_for_actor(actor=actor, node_id=source.pk, subtree=False, hide_empty=True)
               if source else [])
    return render(request, "supplies/distribution_form.html",
                  {"form": form, "lines": lines, "source": source, "on_hand": on_hand}, status=status)


# ---- stocktake and history ----------------------------------------------------------------

@never_cache
@staff_required(Perm.SUPPLY_EDIT)
def adjust(request):
    actor = request.user
    post = _post(request)
    raw_node = (post or request.GET).get("node") or ""
    item_choices, items = _items()
    initial = {"node": raw_node, "item": request.GET.get("item") or ""}
    form = AdjustForm(post, initial=initial, node_choices=_nodes(actor, Perm.SUPPLY_EDIT, raw_node),
                      item_choices=item_choices)
    def count(d):
        node = selectors.supply_node_get_for_actor(actor=actor, node_id=d["node"], perm=Perm.SUPPLY_EDIT)
        item = items[d["item"]]
        return node, item, services.stock_adjust(actor=actor, node=node, item=item, reason=d["reason"],
                                                 counted=d["counted"], delta=d["delta"])

    def done(value) -> str:
        node, item, movement = value
        if movement is None:
            return f"{node.name}的“{item.name}”账实相符，无需调整"
        sign = "+" if movement.quantity > 0 else "-"
        return f"已调整{node.name}的“{item.name}”库存：{sign}{fmt_qty(abs(movement.quantity))} {item.unit}"

    sent = form_submit(request, form, count, success=done, aliases={"node_id": "node", "lines": "delta"})
    if sent.done:
        return redirect(reverse("supplies:stock") + f"?node={sent.value[0].pk}")
    return render(request, "supplies/adjust_form.html", {"form": form}, status=sent.status)


@never_cache
@staff_required(Perm.SUPPLY_VIEW)
def movements(request):
    actor = request.user
    item_choices, _ = _items()
    filters = MovementFilterForm(
        request.GET or None, item_choices=item_choices,
        node_choices=_nodes(actor, Perm.SUPPLY_VIEW, request.GET.get("node"), strict=False))
    qs = selectors.movement_list_for_actor(actor=actor)
    if filters.is_valid():
        d = filters.cleaned_data
        qs = selectors.movement_list_for_actor(actor=actor, node_id=d["node"], item_id=d["item"], kind=d["kind"])
    elif filters.is_bound:
        qs = qs.none()
    return render(request, "supplies/movements.html",
                  {"filters": filters, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE)})
