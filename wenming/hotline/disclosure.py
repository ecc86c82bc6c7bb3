"""Disclosure control for the hotline statistics: what a published table may show so that
no hidden small count can be worked out from it, by subtraction or otherwise.

Every published statistic is a total plus one-dimensional breakdowns of it (by period,
caller group, topic, line), each with two count columns (calls, crisis calls). The rules:

1. Primary suppression: a count of 1 or 2 (below MIN_CELL) is not shown (None).
2. Rounding: every other count, totals included, is shown rounded to the nearest multiple
   of ROUND_TO (5): 3–7 → 5, 8–12 → 10. Zeros are exact. A published figure is therefore
   only known to ±2, so subtracting one published figure from another — two overlapping
   date ranges, a town's lines minus one of them, this month today minus this month
   yesterday — leaves a range of at least five values, never the count itself.
3. A suppressed total withholds what would pin it down: 1–2 calls in all → no breakdown
   is listed (a list of the non-empty categories would say which topic the one or two
   callers had); 1–2 crisis calls in all → no row shows a crisis count.
4. Complementary suppression inside each breakdown, per column: a column whose total is
   shown never has exactly one hidden cell (the next-smallest cell is hidden too), and then
   the column is *audited*: for each hidden cell we compute the tightest range a reader can
   derive from everything published (the rounded total, narrowed by what the other
   breakdowns say about it; each shown cell's rounding range; a listed row has at least one
   call; crisis calls never exceed calls). While some hidden cell is pinned to a single
   value, the next-smallest shown cell is hidden as well; a column that cannot be made safe
   that way is hidden whole (crisis) or the breakdown is withheld (calls).

The audit is exact for one linear equation with bounded integer unknowns (`ranges`); the
breakdowns share only their total (no cross tables), so the total is the only link between
them, and it is taken at its narrowest. Averages are shown in whole minutes and only for
shown cells of at least MIN_CELL calls, so an average never tells how many calls it is of.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MIN_CELL = 3
ROUND_TO = 5
INF = 10**9  # "no upper bound" in the audit's integer arithmetic


@dataclass
class Cell:
    """The true measures of one row (never published as such)."""

    key: str
    label: str
    calls: int
    crisis: int
    minutes: int


@dataclass
class StatRow:
    """One published row: None means not shown (too small, or hidden to protect another)."""

    key: str
    label: str
    calls: int | None
    crisis: int | None
    avg_minutes: Decimal | None
    suppressed: bool


def rounded(n: int) -> int | None:
    """The published form of a count: exact 0, None for 1..MIN_CELL-1, else rounded."""
    if n == 0:
        return 0
    if n < MIN_CELL:
        return None
    return (n + ROUND_TO // 2) // ROUND_TO * ROUND_TO


def interval(shown: int) -> tuple[int, int]:
    """The true counts that publish as `shown` (the inverse of `rounded`)."""
    if shown == 0:
        return 0, 0
    half = ROUND_TO // 2
    return max(MIN_CELL, shown - half), shown + (ROUND_TO - 1 - half)


def total_interval(published: int | None, *, upper: int = INF) -> tuple[int, int]:
    """What a reader knows of a total from its published form (None: 1..MIN_CELL-1)."""
    lo, hi = (1, MIN_CELL - 1) if published is None else interval(published)
    return min(lo, upper), min(hi, upper)


def ranges(bounds: list[tuple[int, int]], total: tuple[int, int]) -> list[tuple[int, int]]:
    """The tightest range of each cell given each cell's own bounds and the bounds of their
    sum. For one equation over integers in boxes this is exact: every value in a range is
    reached by some assignment consistent with everything published."""
    lo_sum = sum(lo for lo, _ in bounds)
    hi_sum = sum(hi for _, hi in bounds)
    return [(max(lo, total[0] - (hi_sum - hi)), min(hi, total[1] - (lo_sum - lo))) for lo, hi in bounds]


def _pinned(bounds: list[tuple[int, int]], total: tuple[int, int], hidden: list[bool]) -> bool:
    """Is some hidden cell left with one possible value? (A hidden crisis cell that can only
    be 0 gives nothing away: zeros are published as they are.)"""
    return any(h and hi <= lo and hi > 0 for h, (lo, hi) in zip(hidden, ranges(bounds, total), strict=True))


@dataclass
class _Row:
    cell: Cell
    calls: int | None
    crisis: int | None
    crisis_floor: int = 1  # least crisis count a reader may assume of a hidden crisis cell in a shown row


def _primary(cells: list[Cell], *, crisis_hidden: bool) -> list[_Row]:
    rows = []
    for c in cells:
        calls = rounded(c.calls)
        crisis = None if calls is None or crisis_hidden else rounded(c.crisis)
        rows.append(_Row(c, calls, crisis, 0 if crisis_hidden else 1))
    return rows


def _calls_bounds(rows: list[_Row]) -> list[tuple[int, int]]:
    return [interval(r.calls) if r.calls is not None else (1, INF) for r in rows]


def _crisis_bounds(rows: list[_Row], calls_ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for r, (_, calls_hi) in zip(rows, calls_ranges, strict=True):
        if r.crisis is not None:
            out.append(interval(r.crisis))
        else:
            out.append((0 if r.calls is None else r.crisis_floor, calls_hi))
    return out


def sum_bounds(cells: list[Cell], *, calls_total: tuple[int, int],
               crisis_hidden: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """What one breakdown, with only primary suppression, says about the totals (calls,
    crisis): the least and the most its rows can add up to. Later suppression only widens
    this, so narrowing a total by it is on the safe side."""
    rows = _primary(cells, crisis_hidden=crisis_hidden)
    calls = _calls_bounds(rows)
    crisis = _crisis_bounds(rows, ranges(calls, calls_total))
    return ((sum(lo for lo, _ in calls), sum(hi for _, hi in calls)),
            (sum(lo for lo, _ in crisis), sum(hi for _, hi in crisis)))


def publish(total: Cell, breakdowns: dict[str, list[Cell]]) -> tuple[StatRow, dict[str, list[StatRow]], list[str]]:
    """The total and every breakdown as they may be published, and the names of the
    breakdowns withheld. The breakdowns are audited against the narrowest range of the
    total that the published total and all the breakdowns together allow."""
    total_row = publish_total(total)
    calls_shown, crisis_shown = total_row.calls is not None, total_row.crisis is not None
    calls_total = total_interval(total_row.calls)
    for cells in breakdowns.values():
        (lo, hi), _ = sum_bounds(cells, calls_total=calls_total, crisis_hidden=not crisis_shown)
        calls_total = (max(calls_total[0], lo), min(calls_total[1], hi))
    crisis_total = total_interval(total_row.crisis, upper=calls_total[1]) if calls_shown else (0, MIN_CELL - 1)
    for cells in breakdowns.values():
        _, (lo, hi) = sum_bounds(cells, calls_total=calls_total, crisis_hidden=not crisis_shown)
        crisis_total = (max(crisis_total[0], lo), min(crisis_total[1], hi))
    published, withheld = {}, []
    for name, cells in breakdowns.items():
        rows = protect(cells, calls_total=calls_total, calls_total_shown=calls_shown, crisis_total=crisis_total,
                       crisis_total_shown=crisis_shown)
        if rows is None:
            withheld.append(name)
        published[name] = rows or []
    return total_row, published, withheld


def _hide_next_calls(rows: list[_Row]) -> bool:
    shown = [r for r in rows if r.calls is not None and r.cell.calls > 0]
    if not shown:
        return False
    victim = min(shown, key=lambda r: (r.cell.calls, r.cell.key))
    victim.calls = victim.crisis = None
    return True


def _hide_next_crisis(rows: list[_Row]) -> bool:
    shown = [r for r in rows if r.crisis is not None and r.cell.crisis > 0]
    if shown:
        min(shown, key=lambda r: (r.cell.crisis, r.cell.key)).crisis = None
        return True
    if any(r.crisis is not None for r in rows):  # only zeros left: hide the whole column
        for r in rows:
            r.crisis, r.crisis_floor = None, 0
        return True
    if any(r.crisis_floor for r in rows if r.calls is not None):
        for r in rows:  # already all hidden, but a reader could still assume "hidden ⇒ ≥ 1"
            r.crisis_floor = 0
        return True
    return False


def protect(cells: list[Cell], *, calls_total: tuple[int, int], calls_total_shown: bool,
            crisis_total: tuple[int, int], crisis_total_shown: bool) -> list[StatRow] | None:
    """One breakdown as it may be published, or None when it must be withheld.

    `calls_total` / `crisis_total` are the ranges a reader knows the totals to lie in.
    """
    if not calls_total_shown:
        return None
    rows = _primary(cells, crisis_hidden=not crisis_total_shown)

    hidden = [r.calls is None for r in rows]
    if sum(hidden) == 1:
        _hide_next_calls(rows)
    while _pinned(_calls_bounds(rows), calls_total, [r.calls is None for r in rows]):
        if not _hide_next_calls(rows):
            return None
    calls_ranges = ranges(_calls_bounds(rows), calls_total)

    if crisis_total_shown and sum(r.crisis is None for r in rows) == 1:
        _hide_next_crisis(rows)
    while _pinned(_crisis_bounds(rows, calls_ranges), crisis_total, [r.crisis is None for r in rows]):
        if not _hide_next_crisis(rows):
            return None
    return [publish_row(r.cell, r.calls, r.crisis) for r in rows]


def publish_row(cell: Cell, calls: int | None, crisis: int | None) -> StatRow:
    avg = None
    if calls is not None and cell.calls >= MIN_CELL:
        avg = (Decimal(cell.minutes) / cell.calls).quantize(Decimal("1"), ROUND_HALF_UP)
    return StatRow(cell.key, cell.label, calls, crisis, avg, calls is None or crisis is None)


def publish_total(cell: Cell) -> StatRow:
    calls = rounded(cell.calls)
    return publish_row(cell, calls, None if calls is None else rounded(cell.crisis))
