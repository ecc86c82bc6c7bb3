"""Dashboards for any period: the period a request asks for (presets, months, clipped,
never an error), a closed past period showing only its own flows with 累计 up to its end,
trends by month or by year, plain numbers in the API, the ranking level below single
children and the map of the node network."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.periods import Period, month_of, period_from
from wenming.orgs.models import Node
from wenming.service.hours_services import hours_makeup
from wenming.volunteers.tests.factories import volunteer

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize("params, since, until", [
    ({}, date(2026, 1, 1), date(2026, 12, 1)),  # the last twelve months
    ({"period": "month"}, date(2026, 12, 1), date(2026, 12, 1)),
    ({"period": "quarter"}, date(2026, 10, 1), date(2026, 12, 1)),
    ({"period": "year"}, date(2026, 1, 1), date(2026, 12, 1)),
    ({"period": "last_year"}, date(2025, 1, 1), date(2025, 12, 1)),
    ({"since": "2020-02", "until": "2020-03"}, date(2020, 2, 1), date(2020, 3, 1)),
    ({"since": "2020-03", "until": "2020-02"}, date(2020, 2, 1), date(2020, 3, 1)),  # swapped
    ({"since": "2020-02"}, date(2020, 2, 1), date(2026, 12, 1)),  # until this month
    ({"until": "2020-03"}, date(2020, 1, 1), date(2020, 3, 1)),  # from January of that year
    ({"since": "1990-01", "until": "2099-05"}, date(2000, 1, 1), date(2026, 12, 1)),  # clipped
    ({"since": "\x002020-02", "until": "x"}, date(2020, 2, 1), date(2026, 12, 1)),  # NUL dropped, garbage ignored
    ({"since": "x", "until": "\x00"}, date(2026, 1, 1), date(2026, 12, 1)),  # nothing usable: the default
    ({"since": "2020-13"}, date(2026, 1, 1), date(2026, 12, 1)),
    ({"since": "9" * 400}, date(2026, 1, 1), date(2026, 12, 1)),
    ({"period": "nonsense", "since": "2021-05", "until": "2021-05"}, date(2021, 5, 1), date(2021, 5, 1)),
])
def test_the_period_a_request_asks_for(params, since, until):
    assert period_from(params, TODAY) == Period(since, until)


def test_labels_and_trend_buckets():
    assert Period(date(2020, 2, 1), date(2020, 3, 1)).label == "2020年2月至2020年3月"
    assert Period(date(2020, 2, 1), date(2020, 2, 1)).label == "2020年2月"
    assert Period(date(2020, 1, 1), date(2020, 12, 1)).label == "2020年"
    assert Period(date(2020, 4, 1), date(2020, 6, 1)).label == "2020年第2季度"
    assert Period(date(2020, 2, 1), date(2020, 3, 1)).end == date(2020, 3, 31)
    assert [b.label for b in Period(date(2020, 2, 1), date(2020, 3, 1)).buckets()] == ["2020-02", "2020-03"]
    decade = Period(date(2015, 6, 1), date(2020, 3, 1)).buckets()  # 58 months: by year
    assert [b.label for b in decade] == ["2015", "2016", "2017", "2018", "2019", "2020"]
    assert (decade[0].start, decade[-1].end) == (date(2015, 6, 1), date(2020, 3, 1))
    assert month_of("2020-02-15") == date(2020, 2, 1) and month_of("2020/02") is None


@pytest.fixture
def epidemic(world):
    """Hours at station A in February and March 2020 and at station B now."""
    vol = volunteer(world.root, world.station_a)
    served = [(date(2020, 2, 10), 8), (date(2020, 2, 11), 8), (date(2020, 2, 12), 8), (date(2020, 2, 13), 6),
              (date(2020, 3, 5), 8), (date(2020, 3, 6), 4), (date(2020, 1, 20), 4)]  # 30 h, 12 h, 4 h
    for day, hours in served:
        hours_makeup(actor=world.root, volunteer=vol, hours=Decimal(hours), service_date=day, reason="疫情防控值守",
                     node=world.station_a)
    from django.utils import timezone

    hours_makeup(actor=world.root, volunteer=world.vol_b, hours=Decimal(5), service_date=timezone.localdate(),
                 reason="宣讲", node=world.station_b)
    return world


@pytest.mark.django_db
def test_a_past_period_shows_its_own_flows_and_the_running_total_to_its_end(epidemic):
    w = epidemic
    data = ApiClient("office").get(f"/dashboards/{w.county.pk}?since=2020-02&until=2020-03").json()
    assert data["period"]["label"] == "2020年2月至2020年3月" and data["period"]["live"] is False
    assert data["trend_labels"] == ["2020-02", "2020-03"] and data["hours"]["trend"] == [30, 12]
    assert data["hours"]["period"] == 42 and data["hours"]["total"] == 46  # January counts in 累计, not today's
    assert data["volunteers"]["active_30d"] is None and data["demands"]["overdue"] is None
    # stocks as of the period's last day: the volunteers registered today were not there yet
    assert data["stocks_now"] is False and data["stocks_as_of"] == "2020-03-31" and data["stock_label"] == "期末"
    assert data["volunteers"]["registered"] == 0
    # the ranking is the first level with more than one node: the county's center has one institute
    assert [(c["name"], c["hours"]) for c in data["children"]] == [(w.station_a.name, 42), (w.station_b.name, 0)]
    assert data["ranking_level"] == "新时代文明实践站"
    # plain JSON numbers, never "3E+2" or "42.00"
    assert all(isinstance(c["hours"], int | float) for c in data["children"])
    assert all(not isinstance(o["total"], str) for o in data["other"])
    # today's hours belong to today's period only
    now = ApiClient("office").get(f"/dashboards/{w.county.pk}?period=month").json()
    assert now["hours"]["period"] == 5 and now["period"]["live"] is True and now["volunteers"]["active_30d"] == 1


@pytest.mark.django_db
def test_a_long_period_is_drawn_by_year_and_the_older_months_parameter_still_works(epidemic):
    w = epidemic
    api = ApiClient("office")
    data = api.get(f"/dashboards/{w.county.pk}?since=2019-01&until=2022-12").json()
    assert data["period"]["by"] == "year" and data["trend_labels"] == ["2019", "2020", "2021", "2022"]
    assert data["hours"]["trend"] == [0, 46, 0, 0]
    assert len(api.get(f"/dashboards/{w.county.pk}?months=3").json()["trend_labels"]) == 3
    for bad in ("?months=100000000000000000000000", "?since=%00", "?period=%00", "?until=2020-99"):
        assert api.get(f"/dashboards/{w.county.pk}{bad}").status_code in (200, 422), bad


@pytest.mark.django_db
def test_the_map_shows_nodes_with_coordinates_and_their_hours(epidemic):
    w = epidemic
    Node.objects.filter(pk=w.station_a.pk).update(lat=Decimal("30.83"), lon=Decimal("110.98"))
    Node.objects.filter(pk=w.station_b.pk).update(lat=Decimal("30.86"), lon=Decimal("110.95"))
    data = ApiClient("office").get(f"/dashboards/{w.county.pk}?since=2020-02&until=2020-03").json()
    points = {p["name"]: p for p in data["map"]}
    assert set(points) == {w.station_a.name, w.station_b.name}
    assert (points[w.station_a.name]["hours"], points[w.station_a.name]["lat"]) == (42, 30.83)


@pytest.mark.django_db
def test_the_pages_and_the_export_follow_the_period(epidemic):
    w = epidemic
    client = Client()
    client.force_login(w.office)
    page = client.get(f"/dashboards/?node={w.county.pk}&since=2020-02&until=2020-03").content.decode()
    assert "2020年2月至2020年3月" in page and "（已结束的时段）" in page and "近 30 天服务" not in page
    assert 'id="fig-period-hours">42<' in page and "本年" in page and 'value="2020-02"' in page
    assert "since=2020-02&amp;until=2020-03" in page  # the big screen, export and report keep the period
    screen = client.get(f"/dashboards/screen/?node={w.county.pk}&since=2020-02&until=2020-03").content.decode()
    assert "2020年2月至2020年3月" in screen and 'id="chart-map"' in screen
    res = client.get(f"/dashboards/export.xlsx?node={w.county.pk}&since=2020-02&until=2020-03")
    assert "202002-202003" in res["Content-Disposition"]
    book = load_workbook(BytesIO(b"".join(res.streaming_content)), read_only=True)
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if len(row) > 1}
    assert overview["期间服务时长"] == 42 and "近 30 天参加服务的志愿者" not in overview
    assert [r[0] for r in book["月度趋势"].iter_rows(min_row=2, values_only=True)] == ["2020-02", "2020-03"]
