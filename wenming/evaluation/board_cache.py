"""A unit's scoreboard kept in the shared cache, stamped so that a change is never hidden.

A unit answers for a few dozen findings, so computing its board from the raw rows is already
cheap; what costs is the work both ways share (loading the indicator tree, assembling the
lines). The board itself is therefore what is kept: one cache read serves it.

A board is kept with two stamps, both random tokens in the cache (Redis in production, the
database cache table on one machine; every worker sees the same):
- the campaign's, renewed when its indicator tree or sub-systems change (`campaign_changed`);
- the unit's, renewed when its tallies or its duties change (`unit_changed`).
A writer renews the stamp at once (a read later in the same transaction sees its own
change) and again after commit: a reader that took the old stamp, then computed from rows
the writer had not yet committed, kept its board with a stamp that no longer matches.
Stamps and boards expire after `TTL`. If the cache fails, the board is computed.
"""

import logging
import uuid
from dataclasses import replace

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

TTL = 600  # bounds how long a board can outlive a change the cache missed while it was down
FORMAT = 1  # bump when the Board dataclass changes shape: old pickles are then never read


def _campaign_key(campaign_id: int) -> str:
    return f"evalcb:{FORMAT}:c:{campaign_id}"


def _unit_key(campaign_id: int, unit_id: int) -> str:
    return f"evalcb:{FORMAT}:u:{campaign_id}:{unit_id}"


def _renew(key: str) -> None:
    def renew():
        try:
            cache.set(key, uuid.uuid4().hex, TTL)
        except Exception:  # the cache is down: boards are computed until it is back
            log.warning("evaluation board stamp %s not renewed", key, exc_info=True)
    renew()
    transaction.on_commit(renew)


def campaign_changed(campaign_id: int) -> None:
    _renew(_campaign_key(campaign_id))


def unit_changed(campaign_id: int, unit_id: int | None) -> None:
    if unit_id is not None:
        _renew(_unit_key(campaign_id, unit_id))


def _board_key(campaign_id: int, unit_id: int) -> str:
    return f"evalcb:{FORMAT}:b:{campaign_id}:{unit_id}"


def unit_board_cached(campaign, unit, compute):
    """`compute()` once per pair of stamps; the same board from the cache until one changes.
    One cache round trip on a hit: the two stamps and the board (kept with the stamps it was
    computed under) are read together."""
    keys = [_campaign_key(campaign.pk), _unit_key(campaign.pk, unit.pk), _board_key(campaign.pk, unit.pk)]
    try:
        found = cache.get_many(keys)
        for key in keys[:2]:
            if key not in found:
                # add, not set: two readers starting together agree on one stamp
                cache.add(key, uuid.uuid4().hex, TTL)
                found[key] = cache.get(key)
    except Exception:
        log.warning("evaluation board cache unavailable", exc_info=True)
        return compute()
    # the campaign's creation time too: on SQLite a deleted campaign's id can come back
    stamps = (campaign.created_at, found[keys[0]], found[keys[1]])
    kept = found.get(keys[2])
    if kept is not None and kept[0] == stamps and None not in stamps:
        board = kept[1]
    else:
        board = compute()
        try:
            cache.set(keys[2], (stamps, replace(board, campaign=None)), TTL)
        except Exception:
            log.warning("evaluation board not cached", exc_info=True)
    board.campaign = campaign  # the caller's campaign object, current status and settings
    return board
