import pytest

from wenming.core.params import parse_pk


@pytest.mark.parametrize(("raw", "expected"), [
    ("42", 42), (" 7 ", 7), ("0", 0), ("007", 7), (5, 5), ("9" * 18, int("9" * 18)),
    (None, None), ("", None), ("   ", None), ("abc", None), ("²", None), ("١٢", None), ("１２", None),
    ("-1", None), ("+1", None), ("1.0", None), ("1e3", None), ("1 2", None), ("9" * 19, None),
    ("99999999999999999999999", None), ("12\n", 12),
])
def test_parse_pk(raw, expected):
    assert parse_pk(raw) == expected
