"""The backup file: an uncompressed tar holding

    database.sqlite3.gz | database.pgdump    the database snapshot
    secrets.sealed                           the keys, only when a passphrase was given
    uploads/<name>                           every file of the upload storage
    manifest.json                            written last: versions, migrations, counts,
                                             key fingerprints, size and SHA-256 of each member

Why not .tar.gz: the big members are already compressed (pg_dump's custom format, JPEG/PNG/
WebP uploads), so gzip over the whole would burn CPU for nothing, and an uncompressed tar lets
a restore find the manifest by skipping from header to header instead of decompressing the
whole file. The SQLite snapshot, which does compress (about 6:1), is gzipped on its own.
The manifest goes last so it can carry every member's checksum: a restore verifies them all
before it changes anything, and a truncated file has no manifest at all.
"""

import hashlib
import io
import json
import tarfile
import time
import zlib
from pathlib import Path

from wenming.core.files import checked_name

from .errors import USAGE, BackupError, os_error

FORMAT, VERSION = "wenming-backup", 1
MANIFEST = "manifest.json"
SEALED = "secrets.sealed"
UPLOADS = "uploads/"
CHUNK = 1 << 20
NOT_A_BACKUP = "不是 Wenming 备份文件，或者文件不完整（可能在复制或写入时被截断）"


class _Hashing:
    """A reader that hashes (and reports progress on) what passes through it."""

    def __init__(self, fileobj, bar):
        self.fileobj, self.bar, self.sha256 = fileobj, bar, hashlib.sha256()

    def read(self, size=-1):
        data = self.fileobj.read(size)
        self.sha256.update(data)
        if self.bar is not None:
            self.bar.update(len(data))
        return data


class Writer:
    def __init__(self, fileobj):
        self.tar = tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT)
        self.members: dict[str, dict] = {}

    def add(self, name: str, fileobj, size: int, bar=None) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(time.time()), 0o600
        reader = _Hashing(fileobj, bar)
        self.tar.addfile(info, reader)
        self.members[name] = {"size": size, "sha256": reader.sha256.hexdigest()}

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add(name, io.BytesIO(data), len(data))

    def finish(self, manifest: dict) -> None:
        data = json.dumps({**manifest, "members": self.members}, ensure_ascii=False, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        self.tar.addfile(info, io.BytesIO(data))
        self.tar.close()


def _compressed_hint(path: Path) -> str:
    """A backup compressed after the fact (gzip, xz, zstd) is not readable as it is: say so."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
    except OSError:
        return ""
    magic = {b"\x1f\x8b": "gzip", b"\xfd7zXZ": "xz", b"\x28\xb5\x2f\xfd": "zstd", b"BZh": "bzip2"}
    kind = next((name for prefix, name in magic.items() if head.startswith(prefix)), None)
    return f"（这是 {kind} 压缩过的文件：请先解压，再恢复解压出的 .tar 文件）" if kind else ""


def _need(ok: bool) -> None:
    if not ok:
        raise ValueError("manifest")


def _safe_upload_name(name: str) -> bool:
    """uploads/<a name the storage keeps as it is>: the platform's own check (no absolute
    path, no empty, '.' or '..' part, no backslash), so `uploads//tmp/x` is refused here,
    before anything is written, and not by the storage half-way through a restore."""
    if not name.startswith(UPLOADS):
        return False
    try:
        checked_name(name[len(UPLOADS):])
    except ValueError:
        return False
    return True


class Bundle:
    """An opened backup: its manifest, checked for shape; `verify` checks every member."""

    def __init__(self, path: Path):
        self.path = path
        if path.is_dir():
            raise BackupError(f"{path} 是一个目录，请给出备份文件", USAGE)
        try:
            # "r:" reads plain tar only; members are found by skipping from header to header
            self.tar = tarfile.open(path, mode="r:")
            self.entries = {m.name: m for m in self.tar.getmembers()}
            entry = self.entries.get(MANIFEST)
            if entry is None or not entry.isreg():
                raise BackupError(f"{path}：{NOT_A_BACKUP}（缺少 manifest.json）")
            self.manifest = json.loads(self.tar.extractfile(entry).read())
        except OSError as exc:
            raise os_error(exc, path) from None
        except (tarfile.TarError, EOFError, ValueError, zlib.error):
            raise BackupError(f"{path}：{NOT_A_BACKUP}{_compressed_hint(path)}") from None
        self._check_manifest()

    def _check_manifest(self) -> None:
        m = self.manifest
        try:
            if m.get("format") != FORMAT:
                raise ValueError("format")
            if int(m["format_version"]) > VERSION:
                raise BackupError(f"{self.path} 由更新版本的 Wenming 写成（备份格式 {m['format_version']}），"
                                  f"请先升级本机的 Wenming 再恢复")
            _need(m["database"]["engine"] in ("sqlite", "postgresql") and m["database"]["member"] in m["members"])
            _need(all(isinstance(v, list) and all(isinstance(n, str) for n in v) for v in m["migrations"].values()))
            _need(isinstance(m["counts"]["tables"], dict) and isinstance(m["keys"]["field_keys"], list))
            _need(all(isinstance(k, str) for k in m["keys"]["field_keys"]))
            _need(isinstance(m["keys"]["blind_index_key"], str))
            _need(m["secrets"] is None or SEALED in m["members"])
            for name, info in m["members"].items():
                _need(isinstance(info["size"], int) and isinstance(info["sha256"], str))
                _need(name in (m["database"]["member"], SEALED) or _safe_upload_name(name))
        except BackupError:
            raise
        except (AttributeError, KeyError, TypeError, ValueError):
            raise BackupError(f"{self.path}：{NOT_A_BACKUP}（备份清单 manifest.json 不完整或已损坏）") from None

    @property
    def total_bytes(self) -> int:
        return sum(info["size"] for info in self.manifest["members"].values())

    def uploads(self) -> list[str]:
        return [name for name in self.manifest["members"] if name.startswith(UPLOADS)]

    def verify(self, bar=None, names=None) -> None:
        """Read every member (or those named) and compare with the manifest: a damaged backup
        is refused before anything is restored."""
        expected = self.manifest["members"]
        extra = set(self.entries) - set(expected) - {MANIFEST}
        missing = set(names or expected) - set(self.entries)
        if (extra and names is None) or missing:
            raise BackupError(f"{self.path}：{NOT_A_BACKUP}（文件清单与备份清单不符：缺少 {len(missing)} 个，"
                              f"多出 {len(extra)} 个）")
        for name in names or expected:
            info = expected[name]
            digest = hashlib.sha256()
            try:
                with self.open(name) as fh:
                    while chunk := fh.read(CHUNK):
                        digest.update(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
            except OSError as exc:
                raise os_error(exc, self.path) from None
            except (tarfile.TarError, EOFError):
                raise BackupError(f"{self.path}：{NOT_A_BACKUP}") from None
            if self.entries[name].size != info["size"] or digest.hexdigest() != info["sha256"]:
                raise BackupError(f"{self.path} 已损坏：{name} 的校验和与备份清单不符")

    def open(self, name: str):
        entry = self.entries[name]
        if not entry.isreg():
            raise BackupError(f"{self.path}：{NOT_A_BACKUP}（{name} 不是普通文件）")
        return self.tar.extractfile(entry)

    def read(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def close(self) -> None:
        self.tar.close()
