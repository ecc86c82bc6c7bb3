"""Free text and phone numbers from users, checked before they reach a column or a cipher."""

import re

from .errors import HotlineError as E

# Control characters other than tab and line breaks; NUL is refused by PostgreSQL text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE_NOISE = re.compile(r"[\s\-()（）]+")
_PHONE = re.compile(r"\+?[0-9]{5,20}")  # ASCII digits only: "１２３" or "²" are not a phone


def clean_text(value, *, label: str, limit: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit or _CONTROL.search(text):
        raise E.TEXT_INVALID.error(label=label, limit=limit)
    return text


def clean_phone(value) -> str:
    """A caller's number with spaces and dashes removed, or "" when none was given."""
    text = _PHONE_NOISE.sub("", "" if value is None else str(value))
    if not text:
        return ""
    if not _PHONE.fullmatch(text):
        raise E.PHONE_INVALID.error("caller_phone")
    return text
