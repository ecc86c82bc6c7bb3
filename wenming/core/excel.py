"""Cells for exported workbooks.

Text typed by the public (a resident's item name, a unit, an address) must not become a
formula in the office's Excel: a string starting with = + - @ (or a tab / carriage return)
is written with a leading apostrophe, which Excel shows as plain text (CWE-1236).
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]
