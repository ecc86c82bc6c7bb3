"""Campaign tallies: entries, corrections, totals that roll up without double counting, scope."""

import random
from collections import defaultdict
from datetime import date

import pytest

from wenming.campaigns import tally_services
from wenming.campaigns.models import EntryKind, Indicator, TallyEntry, TallyTotal
from wenming.campaigns.tally_selectors import (
    tally_children_for_actor,
    tally_entry_get_for_actor,
    tally_entry_list_for_actor,
    tally_totals_for_actor,
)
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.dashboards import rebuild, summary
from wenming.dashboards.models import FigureDelta
from wenming.orgs.models import Node
from wenming.orgs.services import node_move, unit_update

from .factories import (
    add,
    assert_totals_balance,
    campaign_differences,
    indicator,
    last_month,
    liaison,
    this_month,
    unit,
)

pytestmark = pytest.mark.django_db


def _totals(actor, node, since=None, until=None) -> dict[str, int]:
    since, until = since or this_month(), until or this_month()
    return {t.indicator.code: t.value for t in tally_totals_for_actor(actor=actor, node=node, since=since,
                                                                      until=until)}


def test_seeded_indicators_hold_the_field_report_list():
    names = dict(Indicator.objects.values_list("name", "unit"))
    assert names["横幅"] == "条" and names["宣传车"] == "辆次" and names["劝导"] == "人次"
    assert names["口罩回收箱"] == "个" and len(names) >= 11


def test_an_entry_counts_at_its_node_and_rolls_up(world):
    entry = add(world.manager_a, world.station_a, 1596)
    assert entry.kind == EntryKind.ENTRY and entry.delta == 1596 and entry.recorded_by == world.manager_a
    assert _totals(world.office, world.county)["banner"] == 1596
    assert _totals(world.office, world.station_b)["banner"] == 0
    assert FigureDelta.objects.filter(node=world.station_a, metric="tally:banner").count() == 1
    assert AuditEntry.objects.filter(action="campaigns.tally_add", object_id=str(entry.pk)).exists()
    assert_totals_balance()


def test_a_units_entry_counts_once_at_the_units_node(world):
    the_unit = unit(world, node=world.point_a)
    add(world.root, the_unit, 10, "poster")
    add(world.root, world.point_a, 5, "poster")
    totals = _totals(world.office, world.station_a)
    assert totals["poster"] == 15  # the unit's and the point's own, each once
    assert _totals(world.office, world.point_a)["poster"] == 15
    assert TallyTotal.objects.get(unit=the_unit).value == 10
    assert TallyTotal.objects.get(node=world.point_a, unit__isnull=True).value == 5


def test_corrections_are_new_entries_and_the_original_is_never_changed(world):
    entry = add(world.manager_a, world.station_a, 100, "leaflet")
    fix = tally_services.tally_correct(actor=world.manager_a, entry=entry, delta=-30, reason="重复统计")
    up = tally_services.tally_correct(actor=world.manager_a, entry=entry, delta="+5", reason="漏报")
    entry.refresh_from_db()
    assert entry.delta == 100 and fix.corrects == entry and fix.kind == EntryKind.CORRECTION
    assert up.delta == 5
    assert _totals(world.office, world.county)["leaflet"] == 75
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    assert_totals_balance()


def test_a_correction_below_zero_is_refused_and_writes_nothing(world):
    entry = add(world.manager_a, world.station_a, 10)
    before = (TallyEntry.objects.count(), FigureDelta.objects.count())
    with pytest.raises(DomainError) as exc:
        tally_services.tally_correct(actor=world.manager_a, entry=entry, delta=-11, reason="多报")
    assert exc.value.code == "campaigns.total_negative" and "现为 10 条" in exc.value.message
    assert (TallyEntry.objects.count(), FigureDelta.objects.count()) == before
    tally_services.tally_correct(actor=world.manager_a, entry=entry, delta=-10, reason="全部作废")
    assert _totals(world.office, world.station_a)["banner"] == 0
    assert_totals_balance()


@pytest.mark.parametrize("value, code", [
    (0, "campaigns.value_invalid"), (-3, "campaigns.value_invalid"), ("1.5", "campaigns.value_invalid"),
    ("约300", "campaigns.value_invalid"), (10**13, "campaigns.value_invalid"), (True, "campaigns.value_invalid"),
])
def test_bad_values_are_refused(world, value, code):
    with pytest.raises(DomainError) as exc:
        add(world.manager_a, world.station_a, value)
    assert exc.value.code == code
    assert not TallyEntry.objects.exists()


def test_ugly_but_clear_values_are_accepted(world):
    for raw in ("1,596", " 70000 ", "１５９６", 138.0, "300.0"):
        add(world.manager_a, world.station_a, raw)
    assert _totals(world.office, world.station_a)["banner"] == 1596 + 70000 + 1596 + 138 + 300


@pytest.mark.parametrize("period, code", [("2025-13", "campaigns.period_invalid"), ("下个月", "campaigns.period_invalid"),
                                          ("1999-12", "campaigns.period_invalid"),
                                          ("2999-01", "campaigns.period_future")])
def test_bad_periods_are_refused(world, period, code):
    with pytest.raises(DomainError) as exc:
        add(world.manager_a, world.station_a, 1, period=period)
    assert exc.value.code == code


def test_periods_are_read_in_the_ways_people_write_them(world):
    for raw in ("2025-03", "2025-3", "2025/03", "2025年3月", "202503", "2025-03-17", date(2025, 3, 9)):
        assert add(world.manager_a, world.station_a, 1, period=raw).period == date(2025, 3, 1)


def test_retired_indicator_takes_no_new_entries_but_its_history_can_be_corrected(world):
    entry = add(world.manager_a, world.station_a, 3, "sms")
    Indicator.objects.filter(code="sms").update(active=False)
    with pytest.raises(DomainError) as exc:
        add(world.manager_a, world.station_a, 1, "sms")
    assert exc.value.code == "campaigns.indicator_inactive"
    entry.refresh_from_db()
    tally_services.tally_correct(actor=world.manager_a, entry=entry, delta=-1, reason="核减")
    assert _totals(world.office, world.county)["sms"] == 2  # a retired indicator holding a value still shows


def test_scope_sibling_station_is_not_found_and_readers_cannot_write(world):
    entry = add(world.manager_b, world.station_b, 5)
    with pytest.raises(DomainError) as exc:
        add(world.manager_a, world.station_b, 1)
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        tally_entry_get_for_actor(actor=world.manager_a, entry_id=entry.pk)
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        tally_services.tally_correct(actor=world.manager_a, entry=entry, delta=1, reason="x")
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        tally_totals_for_actor(actor=world.manager_a, node=world.station_b, since=this_month(), until=this_month())
    assert exc.value.status == 404
    assert not tally_entry_list_for_actor(actor=world.manager_a).exists()
    assert tally_entry_list_for_actor(actor=world.office).count() == 1
    from wenming.accounts.roles import Role
    from wenming.accounts.services import role_grant
    from wenming.volunteers.tests.factories import user

    inspector = user("inspector")
    role_grant(actor=world.root, user=inspector, role=Role.INSPECTOR, node=world.county)
    assert tally_entry_get_for_actor(actor=inspector, entry_id=entry.pk) == entry
    with pytest.raises(DomainError) as exc:
        add(inspector, world.station_b, 1)
    assert exc.value.status == 403


def test_a_unit_liaison_sees_and_writes_only_their_unit(world):
    mine, other = unit(world), unit(world, node=world.station_b, name="杨贵店村委会")
    person = liaison(world, mine)
    own = add(person, mine, 12, "artwork")
    add(world.root, other, 7, "artwork")
    add(world.root, world.station_a, 3, "artwork")  # the station's own: not the liaison's
    assert [e.pk for e in tally_entry_list_for_actor(actor=person)] == [own.pk]
    for write in (lambda: add(person, other, 1), lambda: add(person, world.station_a, 1)):
        with pytest.raises(DomainError) as exc:
            write()
        assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        tally_totals_for_actor(actor=person, node=world.station_a, since=this_month(), until=this_month())
    assert exc.value.status == 404
    fix = tally_services.tally_correct(actor=person, entry=own, delta=-2, reason="重复")
    assert fix.unit == mine


def test_entries_of_a_moved_unit_stay_where_they_were_counted(world):
    the_unit = unit(world)
    first = add(world.root, the_unit, 4)
    unit_update(actor=world.root, unit=the_unit, node_id=world.station_b.pk)
    the_unit.refresh_from_db()
    second = add(world.root, the_unit, 6)
    assert (first.node, second.node) == (world.station_a, world.station_b)
    tally_services.tally_correct(actor=world.root, entry=first, delta=-1, reason="核减")
    assert _totals(world.office, world.station_a)["banner"] == 3
    assert _totals(world.office, world.station_b)["banner"] == 6
    summary.fold_all()
    assert campaign_differences() == []
    assert_totals_balance()


def test_children_are_ranked_from_the_figures(world):
    add(world.root, world.station_a, 10)
    add(world.root, world.point_a, 5)
    add(world.root, world.station_b, 7)
    kids = {c.node.pk: c.value(indicator()) for c in tally_children_for_actor(
        actor=world.office, node=world.institute, since=this_month(), until=this_month())}
    assert kids == {world.station_a.pk: 15, world.station_b.pk: 7}


def test_random_entries_and_corrections_roll_up_to_the_raw_sums_with_nothing_counted_twice(world):
    """A random mix over every node, units, two months and several indicators, partial folds
    and a subtree move: every node's figures equal the sums over the raw entries of its
    current subtree, and rebuild finds no difference."""
    rng = random.Random(20240501)
    units = [unit(world, node=n, name=f"单位{i}") for i, n in
             enumerate([world.point_a, world.station_b, world.grid_a, world.institute])]
    subjects = [world.county, world.center, world.institute, world.station_a, world.station_b, world.point_a,
                world.grid_a, *units]
    codes = ["banner", "poster", "leaflet", "persuasion"]
    months = [last_month(), this_month()]
    entries = []
    for step in range(160):
        if entries and rng.random() < 0.35:
            target = rng.choice(entries)
            bucket = TallyTotal.objects.get(node=target.node, unit=target.unit, indicator=target.indicator,
                                            period=target.period).value
            delta = rng.randint(-bucket, 20) or 1
            try:
                entries.append(tally_services.tally_correct(actor=world.root, entry=target, delta=delta,
                                                            reason="随机更正"))
            except DomainError as exc:
                assert exc.code == "campaigns.total_negative"
        else:
            entries.append(add(world.root, rng.choice(subjects), rng.randint(1, 500), rng.choice(codes),
                               period=rng.choice(months)))
        if step % 40 == 39:
            summary.fold_pending(limit=rng.randint(1, 50))
    node_move(actor=world.root, node=world.station_b, new_parent=world.center)
    raw = defaultdict(int)
    paths = dict(Node.objects.values_list("pk", "path"))
    for e in TallyEntry.objects.select_related("indicator"):
        for node_id, path in paths.items():
            if paths[e.node_id].startswith(path):
                raw[(node_id, e.indicator.code)] += e.delta
    for node in Node.objects.all():
        got = _totals(world.root, node, since=months[0], until=months[1])
        for code in codes:
            assert got.get(code, 0) == raw.get((node.pk, code), 0), (node.name, code)
    assert campaign_differences() == []
    summary.fold_all()
    assert campaign_differences() == []
    assert rebuild.differences() == []
    assert_totals_balance()
