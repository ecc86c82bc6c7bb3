"""Ids from query strings and form fields.

`str.isdigit()` is not a check for an id: it accepts "²" and other non-ASCII digits (then
`int()` raises ValueError), and a 23-digit number overflows the database integer (SQLite
OverflowError, PostgreSQL DataError). Both were 500s; parse here and treat them as not found.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import Field

_PK = re.compile(r"[0-9]{1,18}")  # ASCII only; 18 digits always fit a signed 64-bit column
MAX_PK = 10**18 - 1

# An id in a JSON body (API schemas): a number the database column can hold, else the
# usual 422 validation answer instead of an overflow in the query.
ApiId = Annotated[int, Field(ge=1, le=MAX_PK)]


def parse_pk(raw) -> int | None:
    """A primary key from user input, or None when it is not one (missing, blank, "abc",
    "²", "-1", too many digits)."""
    if raw is None:
        return None
    text = str(raw).strip()
    return int(text) if _PK.fullmatch(text) else None


def pk_or_404(raw) -> int:
    """An id from a URL; "²", "abc" or 23 digits are not found, never a 500."""
    from .errors import CoreError

    pk = parse_pk(raw)
    if pk is None:
        raise CoreError.NOT_FOUND.error()
    return pk


MAX_MONEY = Decimal("99999999")


def parse_money(raw) -> Decimal | None:
    """An amount in yuan (two decimals) from user input; None when blank. ValueError when it
    is not a finite number from 0 to 99,999,999 ("abc", "NaN", "-1", "1e30")."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        amount = Decimal(str(raw).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValueError(raw) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise ValueError(raw)
    return amount
