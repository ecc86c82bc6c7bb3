"""补录 — records entered after the fact from paper (issue 14): an office's paper logs from an
emergency, typed in weeks later. One rule for every kind of record:

- a record dated more than LATE_DAYS days before the day it is entered is a back-entry; a
  figure for a whole month (a tally, a month total) is one when entered more than LATE_DAYS
  days after the month's last day (November's tally typed in on 3 December is on time);
- a back-entry needs a reason (`late_reason`, e.g. "据2020年2月纸质签到表补录"), which is kept
  on the record with who entered it and when (its recorded_by / recorded_at), written into
  its audit row, and shown in its exports as "补录";
- a back-entry dated in a closed period is refused (orgs/closing.py).
"""

from calendar import monthrange
from datetime import date, datetime, timedelta

from django.utils import timezone

from .errors import CoreError

LATE_DAYS = 7


def _day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def is_late(day: date | datetime, entered: date | datetime | None = None) -> bool:
    """Whether a record dated `day` entered at `entered` (default: now) is a back-entry."""
    return _day(entered or timezone.now()) - _day(day) > timedelta(days=LATE_DAYS)


def clean_reason(reason) -> str:
    """A 补录说明 as given: no NUL, trimmed, at most 200 characters ("" for none)."""
    return str(reason or "").replace("\x00", "").strip()[:200]


def late_reason_for(day: date | datetime, reason, *, field: str = "late_reason") -> str:
    """The cleaned reason of a record dated `day` entered now: required for a back-entry
    (`core.late_reason_required`), kept as given (or empty) otherwise."""
    text = clean_reason(reason)
    if is_late(day) and not text:
        raise CoreError.LATE_REASON_REQUIRED.error(field, days=LATE_DAYS)
    return text


def month_last_day(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def late_reason_for_month(month: date, reason, *, field: str = "late_reason") -> str:
    """late_reason_for a figure that covers the whole of `month` (dated by its last day)."""
    return late_reason_for(month_last_day(month), reason, field=field)


def late_note(day: date | datetime, entered: datetime | None, by, reason: str) -> str:
    """How an export shows a back-entry: "补录 2026-12-07 office：据纸质登记簿补录" ("" if not)."""
    if entered is None or not is_late(day, entered):
        return ""
    who = getattr(by, "username", "") or ""
    return f"补录 {_day(entered):%Y-%m-%d} {who}：{reason}".strip("：")
