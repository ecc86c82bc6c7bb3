"""A whole city's dashboard workbook and work-report workbook are written by background
jobs: confirmed on a page, then offered on the job page; a county stays in the request."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.models import AuditEntry, BackgroundJob, JobStatus
from wenming.core.tests.api_client import ApiClient
from wenming.service.hours_services import hours_makeup
from wenming.volunteers.tests.factories import node, user, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(world, settings, tmp_path):
    """宜昌市 → 夷陵区 → one station with a volunteer who served 3 hours; the city's office."""
    settings.UPLOAD_DIR = tmp_path / "uploads"
    root = world.root
    world.city = node(root, None, "宜昌市文明办", "city", code="4205")
    world.district = node(root, world.city, "夷陵区文明办", "county", code="420506")
    world.city_station = node(root, world.district, "小溪塔新时代文明实践站", "station", code="YL-S1")
    vol = volunteer(root, world.city_station, name="陈晨")
    hours_makeup(actor=root, volunteer=vol, hours=Decimal(3), service_date=timezone.localdate() - timedelta(days=1),
                 reason="值守", node=world.city_station)
    world.city_office = user("city_office")
    role_grant(actor=root, user=world.city_office, role=Role.OFFICE_STAFF, node=world.city)
    return world


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _started(client, url, capture) -> BackgroundJob:
    with capture(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
    return BackgroundJob.objects.get(public_id=response["Location"].split("/")[2])


def _book(response):
    return load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)


def test_a_city_dashboard_export_runs_as_a_job(city, django_capture_on_commit_callbacks):
    client = _client(city.city_office)
    url = f"/dashboards/export.xlsx?node={city.city.pk}"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "宜昌市文明办范围较大" in confirm.content.decode()
    assert not BackgroundJob.objects.exists()

    job = _started(client, url, django_capture_on_commit_callbacks)

    assert job.status == JobStatus.DONE and (job.done, job.total) == (2, 2) and job.node_path == city.city.path
    assert job.perm == "hotline.stats"  # the workbook may carry hotline figures: so must its readers
    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert "导出数据看板" in page and "下载数据看板-宜昌市文明办" in page and f"/dashboards/?node={city.city.pk}" in page
    book = _book(client.get(f"/jobs/{job.public_id}/download"))
    assert set(book.sheetnames) == {"概况", "月度趋势", "下级排名"}
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if len(row) > 1}
    assert overview["在册志愿者（当前）"] == 1 and overview["累计服务时长（截至期末）"] == 3
    audit = AuditEntry.objects.get(action="dashboard.export")
    assert audit.actor == city.city_office and audit.node_path == city.city.path

    for other in (city.office, city.manager_a):  # another county's office, a station manager
        assert _client(other).get(f"/jobs/{job.public_id}/").status_code == 404
        assert _client(other).get(f"/jobs/{job.public_id}/download").status_code == 404
    assert ApiClient("office").get(f"/jobs/{job.public_id}").status_code == 404
    assert _client(city.office).post(url).status_code == 404  # nor may they start one for the city


def test_a_city_work_report_workbook_runs_as_a_job(city, django_capture_on_commit_callbacks):
    client = _client(city.city_office)
    month = f"{timezone.localdate() - timedelta(days=1):%Y-%m}"
    url = f"/dashboards/report/?node={city.city.pk}&since={month}&until={month}&format=xlsx"
    assert "工作报告数据将在后台生成" in client.get(url).content.decode()

    job = _started(client, url, django_capture_on_commit_callbacks)

    assert job.status == JobStatus.DONE and job.perm == "node.view"
    book = _book(client.get(f"/jobs/{job.public_id}/download"))
    rows = {r[0]: r[1] for r in book["工作数据"].iter_rows(values_only=True) if len(r) > 1}
    assert rows["志愿服务时长"] == 3 and rows["在册志愿者（当前）"] == 1 and rows["新时代文明实践站"] == 1
    assert rows["进驻志愿服务人员"] == 1  # coverage and deployment: in the workbook, not on the city's page
    page = client.get(url.removesuffix("&format=xlsx")).content.decode()
    assert 'id="coverage-in-workbook"' in page and "<td>进驻志愿服务人员</td>" not in page
    assert AuditEntry.objects.filter(action="dashboard.work_report", actor=city.city_office).count() == 1
    assert _client(city.manager_a).get(f"/jobs/{job.public_id}/").status_code == 404


def test_a_county_export_stays_in_the_request(city):
    page = _client(city.office).get(f"/dashboards/report/?node={city.county.pk}").content.decode()
    assert "<td>进驻志愿服务人员</td>" in page and 'id="coverage-in-workbook"' not in page  # a county's page has it all
    res = _client(city.office).get(f"/dashboards/export.xlsx?node={city.county.pk}")
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxml")
    assert not BackgroundJob.objects.exists()
