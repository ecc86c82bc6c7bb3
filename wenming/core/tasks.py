"""Background tasks of the core: the notification outbox's sender."""

from celery import shared_task

from .jobs import job_requeue_lost
from .notify import IMMEDIATE_BUDGET_S, deliver_all
from .periodic import interval_of, periodic_job


@periodic_job("core.deliver_notifications")
def deliver_notifications() -> dict:
    """Every minute: whatever the immediate send missed (a crash, a gateway outage, a retry
    that is due now). It starts no new batch after half the interval, so a batch (20 rows,
    each at most a gateway time-out) ends well before the soft time limit (interval − 5 s)
    would cut it off mid-send."""
    return {"sent": deliver_all(budget_s=interval_of("core.deliver_notifications") / 2)}


@shared_task(name="wenming.core.deliver_notifications_now", soft_time_limit=IMMEDIATE_BUDGET_S + 20,
             time_limit=IMMEDIATE_BUDGET_S + 30, ignore_result=True)
def deliver_notifications_now(ids: list[int]) -> dict:
    """Right after the commit that wrote these rows (queued by `notify`): the rows are leased,
    so a periodic run at the same moment never sends one twice."""
    return {"sent": deliver_all(ids=ids, budget_s=IMMEDIATE_BUDGET_S)}


@periodic_job("core.job_watchdog")
def job_watchdog() -> dict:
    """Background jobs whose message was lost (broker down at the start, worker killed) are
    sent again."""
    return {"requeued": job_requeue_lost()}
