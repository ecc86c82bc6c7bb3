"""Households: one address, however it was typed, and the live-visit counters behind coverage.

`normalize_address` folds the ways one door is written at the door — full-width digits,
spaces, dashes, "三组" for "3组" — so that `household_key` (a keyed blind index, never the
address itself) is the same for every visit of that household.

`household_in` / `household_out` move the (grid, household) counter of live visits and the
grid's count of households visited by single UPDATEs whose result is read back under the
row lock: the 0 → 1 step (and back) is seen by exactly one transaction however many record
or void the same door at once, so the `households_visited` and `grids_visited` deltas are
recorded exactly once (ARCHITECTURE rule 3). Called inside the visit services' transactions,
after `figures.hold_grid`: on an archived grid the counters still move (a visit voided there
stays voided) but no stock delta is recorded.
"""

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import F

from wenming.core.crypto import blind_index

from .figures import households_changed
from .models import GridHousehold, GridProfile

HOUSEHOLD_PURPOSE = "grid-household"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# A Chinese number directly before a unit of an address (三组, 十二号, 二十一栋, 五单元 …).
_NUMBER_UNIT = re.compile(r"([零〇一二两三四五六七八九十百]+)(?=组|号|栋|幢|座|单元|楼|层|室|户|巷|弄|排|队|社)")
_ORDINAL = re.compile(r"第(?=\d)")
_NOISE = re.compile(r"[\s\-－—_·•.,，。、:：;；()（）\[\]【】#＃]+")


def _chinese_number(text: str) -> str:
    """三 → 3, 十二 → 12, 二十一 → 21, 一百零五 → 105, 二〇五 → 205."""
    total, current = 0, 0
    for ch in text:
        if ch == "十":
            total, current = total + (current or 1) * 10, 0
        elif ch == "百":
            total, current = total + (current or 1) * 100, 0
        else:
            current = current * 10 + _DIGITS[ch]
    return str(total + current)


def normalize_address(address: str) -> str:
    text = unicodedata.normalize("NFKC", address or "")
    text = _NUMBER_UNIT.sub(lambda m: _chinese_number(m.group(1)), text)
    text = _ORDINAL.sub("", _NOISE.sub("", text))  # 第3组 = 3组
    return text.upper()


def household_key_of(address: str) -> str:
    return blind_index(normalize_address(address), HOUSEHOLD_PURPOSE)


def _bump(rows, field: str, step: int) -> int | None:
    """Add `step` to the counter of the (one) row; returns its new value, or None when there
    is no such row. One UPDATE, then a read of the row we now hold locked: the value is
    exactly ours, whatever others did before (PostgreSQL re-evaluates the UPDATE on the
    latest committed row; SQLite serializes writers), so the 0 → 1 and 1 → 0 steps are seen
    by exactly one transaction. Never below zero (the CHECK constraint agrees)."""
    target = rows.filter(**{f"{field}__gte": 1}) if step < 0 else rows
    if not target.update(**{field: F(field) + step}):
        return None
    return rows.values_list(field, flat=True).get()


def _grid_counter(grid_id: int, step: int) -> bool:
    """Move the grid's households_visited by ±1; True when the grid became visited (0 → 1)
    or unvisited (1 → 0)."""
    rows = GridProfile.objects.filter(node_id=grid_id)
    value = _bump(rows, "households_visited", step)
    if value is None and step > 0:
        try:
            with transaction.atomic():  # a savepoint: the first visit of a grid with no profile yet
                GridProfile.objects.create(node_id=grid_id, households_visited=1)
            return True
        except IntegrityError:  # created meanwhile: count on it
            return _grid_counter(grid_id, step)
    if value is None:
        raise AssertionError(f"grid {grid_id}: households_visited out of step")
    return value == (1 if step > 0 else 0)


def household_in(grid_id: int, key: str, *, stocks: bool = True) -> None:
    """One more live visit of the household; the first one counts the household (and records
    the stock deltas unless `stocks` is False: an archived grid, out of the roll-up)."""
    rows = GridHousehold.objects.filter(grid_id=grid_id, household_key=key)
    value = _bump(rows, "visit_count", +1)
    if value is None:
        try:
            with transaction.atomic():
                GridHousehold.objects.create(grid_id=grid_id, household_key=key, visit_count=1)
            value = 1
        except IntegrityError:
            return household_in(grid_id, key, stocks=stocks)
    if value == 1:
        first = _grid_counter(grid_id, +1)
        if stocks:
            households_changed(grid_id, households=1, grids=1 if first else 0)


def household_out(grid_id: int, key: str, *, stocks: bool = True) -> None:
    """One live visit fewer; the last one uncounts the household."""
    value = _bump(GridHousehold.objects.filter(grid_id=grid_id, household_key=key), "visit_count", -1)
    if value is None:
        raise AssertionError(f"grid {grid_id}: household counter out of step")
    if value == 0:
        last = _grid_counter(grid_id, -1)
        if stocks:
            households_changed(grid_id, households=-1, grids=-1 if last else 0)


def household_moved(before: tuple[int, str] | None, after: tuple[int, str] | None, *, stocks: bool = True) -> None:
    """A visit's household changed (corrected address, voided): −old, +new. The counters always
    move; the stock deltas only for a live grid (`stocks`, from `figures.hold_grid`): an
    archived grid is out of the coverage stocks until `figures.grids_archived` restores it."""
    if before == after:
        return
    if after is not None:
        household_in(*after, stocks=stocks)
    if before is not None:
        household_out(*before, stocks=stocks)
