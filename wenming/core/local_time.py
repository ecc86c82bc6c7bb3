"""Times as people read them: in the site's time zone (TIME_ZONE, Asia/Shanghai), never UTC.

The database keeps UTC, and pages already show local time (templates convert). These cover
what does not pass through a template: model names (__str__, shown by the admin), command
output, and the JSON API (api_renderer.py: a person reads it in the API docs' "try it out",
in a job's status next to its page).
"""

import datetime as dt

from django.utils import timezone


def local_iso(value: dt.datetime) -> str:
    """2026-12-08T09:30:00+08:00 for an aware datetime (the same instant as …01:30:00Z)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    text = value.isoformat()
    if value.microsecond:  # milliseconds, as Django's JSON encoder writes them
        text = text[:23] + text[26:]
    return text


def local_text(value, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An aware datetime or an ISO 8601 string as local wall-clock text (2026-12-08 09:30:00);
    anything unreadable as it came."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return str(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(fmt)
