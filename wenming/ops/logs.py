"""Log records as one JSON object a line, with the request id and the user id.

Messages in this code base never carry personal data (ID numbers, phones, addresses are
masked or left out where they are logged); this formatter adds only ids.
"""

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
        record.request_id = current_request_id.get()
        request = current_request.get()
        record.user_id = _user_id(request) if request is not None else None
        return True


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)
