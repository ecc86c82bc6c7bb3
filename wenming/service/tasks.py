"""Background tasks of volunteer service."""

from wenming.core.periodic import periodic_job

from .attendance_services import attendance_close_forgotten


@periodic_job("service.close_forgotten_checkouts")
def close_forgotten_checkouts() -> dict:
    return {"closed": attendance_close_forgotten()}
