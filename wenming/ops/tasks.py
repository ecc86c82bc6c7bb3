"""Housekeeping: keep what only grows (run records, the embedded queue's delivered
messages, expired cache entries and sessions, files of old jobs and old roster error
workbooks, phone codes a day past their expiry) from growing without end. Once an hour, never inside a user's request."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from wenming.core.jobs import SWEEP_BATCH, job_sweep
from wenming.core.models import PeriodicRun
from wenming.core.periodic import periodic_job
from wenming.core.phone_codes import codes_purge
from wenming.settings.services import CACHE_TABLE
from wenming.volunteers.roster.error_files import error_files_sweep

RUNS_KEPT = timedelta(days=7)


@periodic_job("ops.housekeeping")
def housekeeping() -> dict:
    now = timezone.now()
    done = {"runs": PeriodicRun.objects.filter(started_at__lt=now - RUNS_KEPT).delete()[0]}
    done["sessions"] = Session.objects.filter(expire_date__lt=now).delete()[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(CACHE_TABLE)} WHERE expires < %s",
                       [connection.ops.adapt_datetimefield_value(now)])
        done["cache_entries"] = cursor.rowcount
    done["queue_messages"] = broker_sweep(older_than=timedelta(hours=1))
    done["job_files"] = _until_done(job_sweep, SWEEP_BATCH)
    done["roster_error_files"] = error_files_sweep()
    done["phone_codes"] = codes_purge(now)
    return done


def _until_done(sweep, batch: int) -> int:
    """Call a batched sweep until a call finds less than a full batch."""
    total = 0
    while (n := sweep()) == batch:
        total += n
    return total + n


def broker_sweep(*, older_than: timedelta) -> int:
    """kombu's SQLAlchemy transport keeps each delivered message as an invisible row: delete
    those older than `older_than` (only on the embedded queue; Redis and RabbitMQ clean up
    after themselves)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("sqla+"):
        return 0
    import sqlalchemy as sa

    engine = sa.create_engine(url[len("sqla+"):], **settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    try:
        with engine.begin() as conn:
            if not sa.inspect(conn).has_table("kombu_message"):
                return 0
            # the transport stamps a row with the local naive time when it is delivered
            cutoff = datetime.now() - older_than
            result = conn.execute(sa.text("DELETE FROM kombu_message WHERE visible = :no AND timestamp < :cutoff"),
                                  {"no": False, "cutoff": cutoff})
            return result.rowcount or 0
    finally:
        engine.dispose()
