"""Refusals and failures with a Chinese message for the operator, never a traceback."""

import errno
from pathlib import Path

USAGE = 2  # exit code: the command line asks for something impossible (bad path, missing option value)
FAILED = 1  # exit code: refused (not empty, wrong keys, damaged file) or failed half-way (nothing kept)


class BackupError(Exception):
    def __init__(self, message: str, code: int = FAILED):
        super().__init__(message)
        self.code = code


def os_error(exc: OSError, path: Path | str | None = None) -> BackupError:
    """An operating-system error (no permission, disk full, a directory…) as a Chinese message."""
    where = f"{exc.filename or path or ''}"
    reasons = {
        errno.ENOSPC: "磁盘空间不足",
        errno.EDQUOT: "超出磁盘配额",
        errno.EACCES: "没有权限",
        errno.EPERM: "没有权限",
        errno.EROFS: "文件系统只读",
        errno.EISDIR: "这是一个目录，不是文件",
        errno.ENOTDIR: "路径中有一段不是目录",
        errno.ENOENT: "文件或目录不存在",
        errno.EEXIST: "已有同名的文件或目录",
    }
    reason = reasons.get(exc.errno, exc.strerror or str(exc))
    return BackupError(f"{reason}：{where}" if where else reason)
