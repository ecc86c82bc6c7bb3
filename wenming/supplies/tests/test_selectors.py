"""What each actor sees of the ledger, and the subtree roll-ups."""

from decimal import Decimal

import pytest

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.supplies import selectors
from wenming.supplies.services import distribution_reveal, donation_reveal, stock_adjust

from .factories import MASK, SUIT, item, receive, stock_of, to_household, transfer

pytestmark = pytest.mark.django_db


def not_found(call) -> bool:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code == "not_found" and exc.value.status == 404


@pytest.fixture
def stocked(world):
    receive(world.root, world.station_a, {MASK: 1000, SUIT: 20})
    receive(world.root, world.point_a, {MASK: 30})
    receive(world.root, world.station_b, {MASK: 500})
    receive(world.root, world.institute, {SUIT: 7})
    return world


def test_a_station_b_manager_neither_sees_nor_distributes_station_a_stock(stocked):
    w = stocked
    b = w.manager_b
    assert not_found(lambda: selectors.stock_list_for_actor(actor=b, node_id=w.station_a.pk))
    assert not_found(lambda: selectors.stock_totals_for_actor(actor=b, node=w.station_a))
    assert not_found(lambda: selectors.movement_list_for_actor(actor=b, node_id=w.station_a.pk))
    assert {s.node_id for s in selectors.stock_list_for_actor(actor=b)} == {w.station_b.pk}
    assert {m.node_id for m in selectors.movement_list_for_actor(actor=b)} == {w.station_b.pk}
    a_donation = selectors.donation_list_for_actor(actor=w.root, node_id=w.station_a.pk).first()
    assert not_found(lambda: selectors.donation_get_for_actor(actor=b, donation_id=a_donation.pk))
    assert not_found(lambda: to_household(b, w.station_a, {MASK: 1}))
    assert not_found(lambda: stock_adjust(actor=b, node=w.station_a, item=item(MASK), delta=-1, reason="盘点"))
    assert stock_of(w.station_a) == 1000


def test_a_station_manager_cannot_transfer_to_a_node_outside_their_scope(stocked):
    w = stocked
    assert not_found(lambda: transfer(w.manager_a, w.station_a, w.station_b, {MASK: 1}))
    transfer(w.manager_a, w.station_a, w.point_a, {MASK: 1})  # within the station: fine
    assert stock_of(w.station_a) == 999 and stock_of(w.station_b) == 500


def test_subtree_totals_sum_the_node_and_everything_below(stocked):
    w = stocked
    totals = {t.item.name: (t.own, t.subtree) for t in selectors.stock_totals_for_actor(actor=w.office,
                                                                                       node=w.institute)}
    assert totals == {MASK: (0, 1530), SUIT: (7, 27)}
    totals = {t.item.name: (t.own, t.subtree) for t in selectors.stock_totals_for_actor(actor=w.manager_a,
                                                                                       node=w.station_a)}
    assert totals == {MASK: (1000, 1030), SUIT: (20, 20)}
    branches = {b.node.name: {i.name: q for i, q in b.items}
                for b in selectors.stock_branches_for_actor(actor=w.office, node=w.institute)}
    assert branches == {w.station_a.name: {MASK: 1030, SUIT: 20}, w.station_b.name: {MASK: 500}}


def test_an_office_transfer_shows_at_both_ends(stocked):
    w = stocked
    dist = transfer(w.office, w.station_a, w.station_b, {MASK: 100})
    assert selectors.distribution_get_for_actor(actor=w.manager_b, distribution_id=dist.pk) == dist
    assert selectors.distribution_get_for_actor(actor=w.manager_a, distribution_id=dist.pk) == dist
    assert stock_of(w.station_b) == 600
    household = to_household(w.manager_a, w.station_a, {MASK: 1})
    assert not_found(lambda: selectors.distribution_get_for_actor(actor=w.manager_b, distribution_id=household.pk))
    kinds = set(selectors.movement_list_for_actor(actor=w.manager_b).values_list("kind", flat=True))
    assert kinds == {"donation_in", "transfer_in"}


def test_nobody_without_a_grant_sees_anything(stocked):
    w = stocked
    for actor in (w.leader, None):
        assert not selectors.stock_list_for_actor(actor=actor).exists()
        assert not selectors.movement_list_for_actor(actor=actor).exists()
        assert not selectors.donation_list_for_actor(actor=actor).exists()
        assert not selectors.distribution_list_for_actor(actor=actor).exists()
        assert selectors.supply_roots_for_actor(actor=actor) == []


def test_revealing_contact_details_needs_the_privilege_and_is_audited(world):
    from wenming.supplies.services import donation_receive

    donation = donation_receive(actor=world.root, node=world.station_a, donor_name="某超市",
                                donor_phone="13812345678", lines=[(item(MASK), Decimal(5))])
    dist = to_household(world.root, world.station_a, {MASK: 1}, address="九里村3组12号")
    assert donation_reveal(actor=world.office, donation=donation, reason="致谢") == {"donor_phone": "13812345678"}
    assert distribution_reveal(actor=world.office, distribution=dist) == {"household_address": "九里村3组12号"}
    with pytest.raises(DomainError) as exc:
        donation_reveal(actor=world.manager_a, donation=donation)  # no may_reveal on the grant
    assert exc.value.code == "supplies.reveal_forbidden"
    assert AuditEntry.objects.filter(action="supplies.reveal").count() == 2
    assert AuditEntry.objects.filter(action="supplies.reveal_denied", actor=world.manager_a).count() == 1
