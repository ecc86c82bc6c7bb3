"""Parsing what people type for a month and a count (forms, the API and Excel cells): the
shared reading (core/typed_input.py) with the campaigns' own errors and limits."""

from datetime import date

from django.utils import timezone

from wenming.core.typed_input import count_from, month_from, shown

from .errors import CampaignError as E
from .models import MAX_TALLY


def parse_period(raw, field: str = "period", *, allow_future: bool = False) -> date:
    """The first day of a month (core.typed_input.month_from): not before 2000-01 nor (unless
    allowed, for a query's range) after this month."""
    month = month_from(raw)
    if month is None:
        raise E.PERIOD_INVALID.error(field, value=shown(raw))
    if not allow_future and month > timezone.localdate().replace(day=1):
        raise E.PERIOD_FUTURE.error(field)
    return month


def current_month() -> date:
    return timezone.localdate().replace(day=1)


def parse_count(raw, *, allow_zero: bool = False, signed: bool = False) -> int | None:
    """A count within ±MAX_TALLY (core.typed_input.count_from), or None."""
    return count_from(raw, limit=MAX_TALLY, allow_zero=allow_zero, signed=signed)
