"""Quantities of supplies: exact decimals with at most three places (tonnes to the kilogram).

SQLite keeps a DECIMAL column as a binary float, so 0.7 + 0.1 would be stored as
0.7999999999999999 and a later "quantity >= 0.8" would refuse the last 0.8 t. Every change to
a stored total therefore goes through `rounded()`: each stored value stays the nearest double
of a three-place decimal, and comparisons with a three-place parameter are exact. On
PostgreSQL (numeric) the rounding is a no-op.
"""

from decimal import Decimal, InvalidOperation

from django.db.models.functions import Round

PLACES = 3
STEP = Decimal("0.001")
MAX_QUANTITY = Decimal("100000000")  # per line or adjustment: 1 亿, far above any real delivery


def rounded(expression):
    return Round(expression, PLACES)


def parse_quantity(raw, *, signed: bool = False, allow_zero: bool = False) -> Decimal | None:
    """A Decimal within the limits, or None when `raw` is not one (text, NaN, 4 places, 0 …)."""
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not value.is_finite() or abs(value) > MAX_QUANTITY or value != value.quantize(STEP):
        return None
    if (value < 0 and not signed) or (value == 0 and not allow_zero):
        return None
    return value.quantize(STEP)


def fmt_qty(value) -> str:
    """1000.000 -> "1000", 0.500 -> "0.5", for messages and pages."""
    if value is None or value == 0:
        return "0"  # also -0 from a float on SQLite
    text = format(Decimal(value).quantize(STEP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
