"""Periodic tasks, run inline by the web process in the embedded default.

A one-machine install has no scheduler, so after a response the middleware runs each task
that is due — at most once per interval per process (cache.add is the latch). Tasks must
be idempotent and quick. In production set WENMING_INLINE_PERIODIC=0 and run the same
functions from cron (`wenming manage close_attendance`, `send_notifications`, `demand_sla`, `fold_figures`) or Celery beat.
"""

import logging
from importlib import import_module

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

# (dotted path of a no-argument function, interval in seconds)
TASKS = [
    ("wenming.service.attendance_services.attendance_close_forgotten", 60),
    ("wenming.core.notify.deliver_all", 60),
    ("wenming.demands.sla.demand_sla_tick", 60),
    ("wenming.dashboards.summary.fold_all", 60),
]


def run_due_tasks() -> list[str]:
    ran = []
    for path, every in TASKS:
        if not cache.add(f"wenming:periodic:{path}", 1, timeout=every):
            continue
        module, name = path.rsplit(".", 1)
        try:
            getattr(import_module(module), name)()
            ran.append(path)
        except Exception:  # a failing task must never break the page that triggered it
            log.exception("periodic task %s failed", path)
    return ran


class InlinePeriodicTasksMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.INLINE_PERIODIC_TASKS:
            run_due_tasks()
        return response
