"""Errors are values with stable codes and Chinese messages (ARCHITECTURE rule 6).

Each app declares an ErrorCode enum; services raise `Code.X.error(...)`; the API and the
pages turn a DomainError into `{"code", "message"}` with the code's HTTP status.
"""

from enum import Enum


class DomainError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, field: str | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.field = field

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class ErrorCode(Enum):
    """Members are (code, Chinese message template, HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 400):
        self.code = code
        self.template = message
        self.status = status

    def error(self, field: str | None = None, **params) -> DomainError:
        return DomainError(self.code, self.template.format(**params), self.status, field)


class CoreError(ErrorCode):
    NOT_FOUND = ("not_found", "未找到该对象或无权访问", 404)
    FORBIDDEN = ("forbidden", "没有执行此操作的权限", 403)
    UNAUTHENTICATED = ("unauthenticated", "请先登录或提供有效的访问令牌", 401)
    INVALID_INPUT = ("invalid_input", "提交的数据不正确：{detail}", 422)
    CONFLICT = ("conflict", "数据已被他人修改，请刷新后重试", 409)
    RATE_LIMITED = ("rate_limited", "操作过于频繁，请稍后再试", 429)
    FILE_TOO_LARGE = ("file_too_large", "文件过大，上限为 {limit}", 413)
    BAD_FILE = ("bad_file", "无法读取文件：{detail}", 400)
    LATE_REASON_REQUIRED = ("core.late_reason_required", "日期早于 {days} 天前的记录为补录，请填写补录说明（如：据纸质签到表补录）", 422)


def not_found() -> DomainError:
    return CoreError.NOT_FOUND.error()
