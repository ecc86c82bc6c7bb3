"""Upload files in a backup, through the storage API only (local disk or an S3 bucket).

The database snapshot is taken first and the files listed after it: a file whose row is in
the snapshot was stored before its row was committed, so it is listed; a file stored later
is an orphan in the backup, which does no harm.
"""

import posixpath
import tempfile

from wenming.core.files import file_delete, file_save, upload_storage

from .archive import CHUNK, UPLOADS
from .errors import BackupError, os_error


def walk(top: str = ""):
    """Every file name in the upload storage, depth first. Dot-files are skipped: they are
    writers' temporary files (core/files.py writes `.upload-*.tmp` and renames it), not yet
    (or no longer) files of the platform."""
    try:
        dirs, files = upload_storage().listdir(top)
    except FileNotFoundError:
        return  # local storage whose directory was never made: empty
    for name in sorted(files):
        if not name.startswith("."):
            yield posixpath.join(top, name)
    for name in sorted(dirs):
        yield from walk(posixpath.join(top, name))


def is_empty() -> bool:
    return next(walk(), None) is None


def copy_out(name: str):
    """(a spooled copy, its size) — copied first because a file may change or vanish while it
    is read, and tar needs the size up front; None if the file is gone by now."""
    copy = tempfile.SpooledTemporaryFile(max_size=16 * CHUNK)
    try:
        with upload_storage().open(name, "rb") as src:
            while chunk := src.read(CHUNK):
                copy.write(chunk)
    except FileNotFoundError:
        copy.close()
        return None
    size = copy.tell()
    copy.seek(0)
    return copy, size


def restore(bundle, bar) -> list[str]:
    """Save every upload of the bundle under its own name (names were checked with the
    manifest); on any failure remove what was saved (the storage was empty) and re-raise,
    an operating-system error (disk full…) as a message."""
    saved: list[str] = []
    names = bundle.uploads()
    try:
        with bar("恢复上传文件", len(names), unit="个") as b:
            for member in names:
                name = member[len(UPLOADS):]
                with bundle.open(member) as src:
                    stored = file_save(name, src)
                saved.append(stored)
                if stored != name:
                    raise BackupError(f"上传文件存储把 {name} 存成了 {stored}：存储不是空的？已撤销")
                b.update(1)
    except OSError as exc:
        remove(saved)
        raise os_error(exc, getattr(upload_storage(), "location", "")) from None
    except BaseException:
        remove(saved)
        raise
    return saved


def remove(names: list[str]) -> None:
    for name in names:
        file_delete(name)

