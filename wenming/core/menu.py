"""What a user may open, by role: the top navigation and the home-page menu share this.

Every item belongs to a group (志愿服务, 群众点单 …): the home page and the 菜单 panel list the
groups with compact links. The top bar shows the items marked in_nav, the role's main work
first (NAV_RANK), as many as fit the screen, and a 菜单 button for the rest (site_menu)."""

from dataclasses import dataclass, field

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
    group: str = ""


# (key, title) in the order the menu lists them; a group without items is left out
GROUPS = (
    ("service", "志愿服务"),
    ("demands", "群众点单"),
    ("hotline", "心理热线"),
    ("org", "阵地与队伍"),
    ("evaluation", "创建测评"),
    ("publicity", "宣传与报送"),
    ("data", "数据与管理"),
    ("public", "公开信息"),
)
GROUP_TITLES = dict(GROUPS)

# Which of the in_nav items come first in the top bar (a phone shows the first three or so):
# each role's main work. Items not named keep their menu order after these.
NAV_RANK = {key: rank for rank, key in enumerate((
    "demand_new", "demand_mine", "demand_track", "reports_public",  # a resident
    "my_shifts", "offers",  # a volunteer
    "hotline_calls", "hotline_supervision",  # a counsellor, a supervisor
    "demand_board", "dashboard",  # an office, a station
    "evaluation", "honours",  # an inspector, a liaison, a reviewer
    "volunteers", "project_admin", "hours", "projects", "teams",
))}


@dataclass
class MenuGroup:
    key: str
    title: str
    items: list[MenuItem] = field(default_factory=list)


@dataclass
class SiteMenu:
    nav: list[MenuItem]  # the top bar, main work first
    groups: list[MenuGroup]  # everything, grouped

    @property
    def items(self) -> list[MenuItem]:
        return [i for g in self.groups for i in g.items]


def site_menu(user) -> SiteMenu:
    items = [i for i in menu_for(user) if i.key != "login"]
    groups: dict[str, MenuGroup] = {}
    for key, title in GROUPS:
        groups[key] = MenuGroup(key, title)
    for item in items:
        groups.setdefault(item.group or "public", MenuGroup(item.group, GROUP_TITLES.get(item.group, "其他"))
                          ).items.append(item)
    nav = [i for i in items if i.in_nav]
    if user is not None and user.is_authenticated:
        nav.sort(key=lambda i: NAV_RANK.get(i.key, len(NAV_RANK)))
    return SiteMenu(nav=nav, groups=[g for g in groups.values() if g.items])


def optional_reverse(name: str, *args) -> str:
    """A URL, or "" while the page it names is not installed yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _item(key, label, name, desc="", in_nav=True, group="") -> MenuItem | None:
    url = optional_reverse(name)
    return MenuItem(key, label, url, desc, in_nav, group) if url else None


def _demo_sms_item() -> MenuItem | None:
    """演示短信: the texts the embedded default keeps, while no real SMS gateway is set up."""
    from wenming.core.demo_sms import demo_sms_enabled

    if not demo_sms_enabled():  # production, a real gateway, or not the demo's data
        return None
    return _item("demo_sms", "演示短信", "demo_sms_inbox", "演示环境未接入短信网关：验证码等短信在这里查看", in_nav=False,
                 group="public")


def menu_for(user) -> list[MenuItem]:
    if user is None or not user.is_authenticated:
        items = [
            _item("projects", "志愿服务项目", "service_pages:projects", "正在招募的志愿服务项目，可按类别和距离查找",
                  group="service"),
            _item("register", "志愿者注册", "volunteers:register", "实名注册成为志愿者，选择所属的实践站或实践点",
                  group="service"),
            _nearby_item(),
            _item("demand_new", "我要点单", "demands:new", "需要代购、送药、陪护等帮助？提交需求，附近的志愿者为您服务",
                  group="demands"),
            _item("demand_track", "点单进度", "demands:track", "凭点单编号和查询码查看进度、评价服务", in_nav=False,
                  group="demands"),
            _item("reports_public", "公开信息", "reporting:public", "各阵地、文明单位报送并经审核公开的工作信息",
                  group="public"),
            _item("honours_public", "先进典型", "honours:portal", "道德模范、身边好人等评选：网络投票、评选公示、光荣榜",
                  group="public"),
            _demo_sms_item(),
            _item("login", "登录", "accounts:login", "工作人员和志愿者登录（用户名或手机号）"),
        ]
        return [i for i in items if i]
    scope = scope_for(user)
    roles = scope.roles()
    items: list[MenuItem | None] = []
    if Role.RESIDENT in roles:
        items += _resident_items()
    if scope.has(Perm.NODE_VIEW):
        items.append(_item("nodes", "阵地", "orgs:tree", "新时代文明实践中心、所、站、点的组织架构", group="org"))
    if scope.has(Perm.NODE_VIEW):
        items.append(_item("dashboard", "数据看板", "dashboards:board", "本辖区志愿者、服务时长、点单、排查、宣传等数据与图表；大屏展示",
                           group="data"))
    if scope.has(Perm.UNIT_VIEW):
        items.append(_item("units", "文明单位", "orgs:units", "挂靠在各阵地的文明单位、社区、村镇、校园、家庭", group="org"))
    if scope.has(Perm.VOLUNTEER_VIEW) or scope.led_team_ids():
        items.append(_item("volunteers", "志愿者", "volunteers:list", "查询、筛选、导出志愿者名册（证件号、手机号已脱敏）",
                           group="org"))
    if scope.has(Perm.VOLUNTEER_EDIT):
        items.append(_item("volunteer_new", "新增志愿者", "volunteers:create", "工作人员代为登记志愿者",
                           in_nav=False, group="org"))
        items.append(_item("roster_upload", "批量导入", "roster:upload", "按模板上传 Excel 名册，逐行返回错误原因",
                           in_nav=False, group="org"))
        items.append(_item("volunteer_changes", "信息确认", "volunteers:changes", "志愿者自行更新的保险、技能，核对凭证后确认",
                           in_nav=False, group="org"))
    if scope.has(Perm.TEAM_VIEW) or scope.led_team_ids():
        items.append(_item("teams", "队伍", "volunteers:teams", "总队、支队、分队、小队及队员", group="org"))
    items += _evaluation_items(scope)
    items += _honour_items(scope)
    items += _service_items(scope)
    items += _reporting_items(scope)
    items += _demand_items(scope, user)
    if Role.VOLUNTEER in roles:
        items.append(_item("me", "我的志愿者信息", "volunteers:me", "查看本人的志愿者登记信息", group="service"))
        items.append(_item("card", "电子志愿者证", "volunteers:card", "姓名、志愿者编号、星级、时长和供工作人员扫码的二维码",
                           in_nav=False, group="service"))
    if Role.VOLUNTEER in roles or Role.RESIDENT in roles:
        items.append(_nearby_item())
    if user.is_staff:
        items.append(_item("admin", "系统管理", "admin:index", "系统管理后台：账号、字典与全部数据（系统管理员）", in_nav=False,
                           group="data"))
    if any(items):  # (an account without a role sees only that it has none)
        # the public pages (published reports, the honours' vote and 光荣榜) are for everyone
        if Role.RESIDENT not in roles:
            items.append(_item("reports_public", "公开信息", "reporting:public", "各阵地、文明单位报送并经审核公开的工作信息",
                               in_nav=False, group="public"))
        items.append(_item("honours_public", "先进典型", "honours:portal", "道德模范、身边好人等评选：网络投票、评选公示、光荣榜",
                           in_nav=False, group="public"))
    return [i for i in items if i]


def _nearby_item() -> MenuItem | None:
    return _item("nearby", "附近的活动", "nearby:map", "地图上看附近正在招募的志愿服务和实践站点", in_nav=False,
                 group="service")


def _resident_items() -> list[MenuItem | None]:
    """A signed-in resident: their requests (我的点单 once it is installed), a new one, the
    progress page by number and code, and the public information."""
    return [
        _item("demand_new", "我要点单", "demands:new", "需要代购、送药、陪护等帮助？提交需求，附近的志愿者为您服务",
              group="demands"),
        _item("demand_mine", "我的点单", "demands:mine", "用本人手机号提交的点单：进度、评价", group="demands"),
        _item("demand_track", "点单进度", "demands:track", "凭点单编号和查询码查看进度、评价服务", group="demands"),
        _item("reports_public", "公开信息", "reporting:public", "各阵地、文明单位报送并经审核公开的工作信息",
              group="public"),
    ]


def _demand_items(scope, user) -> list[MenuItem | None]:
    """Residents' requests, supplies and the hotline (SPEC 4.5)."""
    roles = scope.roles()
    items: list[MenuItem | None] = []
    if scope.has(Perm.DEMAND_VIEW):
        items.append(_item("demand_board", "群众点单", "demands:board", "待审核、待派单、超时的群众点单", group="demands"))
    if scope.has(Perm.DEMAND_EDIT):
        items.append(_item("demand_enter", "电话点单录入", "demands:enter", "接听群众来电后代为录入点单", in_nav=False,
                           group="demands"))
    if scope.has(Perm.DEMAND_VIEW) or Role.VOLUNTEER in roles:
        items.append(_item("deliveries", "代购配送", "deliveries:runs", "汇总多户代购清单，统一采购、上门配送、逐户确认",
                           in_nav=False, group="demands"))
    if Role.VOLUNTEER in roles:
        items.append(_item("offers", "派给我的点单", "demands:offers", "接单或婉拒派给您的群众点单", group="demands"))
    if scope.has(Perm.SUPPLY_VIEW):
        items.append(_item("supplies", "防疫物资", "supplies:stock", "物资库存、接收捐赠、分发调拨", in_nav=False,
                           group="demands"))
    if Role.COUNSELOR in roles:
        items.append(_item("hotline_calls", "心理热线", "hotline:calls", "我的来电记录与回访", group="hotline"))
    if Role.HOTLINE_SUPERVISOR in roles:
        items.append(_item("hotline_supervision", "热线督导", "hotline:supervision", "所督导咨询师的来电记录",
                           group="hotline"))
    if _may_set_up_hotlines(user):
        items.append(_item("hotline_setup", "热线设置", "hotline:lines", "心理热线、咨询师、督导和值班表", in_nav=False,
                           group="hotline"))
    if scope.has(Perm.HOTLINE_STATS):
        items.append(_item("hotline_stats", "热线统计", "hotline:stats", "按时期、人群、话题的来电统计（不含个人信息）",
                           in_nav=False, group="hotline"))
    return items


def _reporting_items(scope) -> list[MenuItem | None]:
    """Information reports, tallies, custom reform, online activities, party check-in (SPEC 4.6)."""
    roles = scope.roles()
    if not roles:
        return []
    items: list[MenuItem | None] = []
    # Who writes, reads and reviews reports: reporting/access.py (a liaison writes by unit).
    if scope.has(Perm.REPORT_WRITE) or Role.UNIT_LIAISON in roles:
        items.append(_item("reports", "信息报送", "reporting:mine", "本阵地、本单位的工作信息：撰写、提交、查看审核意见",
                           in_nav=False, group="publicity"))
    elif scope.has(Perm.REPORT_VIEW):
        items.append(_item("reports", "信息报送", "reporting:all", "辖区内已提交的工作信息（只读）", in_nav=False,
                           group="publicity"))
    if scope.has(Perm.REPORT_REVIEW):
        items.append(_item("reports_queue", "信息审核", "reporting:queue", "下级阵地和文明单位报送的信息，审核、退回、公开",
                           in_nav=False, group="publicity"))
    if scope.has(Perm.NODE_VIEW) or Role.UNIT_LIAISON in roles:
        items.append(_item("tallies", "宣传统计", "campaigns:tallies", "横幅、宣传画、宣传单、劝导人次等按月填报与汇总",
                           in_nav=False, group="publicity"))
    if scope.has(Perm.NODE_VIEW):
        items.append(_item("grids", "网格排查", "grids:index", "网格户数、队伍认领、入户走访（敲门行动）与覆盖率", in_nav=False,
                           group="org"))
    elif Role.VOLUNTEER in roles or scope.led_team_ids():
        items.append(_item("grids_mine", "入户走访", "grids:mine", "本队认领网格的入户走访登记", in_nav=False,
                           group="service"))
    if scope.has(Perm.NODE_VIEW):
        items.append(_item("reform", "移风易俗", "campaigns:reform", "婚事延办、丧事简办等登记与统计", in_nav=False,
                           group="publicity"))
        items.append(_item("online", "云上活动", "campaigns:online", "线上活动的参与、浏览、转发（每人每天计一次）",
                           in_nav=False, group="publicity"))
    if scope.has(Perm.VOLUNTEER_VIEW) or Role.VOLUNTEER in roles:
        items.append(_item("party", "党员报到", "campaigns:party", "党员志愿者到居住地社区（村）实践站报到", in_nav=False,
                           group="org" if scope.has(Perm.VOLUNTEER_VIEW) else "service"))
    return items


def _evaluation_items(scope) -> list[MenuItem | None]:
    """Civilized-city evaluation (SPEC 4.7): first for the roles whose work it is."""
    roles = scope.roles()
    g = "evaluation"
    if Role.UNIT_LIAISON in roles:
        return [_item("evaluation", "创建任务", "evaluation:index", "本单位的责任清单、督查交办的问题和整改、得分", group=g),
                _item("evaluation_materials", "测评材料", "evaluation:material_home", "按指标提交本单位的测评材料，查看评分",
                      in_nav=False, group=g),
                _item("evaluation_unit", "本单位参与情况", "evaluation:unit_list",
                      "本单位的志愿者、志愿服务队、联点共建和响应招募令", in_nav=False, group=g)]
    items: list[MenuItem | None] = []
    if scope.has(Perm.EVAL_INSPECT):
        items += [_item("evaluation", "测评督查", "evaluation:index", "暗访督查、现场录入问题、复查整改、得分与红黑榜", group=g),
                  _item("evaluation_sites", "测评点位", "evaluation:sites", "农贸市场、背街小巷等点位，扫码录入问题",
                        in_nav=False, group=g)]
    elif scope.has(Perm.EVAL_VIEW):
        items.append(_item("evaluation", "文明创建测评", "evaluation:index", "辖区测评得分、督查问题和整改进度",
                           in_nav=False, group=g))
    if scope.has(Perm.EVAL_REVIEW):
        items.append(_item("evaluation_materials", "测评材料审核", "evaluation:material_home", "责任单位提交的测评材料，评分或退回",
                           in_nav=False, group=g))
    if scope.has(Perm.EVAL_EDIT):
        items.append(_item("evaluation_surveys", "问卷调查", "evaluation:survey_home", "群众知晓率、满意率问卷，扫码作答",
                           in_nav=False, group=g))
    if scope.has(Perm.EVAL_VIEW) or scope.has(Perm.UNIT_VIEW):
        items.append(_item("evaluation_units", "文明单位参与情况", "evaluation:unit_list",
                           "各文明单位的志愿者、服务时长、联点共建和年度测评情况", in_nav=False, group=g))
    return items


def _honour_items(scope) -> list[MenuItem | None]:
    """Honours (先进典型评选, SPEC 4.7): the office runs them, reviewers score, node managers
    and civilized units' liaisons nominate (honours/access.py)."""
    roles = scope.roles()
    reviewer = Role.HONOUR_REVIEWER in roles  # their main work: in the top navigation
    g = "evaluation"
    if scope.has(Perm.HONOUR_EDIT):
        return [_item("honours", "先进典型评选", "honours:staff_index",
                      "道德模范、身边好人等评选：推荐、初审复审、网络投票监控、公示异议", in_nav=reviewer, group=g)]
    if scope.has(Perm.HONOUR_REVIEW):
        return [_item("honours", "先进典型评审", "honours:staff_index", "评审辖区内的先进典型推荐：打分、通过或退回",
                      in_nav=reviewer, group=g)]
    if scope.has(Perm.HONOUR_NOMINATE) or Role.UNIT_LIAISON in roles:
        return [_item("honours", "推荐先进典型", "honours:staff_index", "推荐身边的好人好事、优秀志愿者，查看评审进度",
                      in_nav=False, group=g)]
    if scope.has(Perm.HONOUR_VIEW):
        return [_item("honours", "先进典型评选", "honours:staff_index", "辖区内的先进典型推荐和评选进度", in_nav=False,
                      group=g)]
    return []


def _may_set_up_hotlines(user) -> bool:
    from wenming.hotline.access import may_manage_any  # the hotline decides who sets it up

    return may_manage_any(user)


def _service_items(scope) -> list[MenuItem | None]:
    """Volunteer service (SPEC 4.4). An account with no role at all gets nothing here, so its
    home page still says that no role has been assigned yet."""
    if not scope.roles():
        return []
    leads, edits = bool(scope.led_team_ids()), scope.has(Perm.PROJECT_EDIT)
    volunteer = Role.VOLUNTEER in scope.roles()
    g = "service"
    items = [_item("projects", "志愿服务项目", "service_pages:projects", "正在招募的志愿服务项目，报名参加", group=g)]
    if volunteer:
        items.append(_item("my_shifts", "我的服务", "service_pages:my_shifts", "我报名的班次、服务时长、星级和积分", group=g))
        items.append(_item("my_calls", "我的招募令", "mobilization:answer", "召集您的应急招募令：答复能否参加",
                           in_nav=False, group=g))
        items.append(_item("courses", "岗前培训", "mobilization:courses", "学习培训材料并完成测验，部分项目报名前必修",
                           in_nav=False, group=g))
    if scope.has(Perm.PROJECT_VIEW) or leads:
        items.append(_item("project_admin", "项目管理", "service_staff:projects",
                           "新建项目、添加岗位班次、发布和招募，查看报名名单", group=g))
    if leads or edits:
        items.append(_item("claims", "认领项目", "service_staff:claims", "本区域已发布的项目，由队伍认领", group=g))
    if edits:
        items.append(_item("calls", "招募令", "mobilization:calls", "向应急储备志愿者发出招募令", group=g))
    if edits or leads:
        items.append(_item("hours", "时长审核", "service_records:hours", "核定志愿者的服务时长", group=g))
    if scope.has(Perm.VOLUNTEER_VIEW):
        items.append(_item("certificate_batch", "批量出具证明", "service:certificate_batch",
                           "为一个阵地的志愿者批量出具志愿服务记录证明，打包下载 PDF", in_nav=False, group=g))
    if volunteer:
        items.append(_item("my_certificates", "我的证明", "service_records:my_certificates",
                           "下载志愿服务记录证明", in_nav=False, group=g))
        items.append(_item("shop", "爱心超市", "shop:items", "用爱心积分兑换物品，凭兑换码到阵地领取",
                           in_nav=False, group=g))
    if edits:
        items.append(_item("shop_admin", "爱心超市管理", "shop:manage", "上架物品、补充库存、核销兑换码",
                           in_nav=False, group=g))
    return items
