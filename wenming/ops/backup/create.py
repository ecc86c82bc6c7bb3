"""`wenming backup FILE`: the database snapshot, the uploads and the manifest in one file,
written beside FILE under a temporary name and renamed at the end, so a backup that has the
final name is always complete."""

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import database, keys, uploads
from .archive import FORMAT, SEALED, UPLOADS, VERSION, Writer
from .errors import USAGE, BackupError, os_error


@dataclass
class BackupReport:
    path: Path
    size: int
    engine: str
    tables: int
    rows: int
    uploads: int
    upload_bytes: int
    vanished: int  # uploads deleted between listing and reading
    keys_included: bool


def wenming_version() -> str:
    try:
        return version("wenming")
    except PackageNotFoundError:
        return "unknown"


def check_target(target: Path, force: bool) -> None:
    if target.is_dir():
        raise BackupError(f"{target} 是一个目录：请给出备份文件名，例如 {target / 'wenming-备份.tar'}", USAGE)
    if target.exists() and not force:
        raise BackupError(f"{target} 已存在：不会覆盖。换一个文件名，或加 --force 覆盖", USAGE)
    if not target.parent.is_dir():
        raise BackupError(f"目录不存在：{target.parent}", USAGE)


def backup_create(target: Path, *, passphrase: str | None = None, force: bool = False, bar) -> BackupReport:
    target = Path(target).absolute()
    check_target(target, force)
    try:
        workdir = Path(tempfile.mkdtemp(prefix=".wenming-backup-", dir=target.parent))
    except OSError as exc:
        raise BackupError(f"无法在 {target.parent} 中写入：{os_error(exc, '')}") from None
    partial = None
    try:
        snap = database.snapshot(workdir, bar)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")  # mode 600
        partial = Path(name)
        with os.fdopen(fd, "wb") as out:
            report = _write(out, snap, passphrase, bar, target)
            out.flush()
            os.fsync(out.fileno())
        check_target(target, force)  # still free (or --force) after the minutes this took
        os.replace(partial, target)
        partial = None
        _fsync_dir(target.parent)
        report.size = target.stat().st_size
        return report
    except OSError as exc:
        raise os_error(exc, target.parent) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if partial is not None:
            partial.unlink(missing_ok=True)


def _write(out, snap: database.Snapshot, passphrase: str | None, bar, target: Path) -> BackupReport:
    writer = Writer(out)
    size = snap.path.stat().st_size
    with bar("写入数据库", size) as b, open(snap.path, "rb") as fh:
        writer.add(snap.member, fh, size, b)
    secrets = keys.secrets_at_hand()
    sealed = None
    if passphrase:
        sealed, token = keys.seal(secrets, passphrase)
        writer.add_bytes(SEALED, token)
    names = list(uploads.walk())
    count = total = vanished = 0
    with bar("写入上传文件", len(names), unit="个") as b:
        for name in names:
            copied = uploads.copy_out(name)
            b.update(1)
            if copied is None:
                vanished += 1
                continue
            copy, length = copied
            with copy:
                writer.add(UPLOADS + name, copy, length)
            count, total = count + 1, total + length
    manifest = {
        "format": FORMAT,
        "format_version": VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wenming_version": wenming_version(),
        "database": {"engine": snap.engine, "member": snap.member, **snap.info},
        "migrations": snap.migrations,
        "counts": {"tables": snap.counts, "uploads": count, "upload_bytes": total},
        "keys": keys.fingerprints(secrets),
        "secrets": sealed,
    }
    writer.finish(manifest)
    return BackupReport(path=target, size=0, engine=snap.engine, tables=len(snap.counts),
                        rows=sum(snap.counts.values()), uploads=count, upload_bytes=total, vanished=vanished,
                        keys_included=sealed is not None)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

