"""Fixtures the evaluation tests share (the survey world: survey_world.py)."""

from .survey_world import answer, ev, gateway, send  # noqa: F401 (fixtures)
