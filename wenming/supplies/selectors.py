"""Reads for the supplies ledger, each filtered by the actor's supply.view subtrees.

A node, donation or distribution outside the scope answers exactly like a missing one (404).
Subtree roll-ups sum the maintained Stock rows (a few per node), never the movements.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.orgs.models import PATH_STEP, Node, NodeKind

from .errors import SuppliesError
from .models import Distribution, Donation, Stock, StockMovement, SupplyItem


def _q(actor, path_field: str, perm: str = Perm.SUPPLY_VIEW) -> Q:
    return scope_for(actor).q(perm, path_field)


# ---- catalogue and nodes -----------------------------------------------------------------

def item_list(*, active_only: bool = False, category: str = "") -> QuerySet:
    qs = SupplyItem.objects.all()
    if active_only:
        qs = qs.filter(active=True)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("sort", "id")


def item_get(*, item_id) -> SupplyItem:
    item = SupplyItem.objects.filter(pk=item_id).first() if isinstance(item_id, int) else None
    if item is None:
        raise SuppliesError.ITEM_UNKNOWN.error("item_id", value=item_id)
    return item


def supply_node_get_for_actor(*, actor, node_id, perm: str = Perm.SUPPLY_VIEW) -> Node:
    """A node (archived included, for its history) where the actor holds `perm`; else 404."""
    node = Node.objects.filter(_q(actor, "path", perm)).filter(pk=node_id).first() if node_id else None
    if node is None:
        raise CoreError.NOT_FOUND.error("node_id")
    return node


def supply_roots_for_actor(*, actor) -> list[Node]:
    """The top nodes of the actor's supply.view scope: where the stock page starts."""
    scope = scope_for(actor)
    qs = Node.objects.filter(archived_at__isnull=True)
    if scope.is_global:
        return list(qs.filter(parent__isnull=True).order_by("path"))
    return list(qs.filter(path__in=scope.paths(Perm.SUPPLY_VIEW)).order_by("path"))


# ---- stock --------------------------------------------------------------------------------

def stock_list_for_actor(*, actor, node_id: int | None = None, item_id: int | None = None,
                         subtree: bool = True, hide_empty: bool = False) -> QuerySet:
    """Stock rows (node, item, quantity); with `node_id`, that node (and its subtree)."""
    qs = Stock.objects.filter(_q(actor, "node__path")).select_related("node", "item")
    if node_id:
        node = supply_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node.path) if subtree else qs.filter(node=node)
    if item_id:
        qs = qs.filter(item_id=item_id)
    if hide_empty:
        qs = qs.filter(quantity__gt=0)
    return qs.order_by("node__path", "item__sort", "item_id")


@dataclass
class ItemTotal:
    item: SupplyItem
    own: Decimal
    subtree: Decimal


def stock_totals_for_actor(*, actor, node: Node) -> list[ItemTotal]:
    """Per item: the stock at `node` itself and the sum over its whole subtree."""
    supply_node_get_for_actor(actor=actor, node_id=node.pk)  # 404 outside the scope
    rows = (Stock.objects.filter(node__path__startswith=node.path).values("item")
            .annotate(subtree=Sum("quantity"), own=Sum("quantity", filter=Q(node=node))))
    items = SupplyItem.objects.in_bulk([r["item"] for r in rows])
    totals = [ItemTotal(items[r["item"]], r["own"] or Decimal(0), r["subtree"] or Decimal(0)) for r in rows]
    return sorted(totals, key=lambda t: (t.item.sort, t.item.pk))


@dataclass
class BranchTotal:
    node: Node
    items: list[tuple[SupplyItem, Decimal]] = field(default_factory=list)


def stock_branches_for_actor(*, actor, node: Node) -> list[BranchTotal]:
    """Each live child of `node` with the stock of its whole subtree, per item: one query
    grouping the subtree's rows by the child's path prefix."""
    supply_node_get_for_actor(actor=actor, node_id=node.pk)
    children = list(Node.objects.filter(parent=node, archived_at__isnull=True).order_by("path"))
    branches = {c.path: BranchTotal(c) for c in children}
    prefix = len(node.path) + PATH_STEP
    rows = (Stock.objects.filter(node__path__startswith=node.path, node__depth__gt=node.depth, quantity__gt=0)
            .annotate(branch=Substr("node__path", 1, prefix)).values("branch", "item")
            .annotate(total=Sum("quantity")).order_by("branch", "item__sort", "item"))
    items = SupplyItem.objects.in_bulk({r["item"] for r in rows})
    for r in rows:
        if r["branch"] in branches:  # archived children are left out of the list
            branches[r["branch"]].items.append((items[r["item"]], r["total"]))
    # A grid is an area, not a store room: listed only if something was sent there.
    return [b for b in branches.values() if b.items or b.node.kind != NodeKind.GRID]


# ---- ledger and documents ------------------------------------------------------------------

def movement_list_for_actor(*, actor, node_id: int | None = None, item_id: int | None = None, kind: str = "",
                            subtree: bool = True) -> QuerySet:
    qs = StockMovement.objects.filter(_q(actor, "node__path")).select_related(
        "node", "item", "recorded_by", "donation", "distribution")
    if node_id:
        node = supply_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node.path) if subtree else qs.filter(node=node)
    if item_id:
        qs = qs.filter(item_id=item_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-at", "-id")


def donation_list_for_actor(*, actor, node_id: int | None = None) -> QuerySet:
    qs = Donation.objects.filter(_q(actor, "node__path")).select_related("node").prefetch_related("lines__item")
    if node_id:
        node = supply_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=node.path)
    return qs.order_by("-received_at", "-id")


def donation_get_for_actor(*, actor, donation_id: int) -> Donation:
    donation = donation_list_for_actor(actor=actor).filter(pk=donation_id).first()
    if donation is None:
        raise CoreError.NOT_FOUND.error()
    return donation


def distribution_list_for_actor(*, actor, node_id: int | None = None, to_kind: str = "") -> QuerySet:
    """Distributions sent from the actor's nodes, and transfers received by them."""
    qs = (Distribution.objects.filter(_q(actor, "from_node__path") | _q(actor, "to_node__path"))
          .select_related("from_node", "to_node", "to_team").prefetch_related("lines__item"))
    if node_id:
        node = supply_node_get_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(Q(from_node__path__startswith=node.path) | Q(to_node__path__startswith=node.path))
    if to_kind:
        qs = qs.filter(to_kind=to_kind)
    return qs.order_by("-distributed_at", "-id")


def distribution_get_for_actor(*, actor, distribution_id: int) -> Distribution:
    dist = distribution_list_for_actor(actor=actor).filter(pk=distribution_id).first()
    if dist is None:
        raise CoreError.NOT_FOUND.error()
    return dist
