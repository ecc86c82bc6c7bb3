"""Periodic jobs as Celery tasks, each run at most once per interval across the fleet.

    @periodic_job("service.close_forgotten_checkouts")
    def close_forgotten_checkouts() -> dict: ...

Beat (settings.CELERY_BEAT_SCHEDULE, built from settings.PERIODIC_JOBS) sends the task
name every interval. Before the body runs, the task takes the job's latch: one conditional
UPDATE that moves `next_run_at` forward only if it is due. A second scheduler, a message
delivered twice after a worker was killed, or a manual run in between all find the latch
taken and return without doing anything. A run may start a little early (a tenth of the
interval) so that beat's own jitter never skips a tick.

Each run is recorded in `PeriodicRun` (counts only); a failure on the database (a lost
connection, a lock time-out) is retried with back-off while the interval lasts; the bodies
are idempotent (conditional UPDATEs), so a retry or an overlap is harmless.
"""

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import PeriodicLatch, PeriodicRun, PeriodicRunOutcome

log = logging.getLogger("wenming.periodic")
EARLY_FRACTION = 0.1  # a run may start this share of the interval early (beat jitter)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


def interval_of(name: str) -> int:
    return int(settings.PERIODIC_JOBS[name])


def latch_take(name: str, *, now=None) -> bool:
    """True if this caller may run `name` now (and has moved its latch on)."""
    now = now or timezone.now()
    every = interval_of(name)
    next_run = now + timedelta(seconds=every * (1 - EARLY_FRACTION))
    PeriodicLatch.objects.bulk_create([PeriodicLatch(name=name, next_run_at=now)], ignore_conflicts=True)
    taken = PeriodicLatch.objects.filter(Q(next_run_at__lte=now), name=name).update(next_run_at=next_run)
    return taken == 1


def periodic_job(name: str) -> Callable:
    """Turn a no-argument function returning a dict of counts into the periodic task
    `wenming.<name>`; `name` must be in settings.PERIODIC_JOBS."""

    def decorate(body: Callable[[], dict]):
        every = interval_of(name)

        @shared_task(name=f"wenming.{name}", bind=True, autoretry_for=(DatabaseError,), retry_backoff=2,
                     retry_backoff_max=max(every // 2, 2), max_retries=3, retry_jitter=True,
                     soft_time_limit=max(every - 5, 5) if every < 600 else 600,
                     time_limit=max(every, 10) if every < 600 else 660)
        def task(self, force: bool = False):
            # The latch is taken once, by the first attempt; retries (below, for failures of
            # the body) run under it. A latch that cannot be taken is a skip, never a retry:
            # a retry would run without it.
            if self.request.retries == 0 and not force:
                try:
                    if not latch_take(name):
                        return {"skipped": True}
                except DatabaseError:
                    log.warning("periodic job %s skipped: its latch could not be taken", name, exc_info=True)
                    return {"skipped": True}
            run = PeriodicRun.objects.create(name=name, started_at=timezone.now(), worker=WORKER[:100])
            try:
                result = body() or {}
            except BaseException as exc:
                PeriodicRun.objects.filter(pk=run.pk).update(
                    outcome=PeriodicRunOutcome.FAILED, finished_at=timezone.now(), error=type(exc).__name__[:100])
                log.exception("periodic job %s failed", name)
                raise
            PeriodicRun.objects.filter(pk=run.pk).update(
                outcome=PeriodicRunOutcome.OK, finished_at=timezone.now(), result=_counts(result))
            return result

        task.body = body
        return task

    return decorate


def _counts(result) -> dict:
    if isinstance(result, dict):
        return {str(k): v for k, v in result.items() if isinstance(v, int | float | bool)}
    if isinstance(result, int):
        return {"count": result}
    return {}


def run_now(name: str) -> dict:
    """Run a periodic job here and now, whether or not its latch is due (the `wenming manage
    <job>` commands: an operator asked for it); the run is recorded like any other."""
    from celery import current_app

    return current_app.tasks[f"wenming.{name}"].apply(kwargs={"force": True}).get()


def on_commit_send(task, *args, **kwargs) -> None:
    """Queue `task` once the current transaction commits. A broker that cannot be reached
    does not fail the request that caused it: the periodic job picks the work up."""

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:
            log.warning("could not queue %s; the periodic job will do it", task.name, exc_info=True)

    transaction.on_commit(send)
