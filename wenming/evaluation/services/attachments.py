"""Attached files (a unit's material, a duty's work plan): checked by their content, not only
their name (PDF, .docx, .xlsx, JPG, PNG, ZIP), stored through core.files under a random
name, and read back only through the owning page's permission check."""

import io
import uuid
import zipfile
from pathlib import PurePath

from django.utils import timezone

from wenming.core.files import file_response, file_save

from ..survey_errors import SurveyError as S

MAX_BYTES = 20 * 1024 * 1024
_CHUNK = 64 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# extension → (content type, what the first bytes must be, the part an Office file must hold)
FILE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",), None),
    ".docx": (DOCX, (b"PK\x03\x04",), "word/document.xml"),
    ".xlsx": (XLSX, (b"PK\x03\x04",), "xl/workbook.xml"),
    ".zip": ("application/zip", (b"PK\x03\x04", b"PK\x05\x06"), ""),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",), None),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",), None),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",), None),
}
ACCEPT = ",".join(FILE_TYPES)  # for <input type=file accept=…>


def _limit_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


def _read(upload) -> bytes:
    """The upload's bytes, never reading more than MAX_BYTES + 1."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > MAX_BYTES:
        raise S.FILE_TOO_LARGE.error("file", limit=_limit_text(MAX_BYTES))
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        try:
            upload.seek(0)
        except (AttributeError, OSError, ValueError):
            pass
        buf = bytearray()
        while len(buf) <= MAX_BYTES:
            chunk = upload.read(min(_CHUNK, MAX_BYTES + 1 - len(buf)))
            if not chunk:
                break
            buf += chunk
        data = bytes(buf)
    if len(data) > MAX_BYTES:
        raise S.FILE_TOO_LARGE.error("file", limit=_limit_text(MAX_BYTES))
    if not data:
        raise S.FILE_EMPTY.error("file")
    return data


def file_kind(name: str) -> str:
    """The lower-case extension of a file name if it is one we take, else ""."""
    ext = PurePath(str(name or "")).suffix.lower()
    return ext if ext in FILE_TYPES else ""


def _checked(data: bytes, ext: str) -> None:
    _, magics, part = FILE_TYPES[ext]
    if not any(data.startswith(m) for m in magics):
        raise S.FILE_TYPE.error("file")
    if part is None:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise S.FILE_TYPE.error("file") from None
    if part and part not in names:
        raise S.FILE_TYPE.error("file")


def _file_name(name: str, ext: str) -> str:
    """The name shown on download: the uploaded base name, cleaned and bounded."""
    stem = PurePath(str(name or "").replace("\\", "/")).stem
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '/\\:*?"<>|').strip()[:100] or "附件"
    return f"{stem}{ext}"


def store_file(upload, *, purpose: str = "evaluation_material") -> tuple[str, str]:
    """Check and store an uploaded file before any transaction; (stored name, shown name)."""
    name = getattr(upload, "name", "") or ""
    ext = file_kind(name)
    if not ext:
        raise S.FILE_TYPE.error("file")
    data = _read(upload)
    _checked(data, ext)
    today = timezone.localdate()
    stored = file_save(f"{purpose}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}{ext}", data)
    return stored, _file_name(name, ext)


def content_type_for(stored: str) -> str:
    ext = file_kind(stored)
    return FILE_TYPES[ext][0] if ext else "application/octet-stream"


def attachment_response(stored: str, shown: str):
    """The stored file as a download, or None when there is none (the caller answers 404)."""
    if not stored:
        return None
    try:
        return file_response(stored, filename=shown or f"附件{file_kind(stored)}", content_type=content_type_for(stored))
    except (OSError, ValueError):
        return None
