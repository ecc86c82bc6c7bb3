"""The attacks a statistics reader can try on hidden cells, through the API, and that they no
longer give a hidden count away:

- subtraction inside one table (the total minus the shown cells);
- two overlapping date ranges (1–30 and 1–29 of a month, Monday–Sunday and Monday–Saturday);
- two nested whole-period ranges (three months minus the first two) and two nested scopes
  (all lines minus one line) — with exact figures these *do* recover the hidden count (the
  control cases below, ROUND_TO = 1), which is why published counts are rounded to 5.

The reader's reasoning is written out here, independently of disclosure.py.
"""

import calendar
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from wenming.core.tests.api_client import ApiClient

from .. import disclosure
from ..models import CallLog
from ..services import counselor_add, hotline_create, schedule_set
from .factories import ALL_DAY, build_hotline, counselor_user, log_call

pytestmark = pytest.mark.django_db


def _months_back(n: int) -> date:
    today = timezone.localdate()
    months = today.year * 12 + today.month - 1 - n
    return date(months // 12, months % 12 + 1, 1)


def _long_month() -> date:
    """The first day of a past month with at least 30 days."""
    back = 2
    while calendar.monthrange(_months_back(back).year, _months_back(back).month)[1] < 30:
        back += 1
    return _months_back(back)


def _place(counselor, day: date, n: int = 1, **values) -> None:
    """n calls on `day` (logged now, on duty, then dated back: the service takes calls of the
    last 7 days only)."""
    for _ in range(n):
        call = log_call(counselor, **values)
        CallLog.objects.filter(pk=call.pk).update(
            started_at=timezone.make_aware(datetime.combine(day, time(12))))


def _shown(value: int, round_to: int) -> tuple[int, int]:
    """The true counts a shown figure can stand for."""
    if value == 0:
        return 0, 0
    return max(3, value - round_to // 2), value + (round_to - 1 - round_to // 2)


def _difference(a: int, b: int, round_to: int) -> tuple[int, int]:
    """What a reader learns of A − B (B a subset of A) from the two published figures."""
    (alo, ahi), (blo, bhi) = _shown(a, round_to), _shown(b, round_to)
    return max(0, alo - bhi), ahi - blo


def _topic(body: dict, code: str, column: str = "calls"):
    return next(r[column] for r in body["by_topic"] if r["key"] == code)


@pytest.fixture(params=[5, 1], ids=["rounded", "exact"])
def round_to(request, monkeypatch):
    monkeypatch.setattr(disclosure, "ROUND_TO", request.param)
    return request.param


def test_subtracting_the_shown_cells_from_the_total_does_not_give_a_hidden_one(world, round_to):
    h = build_hotline(world)
    month = _months_back(2)
    _place(h.c1, month + timedelta(days=3), 6, topic="anxiety")
    _place(h.c1, month + timedelta(days=9), 4, topic="study")
    _place(h.c2, month + timedelta(days=20), 1, topic="insomnia", is_crisis=True)
    body = ApiClient("office").get("/hotline-stats", period="month", date_from=month.isoformat(),
                                   date_to=month.isoformat()).json()
    assert body["round_to"] == round_to
    rows = body["by_topic"]
    hidden = [r for r in rows if r["calls"] is None]
    assert {r["key"] for r in hidden} == {"insomnia", "study"}  # the next-smallest cell is hidden too
    shown = [r["calls"] for r in rows if r["calls"] is not None]
    assert shown == [6 if round_to == 1 else 5]
    # the reader: hidden cells add up to (total − shown); each listed row has at least one call
    total_lo, total_hi = _shown(body["total"]["calls"], round_to)
    shown_lo = sum(_shown(v, round_to)[0] for v in shown)
    hidden_most = total_hi - shown_lo
    insomnia_range = (1, hidden_most - (len(hidden) - 1))
    assert insomnia_range[1] - insomnia_range[0] >= 1  # 1 is possible, and so is more
    assert body["total"]["calls"] - sum(shown) != 1  # the naive subtraction is not the hidden count
    # one crisis call in all: no row shows a crisis count (it would say which topic it was)
    assert body["total"]["crisis"] is None
    assert all(r["crisis"] is None for key in ("by_topic", "by_caller_group", "by_period") for r in body[key])


def test_two_overlapping_date_ranges_are_one_and_the_same_range(world, round_to):
    h = build_hotline(world)
    month = _long_month()
    _place(h.c1, month + timedelta(days=2), 5)
    _place(h.c1, month + timedelta(days=11), 4)
    _place(h.c2, month + timedelta(days=29), 1, is_crisis=True, topic="self_harm")  # the 30th
    api = ApiClient("office")
    first = api.get("/hotline-stats", period="day", date_from=month.isoformat(),
                    date_to=(month + timedelta(days=29)).isoformat()).json()
    second = api.get("/hotline-stats", period="day", date_from=month.isoformat(),
                     date_to=(month + timedelta(days=28)).isoformat()).json()
    last = calendar.monthrange(month.year, month.month)[1]
    assert first["date_from"] == month.isoformat() and first["date_to"] == month.replace(day=last).isoformat()
    assert first == second  # both ranges are widened to the whole month: nothing to subtract
    day30 = next(r for r in first["by_period"] if r["key"] == (month + timedelta(days=29)).isoformat())
    assert day30["calls"] is None and day30["crisis"] is None
    # weeks: Monday–Sunday and Monday–Saturday are the same whole week
    monday = month + timedelta(days=7 - month.isoweekday() + 1)
    week = [api.get("/hotline-stats", period="week", date_from=monday.isoformat(),
                    date_to=(monday + timedelta(days=n)).isoformat()).json() for n in (6, 5)]
    assert week[0] == week[1] and week[0]["date_to"] == (monday + timedelta(days=6)).isoformat()


def test_nested_whole_period_ranges_do_not_give_a_hidden_cell_away(world, round_to):
    """Three months minus their first two is the third month. Its one insomnia call is
    hidden when the third month is asked alone; the two larger figures must not give it."""
    h = build_hotline(world)
    m1, m2, m3 = _months_back(4), _months_back(3), _months_back(2)
    for month, insomnia in ((m1, 3), (m2, 3), (m3, 1)):
        _place(h.c1, month + timedelta(days=4), 5, topic="anxiety")
        _place(h.c2, month + timedelta(days=14), insomnia, topic="insomnia")
    api = ApiClient("office")

    def ask(start: date, end: date) -> dict:
        return api.get("/hotline-stats", period="month", date_from=start.isoformat(), date_to=end.isoformat()).json()

    assert _topic(ask(m3, m3), "insomnia") is None
    three, two = _topic(ask(m1, m3), "insomnia"), _topic(ask(m1, m2), "insomnia")
    lo, hi = _difference(three, two, round_to)
    assert lo <= 1 <= hi
    if round_to == 1:
        assert (lo, hi) == (1, 1)  # control: exact figures would give the hidden call away …
    else:
        assert (three, two) == (5, 5) and hi - lo >= 4  # … rounded ones leave 0–4 open


def test_all_lines_minus_one_line_does_not_give_the_other_line_away(world, round_to):
    h = build_hotline(world)
    other = hotline_create(actor=world.office, node=world.station_b, name="杨贵店村心理热线", number="0717-2880000")
    row = counselor_add(actor=world.office, hotline=other, user=counselor_user("counselor_b", world.station_b),
                        supervisor=h.sup_user)
    schedule_set(actor=world.office, counselor=row, slots=ALL_DAY)
    month = _months_back(2)
    _place(h.c1, month + timedelta(days=5), 5, topic="anxiety")
    _place(h.c1, month + timedelta(days=6), 4, topic="insomnia")
    _place(row, month + timedelta(days=7), 5, topic="anxiety")
    _place(row, month + timedelta(days=8), 1, topic="insomnia")
    api = ApiClient("office")
    query = {"period": "month", "date_from": month.isoformat(), "date_to": month.isoformat()}
    assert _topic(api.get("/hotline-stats", hotline_id=str(other.pk), **query).json(), "insomnia") is None
    everything = _topic(api.get("/hotline-stats", **query).json(), "insomnia")
    one_line = _topic(api.get("/hotline-stats", hotline_id=str(h.line.pk), **query).json(), "insomnia")
    lo, hi = _difference(everything, one_line, round_to)
    assert lo <= 1 <= hi
    if round_to == 1:
        assert (lo, hi) == (1, 1)  # control: exact figures would give it away
    else:
        assert hi - lo >= 4


def test_ranges_are_widened_to_whole_periods(world):
    api = ApiClient("office")
    body = api.get("/hotline-stats", period="day", date_from="2025-03-15", date_to="2025-04-02").json()
    assert (body["date_from"], body["date_to"]) == ("2025-03-01", "2025-04-30")
    body = api.get("/hotline-stats", period="week", date_from="2025-03-05", date_to="2025-03-05").json()
    assert (body["date_from"], body["date_to"]) == ("2025-03-03", "2025-03-09")  # Monday–Sunday
    body = api.get("/hotline-stats", period="month", date_from="2024-02-10", date_to="2024-02-10").json()
    assert (body["date_from"], body["date_to"]) == ("2024-02-01", "2024-02-29")
    # 12 whole months by day are allowed, 13 are not
    assert api.get("/hotline-stats", period="day", date_from="2024-01-20", date_to="2024-12-03").status_code == 200
    res = api.get("/hotline-stats", period="day", date_from="2024-01-20", date_to="2025-01-03")
    assert res.status_code == 422 and res.json()["code"] == "hotline.range_invalid"
