"""A unit's board from the shared cache: served without reading the database, and never
stale after any change that moves it (findings, rectification, materials, duties, the
indicator tree, a rebuild), nor when a reader raced a writer, nor when the cache fails."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from wenming.evaluation import board_cache
from wenming.evaluation.selectors import scoreboard
from wenming.evaluation.services import campaigns, duties, inspections, rectification, tallies
from wenming.evaluation.tests.factories import a_finding, build_evaluation, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def e(world):
    cache.clear()
    return build_evaluation(world)


def _view(board):
    return (board.score, board.full, board.counts,
            [(x.indicator.pk, x.indicator.name, x.full, x.score, x.deducted, x.material) for x in board.lines])


def _agrees(e, unit):
    kept = scoreboard.unit_board(e.campaign, unit)
    assert _view(kept) == _view(scoreboard.unit_board_raw(e.campaign, unit)), unit.name
    return kept


def test_a_second_read_comes_from_the_cache_without_a_query(e, django_assert_num_queries):
    first = _agrees(e, e.market_bureau)
    with django_assert_num_queries(0):
        again = scoreboard.unit_board(e.campaign, e.market_bureau)
    assert _view(again) == _view(first)
    assert again.campaign is e.campaign  # the caller's campaign, not a pickled copy


def test_every_change_that_moves_a_board_is_seen_at_once(e):
    office = e.world.office
    for unit in (e.market_bureau, e.city_admin, e.education):
        _agrees(e, unit)  # all three cached
    f = a_finding(e)
    assert _agrees(e, e.market_bureau).score == Decimal("3.50")
    rectification.finding_answer(actor=e.liaison_market, finding=f, text="已清理", photos=[photo()])
    assert _agrees(e, e.market_bureau).counts["live"] == 1
    inspections.finding_withdraw(actor=e.inspector, finding=f, reason="误判")
    assert _agrees(e, e.market_bureau).score == Decimal("4.00")
    # a new lead duty puts the indicator on the unit's board; removing it takes it off
    duty = duties.duty_save(actor=office, campaign=e.campaign, indicator=e.hygiene, unit=e.city_admin, role="coop")
    assert e.hygiene.pk not in [x.indicator.pk for x in _agrees(e, e.city_admin).lines]
    duties.duty_remove(actor=office, duty=duty)
    before = _agrees(e, e.education)
    # the tree: new points and a new name reach every unit's board
    campaigns.indicator_save(actor=office, campaign=e.campaign, indicator=e.school, code="9.1", name="校园周边环境",
                             level="indicator", parent=e.minors_area, points=Decimal(6), deduct_points=Decimal(1),
                             subsystem=e.minors)
    after = _agrees(e, e.education)
    assert (before.full, after.full) == (Decimal("5.00"), Decimal("6.00"))
    assert "校园周边环境" in [x.indicator.name for x in after.lines]
    a_finding(e, site=e.site_street, indicator=e.roads)
    tallies.tallies_rebuild(e.campaign.pk)
    for unit in (e.market_bureau, e.city_admin, e.education, e.town):
        _agrees(e, unit)


def test_a_reader_that_raced_a_writer_does_not_keep_a_stale_board(e, django_capture_on_commit_callbacks):
    scoreboard.unit_board(e.campaign, e.market_bureau)  # cached
    stale = scoreboard.unit_board_raw(e.campaign, e.market_bureau)  # computed before the writer committed
    keys = [board_cache._campaign_key(e.campaign.pk), board_cache._unit_key(e.campaign.pk, e.market_bureau.pk)]
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        a_finding(e)
        # the reader keeps what it computed with the stamps of this moment, before the commit
        now = cache.get_many(keys)
        cache.set(board_cache._board_key(e.campaign.pk, e.market_bureau.pk),
                  ((e.campaign.created_at, now[keys[0]], now[keys[1]]), stale), board_cache.TTL)
    assert scoreboard.unit_board(e.campaign, e.market_bureau).score == stale.score  # served until the commit
    for callback in after_commit:
        callback()  # the commit: the stamp is renewed again
    assert _agrees(e, e.market_bureau).score == stale.score - Decimal("0.50")


def test_a_failing_cache_still_gives_the_right_board(e, monkeypatch):
    _agrees(e, e.market_bureau)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")
    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set", down)
    a_finding(e)  # the stamp cannot be renewed: nothing may be served from the cache
    assert _agrees(e, e.market_bureau).score == Decimal("3.50")
