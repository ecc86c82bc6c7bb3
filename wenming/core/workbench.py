"""To-do panels on the signed-in home page (工作台). Each app registers a function in its
AppConfig.ready(); it gets the user and returns a Panel or None. Core never imports the
apps: they announce what they have for the user."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Todo:
    label: str
    count: int
    url: str
    urgent: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    todos: list[Todo] = field(default_factory=list)
    link: str = ""
    link_label: str = ""


PANELS: list[Callable] = []


def register_panel(fn: Callable) -> Callable:
    if fn not in PANELS:
        PANELS.append(fn)
    return fn


def panels_for(user) -> list[Panel]:
    return [p for p in (fn(user) for fn in PANELS) if p is not None]
