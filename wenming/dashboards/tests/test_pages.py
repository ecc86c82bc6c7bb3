"""The dashboard through the API and the pages: figures of the subtree only, scoped nodes,
the Excel export, the big screen."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from wenming.core.tests.api_client import ApiClient
from wenming.service.hours_services import hours_makeup
from wenming.volunteers.tests.factories import volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(world):
    """Hours served at both stations, and one more volunteer at station A."""
    extra = volunteer(world.root, world.station_a)
    day = timezone.localdate() - timedelta(days=2)
    hours_makeup(actor=world.root, volunteer=extra, hours=Decimal(3), service_date=day, reason="值守",
                 node=world.station_a)
    hours_makeup(actor=world.root, volunteer=world.vol_b, hours=Decimal(5), service_date=day, reason="宣讲",
                 node=world.station_b)
    return world


def test_a_node_dashboard_counts_its_subtree_only(served):
    county = ApiClient("office").get(f"/dashboards/{served.county.pk}").json()
    assert county["volunteers"]["registered"] == 3 and county["hours"]["total"] == 8
    assert county["volunteers"]["active_30d"] == 2
    station = ApiClient("manager_a").get(f"/dashboards/{served.station_a.pk}").json()
    assert station["volunteers"]["registered"] == 2 and station["hours"]["total"] == 3
    assert station["hotline"] is None  # no hotline.stats for a station manager
    institute = ApiClient("office").get(f"/dashboards/{served.institute.pk}").json()
    assert [(c["name"], c["hours"]) for c in institute["children"]] == [
        (served.station_b.name, 5), (served.station_a.name, 3)]
    # out of scope: the sibling station and the county are not station A's manager's
    assert ApiClient("manager_a").get(f"/dashboards/{served.station_b.pk}").status_code == 404
    assert ApiClient("manager_a").get(f"/dashboards/{served.county.pk}").status_code == 404


def test_the_pages_render_and_export(served):
    client = Client()
    client.force_login(served.office)
    page = client.get("/dashboards/").content.decode()  # defaults to the top of the scope
    assert "数据看板 · 秭归县文明办" in page and "echarts.min.js" in page and 'id="chart-hours"' in page
    page = client.get(f"/dashboards/?node={served.institute.pk}").content.decode()
    assert served.station_a.name in page and "新时代文明实践站排名" in page
    screen = client.get(f"/dashboards/screen/?node={served.county.pk}").content.decode()
    assert "数据大屏" in screen and "setInterval" in screen
    res = client.get(f"/dashboards/export.xlsx?node={served.county.pk}")
    book = load_workbook(BytesIO(b"".join(res.streaming_content)), read_only=True)
    assert set(book.sheetnames) == {"概况", "月度趋势", "下级排名"}
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if len(row) > 1}
    assert overview["在册志愿者（当前）"] == 3 and overview["累计服务时长（截至期末）"] == 8
    other = Client()
    other.force_login(served.manager_a)
    assert other.get(f"/dashboards/?node={served.county.pk}").status_code == 404
    for bad in ("²", "abc", "99999999999999999999999"):
        assert client.get(f"/dashboards/?node={bad}").status_code == 200  # bad id: the default node
    volunteer_only = Client()
    assert volunteer_only.get("/dashboards/").status_code == 302  # login first


def test_tallies_visits_and_reports_appear_on_the_dashboard(served):
    from wenming.campaigns.tests.factories import add

    add(served.root, served.station_a, 12)
    data = ApiClient("office").get(f"/dashboards/{served.county.pk}").json()
    other = {o["code"]: o for o in data["other"]}
    assert other["tally:banner"]["total"] == 12 and other["tally:banner"]["unit"] == "条"
    assert other["tally:banner"]["label"] == "宣传统计·横幅"
    assert {"visits", "grid_households", "reports_submitted", "reform:funeral_simplified"} <= set(other)


def test_the_dashboard_shows_screening_coverage(world):
    from wenming.grids.tests.factories import grid, visit

    node = grid(world, households=40)
    visit(world.root, node, address="九里村一组 1 号")
    visit(world.root, node, address="九里村一组 2 号")
    visit(world.root, node, address="九里村一组2号")  # the same household again
    data = ApiClient("office").get(f"/dashboards/{world.county.pk}").json()["screening"]
    assert (data["households"], data["visited"], data["coverage_pct"]) == (40, 2, 5)


def test_a_new_or_renamed_indicator_shows_at_once(served):
    """The indicator list is cached for the dashboards; writing an indicator clears it."""
    from wenming.campaigns.models import Indicator

    api = ApiClient("office")
    before = {o["code"]: o for o in api.get(f"/dashboards/{served.county.pk}").json()["other"]}
    assert "tally:quiz" not in before
    Indicator.objects.create(code="quiz", name="知识竞答", unit="场", sort=99)
    banner = Indicator.objects.get(code="banner")
    banner.name = "宣传横幅"
    banner.save()
    after = {o["code"]: o for o in api.get(f"/dashboards/{served.county.pk}").json()["other"]}
    assert after["tally:quiz"]["label"] == "宣传统计·知识竞答" and after["tally:quiz"]["unit"] == "场"
    assert after["tally:banner"]["label"] == "宣传统计·宣传横幅"
