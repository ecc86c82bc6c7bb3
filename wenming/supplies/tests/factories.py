"""Helpers that go through the services, so tests see the rows the product makes."""

from decimal import Decimal

from django.db.models import Sum

from wenming.supplies.models import Stock, StockMovement, SupplyItem
from wenming.supplies.services import distribute, donation_receive

MASK, SUIT, DISINFECTANT = "医用外科口罩", "医用防护服", "消毒用品（散装）"


def item(name: str = MASK) -> SupplyItem:
    return SupplyItem.objects.get(name=name)  # seeded by the data migration


def receive(actor, node, lines: dict, donor: str = "爱心企业") -> object:
    return donation_receive(actor=actor, node=node, donor_name=donor,
                            lines=[(item(name), q) for name, q in lines.items()])


def to_household(actor, node, lines: dict, name: str = "张三丰", address: str = "九里村3组12号"):
    return distribute(actor=actor, from_node=node, to_kind="household", household_name=name,
                      household_address=address, reason="居家隔离户生活保障",
                      lines=[(item(n), q) for n, q in lines.items()])


def transfer(actor, from_node, to_node, lines: dict):
    return distribute(actor=actor, from_node=from_node, to_kind="node", to_node=to_node, reason="调拨",
                      lines=[(item(n), q) for n, q in lines.items()])


def stock_of(node, name: str = MASK) -> Decimal:
    value = Stock.objects.filter(node=node, item=item(name)).values_list("quantity", flat=True).first()
    return Decimal(value or 0).quantize(Decimal("0.001"))


def assert_ledger_balances() -> None:
    """Every stock row equals the sum of its movements, none is negative, and no movement
    exists without its stock row (ARCHITECTURE rule 5)."""
    sums = {(r["node"], r["item"]): r["total"] for r in
            StockMovement.objects.values("node", "item").annotate(total=Sum("quantity"))}
    rows = {(s.node_id, s.item_id): s.quantity for s in Stock.objects.all()}
    assert set(sums) <= set(rows)
    for key, quantity in rows.items():
        assert quantity >= 0, key
        assert Decimal(quantity).quantize(Decimal("0.001")) == Decimal(sums.get(key) or 0).quantize(
            Decimal("0.001")), key


def sibling_supplies(world) -> dict:
    """A donation and a distribution of station B, for the cross-app "sibling station answers
    404" sweep over every object endpoint (volunteers/tests/test_api_scope.py)."""
    donation = receive(world.root, world.station_b, {MASK: 10})
    distribution = to_household(world.root, world.station_b, {MASK: 1}, name="王五", address="杨贵店村1组")
    return {"donation_id": donation.pk, "distribution_id": distribution.pk}
