"""core.phone_codes, the one-time text codes every public form proves a phone with: one a
minute, ten minutes' life, five wrong tries burn a code, a code is spent once even when two
requests race, purposes never share a code, and housekeeping deletes the old ones."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from wenming.core.models import PhoneCode
from wenming.core.phone_codes import (
    CODE_TTL,
    MAX_ATTEMPTS,
    CodeTooSoon,
    code_check,
    code_issue,
    code_spend,
    codes_purge,
)
from wenming.core.testing import CONCURRENT, at_once

KEY = "a" * 64


def issue(purpose: str = "demand", now=None, key: str = KEY) -> str:
    with transaction.atomic():
        return code_issue(purpose=purpose, phone_hash=key, now=now or timezone.now())


@pytest.mark.django_db
def test_a_code_is_six_digits_stored_hashed_and_checks_once_spent():
    now = timezone.now()
    code = issue(now=now)
    row = PhoneCode.objects.get()
    assert len(code) == 6 and code.isdigit() and code not in row.code_hash and row.expires_at == now + CODE_TTL
    check = code_check(purpose="demand", phone_hash=KEY, code=f" {code} ", now=now)
    assert check.ok and check.code_id == row.pk
    assert code_spend(check.code_id, now) is True
    assert code_spend(check.code_id, now) is False  # spent once
    again = code_check(purpose="demand", phone_hash=KEY, code=code, now=now)
    assert (again.ok, again.spent_again) == (False, True)


@pytest.mark.django_db
def test_one_code_a_minute_per_phone_and_purpose():
    now = timezone.now()
    issue(now=now)
    with pytest.raises(CodeTooSoon) as wait:
        issue(now=now + timedelta(seconds=10))
    assert wait.value.seconds == 51
    issue(purpose="survey:1", now=now + timedelta(seconds=10))  # another purpose is another code
    issue(key="b" * 64, now=now + timedelta(seconds=10))  # another phone too
    issue(now=now + timedelta(seconds=61))
    assert PhoneCode.objects.count() == 4


@pytest.mark.django_db
def test_wrong_tries_are_counted_and_burn_the_code():
    now = timezone.now()
    code = issue(now=now)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_ATTEMPTS):
        assert not code_check(purpose="demand", phone_hash=KEY, code=wrong, now=now).ok
    assert PhoneCode.objects.get().attempts == MAX_ATTEMPTS
    assert not code_check(purpose="demand", phone_hash=KEY, code=code, now=now).ok  # burnt


@pytest.mark.django_db
def test_a_code_lives_ten_minutes_and_belongs_to_its_purpose():
    now = timezone.now()
    code = issue(now=now)
    assert not code_check(purpose="survey:1", phone_hash=KEY, code=code, now=now).ok
    assert not code_check(purpose="demand", phone_hash="b" * 64, code=code, now=now).ok
    assert not code_check(purpose="demand", phone_hash=KEY, code=code, now=now + CODE_TTL).ok
    assert not code_check(purpose="demand", phone_hash=KEY, code="", now=now).ok


@pytest.mark.django_db
def test_only_the_newest_code_counts():
    now = timezone.now()
    first = issue(now=now)
    second = issue(now=now + timedelta(seconds=61))
    later = now + timedelta(seconds=62)
    if first != second:
        assert not code_check(purpose="demand", phone_hash=KEY, code=first, now=later).ok
    assert code_check(purpose="demand", phone_hash=KEY, code=second, now=later).ok


@CONCURRENT
def test_two_requests_racing_with_one_code_spend_it_once():
    now = timezone.now()
    code = issue(now=now)

    def use():
        check = code_check(purpose="demand", phone_hash=KEY, code=code, now=now)
        with transaction.atomic():
            return check.ok and code_spend(check.code_id, now)

    assert sorted(at_once(8, use)) == [False] * 7 + [True]


@pytest.mark.django_db
def test_housekeeping_deletes_codes_a_day_past_their_expiry():
    now = timezone.now()
    issue(now=now - timedelta(days=2))
    issue(key="b" * 64, now=now)
    assert codes_purge(now) == 1
    assert list(PhoneCode.objects.values_list("phone_hash", flat=True)) == ["b" * 64]
