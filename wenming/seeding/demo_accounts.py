"""One demo login per role (SPEC 1), each with a scope that makes sense in the demo county."""

from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from wenming.accounts.models import RoleAssignment, User
from wenming.accounts.roles import Role
from wenming.volunteers.models import Volunteer

from .zigui import COUNTY, URBAN_COMMUNITIES

# Printed by `wenming demo`; passes Django's validators (length, not common, not numeric).
DEMO_PASSWORD = "Wenming@2024"
DEMO_STATION = URBAN_COMMUNITIES[0]  # 金缸城社区, in the county seat 茅坪镇
# The first volunteers live there and join its 分队, so the leader and volunteer logins
# always have a team, whatever the seed or the number of volunteers.
DEMO_STATION_CORE = 8
DEMO_UNIT = "秭归县教育局"


class DemoAccount(NamedTuple):
    username: str
    role: str
    display_name: str
    scope: str

    @property
    def role_label(self) -> str:
        return Role(self.role).label


DEMO_ACCOUNTS = [
    DemoAccount("admin", Role.PLATFORM_ADMIN, "系统管理员", "全部数据（超级用户）"),
    DemoAccount("office", Role.OFFICE_STAFF, "县文明办干事", f"{COUNTY}文明办及以下全部阵地，可查看个人敏感信息"),
    DemoAccount("institute", Role.NODE_MANAGER, "茅坪镇实践所管理员", "茅坪镇新时代文明实践所及其下各站、点、网格"),
    DemoAccount("station", Role.NODE_MANAGER, "社区实践站管理员", f"{DEMO_STATION}新时代文明实践站及其下点、网格"),
    DemoAccount("leader", Role.TEAM_LEADER, "分队长", f"{DEMO_STATION}志愿服务分队（本人也是志愿者）"),
    DemoAccount("volunteer", Role.VOLUNTEER, "志愿者", f"本人（{DEMO_STATION}志愿服务分队队员）"),
    DemoAccount("resident", Role.RESIDENT, "群众", f"本人的点单（{DEMO_STATION}）"),
    DemoAccount("counselor", Role.COUNSELOR, "心理咨询师", f"{COUNTY}新时代文明实践中心热线中分派给本人的个案"),
    DemoAccount("supervisor", Role.HOTLINE_SUPERVISOR, "心理热线督导",
                f"{COUNTY}新时代文明实践中心热线：所督导咨询师的个案，热线统计"),
    DemoAccount("inspector", Role.INSPECTOR, "测评督查员", f"{COUNTY}文明办及以下的测评督查"),
    DemoAccount("liaison", Role.UNIT_LIAISON, "文明单位联络员", f"文明单位：{DEMO_UNIT}"),
    DemoAccount("reviewer", Role.HONOUR_REVIEWER, "先进典型评审员",
                f"{COUNTY}先进典型评选的评审（本人工作单位：{DEMO_UNIT}，同单位的推荐须回避）"),
]


def create_accounts(county, teams, units, seeded) -> list[User]:
    """Users and role assignments, written directly (the seed has one summarising audit row).
    Returns the users in DEMO_ACCOUNTS order; the first is the superuser."""
    validate_password(DEMO_PASSWORD)
    password = make_password(DEMO_PASSWORD)  # one (slow) argon2 hash shared by all demo logins
    station = next(s for s in county.stations if s.short == DEMO_STATION)
    team = teams.division_of[id(station)]
    leader = teams.leaders[team.pk]
    member = next(s for s in teams.members[team.pk] if s is not leader and not s.person.minor)
    unit = next(u for u in units if u.name == DEMO_UNIT)
    institute = county.town_of[id(station)].node

    users = {}
    for account in DEMO_ACCOUNTS:
        admin = account.role == Role.PLATFORM_ADMIN
        user = User(username=account.username, display_name=account.display_name, password=password,
                    is_superuser=admin, is_staff=admin)
        if account.username in ("leader", "volunteer"):
            person = (leader if account.username == "leader" else member)
            user.display_name = person.person.name
            user.set_phone(person.person.phone)  # so they can also log in with their phone number
        user.save()
        users[account.username] = user
    root = users["admin"]
    grants = [
        ("admin", Role.PLATFORM_ADMIN, county.root.node, {}),
        ("office", Role.OFFICE_STAFF, county.county.node, {"may_reveal_pii": True}),
        ("institute", Role.NODE_MANAGER, institute, {}),
        ("station", Role.NODE_MANAGER, station.node, {}),
        ("leader", Role.TEAM_LEADER, station.node, {"team": team}),
        ("leader", Role.VOLUNTEER, leader.vol.home_node, {}),
        ("volunteer", Role.VOLUNTEER, member.vol.home_node, {}),
        ("resident", Role.RESIDENT, station.node, {}),
        ("counselor", Role.COUNSELOR, county.center.node, {}),
        ("supervisor", Role.HOTLINE_SUPERVISOR, county.center.node, {}),
        ("inspector", Role.INSPECTOR, county.county.node, {}),
        ("liaison", Role.UNIT_LIAISON, unit.node, {"unit": unit}),
        ("reviewer", Role.HONOUR_REVIEWER, county.county.node, {"unit": unit}),
    ]
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=users[name], role=role, node=node, granted_by=root, **extra)
        for name, role, node, extra in grants
    ])
    Volunteer.objects.filter(pk=leader.vol.pk).update(user=users["leader"])
    Volunteer.objects.filter(pk=member.vol.pk).update(user=users["volunteer"])
    return [users[a.username] for a in DEMO_ACCOUNTS]
