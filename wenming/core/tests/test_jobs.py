"""The background job facility (core/jobs.py): a job runs after the commit, records its
progress, offers its file on a page that polls itself, is seen only by its starter and
those whose scope covers its node, fails with a Chinese message, and runs once however
often its message is delivered."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.core.errors import CoreError
from wenming.core.jobs import (
    JOB_KINDS,
    MAX_ATTEMPTS,
    JobResult,
    job_progress,
    job_start,
    job_sweep,
    job_task,
)
from wenming.core.models import AuditEntry, BackgroundJob, JobStatus
from wenming.core.tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
RUNS: list[int] = []


@job_task("tests.echo", label="测试任务", perm=Perm.NODE_VIEW)
def echo_job(job, workdir):
    RUNS.append(job.pk)
    mode = job.params.get("mode")
    if mode == "refuse":
        raise CoreError.INVALID_INPUT.error(detail="测试数据有误")
    if mode == "crash":
        raise RuntimeError("boom")
    for i in range(5):
        job_progress(job, i + 1, 5)
    out = workdir / "echo.txt"
    out.write_text("你好，任务", encoding="utf-8")
    return JobResult("完成了 5 项", file=out, filename="结果.txt", content_type="text/plain; charset=utf-8")


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    RUNS.clear()
    return settings.UPLOAD_DIR


@pytest.fixture
def started(world, django_capture_on_commit_callbacks):
    def start(mode="ok", actor=None, node="station_a", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            job = job_start(actor=actor or world.manager_a, kind="tests.echo",
                            node=getattr(world, node) if node else None, params={"mode": mode},
                            back_url="/volunteers/", **kwargs)
        job.refresh_from_db()
        return job

    return start


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_job_runs_after_the_commit_records_progress_and_offers_its_file(world, started):
    job = started()

    assert job.status == JobStatus.DONE and (job.done, job.total) == (5, 5) and job.percent == 100
    assert job.message == "完成了 5 项" and job.attempts == 1 and job.finished_at and job.started_at
    assert job.result_name == f"jobs/{job.public_id}/result.txt" and RUNS == [job.pk]
    start = AuditEntry.objects.get(action="job.start")
    assert start.actor == world.manager_a and start.node_path == world.station_a.path
    page = _client(world.manager_a).get(f"/jobs/{job.public_id}/")
    text = page.content.decode()
    assert page.status_code == 200 and "测试任务" in text and "已完成" in text and "完成了 5 项" in text
    assert f"/jobs/{job.public_id}/download" in text and "下载结果.txt" in text and 'href="/volunteers/"' in text
    assert "hx-trigger" not in text  # finished: the page stops polling
    download = _client(world.manager_a).get(f"/jobs/{job.public_id}/download")
    assert download.status_code == 200 and _body(download).decode() == "你好，任务"
    assert "attachment" in download["Content-Disposition"] and download["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="job.download", actor=world.manager_a).count() == 1


def test_the_api_shows_the_state_and_serves_the_file(world, started):
    job = started()

    api = ApiClient("manager_a")
    res = api.get(f"/jobs/{job.public_id}")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "done" and body["status_label"] == "已完成" and body["kind_label"] == "测试任务"
    assert (body["done"], body["total"], body["percent"]) == (5, 5, 100)
    assert body["page_url"] == f"/jobs/{job.public_id}/"
    assert body["download_url"] == f"/api/v1/jobs/{job.public_id}/download"
    download = api.get(f"/jobs/{job.public_id}/download")
    assert download.status_code == 200 and _body(download).decode() == "你好，任务"


def test_out_of_scope_is_404_on_the_page_the_download_and_the_api(world, started):
    job = started()
    for path in (f"/jobs/{job.public_id}/", f"/jobs/{job.public_id}/download"):
        assert _client(world.manager_b).get(path).status_code == 404  # a sibling station
        assert _client(world.office).get(path).status_code == 200  # the county covers station A
    api = ApiClient("manager_b")
    for path in (f"/jobs/{job.public_id}", f"/jobs/{job.public_id}/download"):
        res = api.get(path)
        assert res.status_code == 404 and res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}
    assert ApiClient("office").get(f"/jobs/{job.public_id}").status_code == 200

    private = started(node=None)  # no node: nobody but the starter
    assert _client(world.office).get(f"/jobs/{private.public_id}/").status_code == 404
    assert _client(world.manager_a).get(f"/jobs/{private.public_id}/").status_code == 200
    assert Client().get(f"/jobs/{private.public_id}/").status_code == 302  # log in first


def test_a_job_can_need_a_stronger_permission_than_its_kind(world, started):
    job = started(perm=Perm.HOTLINE_STATS)

    assert _client(world.manager_a).get(f"/jobs/{job.public_id}/").status_code == 200  # the starter
    assert _client(world.office).get(f"/jobs/{job.public_id}/").status_code == 200  # has hotline.stats
    assert job.perm == Perm.HOTLINE_STATS


def test_a_failed_job_shows_a_chinese_message_its_code_and_the_way_back(world, started):
    refused = started("refuse")
    assert refused.status == JobStatus.FAILED and refused.error_code == "invalid_input"
    text = _client(world.manager_a).get(f"/jobs/{refused.public_id}/").content.decode()
    assert "失败" in text and "提交的数据不正确：测试数据有误" in text and "invalid_input" in text
    assert "返回重新发起" in text and 'href="/volunteers/"' in text and "/download" not in text
    assert ApiClient("manager_a").get(f"/jobs/{refused.public_id}/download").json()["code"] == "job.no_result"

    crashed = started("crash")
    assert crashed.status == JobStatus.FAILED and crashed.error_code == "job.crashed"
    text = _client(world.manager_a).get(f"/jobs/{crashed.public_id}/").content.decode()
    assert "任务执行时出错，未能完成。请返回重新发起" in text and "boom" not in text


def test_a_task_delivered_twice_does_the_work_once(world, started):
    job = started()
    task = JOB_KINDS["tests.echo"].task

    assert task.apply(args=[str(job.public_id)]).get() == "skipped"  # already done
    assert RUNS == [job.pk]

    # A second delivery while the first run is alive (fresh heartbeat) leaves it alone ...
    running = started()
    RUNS.clear()
    BackgroundJob.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert task.apply(args=[str(running.public_id)]).get() == "skipped" and RUNS == []
    # ... and takes over once the first run's worker is surely dead (past the hard time limit).
    BackgroundJob.objects.filter(pk=running.pk).update(heartbeat_at=timezone.now() - timedelta(hours=2))
    assert task.apply(args=[str(running.public_id)]).get() == "done" and RUNS == [running.pk]
    running.refresh_from_db()
    assert running.status == JobStatus.DONE and running.attempts == 2


def test_a_job_whose_workers_keep_dying_gives_up_with_a_message(world, started):
    job = started()
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=MAX_ATTEMPTS,
                                                   heartbeat_at=timezone.now() - timedelta(hours=2))
    RUNS.clear()

    JOB_KINDS["tests.echo"].task.apply(args=[str(job.public_id)])

    job.refresh_from_db()
    assert RUNS == [] and job.status == JobStatus.FAILED and job.error_code == "job.interrupted"
    assert "任务多次中断" in job.message


def test_the_watchdog_sends_lost_jobs_again_and_leaves_live_ones_alone(world, started, django_capture_on_commit_callbacks):
    from wenming.core.tasks import job_watchdog

    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: no message
        lost = job_start(actor=world.manager_a, kind="tests.echo", node=world.station_a, params={})
    killed, fresh = started(), started()
    BackgroundJob.objects.filter(pk=killed.pk).update(status=JobStatus.RUNNING,
                                                      heartbeat_at=timezone.now() - timedelta(hours=2))
    BackgroundJob.objects.filter(pk=fresh.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    BackgroundJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    RUNS.clear()

    assert job_watchdog.apply(kwargs={"force": True}).get() == {"requeued": 2}

    assert sorted(RUNS) == sorted([lost.pk, killed.pk])
    assert set(BackgroundJob.objects.filter(pk__in=[lost.pk, killed.pk]).values_list("status", flat=True)) == {
        JobStatus.DONE}
    assert BackgroundJob.objects.get(pk=fresh.pk).status == JobStatus.RUNNING


def test_the_watchdog_does_not_send_a_waiting_job_again_every_minute(world, django_capture_on_commit_callbacks):
    from wenming.core.jobs import job_requeue_lost

    with django_capture_on_commit_callbacks(execute=False):
        job = job_start(actor=world.manager_a, kind="tests.echo", node=world.station_a, params={})
    BackgroundJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    now = timezone.now()
    BackgroundJob.objects.filter(pk=job.pk).update(requeued_at=now - timedelta(minutes=1))
    assert job_requeue_lost(now=now) == 0  # sent again a minute ago: wait
    assert job_requeue_lost(now=now + timedelta(minutes=5)) == 1


def test_progress_is_cheap_and_the_end_is_always_written(world, started, django_assert_max_num_queries):
    job = started()
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=0, total=None)
    job.refresh_from_db()

    with django_assert_max_num_queries(2):
        for n in range(1, 10_001):
            job_progress(job, n, 10_000)  # once at the start, once at the end

    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (10_000, 10_000, 99)


def test_the_page_polls_itself_while_running(world, started):
    job = started()
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=3, total=12)
    client = _client(world.manager_a)

    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and f'hx-get="/jobs/{job.public_id}/"' in page
    assert "htmx.min.js" in page and "进行中" in page and "已处理 3 / 12" in page and 'aria-valuenow="25"' in page
    assert "刷新" in page and "返回" in page  # works without JavaScript too
    fragment = client.get(f"/jobs/{job.public_id}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="job-status"') and "<html" not in fragment

    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, done=0, total=None)
    queued = client.get(f"/jobs/{job.public_id}/", headers={"HX-Request": "true"}).content.decode()
    assert "排队中" in queued and "indeterminate" in queued and "hx-trigger" in queued


def test_files_of_old_jobs_are_swept(world, started, uploads):
    job = started()
    path = uploads / job.result_name
    assert path.is_file()
    BackgroundJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=8))

    assert job_sweep() == 1

    job.refresh_from_db()
    assert not path.exists() and job.result_name == "" and job.status == JobStatus.DONE
    page = _client(world.manager_a).get(f"/jobs/{job.public_id}/").content.decode()
    assert "已超过保留期限" in page
    res = ApiClient("manager_a").get(f"/jobs/{job.public_id}/download")
    assert res.status_code == 404 and res.json()["code"] == "job.result_gone"


def test_a_job_result_goes_through_any_storage(world, started, settings, uploads):
    from django.core.files.storage import storages

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    job = started()

    assert storages["default"].exists(job.result_name) and not uploads.exists()
    download = _client(world.manager_a).get(f"/jobs/{job.public_id}/download")
    assert _body(download).decode() == "你好，任务"


def test_an_uploaded_input_is_kept_only_until_the_job_ends(world, started, uploads):
    job = started(input_file=b"raw input", input_suffix=".xlsx")

    assert job.params["input"] == f"jobs/{job.public_id}/input.xlsx"
    assert not (uploads / job.params["input"]).exists()
    assert job.status == JobStatus.DONE
