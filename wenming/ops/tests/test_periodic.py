"""Periodic jobs are Celery tasks: sent by beat, run by a worker, at most once per interval
across the fleet, recorded, never run inside a user's request."""

from datetime import timedelta

import pytest
from celery import Celery
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from wenming.core.models import Notification, PeriodicLatch, PeriodicRun
from wenming.core.periodic import latch_take, periodic_job, run_now
from wenming.core.testing import CONCURRENT, at_once
from wenming.ops.testing import child_env, redis_url_or_skip, running, wait_until

JOBS = list(settings.PERIODIC_JOBS)


def _task(name):
    from wenming.celery import app

    return app.tasks[f"wenming.{name}"]


def test_every_periodic_job_is_a_registered_task_on_the_beat_schedule():
    from wenming.celery import app

    for name, every in settings.PERIODIC_JOBS.items():
        assert f"wenming.{name}" in app.tasks
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["task"] == f"wenming.{name}" and entry["schedule"] == every
    assert not any("periodic" in m.lower() for m in settings.MIDDLEWARE)


@pytest.mark.django_db
def test_a_request_runs_no_scheduled_work(client):
    client.get("/")
    client.get("/api/v1/auth/me")
    assert not PeriodicRun.objects.exists() and not PeriodicLatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", JOBS)
def test_each_job_runs_once_per_interval_and_records_the_run(name):
    first = _task(name).delay().get()
    again = _task(name).delay().get()
    assert "skipped" not in first and again == {"skipped": True}
    run = PeriodicRun.objects.get(name=name)
    assert run.outcome == "ok" and run.finished_at >= run.started_at and run.worker
    assert run.result == {k: v for k, v in first.items() if isinstance(v, int | float | bool)}


@pytest.mark.django_db
def test_the_latch_opens_again_a_little_before_the_interval_ends():
    name = "core.deliver_notifications"
    now = timezone.now()
    assert latch_take(name, now=now)
    every = settings.PERIODIC_JOBS[name]
    assert not latch_take(name, now=now + timedelta(seconds=every * 0.5))
    assert latch_take(name, now=now + timedelta(seconds=every * 0.9))  # beat's jitter never skips a tick


@CONCURRENT
def test_many_schedulers_at_once_get_one_run():
    outcomes = at_once(8, lambda: latch_take("demands.sla_tick"))
    assert sorted(outcomes) == [False] * 7 + [True]


@pytest.mark.django_db
def test_a_failing_job_is_recorded_as_failed_and_raises(settings):
    settings.PERIODIC_JOBS = {**settings.PERIODIC_JOBS, "test.boom": 60}

    @periodic_job("test.boom")
    def boom():
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        boom.apply(throw=True).get()
    run = PeriodicRun.objects.get(name="test.boom")
    assert run.outcome == "failed" and run.error == "ZeroDivisionError"


@pytest.mark.django_db
def test_the_commands_run_a_job_now_even_inside_its_interval(capsys):
    _task("dashboards.fold_figures").delay().get()
    call_command("fold_figures")
    assert "已汇总 0 条变化" in capsys.readouterr().out
    assert PeriodicRun.objects.filter(name="dashboards.fold_figures").count() == 2
    assert run_now("service.close_forgotten_checkouts") == {"closed": 0}


@pytest.mark.django_db
def test_housekeeping_prunes_old_run_records():
    old = timezone.now() - timedelta(days=8)
    PeriodicRun.objects.create(name="core.deliver_notifications", started_at=old, outcome="ok")
    done = _task("ops.housekeeping").delay().get()
    assert done["runs"] == 1
    assert list(PeriodicRun.objects.values_list("name", flat=True)) == ["ops.housekeeping"]


@pytest.mark.slow
@CONCURRENT
def test_a_real_worker_on_redis_runs_every_periodic_job_and_delivers_the_outbox(world, tmp_path):
    """A Celery worker process (production settings) on the machine's Redis, against the test
    database: every job sent by name runs there, and a pending SMS is delivered."""
    from wenming.core.notify import notify

    broker = redis_url_or_skip()
    import redis

    redis.Redis.from_url(broker).flushdb()
    notify(users_or_volunteers=[world.vol_a], subject="防汛集结", body="8:00 集合")  # on_commit (eager) …
    Notification.objects.update(sent_at=None, channel="sms")  # … so make it pending again for the worker
    env = child_env(WENMING_BROKER_URL=broker, WENMING_CACHE_URL=broker, WENMING_NOTIFY_BACKEND="console")
    sender = Celery(broker=broker, set_as_current=False)  # the current app stays the eager test one
    with running(["worker", "--concurrency=1", "--hostname=testworker@%h"], env, log_path=tmp_path / "worker.log"):
        for name in JOBS:
            sender.send_task(f"wenming.{name}", queue="default")
        try:
            wait_until(lambda: PeriodicRun.objects.filter(outcome="ok").count() == len(JOBS), timeout=90,
                       what="every job to run in the worker")
        except AssertionError:
            raise AssertionError((tmp_path / "worker.log").read_text()[-3000:]) from None
    runs = {r.name: r for r in PeriodicRun.objects.all()}
    assert set(runs) == set(JOBS)
    assert all(r.worker and ":" in r.worker for r in runs.values())
    assert runs["core.deliver_notifications"].result == {"sent": 1}
    assert Notification.objects.get().sent_at is not None
    sender.close()


@pytest.mark.django_db
def test_a_latch_that_cannot_be_taken_is_a_skip_not_a_retry_without_it(monkeypatch):
    from django.db import OperationalError

    from wenming.core import periodic

    def locked(name, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(periodic, "latch_take", locked)
    assert _task("demands.sla_tick").delay().get() == {"skipped": True}
    assert not PeriodicRun.objects.exists()


def test_heavy_jobs_have_their_own_queue_and_the_rest_the_default_one():
    from wenming.celery import app

    def queue_of(name):
        return app.amqp.router.route({}, name)["queue"].name

    assert queue_of("wenming.job.service.certificate_batch") == "jobs"
    assert queue_of("wenming.core.deliver_notifications_now") == "default"
    assert all(queue_of(f"wenming.{name}") == "default" for name in settings.PERIODIC_JOBS)


@pytest.mark.django_db
def test_housekeeping_removes_week_old_roster_error_workbooks(settings, tmp_path):
    import os
    import time

    from wenming.core.files import file_save
    from wenming.volunteers.roster.error_files import error_file_name

    settings.UPLOAD_DIR = tmp_path
    old, fresh = file_save(error_file_name("old"), b"x"), file_save(error_file_name("fresh"), b"x")
    week_ago = time.time() - 8 * 24 * 3600
    os.utime(tmp_path / old, (week_ago, week_ago))
    assert _task("ops.housekeeping").delay().get()["roster_error_files"] == 1
    assert not (tmp_path / old).exists() and (tmp_path / fresh).exists()
