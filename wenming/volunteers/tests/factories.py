"""Factories that go through the services, so tests see the same rows the product makes."""

import itertools
from types import SimpleNamespace

from wenming.accounts.models import User
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.testing import make_id_number, years_ago
from wenming.orgs.models import Node
from wenming.orgs.services import node_create
from wenming.volunteers.inputs import build_values, skills_index
from wenming.volunteers.services import volunteer_register
from wenming.volunteers.team_services import team_create

_seq = itertools.count(1)


def superuser(username: str = "root") -> User:
    return User.objects.create_superuser(username=username, password="Wenming!2024", display_name="系统管理员")


def user(username: str, password: str = "Wenming!2024", phone: str = "") -> User:
    u = User(username=username, display_name=username)
    if phone:
        u.set_phone(phone)
    u.set_password(password)
    u.save()
    return u


def node(actor, parent, name, kind, **fields) -> Node:
    return node_create(actor=actor, parent=parent, name=name, kind=kind, **fields)


def volunteer_input(home_node, *, name="张三", age=30, male=True, phone=None, **extra) -> dict:
    n = next(_seq)
    return {
        "name": name,
        "id_number": make_id_number(years_ago(age, days=10), seq=n % 100, male=male,
                                    area=extra.pop("area", "420527")),
        "phone": phone or f"139{n:08d}",
        "home_node": home_node.pk,
        "political_status": "masses",
        **extra,
    }


def volunteer(actor, home_node, **kwargs):
    data = volunteer_input(home_node, **kwargs)
    values = build_values(data, resolve_node=lambda k: Node.objects.filter(pk=k).first(),
                          skills_by_key=skills_index())
    return volunteer_register(actor=actor, values=values)


def build_world() -> SimpleNamespace:
    root = superuser()
    w = SimpleNamespace(root=root)
    w.county = node(root, None, "秭归县文明办", "county", code="420527", admin_code="420527000000")
    w.center = node(root, w.county, "秭归县新时代文明实践中心", "center", code="ZG-C")
    w.institute = node(root, w.center, "茅坪镇新时代文明实践所", "institute", code="ZG-I1")
    w.station_a = node(root, w.institute, "九里村新时代文明实践站", "station", code="ZG-S1")
    w.station_b = node(root, w.institute, "杨贵店村新时代文明实践站", "station", code="ZG-S2")
    w.point_a = node(root, w.station_a, "九里村一组实践点", "point", code="ZG-P1")
    w.grid_a = node(root, w.station_a, "九里村第一网格", "grid", code="ZG-G1")
    w.vol_a = volunteer(root, w.station_a, name="李明", phone="13900000001")
    w.vol_b = volunteer(root, w.station_b, name="王芳", male=False, phone="13900000002")
    w.office = user("office")
    role_grant(actor=root, user=w.office, role=Role.OFFICE_STAFF, node=w.county, may_reveal_pii=True)
    w.manager_a = user("manager_a")
    role_grant(actor=root, user=w.manager_a, role=Role.NODE_MANAGER, node=w.station_a)
    w.manager_b = user("manager_b")
    role_grant(actor=root, user=w.manager_b, role=Role.NODE_MANAGER, node=w.station_b)
    w.team_a = team_create(actor=root, name="九里村志愿服务小队", level="squad", node=w.station_a)
    w.leader = user("leader")
    role_grant(actor=root, user=w.leader, role=Role.TEAM_LEADER, node=w.station_a, team=w.team_a)
    return w
