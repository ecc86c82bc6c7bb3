"""Hotline fixtures built through the services, on top of the shared `world`.

The line is run at the institute (茅坪镇); the supervisor holds the hotline-supervisor role
at the institute; two counselors hold the counselor role at station A and answer the line
around the clock; a third account is a counselor marked as supervisor.
"""

from datetime import time, timedelta
from types import SimpleNamespace

from django.utils import timezone

from wenming.accounts.models import RoleAssignment
from wenming.accounts.roles import Role
from wenming.volunteers.tests.factories import user

from ..call_services import call_log_create
from ..services import Slot, counselor_add, hotline_create, schedule_set

ALL_DAY = [Slot(weekday=d, starts_at=time(0, 0), ends_at=time(0, 0)) for d in range(1, 8)]


def counselor_user(username: str, node):
    u = user(username)
    RoleAssignment.objects.create(user=u, role=Role.COUNSELOR, node=node)
    return u


def supervisor_user(username: str, node):
    u = user(username)
    RoleAssignment.objects.create(user=u, role=Role.HOTLINE_SUPERVISOR, node=node)
    return u


def build_hotline(world) -> SimpleNamespace:
    h = SimpleNamespace(world=world)
    h.line = hotline_create(actor=world.office, node=world.institute, name="茅坪镇心理援助热线",
                            number="0717-2881234", hours="每日 0:00–24:00")
    h.sup_user = supervisor_user("supervisor", world.institute)
    h.c1_user = counselor_user("counselor1", world.station_a)
    h.c2_user = counselor_user("counselor2", world.station_a)
    h.c1 = counselor_add(actor=world.office, hotline=h.line, user=h.c1_user, supervisor=h.sup_user)
    h.c2 = counselor_add(actor=world.office, hotline=h.line, user=h.c2_user, supervisor=h.sup_user)
    for c in (h.c1, h.c2):
        schedule_set(actor=world.office, counselor=c, slots=ALL_DAY)
    return h


def call_values(**overrides) -> dict:
    return {"started_at": timezone.now() - timedelta(minutes=30), "duration_minutes": 25,
            "caller_group": "home_isolated", "topic": "anxiety", "outcome": "soothed",
            "summary": "来电者居家隔离第十天，担心家人，已做放松训练", "caller_phone": "13812345678", **overrides}


def log_call(counselor, **overrides):
    return call_log_create(actor=counselor.user, hotline=counselor.hotline, values=call_values(**overrides))
