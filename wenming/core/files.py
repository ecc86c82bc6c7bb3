"""Files kept by the platform (stored images, job results, error workbooks), read and
written only through Django's storage API: STORAGES["default"], the local disk under
UPLOAD_DIR by default (wenming.ops.storage.UploadStorage) or an S3-compatible bucket by
configuration alone (docs/configuration.md). Nothing here is ever served by a web server:
each file goes out through a view that asked the owning feature first.

    name = file_save("jobs/<uuid>/export.xlsx", path_or_bytes_or_file)   # the name it got
    return file_response(name, filename="志愿者名单.xlsx", content_type=XLSX)

Names are relative, '/'-separated and checked here for every storage (no absolute path,
no '..', no backslash), so a name read back from the database cannot leave the storage.
On the local disk a file appears whole or not at all: it is written to a temporary file in
the target directory, synced, and moved into place by FileSystemStorage (a rename), with
the storage's file and directory modes (0640/0750 for uploads). Other storages write
the object in one request (S3 PUT), which is atomic for the reader too.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse
from django.utils._os import safe_makedirs  # what FileSystemStorage itself uses: the mode on every level

_NAME_PART = re.compile(r"[^/\\\x00]+")
_COPY_CHUNK = 1024 * 1024


def upload_storage() -> Storage:
    """STORAGES["default"], looked up on each use (tests swap it with the settings)."""
    return storages["default"]


def checked_name(name: str) -> str:
    """The name if it stays inside the storage; ValueError otherwise."""
    parts = str(name).split("/")
    if not name or str(name).startswith("/") or any(
            p in ("", ".", "..") or not _NAME_PART.fullmatch(p) for p in parts):
        raise ValueError(f"unsafe storage name: {name!r}")
    return str(name)


def file_save(name: str, content, *, storage: Storage | None = None) -> str:
    """Store `content` (bytes, a path to a local file, or a binary file object) under
    `name` and return the name actually used (the storage picks another when it is taken)."""
    storage = storage or upload_storage()
    name = checked_name(name)
    if isinstance(storage, FileSystemStorage):
        return _save_local(storage, name, content)
    if isinstance(content, bytes | bytearray | memoryview):
        return storage.save(name, ContentFile(bytes(content)))
    if isinstance(content, str | os.PathLike):
        with open(content, "rb") as fh:
            return storage.save(name, File(fh))
    content.seek(0)
    return storage.save(name, File(content))


class _RenameableFile(File):
    """A finished temporary file that FileSystemStorage may move into place (its
    `temporary_file_path` makes `_save` rename instead of copying)."""

    def __init__(self, file, path: str):
        super().__init__(file, name=path)
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def _save_local(storage: FileSystemStorage, name: str, content) -> str:
    target = Path(storage.path(name))  # safe_join: SuspiciousFileOperation outside the root
    safe_makedirs(str(target.parent), storage.directory_permissions_mode or 0o777, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(content, bytes | bytearray | memoryview):
                out.write(content)
            elif isinstance(content, str | os.PathLike):
                with open(content, "rb") as source:
                    shutil.copyfileobj(source, out, _COPY_CHUNK)
            else:
                content.seek(0)
                shutil.copyfileobj(content, out, _COPY_CHUNK)
            out.flush()
            os.fsync(out.fileno())
        with open(tmp, "rb") as fh:
            # Same directory, so the move is a rename: readers see the whole file or none.
            return storage.save(name, _RenameableFile(fh, tmp))
    finally:
        Path(tmp).unlink(missing_ok=True)  # gone already after a successful rename


def file_open(name: str, *, storage: Storage | None = None) -> File:
    """The stored file opened for reading; OSError (FileNotFoundError) when it is missing,
    ValueError for a name that would leave the storage."""
    storage = storage or upload_storage()
    name = checked_name(name)
    try:
        return storage.open(name, "rb")
    except (OSError, ValueError):
        raise
    except Exception as exc:  # remote storages raise their own errors for a missing object
        raise FileNotFoundError(name) from exc


def file_delete(name: str, *, storage: Storage | None = None) -> None:
    """Remove a stored file; a missing file or a bad name is not an error (clean-up)."""
    try:
        (storage or upload_storage()).delete(checked_name(name))
    except (OSError, ValueError):
        pass


def file_to_local(name: str, directory: str | os.PathLike, *, storage: Storage | None = None) -> Path:
    """Copy a stored file into a local directory (a worker reading a workbook that a web
    server stored: with S3 they need not share a disk); returns the local path."""
    local = Path(directory) / Path(checked_name(name)).name
    with file_open(name, storage=storage) as source, open(local, "wb") as out:
        shutil.copyfileobj(source, out, _COPY_CHUNK)
    return local


def file_response(name: str, *, filename: str, content_type: str, as_attachment: bool = True,
                  storage: Storage | None = None) -> FileResponse:
    """Stream a stored file (FileResponse over storage.open: never read whole into memory).
    OSError/ValueError when missing: the caller turns that into its 404."""
    return handle_response(file_open(name, storage=storage), filename=filename, content_type=content_type,
                           as_attachment=as_attachment)


def handle_response(handle, *, filename: str, content_type: str, as_attachment: bool = True) -> FileResponse:
    """An opened stored file as a download of its own type: never sniffed, never cached (these
    files hold personal data)."""
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename,
                            content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
