"""The Excel entry sheet of the tallies (宣传统计填报表): download a template for one subject
(a node or a unit) and month, fill in 本期数值, upload it back.

The sheet carries **the month's totals**, not amounts to add: each row holds the value when
it was downloaded (下载时数值) and the value wanted (本期数值); importing writes one `sheet`
entry of the difference. A row already at the wanted value is left alone, so uploading the
same sheet twice changes nothing the second time; a row whose figure moved since the sheet
was downloaded (someone else entered in between) is refused rather than overwriting it.

**All or nothing per sheet**: a sheet is one subject's report for one month; if any row is
wrong, no row is written and every wrong row is listed with its Chinese reason (a half-
imported monthly report would be a wrong report that looks right).

**补录**: a sheet that changes a month entered more than a week after the month ended needs
a 补录说明 (`late_reason`, given with the upload: a form field or the API's form part), which
every entry it writes keeps; without it nothing is written (core.late_reason_required).
"""

import io
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from wenming.core.errors import CoreError, DomainError
from wenming.orgs.models import Node, Unit

from . import access
from . import tally_selectors as sel
from .errors import CampaignError as E
from .models import MAX_TALLY, Indicator, TallyEntry
from .periods import parse_count, parse_period
from .tally_services import tally_sheet_apply

SHEET_TITLE = "宣传统计填报"
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500
MAX_COLS = 12
HEADER_SCAN = 12
LABEL_NODE, LABEL_UNIT, LABEL_PERIOD = "阵地编码", "文明单位编号", "统计月份"
COLUMNS = ("指标代码", "指标", "计量单位", "下载时数值（勿改）", "本期数值")
_KEYS = {"指标代码": "code", "指标": "name", "指标名称": "name", "计量单位": "unit", "下载时数值": "base",
         "本期数值": "value"}
_HEADER_FILL = PatternFill("solid", fgColor="EDEDED")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_GREY = Font(color="808080")


# ---- the template -------------------------------------------------------------------------

def build_sheet(*, node: Node, unit: Unit | None, period: date, values: list[sel.CurrentValue]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = SHEET_TITLE
    bold = Font(bold=True)
    ws.append([f"宣传统计填报表（{period:%Y年%m月}）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([LABEL_NODE, node.code, node.name])
    ws.append([LABEL_UNIT, unit.pk if unit is not None else "", unit.name if unit is not None else "（阵地本级）"])
    ws.append([LABEL_PERIOD, f"{period:%Y-%m}"])
    ws.append(["填写说明", "只填写黄色的“本期数值”列：当月累计数（整数，不填表示不变）。其余各列请勿修改；"
                         "同一张表重复上传不会重复计数。"])
    ws.append(list(COLUMNS))
    for cell in ws[6]:
        cell.font = bold
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for cv in values:
        ws.append([cv.indicator.code, cv.indicator.name, cv.indicator.unit, cv.value, cv.value or None])
        row = ws.max_row
        ws.cell(row=row, column=4).font = _GREY
        ws.cell(row=row, column=5).fill = _INPUT_FILL
    for letter, width in zip("ABCDE", (14, 16, 10, 18, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A7"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_filename(*, node: Node, unit: Unit | None, period: date) -> str:
    return f"宣传统计填报表-{(unit.name if unit else node.name)[:30]}-{period:%Y-%m}.xlsx"


# ---- reading it back ----------------------------------------------------------------------

@dataclass
class RowError:
    row: int
    code: str
    message: str
    indicator: str = ""


class SheetRejected(DomainError):
    """The sheet had wrong rows: nothing was written; `errors` lists each with its reason."""

    def __init__(self, errors: list[RowError]):
        err = E.SHEET_ROWS_INVALID.error("file", count=len(errors))
        super().__init__(err.code, err.message, err.status, err.field)
        self.errors = errors


@dataclass
class SheetResult:
    node: Node
    unit: Unit | None
    period: date
    changed: list[tuple[Indicator, int, int]] = field(default_factory=list)
    unchanged: int = 0
    entries: list[TallyEntry] = field(default_factory=list)


def _read_bytes(upload) -> bytes:
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > MAX_BYTES:
            raise CoreError.FILE_TOO_LARGE.error("file", limit="2 MB")
        try:
            upload.seek(0)
        except (AttributeError, OSError, ValueError):
            pass
        data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise CoreError.FILE_TOO_LARGE.error("file", limit="2 MB")
    if not data:
        raise E.SHEET_UNREADABLE.error("file")
    return data


def _label(value) -> str:
    return str(value).strip().rstrip(":：").replace(" ", "") if value is not None else ""


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


@dataclass
class _Layout:
    meta: dict
    colmap: dict
    rows: list


def _layout(data: bytes) -> _Layout:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zip, XML and format errors of a user's file all mean "not a usable xlsx"
        raise E.SHEET_UNREADABLE.error("file") from None
    try:
        if not book.sheetnames:
            raise E.SHEET_EMPTY.error("file")
        ws = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        meta: dict = {}
        colmap: dict = {}
        rows: list = []
        for number, row in enumerate(ws.iter_rows(max_col=MAX_COLS, values_only=True), start=1):
            if not colmap:
                found = {_KEYS[k]: i for i, v in enumerate(row) if (k := _header_key(v))}
                if "value" in found and ("code" in found or "name" in found):
                    colmap = found
                elif len(row) > 1 and _label(row[0]) in (LABEL_NODE, LABEL_UNIT, LABEL_PERIOD):
                    meta[_label(row[0])] = row[1]
                if not colmap and number >= HEADER_SCAN:
                    break
                continue
            if any(_filled(v) for v in row):
                if len(rows) >= MAX_ROWS:
                    raise E.SHEET_TOO_MANY_ROWS.error("file", limit=MAX_ROWS)
                rows.append((number, row))
    except DomainError:
        raise
    except Exception:
        raise E.SHEET_UNREADABLE.error("file") from None
    finally:
        book.close()
    if not colmap:
        if not meta:
            raise E.SHEET_EMPTY.error("file")
        raise E.SHEET_HEADER.error("file", detail="找不到“指标代码”“本期数值”表头")
    if "base" not in colmap:
        raise E.SHEET_HEADER.error("file", detail="缺少“下载时数值”列")
    return _Layout(meta, colmap, rows)


def _header_key(value) -> str | None:
    text = _label(value)
    for key in _KEYS:
        if text == key or (key == "下载时数值" and text.startswith(key)):
            return key
    return None


def _subject(actor, meta: dict) -> tuple[Node, Unit | None, date]:
    for label in (LABEL_NODE, LABEL_PERIOD):
        if not _filled(meta.get(label)):
            raise E.SHEET_HEADER.error("file", detail=f"缺少“{label}”")
    period = parse_period(meta[LABEL_PERIOD], field="file")
    unknown = E.SHEET_SUBJECT_UNKNOWN.error("file")
    code = _cell_text(meta[LABEL_NODE])
    unit_raw = _cell_text(meta.get(LABEL_UNIT))
    if unit_raw:
        if not unit_raw.isascii() or not unit_raw.isdigit() or len(unit_raw) > 18:
            raise unknown
        unit = sel.tally_unit_list_for_actor(actor=actor).filter(pk=int(unit_raw)).first()
        if unit is None or unit.node.code != code:
            raise unknown
        return unit.node, unit, period
    node = Node.objects.filter(access.node_q(actor, "path"), code=code).first()
    if node is None:
        raise unknown
    return node, None, period


def _check_rows(layout: _Layout, current: dict[int, int], node: Node) -> tuple[list, int, int, list[RowError]]:
    """(changes, unchanged rows, filled rows, errors). Only indicators the node may use are
    known: another office's 消杀面积 is not this sheet's."""
    indicators = list(Indicator.objects.filter(sel.indicators_q(node)))
    by_code = {i.code.lower(): i for i in indicators}
    by_name = {i.name: i for i in indicators}
    col = layout.colmap
    changes, unchanged, filled, errors, seen = [], 0, 0, [], {}

    def cell(row, key):
        i = col.get(key)
        return row[i] if i is not None and i < len(row) else None

    for number, row in layout.rows:
        raw_value = cell(row, "value")
        key = _cell_text(cell(row, "code")) or _cell_text(cell(row, "name"))
        if not _filled(raw_value):
            unchanged += 1
            continue
        filled += 1
        indicator = by_code.get(key.lower()) or by_name.get(_cell_text(cell(row, "name"))) or by_name.get(key)
        if indicator is None:
            errors.append(_err(number, E.ROW_INDICATOR_UNKNOWN, key, value=key[:32] or "（空）"))
            continue
        if indicator.pk in seen:
            errors.append(_err(number, E.ROW_DUPLICATE, indicator.name, value=indicator.name,
                               first=seen[indicator.pk]))
            continue
        seen[indicator.pk] = number
        target = parse_count(raw_value, allow_zero=True)
        if target is None:
            errors.append(_err(number, E.ROW_VALUE_INVALID, indicator.name, value=_cell_text(raw_value)[:20],
                               limit=MAX_TALLY))
            continue
        base = parse_count(cell(row, "base"), allow_zero=True)
        if base is None:
            errors.append(_err(number, E.ROW_BASE_INVALID, indicator.name))
            continue
        now = current.get(indicator.pk, 0)
        if target in (base, now):  # untouched, or already at that value (the same sheet again)
            unchanged += 1
            continue
        if base != now:
            errors.append(_err(number, E.ROW_STALE, indicator.name, current=now, base=base))
            continue
        if not indicator.active:
            errors.append(_err(number, E.ROW_INDICATOR_INACTIVE, indicator.name, value=indicator.name))
            continue
        changes.append((indicator, base, target))
    return changes, unchanged, filled, errors


def _err(row: int, code: E, indicator: str, **params) -> RowError:
    return RowError(row=row, code=code.code, message=code.template.format(**params), indicator=indicator)


def tally_sheet_import(*, actor, upload, file_name: str = "", late_reason: str = "") -> SheetResult:
    """Check a filled-in sheet and apply it (tally_sheet_apply), or refuse it as a whole:
    DomainError for the file (unreadable, header, subject, empty, a late month without
    `late_reason`), SheetRejected for rows."""
    layout = _layout(_read_bytes(upload))
    node, unit, period = _subject(actor, layout.meta)
    access.check_tally_edit(actor, node, unit)
    changes, unchanged, filled, errors = _check_rows(layout, sel.tally_values(node=node, unit=unit, period=period),
                                                     node)
    if errors:
        raise SheetRejected(errors)
    if not filled:
        raise E.SHEET_EMPTY.error("file")
    entries = tally_sheet_apply(actor=actor, node=None if unit else node, unit=unit, period=period, rows=changes,
                                file_name=file_name, late_reason=late_reason) if changes else []
    return SheetResult(node=node, unit=unit, period=period, changed=changes, unchanged=unchanged, entries=entries)
