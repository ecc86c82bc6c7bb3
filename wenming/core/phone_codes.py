"""One-time text codes that prove a phone: the resident's 点单 form, a survey's answer sheet,
a voter in a public vote (and any later phone login). One table (core.PhoneCode) and one set
of rules, so every caller gets the same guarantees:

- a code is 6 random digits, stored hashed, lives CODE_TTL;
- one code a minute per phone and purpose (`code_issue` raises CodeTooSoon);
- a wrong try is counted in its own transaction (it must stick although the request fails),
  and MAX_ATTEMPTS wrong tries burn the code;
- a code is spent once, by the caller's transaction that uses it (`code_spend`).

The caller keys the phone (`phone_hash`, e.g. blind_index(phone, f"survey-phone:{pk}")), texts
the code in the same transaction as `code_issue` (the outbox sends it after the commit) and
turns CodeTooSoon / a failed CodeCheck into its own error code and Chinese message.

`mobile_number` is the one reading of a typed mainland mobile number for callers that have no
cleaner of their own (the phone-code login); it raises PhoneMissing / PhoneInvalid, which the
caller turns into its own error codes."""

import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.db import transaction
from django.db.models import F

from .crypto import blind_index
from .models import PhoneCode

CODE_TTL = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5
PURGE_AFTER = timedelta(days=1)  # housekeeping deletes codes this long past their expiry


MOBILE = re.compile(r"1[3-9][0-9]{9}")


class PhoneMissing(ValueError):
    """Nothing was typed."""


class PhoneInvalid(ValueError):
    """Not a mainland mobile number (or not a number at all: NUL characters, letters, 40 digits)."""


def mobile_number(raw) -> str:
    """A mainland mobile number as 11 ASCII digits; accepts +86 / 0086, spaces, dashes,
    brackets and the full-width digits of a Chinese input method."""
    text = unicodedata.normalize("NFKC", str(raw or "")[:100]).strip()
    if not text:
        raise PhoneMissing()
    digits = re.sub(r"[\s\-()]", "", text)
    if MOBILE.fullmatch(digits):
        return digits  # the common case, without the cost of a full parse
    if len(digits) > 20 or not re.fullmatch(r"\+?[0-9]+", digits):
        raise PhoneInvalid()
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        raise PhoneInvalid() from None
    national = str(parsed.national_number)
    if parsed.country_code != 86 or not MOBILE.fullmatch(national):
        raise PhoneInvalid()
    return national


class CodeTooSoon(Exception):
    def __init__(self, seconds: int):
        super().__init__(f"wait {seconds} s")
        self.seconds = seconds


@dataclass(frozen=True)
class CodeCheck:
    ok: bool  # the code matches the phone's live code, which may now be spent
    code_id: int | None = None
    spent_again: bool = False  # it matches a code already spent (a second tap, a resent form)


def _code_hash(purpose: str, phone_hash: str, code: str) -> str:
    return blind_index(f"{phone_hash}:{code}", f"phone-code:{purpose}")


def code_issue(*, purpose: str, phone_hash: str, now: datetime) -> str:
    """A new code for the phone, stored hashed; the plain code is returned for the caller to
    text (in the same transaction, so a failed send leaves no usable code behind)."""
    last = (PhoneCode.objects.filter(purpose=purpose, phone_hash=phone_hash).order_by("-created_at", "-id")
            .values_list("created_at", flat=True).first())
    if last is not None and now - last < RESEND_AFTER:
        raise CodeTooSoon(int((RESEND_AFTER - (now - last)).total_seconds()) + 1)
    code = f"{secrets.randbelow(10**6):06d}"
    PhoneCode.objects.create(purpose=purpose, phone_hash=phone_hash, code_hash=_code_hash(purpose, phone_hash, code),
                             created_at=now, expires_at=now + CODE_TTL)
    return code


def code_check(*, purpose: str, phone_hash: str, code, now: datetime) -> CodeCheck:
    """Whether `code` is the phone's newest live code. Runs in its own transaction so that a
    wrong try is counted even when the caller's request then fails."""
    code = str(code or "").strip()[:12]
    with transaction.atomic():
        row = (PhoneCode.objects.select_for_update()
               .filter(purpose=purpose, phone_hash=phone_hash, expires_at__gt=now)
               .order_by("-created_at", "-id").first())
        if row is None:
            return CodeCheck(False)
        matches = bool(code) and hmac.compare_digest(row.code_hash, _code_hash(purpose, phone_hash, code))
        if row.used_at is not None:
            return CodeCheck(False, row.pk, spent_again=matches)
        if matches and row.attempts < MAX_ATTEMPTS:
            return CodeCheck(True, row.pk)
        PhoneCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        return CodeCheck(False, row.pk)


def code_spend(code_id: int, now: datetime) -> bool:
    """Mark the checked code used, inside the caller's transaction that takes what it proves;
    False when a concurrent request spent it first."""
    return PhoneCode.objects.filter(pk=code_id, used_at__isnull=True).update(used_at=now) == 1


def codes_purge(now: datetime) -> int:
    """Delete codes long expired (housekeeping)."""
    return PhoneCode.objects.filter(expires_at__lt=now - PURGE_AFTER).delete()[0]
