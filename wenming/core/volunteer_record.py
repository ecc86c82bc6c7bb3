"""What a higher app adds to a volunteer's record — their honours on the volunteer pages and
the lines on the service certificate — without the volunteer and service apps importing it:
the honours app provides its readers in its AppConfig.ready() (like core/workbench.py)."""

from collections.abc import Callable
from datetime import datetime

_honours: Callable | None = None
_certificate_lines: Callable | None = None


def provide(*, honours: Callable, certificate_lines: Callable) -> None:
    global _honours, _certificate_lines
    _honours, _certificate_lines = honours, certificate_lines


def honours_of(volunteer) -> list:
    """The volunteer's announced honours (shown on their pages), newest first."""
    return _honours(volunteer) if _honours and volunteer is not None else []


def certificate_honour_lines(volunteer, *, as_of: datetime) -> list[str]:
    """One phrase per honour announced by `as_of`, for the service certificate."""
    return _certificate_lines(volunteer, as_of=as_of) if _certificate_lines else []
