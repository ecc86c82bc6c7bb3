"""Big roster uploads and long volunteer exports run as background jobs: the page that
started them goes to the job page, which shows the rows done and offers the workbook."""

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from wenming.core.jobs import JOB_KINDS
from wenming.core.models import AuditEntry, BackgroundJob, JobStatus
from wenming.volunteers.models import Volunteer
from wenming.volunteers.roster_jobs import IMPORT_KIND
from wenming.volunteers.tests.test_roster import person, write_roster

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_background(settings, tmp_path):
    """Every upload and every export is 'big' here."""
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.ROSTER_JOB_MIN_BYTES = 1
    settings.VOLUNTEER_EXPORT_JOB_MIN_ROWS = 1
    return settings.UPLOAD_DIR


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _job(response) -> BackgroundJob:
    assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
    job = BackgroundJob.objects.get(public_id=response["Location"].split("/")[2])
    job.refresh_from_db()
    return job


def _rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)]


def _upload(client, path, django_capture_on_commit_callbacks, **data):
    with path.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("roster:upload"), {"file": f, **data})
    return _job(response)  # the job ran once the request's transaction committed


def test_a_big_upload_is_imported_by_a_job_with_rows_as_progress(world, tmp_path, in_background,
                                                                  django_capture_on_commit_callbacks):
    client = _client(world.manager_a)
    rows = [person("钱多多"), person("吴二", phone="123"), person("沈七", node="ZG-S2"), person("孙悦"), person("周八")]
    before = Volunteer.objects.count()

    job = _upload(client, write_roster(tmp_path / "r.xlsx", rows), django_capture_on_commit_callbacks)

    assert job.kind == IMPORT_KIND and job.status == JobStatus.DONE and job.node_path == world.station_a.path
    assert (job.done, job.total) == (5, 5)  # progress counts the rows
    assert "新增 3 人" in job.message and "有误 2 行" in job.message
    assert Volunteer.objects.count() == before + 3
    assert AuditEntry.objects.filter(action="volunteer.import", actor=world.manager_a).count() == 1
    assert "input" not in job.params or not (in_background / job.params["input"]).exists()  # the upload is gone
    assert not list((in_background / "jobs" / str(job.public_id)).glob("input*"))

    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert "批量导入志愿者" in page and "下载名册错误清单.xlsx" in page and 'href="/volunteers/roster/upload/"' in page
    errors = _rows(client.get(f"/jobs/{job.public_id}/download"))
    assert [row[0] for row in errors[1:]] == [3, 4]  # the refused rows, as numbered in Excel
    assert rows[1]["id_number"] not in json.dumps(errors, default=str)

    # Delivered again: nothing imported twice.
    assert JOB_KINDS[IMPORT_KIND].task.apply(args=[str(job.public_id)]).get() == "skipped"
    assert Volunteer.objects.count() == before + 3
    # Another station's manager never sees it; the county office does.
    assert _client(world.manager_b).get(f"/jobs/{job.public_id}/").status_code == 404
    assert _client(world.manager_b).get(f"/jobs/{job.public_id}/download").status_code == 404
    assert _client(world.office).get(f"/jobs/{job.public_id}/").status_code == 200


def test_a_big_upload_with_a_bad_layout_fails_with_the_reason(world, tmp_path, django_capture_on_commit_callbacks):
    client = _client(world.manager_a)
    before = Volunteer.objects.count()

    job = _upload(client, write_roster(tmp_path / "bad.xlsx", [person()], headers=["甲", "乙"]),
                  django_capture_on_commit_callbacks)

    assert job.status == JobStatus.FAILED and job.error_code == "roster.missing_headers"
    assert Volunteer.objects.count() == before
    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert "缺少必填列" in page and "roster.missing_headers" in page and "返回重新发起" in page


def test_a_big_dry_run_writes_nothing(world, tmp_path, django_capture_on_commit_callbacks):
    before = Volunteer.objects.count()

    job = _upload(_client(world.manager_a), write_roster(tmp_path / "r.xlsx", [person("钱多多")]),
                  django_capture_on_commit_callbacks, dry_run="on")

    assert job.status == JobStatus.DONE and "试运行" in job.message and not job.result_name
    assert Volunteer.objects.count() == before


def test_a_long_export_is_confirmed_then_written_by_a_job(world, django_capture_on_commit_callbacks):
    client = _client(world.office)
    url = reverse("roster:export") + "?q=" + world.vol_a.reveal_phone()
    confirm = client.get(url)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "共有 1 名志愿者" in text and "开始导出" in text
    assert not BackgroundJob.objects.exists()  # a GET never starts a job

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = _job(response)

    assert job.status == JobStatus.DONE and (job.done, job.total) == (1, 1)
    assert job.node_path == world.county.path and "已导出 1 名志愿者" in job.message
    assert world.vol_a.reveal_phone() not in json.dumps(job.params)  # the search text is kept encrypted
    rows = _rows(client.get(f"/jobs/{job.public_id}/download"))
    text = json.dumps(rows, default=str, ensure_ascii=False)
    assert rows[0][0] == "志愿者编号" and len(rows) == 2
    assert world.vol_a.volunteer_no in text and world.vol_b.volunteer_no not in text
    assert world.vol_a.id_number_masked in text and world.vol_a.reveal_id_number() not in text
    assert AuditEntry.objects.filter(action="volunteer.export", actor=world.office).count() == 1
    assert _client(world.manager_a).get(f"/jobs/{job.public_id}/").status_code == 404  # the county's list


def test_an_export_job_keeps_the_actor_scope_and_the_filters(world, django_capture_on_commit_callbacks):
    client = _client(world.manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        mine = client.post(reverse("roster:export"))
        sibling = client.post(reverse("roster:export") + f"?node={world.station_b.pk}")  # out of scope
    mine, sibling = _job(mine), _job(sibling)

    assert mine.node_path == world.station_a.path
    text = json.dumps(_rows(client.get(f"/jobs/{mine.public_id}/download")), default=str, ensure_ascii=False)
    assert world.vol_a.volunteer_no in text and world.vol_b.volunteer_no not in text
    assert len(_rows(client.get(f"/jobs/{sibling.public_id}/download"))) == 1  # nothing, not everything
