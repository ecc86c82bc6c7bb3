"""What people type for a month and a count — in forms, the API and Excel cells — read the
same way everywhere (tallies, 移风易俗 totals, screening totals). Each app raises its own error
when these answer None."""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

FIRST_MONTH = date(2000, 1, 1)
_MONTH = re.compile(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?|(\d{2}))")
_INT = re.compile(r"[+-]?\d+")


def month_from(raw) -> date | None:
    """The first day of a month from 2025-03, 2025-3, 2025/03, 2025年3月, 202503, 2025-03-01,
    or a date/datetime (an Excel date cell); None for anything else or before FIRST_MONTH."""
    if isinstance(raw, datetime):
        month = raw.date().replace(day=1)
    elif isinstance(raw, date):
        month = raw.replace(day=1)
    else:
        text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
        found = _MONTH.fullmatch(text) if len(text) <= 20 else None
        if found is None:
            return None
        year, mm = int(found.group(1)), int(found.group(2) or found.group(3))
        if year < FIRST_MONTH.year or not 1 <= mm <= 12:
            return None
        month = date(year, mm, 1)
    return month if month >= FIRST_MONTH else None


def shown(raw) -> str:
    """How an error message quotes what was typed: 20 characters, no NUL, "（空）" for nothing."""
    return unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()[:20].replace("\x00", "") \
        or "（空）"


def count_from(raw, *, limit: int, allow_zero: bool = False, signed: bool = False) -> int | None:
    """An integer count: 1596, "1,596", " 70000 ", "１５９６", 1596.0 (Excel) or "1596.0". None
    when it is not a whole number within ±limit (or is negative / zero when not allowed).
    Booleans, "1.5", "1e3", "约300" are not counts."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer() or abs(raw) > limit:
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
    if abs(value) > limit or (value < 0 and not signed) or (value == 0 and not allow_zero):
        return None
    return value
