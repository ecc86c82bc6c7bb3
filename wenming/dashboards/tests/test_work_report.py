"""The figures a county work report quotes, for a node and a period: as a Chinese summary,
an Excel file, a command and a page — from the summaries, nothing outside the subtree."""

import io
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from wenming.campaigns.tests.factories import add, reform
from wenming.dashboards.work_report import work_report, work_report_text, work_report_workbook
from wenming.service.hours_services import hours_makeup

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(world):
    month = timezone.localdate().replace(day=1)
    add(world.root, world.station_a, 1596)                       # banners at station A
    add(world.root, world.station_a, 6882, code="poster")
    add(world.root, world.station_b, 138, code="vehicle")
    reform(world.root, world.station_a, kind="funeral_simplified")
    reform(world.root, world.station_b, kind="wedding_cancelled", household="二组 3 号")
    hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal(4), service_date=timezone.localdate()
                 - timedelta(days=1), reason="值守", node=world.station_a)
    world.month = month
    return world


def test_the_county_report_quotes_the_subtree_figures(worked):
    report = work_report(worked.county, since=worked.month, until=worked.month)
    text = work_report_text(report)
    assert text.startswith(f"{worked.county.name}{worked.month:%Y年%m月}至{worked.month:%Y年%m月}")
    for phrase in ("新时代文明实践站2个", "在册志愿者2名", "志愿服务时长4小时", "悬挂横幅1,596条", "张贴宣传画6,882份",
                   "出动宣传车138辆次", "丧事简办1户", "婚事停办1户"):
        assert phrase in text, phrase
    station = work_report(worked.station_a, since=worked.month, until=worked.month)
    assert station.figures["tally:vehicle"] == 0 and station.figures["tally:banner"] == 1596  # its own subtree only
    earlier = worked.month - timedelta(days=40)
    assert work_report(worked.county, since=earlier.replace(day=1), until=earlier.replace(day=1)) \
        .figures["tally:banner"] == 0
    book = load_workbook(BytesIO(work_report_workbook(report)), read_only=True)
    rows = {r[0]: r[1] for r in book["工作数据"].iter_rows(values_only=True) if len(r) > 1}
    assert rows["悬挂横幅（宣传发动）"] == 1596 and rows["新时代文明实践站"] == 2


def test_the_command_and_the_page(worked, tmp_path):
    out = io.StringIO()
    since = f"{worked.month:%Y-%m}"
    call_command("work_report", worked.county.code, since=since, until=since, xlsx=str(tmp_path / "r.xlsx"),
                 stdout=out)
    assert "悬挂横幅1,596条" in out.getvalue() and (tmp_path / "r.xlsx").stat().st_size > 0
    client = Client()
    client.force_login(worked.office)
    page = client.get(f"/dashboards/report/?node={worked.county.pk}&since={since}&until={since}").content.decode()
    assert "悬挂横幅1,596条" in page
    assert "新时代文明实践站" in page and "阵地·station" not in page  # kinds by their Chinese names
    res = client.get(f"/dashboards/report/?node={worked.county.pk}&since={since}&until={since}&format=xlsx")
    assert res["Content-Type"].startswith("application/vnd.openxml")
    other = Client()
    other.force_login(worked.manager_a)
    assert other.get(f"/dashboards/report/?node={worked.county.pk}").status_code == 404
    assert "悬挂横幅1,596条" in other.get(f"/dashboards/report/?node={worked.station_a.pk}&since={since}"
                                       f"&until={since}").content.decode()
