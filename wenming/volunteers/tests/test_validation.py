from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wenming.core.errors import DomainError
from wenming.core.testing import make_id_number, with_bad_checksum, years_ago
from wenming.volunteers.validation import (
    check_age,
    name_pinyin,
    normalize_phone,
    parse_availability,
    parse_identity,
)


def _code(fn, *args):
    with pytest.raises(DomainError) as exc:
        fn(*args)
    return exc.value.code


def test_resident_id_derives_birth_date_and_sex():
    number = make_id_number(date(1990, 3, 7), seq=12, male=False)
    ident = parse_identity("resident", number.lower() if number.endswith("X") else number)
    assert ident.birth_date == date(1990, 3, 7)
    assert ident.sex == "F"


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)), st.integers(0, 99), st.booleans())
def test_every_generated_id_round_trips(born, seq, male):
    ident = parse_identity("resident", make_id_number(born, seq=seq, male=male))
    assert ident.birth_date == born and ident.sex == ("M" if male else "F")


def test_bad_ids_get_distinct_codes():
    good = make_id_number(date(1990, 1, 1), seq=1, male=True)
    assert _code(parse_identity, "resident", with_bad_checksum(good)) == "volunteer.id_checksum"
    assert _code(parse_identity, "resident", good[:-2]) == "volunteer.id_format"
    assert _code(parse_identity, "resident", "") == "volunteer.id_required"
    bad_date = "420527" + "19901301" + "123"
    from stdnum.cn import ric

    assert _code(parse_identity, "resident", bad_date + ric.calc_check_digit(bad_date + "0")) == "volunteer.id_birth_date"
    bad_area = "990000" + "19900101" + "123"
    assert _code(parse_identity, "resident", bad_area + ric.calc_check_digit(bad_area + "0")) == "volunteer.id_area"
    assert _code(parse_identity, "passport", "E1234567") == "volunteer.birth_required"
    assert parse_identity("passport", "E1234567", date(1990, 1, 1), "M").number == "E1234567"


def test_error_messages_never_echo_the_id_number():
    bad = with_bad_checksum(make_id_number(date(1990, 1, 1), seq=1, male=True))
    with pytest.raises(DomainError) as exc:
        parse_identity("resident", bad)
    assert bad not in exc.value.message and bad[:10] not in str(exc.value)


def test_phones():
    assert normalize_phone("+86 138-1234-5678") == "13812345678"
    assert normalize_phone("13812345678") == "13812345678"
    assert _code(normalize_phone, "12812345678") == "volunteer.phone_invalid"
    assert _code(normalize_phone, "0717-1234567") == "volunteer.phone_invalid"
    assert _code(normalize_phone, "") == "volunteer.phone_required"


def test_age_rules():
    today = date(2026, 11, 22)
    assert _code(check_age, years_ago(14, today, days=-1), today, "", "", False) == "volunteer.under_14"
    assert _code(check_age, years_ago(15, today), today, "", "", False) == "volunteer.guardian_required"
    assert _code(check_age, years_ago(17, today), today, "张父", "", True) == "volunteer.guardian_required"
    check_age(years_ago(15, today), today, "张父", "13800000000", True)
    check_age(years_ago(14, today), today, "张父", "13800000000", True)  # 14th birthday today
    check_age(years_ago(18, today), today, "", "", False)


def test_pinyin_and_availability():
    assert name_pinyin("张三丰") == ("zhangsanfeng", "zsf")
    assert parse_availability("工作日白天、周末节假日") == 5
    assert parse_availability([8, "工作日晚上"]) == 10
    assert _code(parse_availability, "随便") == "volunteer.availability_invalid"
