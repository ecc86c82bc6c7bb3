"""Test helpers shared by every app: synthetic ID numbers and a small scoped world."""

import random
from datetime import date

from stdnum.cn import ric


def make_id_number(born: date, *, area: str = "420527", seq: int | None = None, male: bool | None = None,
                   rng: random.Random | None = None) -> str:
    """A valid GB 11643 number (synthetic)."""
    rng = rng or random.Random()
    seq = seq if seq is not None else rng.randint(0, 99)
    sex_digit = rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8]) if male is not None else rng.randint(0, 9)
    body = f"{area}{born:%Y%m%d}{seq:02d}{sex_digit}"
    return body + ric.calc_check_digit(body + "0")


def with_bad_checksum(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


def years_ago(years: int, today: date | None = None, days: int = 0) -> date:
    from datetime import timedelta

    today = today or date.today()
    try:
        d = today.replace(year=today.year - years)
    except ValueError:  # 29 Feb
        d = today.replace(year=today.year - years, day=28)
    return d - timedelta(days=days)
