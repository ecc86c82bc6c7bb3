"""Per-request context for the audit log and the logs, set by middleware."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
# The request being served (its id and, once known, its user id go into every log line).
current_request: ContextVar[object | None] = ContextVar("current_request", default=None)
current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")
