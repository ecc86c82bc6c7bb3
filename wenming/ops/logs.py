"""Log records as one JSON object a line, with the request id and the user id.

Messages in this code base never carry personal data (ID numbers, phones, addresses are
masked or left out where they are logged); this formatter adds only ids.
"""

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from wenming.core.context import current_request, current_request_id


def _user_id(request) -> int | None:
    """The user id if the request has already resolved its user; never loads it here (a log
    line must not cause a database query)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or type(wrapped).__name__ == "object":  # a lazy user not yet loaded
        return None
    return getattr(wrapped, "pk", None)


class RequestContextFilter:
    def filter(self, record) -> bool:
        if getattr(record, "wenming_context", False):  # another handler's filter did it already
            return True
        record.wenming_context = True
        record.request_id = current_request_id.get()
        request = current_request.get()
        # Django's own request logger (4xx/5xx lines) attaches the request itself, whose repr
        # holds the query string (a searched phone number), and logs after our middleware has
        # left: keep only the path, and take the id from the request.
        attached = getattr(record, "request", None)
        if attached is not None and hasattr(attached, "path"):
            record.request_id = getattr(attached, "request_id", record.request_id)
            record.request = attached.path[:200]
            request = request or attached
        record.user_id = _user_id(request) if request is not None else None
        return True


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "wenming_context"])
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)
