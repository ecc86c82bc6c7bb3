"""The error workbook: each refused row as it was written, with the reason, ID and phones masked."""

from datetime import date, datetime, time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from wenming.core.crypto import mask_address, mask_id_number, mask_phone

SHEET_TITLE = "错误清单"
_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "guardian_phone": mask_phone,
            "address": mask_address}
_HEADER_FONT = Font(bold=True)
_REASON_FILL = PatternFill("solid", fgColor="FDECEA")


class ErrorBook:
    """Streams refused rows into a write_only workbook; saved once at the end."""

    def __init__(self, header: list, colmap: dict[str, int]):
        self.book = Workbook(write_only=True)
        self.ws = self.book.create_sheet(SHEET_TITLE)
        self.masks = {index: _MASKERS[key] for key, index in colmap.items() if key in _MASKERS}
        self.width = len(header)
        self.ws.column_dimensions["A"].width = 8
        self.ws.column_dimensions["B"].width = 40
        titles = ["行号", "错误原因", *[("" if h is None else str(h)) for h in header]]
        self.ws.append([self._cell(t, font=_HEADER_FONT) for t in titles])
        self.count = 0

    def _cell(self, value, font=None, fill=None):
        cell = WriteOnlyCell(self.ws, value=value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    def add(self, row_number: int, reason: str, values: tuple) -> None:
        out = [row_number, self._cell(reason, fill=_REASON_FILL)]
        for index in range(self.width):
            value = values[index] if index < len(values) else None
            mask = self.masks.get(index)
            if mask is not None and value not in (None, ""):
                value = mask(_text(value))
            out.append(value if isinstance(value, (str, int, float, bool, date, datetime, time)) or value is None
                       else str(value))
        self.ws.append(out)
        self.count += 1

    def save(self, path: Path | str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.book.save(str(path))

    def discard(self) -> None:
        """Drop an unsaved workbook and its temporary file."""
        try:
            self.ws.close()
            self.ws._writer.cleanup()
        except Exception:  # best effort: openpyxl also removes its temporary files at exit
            pass


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
