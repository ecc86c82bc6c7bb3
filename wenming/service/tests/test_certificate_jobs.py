"""Certificate batches as background jobs: the staff page and the API route start a job that
issues the certificates and zips their PDFs; the job page offers the zip."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from wenming.core.jobs import JOB_KINDS
from wenming.core.models import AuditEntry, BackgroundJob, JobStatus
from wenming.core.tests.api_client import ApiClient
from wenming.service.certificate_jobs import JOB_KIND
from wenming.service.hours_services import hours_makeup
from wenming.service.models import Certificate
from wenming.service.tests.factories import many_volunteers
from wenming.service.tests.test_certificate_pdf import flat, read

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def served(world):
    """Three volunteers of station A with hours; vol_a (station A too) has none."""
    vols = many_volunteers(world, 3)
    for n, vol in enumerate(vols, start=1):
        hours_makeup(actor=world.root, volunteer=vol, hours=Decimal(n), service_date=date(2025, 6, n),
                     reason="补录", node=world.station_a)
    world.served = vols
    return world


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _job(response) -> BackgroundJob:
    assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
    return BackgroundJob.objects.get(public_id=response["Location"].split("/")[2])


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_batch_page_runs_a_job_that_offers_a_zip_of_the_pdfs(served, django_capture_on_commit_callbacks):
    client = _client(served.manager_a)
    page = client.get("/service/certificates/batch/")
    assert page.status_code == 200 and "批量出具志愿服务记录证明" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        job = _job(client.post("/service/certificates/batch/", {"node": served.station_a.pk}))

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.done, job.total) == (3, 3)
    assert job.message == "已出具并生成 3 份证明（PDF 打包为 ZIP）"
    certs = list(Certificate.objects.order_by("number"))
    assert sorted(c.volunteer_id for c in certs) == sorted(v.pk for v in served.served)  # vol_a has no hours
    assert all(c.node_id == served.station_a.pk for c in certs)
    assert set(job.state["certificate_ids"]) == {c.pk for c in certs}  # what a resumed run renders
    text = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert "已完成" in text and "下载志愿服务记录证明" in text and 'href="/service/certificates/batch/"' in text

    download = client.get(f"/jobs/{job.public_id}/download")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = _zip(download)
    assert sorted(archive.namelist()) == [f"{c.number}.pdf" for c in certs]
    for cert in certs:
        _, pdf_text = read(archive.read(f"{cert.number}.pdf"))
        pdf_text = flat(pdf_text)
        assert cert.number in pdf_text and cert.volunteer.volunteer_no in pdf_text
        assert f"{cert.total_hours.normalize()}小时" in pdf_text
        assert cert.volunteer.reveal_id_number() not in pdf_text
    assert AuditEntry.objects.filter(action="certificate.issue").count() == 3
    assert AuditEntry.objects.filter(action="job.download", actor=served.manager_a).count() == 1


def test_a_batch_delivered_twice_or_resumed_issues_once(served, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(_client(served.manager_a).post("/service/certificates/batch/", {"node": served.station_a.pk}))
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    task = JOB_KINDS[JOB_KIND].task

    assert task.apply(args=[str(job.public_id)]).get() == "skipped"  # the same message again
    # A worker killed after the issue committed, before the zip: the redelivery renders only.
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, result_name="",
                                                   heartbeat_at=timezone.now() - timedelta(hours=2))
    assert task.apply(args=[str(job.public_id)]).get() == "done"

    assert sorted(Certificate.objects.values_list("number", flat=True)) == numbers
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2 and job.result_name
    download = _client(served.manager_a).get(f"/jobs/{job.public_id}/download")
    assert sorted(_zip(download).namelist()) == [f"{n}.pdf" for n in numbers]


def test_a_refused_batch_fails_in_chinese_and_issues_nothing(served, django_capture_on_commit_callbacks):
    client = _client(served.manager_a)
    typed = "\n".join([served.served[0].volunteer_no, served.vol_a.volunteer_no])  # vol_a has no hours
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(client.post("/service/certificates/batch/", {"node": served.station_a.pk, "volunteer_nos": typed}))

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == "service.certificate_no_hours"
    assert Certificate.objects.count() == 0
    text = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert f"志愿者 {served.vol_a.volunteer_no} 没有可出具证明的服务时长" in text
    assert "返回重新发起" in text and 'href="/service/certificates/batch/"' in text


def test_the_batch_page_checks_its_input_and_its_users(served):
    client = _client(served.manager_a)
    res = client.post("/service/certificates/batch/", {"node": served.station_a.pk,
                                                        "volunteer_nos": f"{served.vol_b.volunteer_no} WM404"})
    assert res.status_code == 422 and "未找到这些编号的志愿者，或不在您的管理范围内" in res.content.decode()
    res = client.post("/service/certificates/batch/", {"node": served.station_b.pk})  # not a choice here
    assert res.status_code == 422
    res = _client(served.manager_b).post("/service/certificates/batch/", {"node": served.station_b.pk})
    assert res.status_code == 422 and "没有有服务时长的志愿者" in res.content.decode()
    assert _client(served.leader).get("/service/certificates/batch/").status_code == 403
    assert not BackgroundJob.objects.exists()


def test_the_api_starts_a_batch_job_for_big_batches(served, django_capture_on_commit_callbacks):
    api = ApiClient("manager_a")
    ids = [v.pk for v in served.served]
    with django_capture_on_commit_callbacks(execute=True):
        res = api.post("/service-certificates/batch/jobs", {"volunteer_ids": ids, "node_id": served.station_a.pk})
    assert res.status_code == 202, res.content
    body = res.json()
    assert body["kind"] == JOB_KIND and body["status"] == "queued" and body["page_url"].startswith("/jobs/")

    state = api.get(f"/jobs/{body['id']}").json()
    assert state["status"] == "done" and state["total"] == 3 and state["download_url"]
    archive = _zip(api.client.get(state["download_url"], **api.headers))
    assert len(archive.namelist()) == 3 == Certificate.objects.count()

    other = ApiClient("manager_b")
    assert other.get(f"/jobs/{body['id']}").status_code == 404
    assert other.get(f"/jobs/{body['id']}/download").status_code == 404
    assert _client(served.manager_b).get(body["page_url"]).status_code == 404
    res = other.post("/service-certificates/batch/jobs", {"volunteer_ids": ids})  # not theirs
    assert res.status_code == 404 and BackgroundJob.objects.count() == 1
    assert api.post("/service-certificates/batch/jobs", {"volunteer_ids": []}).json()["code"] == \
        "service.certificate_batch_empty"


def test_a_batch_is_seen_only_by_those_who_see_all_its_volunteers(served, django_capture_on_commit_callbacks):
    """Issued by the office at station A for a volunteer of station B: station A's manager
    must not get the zip (it holds station B's volunteer), station B's and the office may."""
    api = ApiClient("office")
    with django_capture_on_commit_callbacks(execute=True):
        res = api.post("/service-certificates/batch/jobs", {"volunteer_ids": [served.vol_b.pk, served.served[0].pk],
                                                            "node_id": served.station_a.pk})
    job = BackgroundJob.objects.get()
    assert res.status_code == 202 and job.node_path == served.institute.path  # A and B meet there
    assert ApiClient("manager_a").get(f"/jobs/{job.public_id}").status_code == 404
    assert ApiClient("manager_b").get(f"/jobs/{job.public_id}").status_code == 404
    assert api.get(f"/jobs/{job.public_id}").status_code == 200


@pytest.fixture
def no_font(monkeypatch, tmp_path):
    """A server whose configured CJK font cannot be used (CFF outlines)."""
    from wenming.service import certificate_pdf as cp

    bad = tmp_path / "bad.otf"
    bad.write_bytes(b"OTTO" + b"\0" * 64)
    monkeypatch.setenv(cp.FONT_SETTING, str(bad))
    monkeypatch.setattr(cp, "register_cjk_font", cp.register_cjk_font.__wrapped__)  # no process-wide cache


def test_a_server_without_the_font_answers_in_chinese_not_with_a_server_error(served, no_font,
                                                                              django_capture_on_commit_callbacks):
    from wenming.service.certificate_services import certificate_issue

    cert = certificate_issue(actor=served.manager_a, volunteer=served.served[0], node=served.station_a)
    page = _client(served.manager_a).get(f"/service/certificates/{cert.pk}/pdf")
    assert page.status_code == 503 and "fonts-wqy-microhei" in page.content.decode()
    res = ApiClient("manager_a").get(f"/service-certificates/{cert.pk}/pdf")
    assert res.status_code == 503 and res.json()["code"] == "service.certificate_font_missing"
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(_client(served.manager_a).post("/service/certificates/batch/", {"node": served.station_a.pk}))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == "service.certificate_font_missing"


def test_ids_too_big_for_the_database_are_a_validation_answer_not_a_server_error(served):
    api = ApiClient("manager_a")
    for body in ({"volunteer_ids": [2**70]}, {"volunteer_ids": [served.served[0].pk], "node_id": 2**70}):
        for path in ("/service-certificates/batch/jobs", "/service-certificates/batch"):
            res = api.post(path, body)
            assert res.status_code == 422 and res.json()["code"] == "invalid_input", (path, body)
