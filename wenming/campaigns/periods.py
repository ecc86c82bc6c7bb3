"""Parsing what people type for a month and a count (forms, the API and Excel cells)."""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from .errors import CampaignError as E
from .models import MAX_TALLY

FIRST_MONTH = date(2000, 1, 1)
_MONTH = re.compile(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?|(\d{2}))")
_INT = re.compile(r"[+-]?\d+")


def parse_period(raw, field: str = "period", *, allow_future: bool = False) -> date:
    """The first day of a month from 2025-03, 2025-3, 2025/03, 2025年3月, 202503, 2025-03-01,
    or a date/datetime (an Excel date cell). Not before 2000-01 nor (unless allowed, for a
    query's range) after this month."""
    if isinstance(raw, datetime):
        month = raw.date().replace(day=1)
    elif isinstance(raw, date):
        month = raw.replace(day=1)
    else:
        text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
        m = _MONTH.fullmatch(text)
        if m is None:
            raise E.PERIOD_INVALID.error(field, value=text[:20] or "（空）")
        year, mm = int(m.group(1)), int(m.group(2) or m.group(3))
        if not 1 <= mm <= 12:
            raise E.PERIOD_INVALID.error(field, value=text[:20])
        month = date(year, mm, 1)
    if month < FIRST_MONTH:
        raise E.PERIOD_INVALID.error(field, value=f"{month:%Y-%m}")
    if not allow_future and month > timezone.localdate().replace(day=1):
        raise E.PERIOD_FUTURE.error(field)
    return month


def current_month() -> date:
    return timezone.localdate().replace(day=1)


def parse_count(raw, *, allow_zero: bool = False, signed: bool = False) -> int | None:
    """An integer count from user input: 1596, "1,596", " 70000 ", "１５９６", 1596.0 (Excel)
    or "1596.0". None when it is not a whole number within ±MAX_TALLY (or is negative /
    zero when not allowed). Booleans, "1.5", "1e3", "约300" are not counts."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer() or abs(raw) > MAX_TALLY:
            return None
        value = int(raw)
    elif isinstance(raw, Decimal):
        if not raw.is_finite() or raw != raw.to_integral_value():
            return None
        value = int(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "").replace(" ", "")
        if text.endswith(".0"):
            text = text[:-2]
        if not _INT.fullmatch(text) or len(text) > 16:
            try:
                exact = Decimal(text)
            except InvalidOperation:
                return None
            if not exact.is_finite() or exact != exact.to_integral_value() or "e" in text.lower():
                return None
            text = str(int(exact))
        value = int(text)
    if abs(value) > MAX_TALLY:
        return None
    if value < 0 and not signed:
        return None
    if value == 0 and not allow_zero:
        return None
    return value
