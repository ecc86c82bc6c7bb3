"""Stock under concurrent writers, on real connections (one per thread)."""

from decimal import Decimal

from wenming.core.testing import CONCURRENT, ran_ok
from wenming.service.tests.factories import storm
from wenming.supplies.models import Distribution, Stock
from wenming.supplies.services import stock_adjust
from wenming.volunteers.tests.factories import build_world

from .factories import MASK, SUIT, assert_ledger_balances, item, receive, stock_of, to_household, transfer


@CONCURRENT
def test_concurrent_distributions_of_the_last_units_end_at_exactly_zero():
    world = build_world()
    receive(world.root, world.station_a, {MASK: 20, SUIT: 100})
    jobs = [lambda i=i: ran_ok(lambda: to_household(world.manager_a, world.station_a, {MASK: 2, SUIT: 1},
                                                     name=f"住户{i}"))
            for i in range(30)]
    results = storm(jobs)
    assert len(results) == 30  # every job answered: no deadlock, no unexpected error
    assert results.count("ok") == 10 and results.count("supplies.insufficient_stock") == 20
    assert stock_of(world.station_a) == 0
    assert stock_of(world.station_a, SUIT) == 90  # refused documents took no suits either
    assert Distribution.objects.count() == 10
    assert_ledger_balances()


@CONCURRENT
def test_concurrent_transfers_both_ways_neither_deadlock_nor_lose_stock():
    world = build_world()
    a, b = world.station_a, world.station_b
    receive(world.root, a, {MASK: 50, SUIT: 50})
    receive(world.root, b, {MASK: 50, SUIT: 50})
    # Lines in opposite orders and opposite directions: the classic lock-order deadlock.
    jobs = []
    for _ in range(12):
        jobs.append(lambda: ran_ok(lambda: transfer(world.office, a, b, {MASK: 7, SUIT: 3})))
        jobs.append(lambda: ran_ok(lambda: transfer(world.office, b, a, {SUIT: 7, MASK: 3})))
    results = storm(jobs)
    assert len(results) == 24 and set(results) <= {"ok", "supplies.insufficient_stock"}
    assert stock_of(a) + stock_of(b) == 100 and stock_of(a, SUIT) + stock_of(b, SUIT) == 100
    assert not Stock.objects.filter(quantity__lt=0).exists()
    assert_ledger_balances()


@CONCURRENT
def test_concurrent_first_receipts_of_an_item_at_a_node_all_count():
    world = build_world()
    jobs = [lambda: ran_ok(lambda: receive(world.root, world.point_a, {MASK: "1.5"})) for _ in range(20)]
    results = storm(jobs)
    assert results == ["ok"] * 20
    assert stock_of(world.point_a) == Decimal("30") and Stock.objects.filter(node=world.point_a).count() == 1
    assert_ledger_balances()


@CONCURRENT
def test_concurrent_write_offs_and_distributions_never_go_below_zero():
    world = build_world()
    receive(world.root, world.station_a, {MASK: 15})
    mask = item(MASK)
    jobs = []
    for i in range(15):
        jobs.append(lambda i=i: ran_ok(lambda: to_household(world.manager_a, world.station_a, {MASK: 1},
                                                             name=f"住户{i}")))
        jobs.append(lambda: ran_ok(lambda: stock_adjust(actor=world.manager_a, node=world.station_a, item=mask,
                                                         delta=Decimal("-1"), reason="破损报废")))
    results = storm(jobs)
    assert len(results) == 30 and results.count("ok") == 15
    assert stock_of(world.station_a) == 0
    assert_ledger_balances()
