"""Roles (SPEC 1) and what each may do. Scope (which rows) is decided in scope.py."""

from django.db import models


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", "系统管理员"
    OFFICE_STAFF = "office_staff", "文明办工作人员"
    NODE_MANAGER = "node_manager", "阵地管理员"
    TEAM_LEADER = "team_leader", "队长"
    VOLUNTEER = "volunteer", "志愿者"
    RESIDENT = "resident", "群众"
    COUNSELOR = "counselor", "心理咨询师"
    INSPECTOR = "inspector", "测评督查员"
    UNIT_LIAISON = "unit_liaison", "文明单位联络员"
    HOTLINE_SUPERVISOR = "hotline_supervisor", "心理热线督导"
    HONOUR_REVIEWER = "honour_reviewer", "先进典型评审员"


class Perm(models.TextChoices):
    NODE_VIEW = "node.view", "查看阵地"
    NODE_EDIT = "node.edit", "管理阵地"
    UNIT_VIEW = "unit.view", "查看文明单位"
    UNIT_EDIT = "unit.edit", "管理文明单位"
    VOLUNTEER_VIEW = "volunteer.view", "查看志愿者"
    VOLUNTEER_EDIT = "volunteer.edit", "管理志愿者"
    TEAM_VIEW = "team.view", "查看队伍"
    TEAM_EDIT = "team.edit", "管理队伍"
    PROJECT_VIEW = "project.view", "查看志愿服务项目"
    PROJECT_EDIT = "project.edit", "管理志愿服务项目"
    ROLE_GRANT = "role.grant", "分配角色"
    AUDIT_VIEW = "audit.view", "查看审计日志"
    DEMAND_VIEW = "demand.view", "查看群众点单"
    DEMAND_EDIT = "demand.edit", "审单派单"
    SUPPLY_VIEW = "supply.view", "查看防疫物资"
    SUPPLY_EDIT = "supply.edit", "管理防疫物资"
    HOTLINE_STATS = "hotline.stats", "查看心理热线统计（不含个人信息）"
    # Information reports (reporting/access.py): read submitted reports of a subtree; write
    # in the name of the node of the assignment itself; review and publish from above.
    REPORT_VIEW = "report.view", "查看信息报送"
    REPORT_WRITE = "report.write", "撰写信息报送"
    REPORT_REVIEW = "report.review", "审核发布信息报送"
    # Civilized-city evaluation (evaluation/access.py): read findings and scores of a
    # subtree; configure campaigns, duties, sites, accountability; inspect and re-inspect;
    # review units' material.
    EVAL_VIEW = "eval.view", "查看测评督查"
    EVAL_EDIT = "eval.edit", "管理测评体系与责任分解"
    EVAL_INSPECT = "eval.inspect", "实地督查与复查"
    EVAL_REVIEW = "eval.review", "审核测评材料"
    # Honours (honours/access.py): read the campaigns and nominations of a subtree; run a
    # campaign (stages, criteria, selection, votes, objections); nominate in a node's name;
    # review nominations at the reviewer's level.
    STATS_DEFINE = "stats.define", "定义本辖区统计指标"
    PERIOD_CLOSE = "period.close", "统计期关账与重新开放"
    HONOUR_VIEW = "honour.view", "查看先进典型评选"
    HONOUR_EDIT = "honour.edit", "组织先进典型评选"
    HONOUR_NOMINATE = "honour.nominate", "推荐先进典型"
    HONOUR_REVIEW = "honour.review", "评审先进典型"


_STAFF = {Perm.NODE_VIEW, Perm.UNIT_VIEW, Perm.VOLUNTEER_VIEW, Perm.TEAM_VIEW, Perm.PROJECT_VIEW}
_DEMANDS = {Perm.DEMAND_VIEW, Perm.DEMAND_EDIT, Perm.SUPPLY_VIEW, Perm.SUPPLY_EDIT}
# Reviewing only applies to reports from below (a strict descendant's, or a unit's attached
# at the node or below), so a station's manager writes the station's reports and reviews
# only its units'.
_REPORTS = {Perm.REPORT_VIEW, Perm.REPORT_WRITE, Perm.REPORT_REVIEW}
_EVAL = {Perm.EVAL_VIEW, Perm.EVAL_EDIT, Perm.EVAL_INSPECT, Perm.EVAL_REVIEW}
_HONOURS = {Perm.HONOUR_VIEW, Perm.HONOUR_EDIT, Perm.HONOUR_NOMINATE, Perm.HONOUR_REVIEW}

ROLE_PERMS: dict[str, set[str]] = {
    Role.PLATFORM_ADMIN: set(Perm.values),
    Role.OFFICE_STAFF: _STAFF | {Perm.NODE_EDIT, Perm.UNIT_EDIT, Perm.VOLUNTEER_EDIT, Perm.TEAM_EDIT,
                                 Perm.PROJECT_EDIT, Perm.ROLE_GRANT, Perm.AUDIT_VIEW, *_DEMANDS,
                                 Perm.HOTLINE_STATS, *_REPORTS, *_EVAL, *_HONOURS, Perm.STATS_DEFINE,
                                 Perm.PERIOD_CLOSE},
    Role.NODE_MANAGER: _STAFF | {Perm.NODE_EDIT, Perm.UNIT_EDIT, Perm.VOLUNTEER_EDIT, Perm.TEAM_EDIT,
                                 Perm.PROJECT_EDIT, *_DEMANDS, *_REPORTS, Perm.EVAL_VIEW, Perm.HONOUR_VIEW,
                                 Perm.HONOUR_NOMINATE},
    # A team leader sees the members of their team(s) and the team itself, nothing by node.
    Role.TEAM_LEADER: set(),
    Role.VOLUNTEER: set(),
    Role.RESIDENT: set(),
    Role.COUNSELOR: set(),
    Role.INSPECTOR: {Perm.NODE_VIEW, Perm.UNIT_VIEW, Perm.REPORT_VIEW, Perm.EVAL_VIEW, Perm.EVAL_INSPECT,
                     Perm.EVAL_REVIEW},
    # A liaison writes their own unit's reports and answers its evaluation duties and findings:
    # reporting/access.py and evaluation/access.py bind that to the unit of the assignment,
    # not to a permission over nodes.
    Role.UNIT_LIAISON: set(),
    # Hotline records are visible by assignment (counselor, supervisor), never by node scope;
    # what a scope gives here is the statistics without personal data.
    Role.HOTLINE_SUPERVISOR: {Perm.HOTLINE_STATS},
    # A reviewer (often from outside the office) scores nominations of their subtree; the unit
    # on their assignment is their own, for conflicts of interest.
    Role.HONOUR_REVIEWER: {Perm.HONOUR_VIEW, Perm.HONOUR_REVIEW},
}

# Roles that use the staff back office.
STAFF_ROLES = {Role.PLATFORM_ADMIN, Role.OFFICE_STAFF, Role.NODE_MANAGER, Role.TEAM_LEADER, Role.INSPECTOR,
               Role.HOTLINE_SUPERVISOR, Role.HONOUR_REVIEWER}

# Which roles may grant which roles (always within the granter's own subtree).
GRANTABLE = {
    Role.PLATFORM_ADMIN: set(Role.values),
    # A hotline supervisor reads counselling records: only a platform admin names one, so
    # office staff cannot make themselves (or each other) readers of those records.
    Role.OFFICE_STAFF: set(Role.values) - {Role.PLATFORM_ADMIN, Role.HOTLINE_SUPERVISOR},
}

# Roles that can be given the reveal-personal-data privilege (the flag on the assignment).
REVEAL_ROLES = {Role.OFFICE_STAFF, Role.NODE_MANAGER}
