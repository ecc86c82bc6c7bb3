"""The certificate groups back-entered hours by month, carries the issuing office's seal, and its
QR link keeps the address the demo is served on (issue 15 item 9)."""

import datetime as dt
from decimal import Decimal

import pytest
import segno
from django.test import Client, RequestFactory

from wenming.service import certificate_services as services
from wenming.service.certificate_pdf import SEAL_WORDS, ServiceLine, render_certificate
from wenming.service.certificate_services import certificate_issue, certificate_pdf, site_url, verify_url
from wenming.service.hours_services import hours_makeup
from wenming.service.tests.test_certificate_pdf import flat, make_data, qr_matrix_from_pdf, read

pytestmark = pytest.mark.django_db


def _weekly_makeup(world, months=(11, 12), year=2025, per_month=4, hours=Decimal(4)):
    for month in months:
        for week in range(per_month):
            hours_makeup(actor=world.root, volunteer=world.vol_a, hours=hours,
                         service_date=dt.date(year, month, 3 + 7 * week), reason="据纸质签到表补录",
                         node=world.station_a)


def test_back_entered_hours_are_one_line_per_month(world):
    _weekly_makeup(world)
    hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal("1.5"), service_date=dt.date(2026, 1, 9),
                 reason="据纸质签到表补录", node=world.station_a)
    cert = certificate_issue(actor=world.manager_a, volunteer=world.vol_a)
    assert cert.lines == [
        {"date": "2025-11-03", "until": "2025-11-24", "count": 4, "project": "补录时长",
         "node": world.station_a.name, "hours": "16.00"},
        {"date": "2025-12-03", "until": "2025-12-24", "count": 4, "project": "补录时长",
         "node": world.station_a.name, "hours": "16.00"},
        {"date": "2026-01-09", "project": "补录时长", "node": world.station_a.name, "hours": "1.50"},
    ]
    assert cert.total_hours == Decimal("33.50")
    assert (cert.period_from, cert.period_to) == (dt.date(2025, 11, 3), dt.date(2026, 1, 9))
    _, text = read(certificate_pdf(cert))
    text = flat(text)
    assert "2025-11补录时长（共4次）" in text and "2025-12补录时长（共4次）" in text
    assert "2026-01-09补录时长" in text and text.count("补录时长") == 3
    assert "自2025年11月3日至2026年1月9日" in text and "33.5小时" in text


def test_a_grouped_line_that_ends_last_sets_the_period_end():
    lines = [ServiceLine(dt.date(2025, 3, 1), "补录时长", "九里村", Decimal(8), until=dt.date(2025, 3, 29), count=4)]
    data = make_data(services=lines, total_hours=Decimal(8))
    _, text = read(render_certificate(data))
    text = flat(text)
    assert "自2025年3月1日至2025年3月29日" in text and "2025-03补录时长（共4次）" in text


def test_the_pdf_carries_the_issuing_offices_seal():
    data = make_data(issuing_node="金缸城社区新时代文明实践站")
    reader, text = read(render_certificate(data))
    text = flat(text)
    assert SEAL_WORDS in text
    # The office's name is printed twice: on the 出具单位 line and around the seal.
    assert text.count("金缸城社区新时代文明实践站") == 2
    assert "出具单位（盖章）：金缸城社区新时代文明实践站" in text
    # Drawn, not an image: no image XObject in the page.
    xobjects = reader.pages[-1]["/Resources"].get("/XObject", {})
    assert all(x.get_object().get("/Subtype") != "/Image" for x in xobjects.values())
    # A very long name still fits the ring (truncated to 24 characters, never an error).
    render_certificate(make_data(issuing_node="很长的名称" * 8))


def test_the_qr_link_keeps_the_port_the_site_is_served_on(world, settings, monkeypatch):
    monkeypatch.delenv("WENMING_SITE_URL", raising=False)
    settings.SITE_URL = services.DEFAULT_SITE_URL  # not configured
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver", "demo.example.cn"]
    _weekly_makeup(world, months=(11,))
    cert = certificate_issue(actor=world.manager_a, volunteer=world.vol_a)
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8613")
    assert site_url(request) == "http://127.0.0.1:8613"
    expected = f"http://127.0.0.1:8613/service/verify/{cert.verify_code}/"
    assert verify_url(cert, site_url(request)) == expected
    # Through the download page: the QR code in the PDF encodes that address.
    client = Client(HTTP_HOST="127.0.0.1:8613")
    client.force_login(world.manager_a)
    res = client.get(f"/service/certificates/{cert.pk}/pdf")
    assert res.status_code == 200 and res["Content-Type"] == "application/pdf"
    reader, text = read(res.content)
    assert qr_matrix_from_pdf(reader) == [[bool(m) for m in row] for row in segno.make_qr(expected, error="m").matrix]
    assert "127.0.0.1:8613" in flat(text)
    # The API answers the same address.
    api = client.get(f"/api/v1/service-certificates/{cert.pk}")
    assert api.status_code == 200 and api.json()["verify_url"] == expected
    assert api.json()["lines"][0] | {"hours": "x"} == {"date": "2025-11-03", "until": "2025-11-24", "count": 4,
                                                      "project": "补录时长", "node": world.station_a.name,
                                                      "hours": "x"}
    # A configured public address wins over the request's.
    settings.SITE_URL = "https://wenming.example.cn"
    assert site_url(request) == "https://wenming.example.cn"
    monkeypatch.setenv("WENMING_SITE_URL", "https://zigui.example.cn/")
    assert site_url(request) == "https://zigui.example.cn"
    # No request and nothing configured: the default.
    monkeypatch.delenv("WENMING_SITE_URL")
    settings.SITE_URL = services.DEFAULT_SITE_URL
    assert site_url() == services.DEFAULT_SITE_URL
    # A host the site does not serve is not trusted into the PDF.
    bad = RequestFactory().get("/", HTTP_HOST="evil.example.com")
    assert site_url(bad) == services.DEFAULT_SITE_URL


def test_a_batch_job_prints_the_address_the_batch_was_asked_on(world, settings, monkeypatch, tmp_path,
                                                                django_capture_on_commit_callbacks):
    import io
    import zipfile

    from wenming.core.models import BackgroundJob, JobStatus

    settings.UPLOAD_DIR = tmp_path / "uploads"
    monkeypatch.delenv("WENMING_SITE_URL", raising=False)
    settings.SITE_URL = services.DEFAULT_SITE_URL
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    _weekly_makeup(world, months=(11,))
    client = Client(HTTP_HOST="127.0.0.1:8613")
    client.force_login(world.manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        res = client.post("/service/certificates/batch/", {"node": world.station_a.pk})
    assert res.status_code == 302
    job = BackgroundJob.objects.get(public_id=res["Location"].split("/")[2])
    assert job.status == JobStatus.DONE and job.params["base_url"] == "http://127.0.0.1:8613"
    download = client.get(f"/jobs/{job.public_id}/download")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    (name,) = archive.namelist()
    _, text = read(archive.read(name))
    assert "http://127.0.0.1:8613/service/verify/" in flat(text)
