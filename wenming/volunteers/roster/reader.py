"""Opening an uploaded roster: find the sheet and its header row, then stream the rows.

Everything that makes a file unusable as a whole (not an xlsx, an empty sheet, missing
required columns, no data) is raised here, before the importer writes anything. This module
needs no Django setup: the parallel reader (rows.py) runs it in a child process.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from openpyxl import load_workbook

from wenming.core.errors import DomainError

from .columns import BY_KEY, REQUIRED_KEYS, match_headers
from .errors import RosterError

SHEET_NAME = "志愿者名册"
HEADER_SCAN_ROWS = 5  # a title line or two above the header is tolerated
TEXT_KEYS = {"name", "id_type", "phone", "home_node", "grid", "political_status", "skills", "address",
             "guardian_name", "guardian_phone"}
SEX_BY_LABEL = {"男": "M", "女": "F", "m": "M", "f": "F"}
EXACT_FLOAT = 10**15  # a double keeps 15 significant digits; an 18-digit ID typed as a number is lost


@dataclass
class Layout:
    """Where the data is: the sheet, its header row and which column holds which field."""

    title: str
    header_row: int
    header: list
    colmap: dict[str, int]
    total_rows: int | None = None  # data rows announced by the sheet's dimension, for progress bars

    def row_input(self, row: tuple) -> dict:
        """A row as the raw input build_values() expects. May raise a row-level DomainError."""
        data = {}
        size = len(row)
        for key, index in self.colmap.items():
            value = row[index] if index < size else None
            if isinstance(value, str):
                value = value.strip()
            elif key == "id_number" and isinstance(value, (int, float)):
                value = _number_text(value)
            elif key in TEXT_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(int(value)) if float(value).is_integer() else str(value)
            if key == "sex" and value:
                value = SEX_BY_LABEL.get(str(value).lower(), value)
            data[key] = value
        return data

    def node_codes(self, rows: list[tuple[int, tuple]]) -> set[str]:
        """The home node and grid codes named in some rows (for one lookup per batch)."""
        indexes = [self.colmap[k] for k in ("home_node", "grid") if k in self.colmap]
        codes = set()
        for _, raw in rows:
            for i in indexes:
                value = raw[i] if i < len(raw) else None
                if value not in (None, ""):
                    codes.add(str(int(value)) if isinstance(value, float) and value.is_integer()
                              else str(value).strip())
        return codes


class RosterSheet:
    """An open roster sheet positioned after its header row. Use as a context manager."""

    def __init__(self, source):
        try:
            self.book = load_workbook(source, read_only=True, data_only=True)
        except Exception:  # a user's file: zip, XML and format errors all mean "not a usable xlsx"
            raise RosterError.NOT_XLSX.error("file") from None
        try:
            self.layout = self._locate()
        except DomainError:
            self.close()
            raise
        except Exception:
            self.close()
            raise RosterError.NOT_XLSX.error("file") from None

    def _locate(self) -> Layout:
        names = self.book.sheetnames
        if not names:
            raise RosterError.EMPTY_SHEET.error("file", sheet="")
        self.ws = self.book[SHEET_NAME] if SHEET_NAME in names else self.book.worksheets[0]
        self._rows = self.ws.iter_rows(values_only=True)
        best: dict[str, int] = {}
        seen_any = False
        for number, row in enumerate(self._rows, start=1):
            seen_any = seen_any or any(_filled(v) for v in row)
            found = match_headers(row)
            if all(k in found for k in REQUIRED_KEYS):
                return Layout(self.ws.title, number, list(row), found, self._total(number))
            if len(found) > len(best):
                best = found
            if number >= HEADER_SCAN_ROWS:
                break
        if not seen_any:
            raise RosterError.EMPTY_SHEET.error("file", sheet=self.ws.title)
        missing = "、".join(BY_KEY[k].label for k in REQUIRED_KEYS if k not in best)
        raise RosterError.MISSING_HEADERS.error("file", sheet=self.ws.title, columns=missing)

    def _total(self, header_row: int) -> int | None:
        try:
            last = self.ws.max_row
        except Exception:
            return None
        return max(last - header_row, 0) if last else None

    def data_rows(self) -> Iterator[tuple[int, tuple]]:
        """(Excel row number, values) for each non-empty row after the header. Raises NO_DATA
        before yielding anything when there is none, READ_FAILED when the file breaks midway."""
        rows = self._nonempty()
        first = next(rows, None)
        if first is None:
            raise RosterError.NO_DATA.error("file")
        return chain([first], rows)

    def _nonempty(self) -> Iterator[tuple[int, tuple]]:
        number = self.layout.header_row
        try:
            for number, row in enumerate(self._rows, start=self.layout.header_row + 1):  # noqa: B007
                for v in row:
                    if v is not None and v != "" and (not isinstance(v, str) or v.strip()):
                        yield number, row
                        break
        except Exception:
            raise RosterError.READ_FAILED.error("file", row=number) from None

    def batches(self, size: int) -> Iterator[list[tuple[int, tuple]]]:
        batch: list[tuple[int, tuple]] = []
        for item in self.data_rows():
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        self.book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _number_text(value) -> str:
    """An ID number that Excel stored as a number: exact only for ints and short floats."""
    if isinstance(value, (bool, int)):
        return str(value)
    if value.is_integer() and abs(value) < EXACT_FLOAT:
        return str(int(value))
    raise RosterError.ID_NOT_TEXT.error("id_number")
