"""The disclosure rules checked against a brute-force reader: from a published total and its
breakdowns, enumerate every set of true counts that would publish exactly so, and check that
no hidden count is left with a single possible value — with the counts rounded to 5 as
published, and with exact counts (ROUND_TO = 1), where the complementary suppression alone
has to hold. No database: these are the pure functions of disclosure.py."""

from collections import Counter
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from .. import disclosure as d
from ..disclosure import Cell, publish, rounded

# one call: (caller group 0–4, topic 0–3, period 0–2, crisis)
CALL = st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 2), st.booleans())
DIMENSIONS = {"by_caller_group": 0, "by_topic": 1, "by_period": 2}


def _tables(calls) -> tuple[Cell, dict[str, list[Cell]]]:
    total = Cell("total", "合计", len(calls), sum(c[3] for c in calls), 20 * len(calls))
    breakdowns = {}
    for name, i in DIMENSIONS.items():
        n = Counter(c[i] for c in calls)
        k = Counter(c[i] for c in calls if c[3])
        breakdowns[name] = [Cell(str(key), str(key), n[key], k[key], 20 * n[key]) for key in sorted(n)]
    return total, breakdowns


def _compositions(total: int, parts: int):
    """Ways to write `total` as `parts` positive integers (every listed row has a call)."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(1, total - parts + 2):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _reader_view(total_row, published: dict, withheld: list[str]) -> dict[tuple[str, int], set[int]]:
    """Every value a reader can't rule out for each hidden calls cell, from all the
    breakdowns together (they share the total), by enumeration."""
    if total_row.calls is None:
        totals = range(1, d.MIN_CELL)
    else:
        totals = [t for t in range(0, total_row.calls + d.ROUND_TO + 1) if rounded(t) == total_row.calls]
    possible: dict[tuple[str, int], set[int]] = {}
    for t in totals:
        per_table = {}
        for name, rows in published.items():
            if name in withheld:
                continue
            fits = [vals for vals in _compositions(t, len(rows))
                    if all(r.calls is None or rounded(v) == r.calls for r, v in zip(rows, vals, strict=True))]
            per_table[name] = fits
        if not all(per_table.values()):
            continue  # this total is ruled out by some breakdown
        for name, fits in per_table.items():
            for vals in fits:
                for j, v in enumerate(vals):
                    if published[name][j].calls is None:
                        possible.setdefault((name, j), set()).add(v)
    return possible


def _weak_compositions(total: int, parts: int):
    """Ways to write `total` as `parts` integers ≥ 0."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(0, total + 1):
        for rest in _weak_compositions(total - first, parts - 1):
            yield (first, *rest)


def _crisis_view(total_row, rows, calls_most: list[int]) -> dict[int, set[int]]:
    """Every crisis count a reader can't rule out for each hidden crisis cell of one
    breakdown: the crisis total as published, shown cells as published, hidden ones between
    0 (or 1 when some crisis cell of the table is shown, since zeros are then shown as
    such) and the most calls the row can have."""
    if total_row.crisis is None:
        totals = range(0 if total_row.calls is None else 1, d.MIN_CELL)
    else:
        totals = [t for t in range(0, total_row.crisis + d.ROUND_TO + 1) if rounded(t) == total_row.crisis]
    floor = 1 if any(r.crisis is not None for r in rows) else 0
    possible: dict[int, set[int]] = {}
    for t in totals:
        for vals in _weak_compositions(t, len(rows)):
            if all((rounded(v) == r.crisis) if r.crisis is not None else
                   ((floor if r.calls is not None else 0) <= v <= most)
                   for r, v, most in zip(rows, vals, calls_most, strict=True)):
                for j, v in enumerate(vals):
                    if rows[j].crisis is None:
                        possible.setdefault(j, set()).add(v)
    return possible


def _check(calls) -> None:
    total, breakdowns = _tables(calls)
    total_row, published, withheld = publish(total, breakdowns)
    possible = _reader_view(total_row, published, withheld)
    for name, rows in published.items():
        if name in withheld:
            assert rows == []
            continue
        truth = {r.key: r.calls for r in breakdowns[name]}
        for j, row in enumerate(rows):
            if row.calls is None:
                values = possible[(name, j)]
                assert truth[row.key] in values  # the reader's view is sound …
                assert len(values) >= 2, (name, row.key, values)  # … and never pins a hidden count
        for column in ("calls", "crisis"):
            hidden = sum(getattr(r, column) is None for r in rows)
            if getattr(total_row, column) is not None:
                assert hidden != 1, (name, column)
        calls_most = [max(possible[(name, j)]) if r.calls is None else r.calls + d.ROUND_TO
                      for j, r in enumerate(rows)]
        crisis_truth = {r.key: r.crisis for r in breakdowns[name]}
        for j, values in _crisis_view(total_row, rows, calls_most).items():
            assert crisis_truth[rows[j].key] in values
            assert len(values) >= 2 or values == {0}, (name, rows[j].key, values)
    if total_row.calls is None:
        assert set(withheld) == set(breakdowns)  # 1–2 calls: no breakdown at all
    if total_row.crisis is None:
        assert all(r.crisis is None for rows in published.values() for r in rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(CALL, max_size=20))
def test_no_hidden_count_is_pinned_when_counts_are_rounded(calls):
    _check(calls)


@settings(max_examples=200, deadline=None)
@given(st.lists(CALL, max_size=20))
def test_no_hidden_count_is_pinned_by_subtraction_even_with_exact_counts(calls):
    with patch.object(d, "ROUND_TO", 1):
        _check(calls)


def test_rounding_and_its_inverse():
    assert [rounded(n) for n in (0, 1, 2, 3, 4, 5, 7, 8, 12, 13, 22)] == [0, None, None, 5, 5, 5, 5, 10, 10, 15, 20]
    for n in range(3, 60):
        lo, hi = d.interval(rounded(n))
        assert lo <= n <= hi and hi - lo >= 4
    assert d.interval(0) == (0, 0)


def test_one_hidden_cell_takes_the_next_smallest_with_it():
    cells = [Cell("a", "a", 9, 0, 90), Cell("b", "b", 4, 0, 40), Cell("c", "c", 1, 0, 10), Cell("d", "d", 6, 0, 60)]
    total, rows, withheld = publish(Cell("total", "合计", 20, 0, 200), {"t": cells})
    assert [(r.key, r.calls) for r in rows["t"]] == [("a", 10), ("b", None), ("c", None), ("d", 5)]
    assert total.calls == 20 and withheld == []


def test_hidden_cells_whose_sum_is_known_and_minimal_take_another_with_them():
    """Exact counts: two hidden cells of 1 each sum to 2 = their number, so each is exactly
    1; a third cell has to go."""
    with patch.object(d, "ROUND_TO", 1):
        cells = [Cell("a", "a", 1, 0, 10), Cell("b", "b", 1, 0, 10), Cell("c", "c", 5, 0, 50),
                 Cell("d", "d", 8, 0, 80)]
        _, rows, _ = publish(Cell("total", "合计", 15, 0, 150), {"t": cells})
    assert [r.calls for r in rows["t"]] == [None, None, None, 8]


def test_rounded_figures_that_pin_the_hidden_ones_take_another_cell_with_them():
    """Rounded, 7 calls publish as 5 (3–7) and a cell of 3 as 5 (3–7): four listed hidden
    rows could then only hold 7 − 3 = 4 calls, one each. The shown cell has to go too."""
    cells = [Cell("a", "a", 3, 0, 30)] + [Cell(k, k, 1, 0, 10) for k in "bcde"]
    total, rows, withheld = publish(Cell("total", "合计", 7, 0, 70), {"t": cells})
    assert total.calls == 5 and withheld == []
    assert [r.calls for r in rows["t"]] == [None] * 5
    _check([(0, 0, 0, False)] * 3 + [(i, 0, 0, False) for i in range(1, 5)])


def test_a_lone_crisis_count_in_a_shown_row_is_protected():
    cells = [Cell("a", "a", 10, 1, 100), Cell("b", "b", 10, 4, 100), Cell("c", "c", 10, 0, 100)]
    total, rows, _ = publish(Cell("total", "合计", 30, 5, 300), {"t": cells})
    assert total.crisis == 5
    assert [(r.calls, r.crisis) for r in rows["t"]] == [(10, None), (10, None), (10, 0)]


def test_one_or_two_crisis_calls_in_all_hide_every_crisis_cell():
    """Otherwise a row's hidden crisis count next to zeros would say which group the one
    crisis caller was in."""
    cells = [Cell("a", "a", 10, 1, 100), Cell("b", "b", 10, 0, 100)]
    total, rows, _ = publish(Cell("total", "合计", 20, 1, 200), {"t": cells})
    assert total.crisis is None and [(r.calls, r.crisis) for r in rows["t"]] == [(10, None), (10, None)]


def test_one_or_two_calls_in_all_list_no_breakdown():
    cells = [Cell("self_harm", "自伤自杀念头", 1, 1, 30), Cell("anxiety", "焦虑", 1, 0, 10)]
    total, rows, withheld = publish(Cell("total", "合计", 2, 1, 40), {"by_topic": cells})
    assert total.calls is None and total.avg_minutes is None
    assert rows == {"by_topic": []} and withheld == ["by_topic"]
