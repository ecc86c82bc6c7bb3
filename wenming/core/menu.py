"""What a user may open, by role: the top navigation and the home-page menu share this."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import scope_for


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url: str
    desc: str = ""
    in_nav: bool = True


def optional_reverse(name: str, *args) -> str:
    """A URL, or "" while the page it names is not installed yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _item(key, label, name, desc="", in_nav=True) -> MenuItem | None:
    url = optional_reverse(name)
    return MenuItem(key, label, url, desc, in_nav) if url else None


def menu_for(user) -> list[MenuItem]:
    if user is None or not user.is_authenticated:
        items = [
            _item("register", "志愿者注册", "volunteers:register", "实名注册成为志愿者，选择所属的实践站或实践点"),
            _item("login", "登录", "accounts:login", "工作人员和志愿者登录（用户名或手机号）"),
        ]
        return [i for i in items if i]
    scope = scope_for(user)
    items: list[MenuItem | None] = []
    if scope.has(Perm.NODE_VIEW):
        items.append(_item("nodes", "阵地", "orgs:tree", "新时代文明实践中心、所、站、点的组织架构"))
    if scope.has(Perm.UNIT_VIEW):
        items.append(_item("units", "文明单位", "orgs:units", "挂靠在各阵地的文明单位、社区、村镇、校园、家庭"))
    if scope.has(Perm.VOLUNTEER_VIEW) or scope.led_team_ids():
        items.append(_item("volunteers", "志愿者", "volunteers:list", "查询、筛选、导出志愿者名册（证件号、手机号已脱敏）"))
    if scope.has(Perm.VOLUNTEER_EDIT):
        items.append(_item("volunteer_new", "新增志愿者", "volunteers:create", "工作人员代为登记志愿者",
                           in_nav=False))
        items.append(_item("roster_upload", "批量导入", "roster:upload", "按模板上传 Excel 名册，逐行返回错误原因",
                           in_nav=False))
    if scope.has(Perm.TEAM_VIEW) or scope.led_team_ids():
        items.append(_item("teams", "队伍", "volunteers:teams", "总队、支队、分队、小队及队员"))
    if Role.VOLUNTEER in scope.roles():
        items.append(_item("me", "我的志愿者信息", "volunteers:me", "查看本人的志愿者登记信息"))
    if user.is_staff:
        items.append(_item("admin", "系统管理", "admin:index", "Django 管理后台（系统管理员）", in_nav=False))
    return [i for i in items if i]
