"""Backup and restore (`wenming backup FILE`, `wenming restore FILE`; docs/backup.md).

    archive.py   the file format: an uncompressed tar with a manifest and checksums
    database.py  consistent snapshots and restores, SQLite and PostgreSQL
    uploads.py   upload files through the storage API
    keys.py      key fingerprints, keys sealed with a passphrase, the decision at restore
    verify.py    after a restore: every encrypted value decrypts, counts
    create.py, restore.py   the two commands' work
"""

import sys

from tqdm import tqdm

from .create import BackupReport, backup_create
from .errors import BackupError
from .keys import read_passphrase
from .restore import RestoreReport, backup_restore

__all__ = ["BackupError", "BackupReport", "RestoreReport", "backup_create", "backup_restore", "progress_bars",
           "read_passphrase"]


def progress_bars(verbosity: int):
    """A factory of tqdm bars on stderr: none with --verbosity 0, and none when stderr is not
    a terminal (a timer's log should not fill with bar redraws)."""

    def bar(desc: str, total: int | None, unit: str = "B"):
        return tqdm(desc=desc, total=total, unit=unit, unit_scale=unit == "B", unit_divisor=1024 if unit == "B" else 1000,
                    file=sys.stderr, disable=True if verbosity == 0 else None, leave=True, dynamic_ncols=True)

    return bar
