"""The supplies services: receiving, distributing, transferring, adjusting; the ledger
always adds up."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.core.crypto import decrypt
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.orgs.services import node_archive
from wenming.supplies.models import Distribution, DistributionLine, MovementKind, StockMovement
from wenming.supplies.services import distribute, donation_receive, stock_adjust

from .factories import (
    DISINFECTANT,
    MASK,
    SUIT,
    assert_ledger_balances,
    item,
    receive,
    stock_of,
    to_household,
    transfer,
)

pytestmark = pytest.mark.django_db


def code_of(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_receiving_a_donation_adds_stock_and_one_movement_per_item(world):
    donation = donation_receive(actor=world.manager_a, node=world.station_a, donor_name="秭归县爱心企业",
                                donor_phone="13812345678", note="第一批",
                                lines=[(item(MASK), Decimal("10000")), (item(SUIT), Decimal("110"))])
    assert stock_of(world.station_a) == 10000 and stock_of(world.station_a, SUIT) == 110
    moves = StockMovement.objects.filter(donation=donation)
    assert sorted(m.kind for m in moves) == [MovementKind.DONATION_IN] * 2
    assert {m.recorded_by for m in moves} == {world.manager_a}
    assert donation.donor_phone_masked == "138****5678" and decrypt(donation.donor_phone_enc) == "13812345678"
    entry = AuditEntry.objects.get(action="supplies.donation_receive")
    assert entry.actor == world.manager_a and entry.node_path == world.station_a.path
    assert "13812345678" not in str(entry.changes)
    assert_ledger_balances()


def test_the_same_item_twice_in_one_document_is_summed(world):
    donation = donation_receive(actor=world.root, node=world.station_a, donor_name="群众",
                                lines=[(item(MASK), Decimal("5")), (item(MASK), Decimal("7"))])
    assert [line.quantity for line in donation.lines.all()] == [Decimal("12")]
    assert stock_of(world.station_a) == 12


def test_distributing_to_a_household_takes_stock_and_keeps_the_household_masked(world):
    receive(world.root, world.station_a, {MASK: 1000})
    dist = to_household(world.manager_a, world.station_a, {MASK: 300}, name="张三丰", address="九里村3组12号")
    assert stock_of(world.station_a) == 700
    move = StockMovement.objects.get(distribution=dist)
    assert move.kind == MovementKind.DISTRIBUTION_OUT and move.quantity == -300
    assert dist.household_name_masked == "张*丰" and "张三丰" not in dist.recipient_label
    assert dist.household_address_masked.endswith("***") and dist.reveal_household_address() == "九里村3组12号"
    assert "九里村3组12号" not in str(AuditEntry.objects.get(action="supplies.distribute").changes)
    assert_ledger_balances()


def test_distributing_to_a_team_takes_stock(world):
    receive(world.root, world.station_a, {MASK: 50})
    dist = distribute(actor=world.manager_a, from_node=world.station_a, to_kind="team", to_team=world.team_a,
                      reason="卡口值守", lines=[(item(MASK), Decimal("20"))])
    assert dist.recipient_label == world.team_a.name and stock_of(world.station_a) == 30


def test_a_transfer_moves_stock_from_one_node_to_the_other(world):
    receive(world.root, world.station_a, {MASK: 100, SUIT: 10})
    dist = transfer(world.manager_a, world.station_a, world.point_a, {MASK: 40, SUIT: 10})
    assert stock_of(world.station_a) == 60 and stock_of(world.point_a) == 40
    assert stock_of(world.station_a, SUIT) == 0 and stock_of(world.point_a, SUIT) == 10
    kinds = sorted(StockMovement.objects.filter(distribution=dist).values_list("kind", "node_id"))
    assert kinds == sorted([(MovementKind.TRANSFER_IN, world.point_a.pk)] * 2
                           + [(MovementKind.TRANSFER_OUT, world.station_a.pk)] * 2)
    assert AuditEntry.objects.filter(action="supplies.transfer").count() == 1
    assert_ledger_balances()


def test_a_short_line_refuses_the_whole_distribution_and_names_the_item(world):
    receive(world.root, world.station_a, {MASK: 100, SUIT: 5})
    with pytest.raises(DomainError) as exc:
        to_household(world.manager_a, world.station_a, {MASK: 10, SUIT: 6})
    assert exc.value.code == "supplies.insufficient_stock" and exc.value.status == 409
    assert "医用防护服" in exc.value.message and "现有 5 套" in exc.value.message and "需要 6 套" in exc.value.message
    assert stock_of(world.station_a) == 100 and stock_of(world.station_a, SUIT) == 5  # nothing moved
    assert not Distribution.objects.exists() and not DistributionLine.objects.exists()
    assert StockMovement.objects.count() == 2
    # An item never received at this node: "现有 0".
    assert "现有 0 吨" in code_and_message(lambda: to_household(world.manager_a, world.station_a, {DISINFECTANT: 1}))


def code_and_message(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return f"{exc.value.code} {exc.value.message}"


def test_decimal_quantities_are_exact_on_both_databases(world):
    # SQLite stores DECIMAL as a float: 0.7 + 0.1 would be 0.7999…, refusing the last 0.8 t.
    receive(world.root, world.station_a, {DISINFECTANT: "0.7"})
    receive(world.root, world.station_a, {DISINFECTANT: "0.1"})
    to_household(world.manager_a, world.station_a, {DISINFECTANT: "0.8"})
    assert stock_of(world.station_a, DISINFECTANT) == 0
    receive(world.root, world.station_a, {DISINFECTANT: "15"})
    for _ in range(10):
        to_household(world.manager_a, world.station_a, {DISINFECTANT: "1.1"})
    to_household(world.manager_a, world.station_a, {DISINFECTANT: "4"})
    assert stock_of(world.station_a, DISINFECTANT) == 0
    assert_ledger_balances()


def test_stock_adjustments_by_delta_and_by_count(world):
    receive(world.root, world.station_a, {MASK: 100})
    mask = item(MASK)
    move = stock_adjust(actor=world.manager_a, node=world.station_a, item=mask, delta=Decimal("-3"), reason="破损")
    assert move.kind == MovementKind.ADJUSTMENT and move.quantity == -3 and stock_of(world.station_a) == 97
    move = stock_adjust(actor=world.manager_a, node=world.station_a, item=mask, counted=Decimal("90"), reason="盘点")
    assert move.quantity == -7 and stock_of(world.station_a) == 90
    assert stock_adjust(actor=world.manager_a, node=world.station_a, item=mask, counted=Decimal("90"),
                        reason="盘点") is None  # the books match: nothing to record but the audit row
    assert AuditEntry.objects.filter(action="supplies.adjust").count() == 3
    # A stocktake at a node that never had the item creates its row.
    move = stock_adjust(actor=world.manager_a, node=world.point_a, item=mask, counted=Decimal("12"), reason="盘点")
    assert move.quantity == 12 and stock_of(world.point_a) == 12
    assert code_of(lambda: stock_adjust(actor=world.manager_a, node=world.station_a, item=mask,
                                        delta=Decimal("-91"), reason="报废")) == "supplies.insufficient_stock"
    assert code_of(lambda: stock_adjust(actor=world.manager_a, node=world.station_a, item=mask,
                                        delta=Decimal("1"), reason=" ")) == "supplies.reason_required"
    assert code_of(lambda: stock_adjust(actor=world.manager_a, node=world.station_a, item=mask,
                                        reason="盘点")) == "supplies.adjust_invalid"
    assert code_of(lambda: stock_adjust(actor=world.manager_a, node=world.station_a, item=mask, delta=1,
                                        counted=1, reason="盘点")) == "supplies.adjust_invalid"
    assert code_of(lambda: stock_adjust(actor=world.manager_a, node=world.station_a, item=mask, delta=0,
                                        reason="盘点")) == "supplies.adjust_invalid"
    assert stock_of(world.station_a) == 90
    assert_ledger_balances()


@pytest.mark.parametrize("quantity", ["0", "-1", "1.0001", "NaN", "Infinity", "abc", "100000001"])
def test_bad_quantities_are_refused(world, quantity):
    assert code_of(lambda: receive(world.root, world.station_a, {MASK: quantity})) == "supplies.quantity_invalid"


def test_documents_are_checked_before_anything_moves(world):
    receive(world.root, world.station_a, {MASK: 10})
    a, mask = world.station_a, item(MASK)
    checks = {
        "supplies.no_lines": lambda: donation_receive(actor=world.root, node=a, donor_name="x", lines=[]),
        "supplies.donor_required": lambda: donation_receive(actor=world.root, node=a, donor_name=" ",
                                                            lines=[(mask, 1)]),
        "supplies.phone_invalid": lambda: donation_receive(actor=world.root, node=a, donor_name="x",
                                                           donor_phone="12345", lines=[(mask, 1)]),
        "supplies.time_future": lambda: donation_receive(actor=world.root, node=a, donor_name="x",
                                                         received_at=timezone.now() + timedelta(hours=1),
                                                         lines=[(mask, 1)]),
        "supplies.same_node": lambda: transfer(world.root, a, a, {MASK: 1}),
        "supplies.recipient_invalid": lambda: distribute(actor=world.root, from_node=a, to_kind="household",
                                                         household_name="张三", reason="x", lines=[(mask, 1)]),
        "supplies.reason_required": lambda: distribute(actor=world.root, from_node=a, to_kind="team",
                                                       to_team=world.team_a, reason="", lines=[(mask, 1)]),
    }
    for code, call in checks.items():
        assert code_of(call) == code, code
    mixed = lambda: distribute(actor=world.root, from_node=a, to_kind="team", to_team=world.team_a,  # noqa: E731
                               to_node=world.point_a, reason="x", lines=[(mask, 1)])
    assert code_of(mixed) == "supplies.recipient_invalid"
    assert code_of(lambda: distribute(actor=world.root, from_node=a, to_kind="drone", reason="x",
                                      lines=[(mask, 1)])) == "supplies.recipient_invalid"
    # Landlines with an area code are fine: donors are often firms.
    donation_receive(actor=world.root, node=a, donor_name="某公司", donor_phone="0717-1234567", lines=[(mask, 1)])
    assert stock_of(a) == 11


def test_retired_items_take_no_donations_but_can_still_be_given_out(world):
    receive(world.root, world.station_a, {MASK: 10})
    mask = item(MASK)
    mask.active = False
    mask.save()
    assert code_of(lambda: receive(world.root, world.station_a, {MASK: 1})) == "supplies.item_inactive"
    to_household(world.manager_a, world.station_a, {MASK: 10})
    assert stock_of(world.station_a) == 0


def test_archived_nodes_neither_receive_nor_send(world):
    receive(world.root, world.station_a, {MASK: 10})
    node_archive(actor=world.root, node=world.point_a)
    world.point_a.refresh_from_db()
    assert code_of(lambda: receive(world.root, world.point_a, {MASK: 1})) == "supplies.node_archived"
    assert code_of(lambda: transfer(world.root, world.station_a, world.point_a, {MASK: 1})) == "supplies.node_archived"
    assert stock_of(world.station_a) == 10


def test_stock_is_the_sum_of_movements_after_a_random_mix(world):
    rng = random.Random(20260501)
    nodes = [world.station_a, world.point_a, world.station_b]
    names = [MASK, SUIT, DISINFECTANT]
    expected = {(n.pk, name): Decimal(0) for n in nodes for name in names}
    refused = 0
    for _ in range(120):
        node, name = rng.choice(nodes), rng.choice(names)
        qty = Decimal(rng.randint(1, 4000)) / 1000 if name == DISINFECTANT else Decimal(rng.randint(1, 60))
        op = rng.choice(["receive", "receive", "household", "transfer", "adjust"])
        try:
            if op == "receive":
                receive(world.root, node, {name: qty})
                expected[(node.pk, name)] += qty
            elif op == "household":
                to_household(world.root, node, {name: qty})
                expected[(node.pk, name)] -= qty
            elif op == "transfer":
                other = rng.choice([n for n in nodes if n != node])
                transfer(world.root, node, other, {name: qty})
                expected[(node.pk, name)] -= qty
                expected[(other.pk, name)] += qty
            else:
                delta = qty if rng.random() < 0.5 else -qty
                stock_adjust(actor=world.root, node=node, item=item(name), delta=delta, reason="盘点")
                expected[(node.pk, name)] += delta
        except DomainError as exc:
            assert exc.code == "supplies.insufficient_stock"
            assert expected[(node.pk, name)] < qty  # refused only when it really was short
            refused += 1
    assert refused > 0  # the mix did hit empty shelves
    for (node_pk, name), quantity in expected.items():
        node = next(n for n in nodes if n.pk == node_pk)
        assert stock_of(node, name) == quantity >= 0, (node.name, name)
    assert_ledger_balances()


def test_movements_are_append_only(world):
    receive(world.root, world.station_a, {MASK: 5})
    move = StockMovement.objects.get()
    move.quantity = 500
    with pytest.raises(ValueError):
        move.save()
    with pytest.raises(ValueError):
        move.delete()
    assert StockMovement.objects.get().quantity == 5
