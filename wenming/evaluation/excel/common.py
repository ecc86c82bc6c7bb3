"""What the three workbooks share: reading an upload safely, finding the header, turning
cells into values, naming units, reporting each row, and writing sheets.

A whole-file problem (too big, not an xlsx, wrong header, no rows, too many rows) raises a
DomainError before anything is written. A row's problem becomes a RowError: the row is
skipped and reported as "第 5 行：…", the other rows land.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from wenming.core.errors import CoreError, DomainError
from wenming.core.excel import FORMULA_START, safe_cell
from wenming.orgs.models import Unit

from ..errors import EvaluationError
from .excel_errors import ExcelError as X

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Data rows per sheet. The import runs inside the web request (each row through the same
# services as a form, in its own savepoint): 1,000 rows stay well inside the request
# timeout on a busy two-core machine (docs/evaluation.md, "Excel"). Real indicator trees
# and duty tables have a few hundred rows.
MAX_ROWS = 1000
MAX_COLS = 40  # cells read per row: a sheet with 16,384 columns costs nothing
HEADER_SCAN_ROWS = 5  # a title line or two above the header is tolerated
MAX_UNZIPPED = 100 * 1024 * 1024  # a 10 MB zip of one repeated cell is not a workbook we read
NOTES_SHEET = "填写说明"
SEPARATORS = re.compile(r"[、,，;；/\n]+")
_BRACKETS = re.compile(r"[（(][^)）]*[)）]")
_HEADER_FILL = PatternFill("solid", fgColor="EDEDED")
_REQUIRED_FILL = PatternFill("solid", fgColor="F4CCCC")
TEXT_FORMAT = "@"
YES = {"是", "y", "yes", "true", "1", "√", "✓", "特色", "特色指标"}
NO = {"否", "n", "no", "false", "0", "×", ""}


# ---- columns -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as printed; a required column is marked with * in templates
    help: str
    required: bool = False
    width: int = 14
    text: bool = False  # codes: written and formatted as text so Excel keeps "3.10"
    aliases: tuple[str, ...] = ()
    in_header: bool = False  # the header must have it even where a row may leave it blank

    @property
    def needed(self) -> bool:
        return self.required or self.in_header


def normalize_header(text) -> str:
    """'点位编码*' / ' 核验半径（米） ' -> '点位编码' / '核验半径'."""
    return re.sub(r"[\s*＊]", "", _BRACKETS.sub("", str(text or "")))


def _lookup(columns: list[Column]) -> dict[str, str]:
    found = {}
    for column in columns:
        found[normalize_header(column.header)] = column.key
        for alias in column.aliases:
            found[normalize_header(alias)] = column.key
    return found


# ---- the result ----------------------------------------------------------------------------

@dataclass
class RowError:
    row: int
    reason: str
    code: str
    sheet: str = ""

    @property
    def message(self) -> str:
        where = f"{self.sheet} " if self.sheet else ""
        return f"{where}第 {self.row} 行：{self.reason}"

    def as_dict(self) -> dict:
        return {"row": self.row, "sheet": self.sheet, "code": self.code, "reason": self.reason,
                "message": self.message}


@dataclass
class ImportResult:
    rows: int = 0  # data rows read (blank lines not counted)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows with nothing to import (e.g. a duty row without any unit)
    errors: list[RowError] = field(default_factory=list)

    def fail(self, row: int, exc: DomainError, sheet: str = "") -> None:
        self.errors.append(RowError(row=row, reason=exc.message, code=exc.code, sheet=sheet))

    def sort(self) -> None:
        self.errors.sort(key=lambda e: (e.sheet != "", e.sheet, e.row))

    def as_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": self.skipped, "errors": [e.as_dict() for e in self.errors]}

    def summary(self) -> dict:
        """For the audit row: counts only, never cell contents."""
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": self.skipped, "errors": len(self.errors)}


# ---- reading an upload ---------------------------------------------------------------------

def max_bytes() -> int:
    return int(getattr(settings, "EVALUATION_IMPORT_MAX_BYTES", settings.UPLOAD_MAX_BYTES))


def file_too_large() -> DomainError:
    return CoreError.FILE_TOO_LARGE.error("file", limit=filesizeformat(max_bytes()))


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file (Django UploadedFile, file object, path or bytes), never
    more than the limit; a file that is too big is refused before it is read."""
    limit = max_bytes()
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    elif isinstance(upload, str):
        with open(upload, "rb") as handle:
            data = handle.read(limit + 1)
    else:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > limit:
            raise file_too_large()
        try:
            upload.seek(0)
        except (AttributeError, OSError, ValueError):
            pass
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise file_too_large()
    if not data:
        raise X.EMPTY.error("file")
    return data


class Book:
    """An uploaded workbook opened read-only (streaming). Use as a context manager."""

    def __init__(self, data: bytes):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise X.NOT_XLSX.error("file") from None
        if unzipped > MAX_UNZIPPED:
            raise X.UNZIPPED_TOO_BIG.error("file", limit=filesizeformat(MAX_UNZIPPED))
        try:
            self.book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # a user's file: zip, XML and format errors all mean "not a usable xlsx"
            raise X.NOT_XLSX.error("file") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.book.close()

    def has(self, title: str) -> bool:
        return title in self.book.sheetnames

    def rows(self, title: str, columns: list[Column], *, first_sheet: bool = True) -> list[tuple[int, dict]]:
        """(Excel row number, {key: raw value}) for each non-blank row under the header of the
        sheet called `title` (or the first sheet when there is none and `first_sheet`)."""
        names = self.book.sheetnames
        if title in names:
            ws = self.book[title]
        elif first_sheet and names:
            ws = self.book.worksheets[0]
        else:
            raise X.EMPTY.error("file")
        lookup = _lookup(columns)
        required = [c for c in columns if c.needed]
        out: list[tuple[int, dict]] = []
        colmap: dict[str, int] = {}
        best: dict[str, int] = {}
        try:
            for number, row in enumerate(ws.iter_rows(max_col=MAX_COLS, values_only=True), start=1):
                if not colmap:
                    found: dict[str, int] = {}
                    for index, cell in enumerate(row):
                        key = lookup.get(normalize_header(cell)) if isinstance(cell, str) else None
                        if key and key not in found:
                            found[key] = index
                    if found and all(c.key in found for c in required):
                        colmap = found
                    elif len(found) > len(best):
                        best = found
                    if not colmap and number >= HEADER_SCAN_ROWS:
                        break
                    continue
                if not any(filled(v) for v in row):
                    continue
                if len(out) >= MAX_ROWS:
                    raise X.TOO_MANY_ROWS.error("file", limit=MAX_ROWS)
                out.append((number, {key: (row[i] if i < len(row) else None) for key, i in colmap.items()}))
        except DomainError:
            raise
        except Exception:
            raise X.NOT_XLSX.error("file") from None
        if not colmap:
            missing = next(c for c in required if c.key not in best)
            raise EvaluationError.IMPORT_HEADER.error("file", column=f"{missing.header}（工作表“{ws.title}”）")
        if not out and first_sheet:
            raise X.EMPTY.error("file")
        return out


# ---- cells ---------------------------------------------------------------------------------

def filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def text(value) -> str:
    """A cell as trimmed text: NUL characters dropped (PostgreSQL refuses them), 12.0 → "12",
    a date → 2024-06-30, and the apostrophe our exports put before = + - @ taken off again."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    out = str(value).replace("\x00", "").strip()
    if len(out) > 1 and out[0] == "'" and out[1:].startswith(FORMULA_START):
        out = out[1:]
    return out


def text_field(value, column: str, limit: int, *, required: bool = False) -> str:
    out = text(value)
    if required and not out:
        raise X.ROW_REQUIRED.error(column=column)
    if len(out) > limit:
        raise X.ROW_TOO_LONG.error(column=column, limit=limit)
    return out


def short(value: str, limit: int = 30) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def words(value) -> list[str]:
    """'实地考察、问卷调查' → ['实地考察', '问卷调查'] (also , ， ; ；/ and line breaks)."""
    return [w.strip() for w in SEPARATORS.split(text(value)) if w.strip()]


def flag(value, column: str) -> bool:
    word = text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise X.FLAG_INVALID.error(column=column)


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?")


def date_field(value, column: str) -> date | None:
    if not filled(value):
        return None
    bad = X.DATE_INVALID.error(column=column, value=short(text(value), 20))
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 36526 <= value <= 73415:  # Excel serial numbers of 2000-01-01 … 2100-12-31
            raise bad
        day = from_excel(value).date()
    else:
        match = _DATE.fullmatch(text(value))
        if match is None:
            raise bad
        try:
            day = date(*(int(g) for g in match.groups()))
        except ValueError:
            raise bad from None
    if not 2000 <= day.year <= 2100:
        raise bad
    return day


def int_field(value, column: str, default: int) -> int:
    if not filled(value):
        return default
    raw = text(value)
    bad = X.NUMBER_INVALID.error(column=column, value=short(raw, 20))
    if isinstance(value, bool):
        raise bad
    if isinstance(value, float):
        if not value.is_integer() or abs(value) > 10**9:
            raise bad
        return int(value)
    if isinstance(value, int):
        if abs(value) > 10**9:
            raise bad
        return value
    if not re.fullmatch(r"-?[0-9]{1,9}(\.0+)?", raw):
        raise bad
    return int(Decimal(raw))


def decimal_or_none(value) -> Decimal | None:
    """A number cell for comparing with what is stored; None when it is not one (the service
    then says what is wrong)."""
    from wenming.core.params import parse_money

    try:
        return parse_money(text(value))
    except ValueError:
        return None


# ---- units by name -------------------------------------------------------------------------

class UnitFinder:
    """Units named in a sheet: by name among the candidates (e.g. the campaign's subtree), or
    as "名称@阵地编码" when two units share a name. Missing and ambiguous are row errors."""

    def __init__(self, candidates: Q, where: str, names: set[str] | None = None):
        self.where = where
        self.by_name: dict[str, list[Unit]] = {}
        qs = Unit.objects.filter(candidates, archived_at__isnull=True).select_related("node")
        if names is not None:
            qs = qs.filter(name__in=list(names))
        for unit in qs:
            self.by_name.setdefault(unit.name, []).append(unit)

    @staticmethod
    def split(label: str) -> tuple[str, str]:
        name, _, code = label.rpartition("@") if "@" in label else (label, "", "")
        return name.strip(), code.strip()

    def find(self, label: str) -> Unit:
        name, code = self.split(label)
        found = self.by_name.get(name, [])
        if code:
            found = [u for u in found if u.node.code == code]
        if not found:
            raise X.UNIT_UNKNOWN.error(name=short(label), where=self.where)
        if len(found) > 1:
            codes = sorted(u.node.code for u in found)
            raise X.UNIT_AMBIGUOUS.error(name=short(name), count=len(found), codes="、".join(codes[:5]),
                                         example=codes[0])
        return found[0]


def unit_labels(units) -> dict[int, str]:
    """{unit id: the name, or "名称@阵地编码" where another live unit has the same name}."""
    units = list(units)
    names = {u.name for u in units}
    counts: dict[str, int] = {}
    for name in Unit.objects.filter(name__in=names, archived_at__isnull=True).values_list("name", flat=True):
        counts[name] = counts.get(name, 0) + 1
    return {u.pk: f"{u.name}@{u.node.code}" if counts.get(u.name, 0) > 1 else u.name for u in units}


# ---- writing -------------------------------------------------------------------------------

class Sheet:
    """A write-only sheet: a bold header, then rows made formula-safe (core.excel)."""

    def __init__(self, book: Workbook, title: str, columns: list[Column]):
        self.ws = book.create_sheet(title)
        self.columns = columns
        for index, column in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = column.width
        self.ws.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.ws, value=column.header)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            header.append(cell)
        self.ws.append(header)

    def append(self, values: list) -> None:
        row = []
        for column, value in zip(self.columns, values, strict=True):
            value = safe_cell(value)
            if column.text and value not in (None, ""):
                cell = WriteOnlyCell(self.ws, value=str(value))
                cell.number_format = TEXT_FORMAT
                row.append(cell)
            elif isinstance(value, date):
                cell = WriteOnlyCell(self.ws, value=value)
                cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            else:
                row.append(value)
        self.ws.append(row)


def new_book() -> Workbook:
    return Workbook(write_only=True)


def book_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_sheet(book: Workbook, title: str, columns: list[Column], rows: list[list] = ()) -> None:
    """A sheet to fill in (normal workbook): header with the help as a comment, required
    columns marked red and with *, code columns formatted as text."""
    ws = book.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font = Font(bold=True)
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(column.help, "文明实践云")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.text:
            ws.column_dimensions[letter].number_format = TEXT_FORMAT
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    ws.freeze_panes = "A2"


def notes_sheet(book: Workbook, title: str, lines: list[str], columns: list[Column],
                allowed: list[tuple[str, str]]) -> None:
    ws = book.create_sheet(NOTES_SHEET)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 8
    ws.column_dimensions["C"].width = 90
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    for line in lines:
        ws.append([line])
    ws.append([])
    ws.append(["列名", "必填", "说明"])
    for column in columns:
        ws.append([column.header, "是" if column.required else "否", column.help])
    if allowed:
        ws.append([])
        ws.append(["可填写的值"])
        for name, values in allowed:
            ws.append([name, "", values])


def blank_book() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def column_help(columns: list[Column]) -> list[dict]:
    """For the pages: each column with whether it is required and what goes in it."""
    return [{"header": c.header, "required": c.required, "help": c.help} for c in columns]


def safe_filename(value: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", value)[:60] or "导出"
