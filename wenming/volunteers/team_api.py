from datetime import datetime

from ninja import Query, Router, Schema, Status

from wenming.core.api import PageOut, page_response
from wenming.core.pagination import paginate
from wenming.orgs.selectors import node_get_for_actor

from . import selectors, team_services
from .errors import TeamError
from .models import Team, TeamMember

router = Router(tags=["志愿服务队伍"])


class TeamOut(Schema):
    id: int
    name: str
    level: str
    kind: str
    parent_id: int | None
    node_id: int
    node_name: str
    description: str
    skill_code: str | None
    member_count: int
    archived_at: datetime | None

    @staticmethod
    def resolve_node_name(obj: Team) -> str:
        return obj.node.name

    @staticmethod
    def resolve_member_count(obj: Team) -> int:
        # Lists annotate the count in one query; a freshly written team counts its own.
        count = getattr(obj, "member_count", None)
        return count if count is not None else obj.memberships.count()

    @staticmethod
    def resolve_skill_code(obj: Team) -> str | None:
        return obj.skill.code if obj.skill_id else None


class TeamIn(Schema):
    name: str
    level: str
    kind: str = "general"
    node_id: int
    parent_id: int | None = None
    description: str = ""
    skill_code: str | None = None


class TeamPatch(Schema):
    name: str | None = None
    level: str | None = None
    kind: str | None = None
    node_id: int | None = None
    parent_id: int | None = None
    description: str | None = None
    skill_code: str | None = None


class TeamFilters(Schema):
    search: str = ""
    node_id: int | None = None
    level: str = ""
    kind: str = ""
    parent_id: int | None = None
    include_archived: bool = False
    page: int = 1
    page_size: int = 50


class MemberOut(Schema):
    volunteer_id: int
    volunteer_no: str
    name: str
    phone_masked: str
    role: str
    joined_at: datetime

    @staticmethod
    def resolve_volunteer_no(obj: TeamMember) -> str:
        return obj.volunteer.volunteer_no

    @staticmethod
    def resolve_name(obj: TeamMember) -> str:
        return obj.volunteer.name

    @staticmethod
    def resolve_phone_masked(obj: TeamMember) -> str:
        return obj.volunteer.phone_masked


class MemberIn(Schema):
    volunteer_id: int
    role: str = "member"


def _resolve(request, data: dict) -> dict:
    out = dict(data)
    if "node_id" in out:
        out["node"] = node_get_for_actor(actor=request.auth, node_id=out.pop("node_id"))
    if "parent_id" in out:
        parent_id = out.pop("parent_id")
        out["parent"] = selectors.team_get_editable(actor=request.auth, team_id=parent_id) if parent_id else None
    if "skill_code" in out:
        code = out.pop("skill_code")
        out["skill"] = selectors.skill_list().filter(code=code).first() if code else None
        if code and out["skill"] is None:
            raise TeamError.SKILL_UNKNOWN.error("skill_code", value=code)
    return out


@router.get("/teams", response=PageOut[TeamOut], summary="队伍列表")
def list_teams(request, filters: Query[TeamFilters]):
    f = filters.dict()
    page, size = f.pop("page"), f.pop("page_size")
    return page_response(paginate(selectors.team_list_for_actor(actor=request.auth, **f), page, size))


@router.get("/teams/{team_id}", response=TeamOut, summary="队伍详情")
def get_team(request, team_id: int):
    return selectors.team_get_for_actor(actor=request.auth, team_id=team_id)


@router.post("/teams", response={201: TeamOut}, summary="新建队伍")
def create_team(request, payload: TeamIn):
    return Status(201, team_services.team_create(actor=request.auth, **_resolve(request, payload.dict())))


@router.patch("/teams/{team_id}", response=TeamOut, summary="修改队伍")
def update_team(request, team_id: int, payload: TeamPatch):
    team = selectors.team_get_for_actor(actor=request.auth, team_id=team_id)
    changes = _resolve(request, payload.dict(exclude_unset=True))
    return team_services.team_update(actor=request.auth, team=team, **changes)


@router.get("/teams/{team_id}/members", response=list[MemberOut], summary="队员名单")
def list_members(request, team_id: int):
    team = selectors.team_get_for_actor(actor=request.auth, team_id=team_id)
    return list(selectors.team_members_for_actor(actor=request.auth, team=team))


@router.post("/teams/{team_id}/members", response={201: MemberOut}, summary="添加队员")
def add_member(request, team_id: int, payload: MemberIn):
    team = selectors.team_get_for_actor(actor=request.auth, team_id=team_id)
    vol = selectors.volunteer_get_for_actor(actor=request.auth, volunteer_id=payload.volunteer_id)
    return Status(201, team_services.team_member_add(actor=request.auth, team=team, volunteer=vol, role=payload.role))


@router.delete("/teams/{team_id}/members/{volunteer_id}", response={204: None}, summary="移除队员")
def remove_member(request, team_id: int, volunteer_id: int):
    team = selectors.team_get_for_actor(actor=request.auth, team_id=team_id)
    vol = selectors.volunteer_get_for_actor(actor=request.auth, volunteer_id=volunteer_id)
    team_services.team_member_remove(actor=request.auth, team=team, volunteer=vol)
    return Status(204, None)


class MemberRoleIn(Schema):
    role: str


@router.patch("/teams/{team_id}/members/{volunteer_id}", response=MemberOut, summary="修改队员职务")
def set_member_role(request, team_id: int, volunteer_id: int, payload: MemberRoleIn):
    team = selectors.team_get_for_actor(actor=request.auth, team_id=team_id)
    vol = selectors.volunteer_get_for_actor(actor=request.auth, volunteer_id=volunteer_id)
    return team_services.team_member_set_role(actor=request.auth, team=team, volunteer=vol, role=payload.role)


@router.post("/teams/{team_id}/archive", response=TeamOut, summary="归档队伍")
def archive_team(request, team_id: int):
    team = selectors.team_get_for_actor(actor=request.auth, team_id=team_id)
    return team_services.team_archive(actor=request.auth, team=team)
