"""To-do panels on the signed-in home page (工作台). Each app registers a function in its
AppConfig.ready(); it gets the user and returns a Panel or None. Core never imports the
apps: they announce what they have for the user.

A to-do's count comes from the same scoped selector as the list its link opens (one COUNT,
or one grouped COUNT for several to-dos of an app), so the number on the home page is the
number of rows the user finds there. The home page shows the to-dos that wait (count > 0)
first, urgent ones marked; panels with nothing waiting shrink to one line."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Todo:
    label: str
    count: int
    url: str
    urgent: bool = False
    note: str = ""  # a short remark under the label, e.g. "其中 2 件已超时"


@dataclass(frozen=True)
class Panel:
    title: str
    todos: list[Todo] = field(default_factory=list)
    link: str = ""
    link_label: str = ""
    order: int = 50  # lower first: demands 10, hotline 15, service 20 … honours 60

    @property
    def waiting(self) -> list[Todo]:
        """The to-dos with something waiting, in the app's order."""
        return [t for t in self.todos if t.count]

    @property
    def total(self) -> int:
        return sum(t.count for t in self.todos)


@dataclass(frozen=True)
class Workbench:
    busy: list[Panel]  # panels with something waiting
    idle: list[Panel]  # panels of the user's work with nothing waiting now

    @property
    def urgent(self) -> int:
        return sum(t.count for p in self.busy for t in p.waiting if t.urgent)


PANELS: list[Callable] = []


def register_panel(fn: Callable) -> Callable:
    if fn not in PANELS:
        PANELS.append(fn)
    return fn


def panels_for(user) -> list[Panel]:
    """The panels of the apps that have work for the user, in their order. One app's failure
    is logged and leaves its panel out: the home page is everyone's way in and must open."""
    found = []
    for fn in PANELS:
        try:
            panel = fn(user)
        except Exception:
            logger.exception("workbench panel %s.%s failed", fn.__module__, fn.__name__)
            continue
        if panel is not None:
            found.append(panel)
    return sorted(found, key=lambda p: p.order)


def workbench_for(user) -> Workbench:
    panels = panels_for(user)
    return Workbench(busy=[p for p in panels if p.waiting], idle=[p for p in panels if not p.waiting])


def overdue_note(late: int, word: str = "件") -> str:
    return f"其中 {late} {word}已超时" if late else ""
