"""测评 API — civilized units as participants: a unit's volunteers, teams, 联点共建 pairings,
its answers to 招募令, its participation figures and its annual review; and the office's
list of units with their figures (文明单位参与情况). Phones appear masked only."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status

from wenming.core.api import PageOut
from wenming.core.errors import CoreError
from wenming.core.pagination import Page
from wenming.core.params import ApiId, pk_or_404
from wenming.orgs.models import Node
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.models import Team

from ..errors import EvaluationError as E
from ..selectors import records
from ..selectors import units as sel
from ..selectors.participation import (
    ORDERS,
    Participation,
    unit_annual_review,
    unit_campaign,
    unit_participation,
    units_participation_for_actor,
    year_ok,
)
from ..services import units as services

router = Router(tags=["测评"])
MAX_PAGE_SIZE = 200


# ---- schemas --------------------------------------------------------------------------------

class UnitOut(Schema):
    id: int
    name: str
    unit_type: str
    unit_type_name: str = Field(alias="get_unit_type_display")
    level: str
    level_name: str = Field(alias="get_level_display")
    node_id: int
    node_name: str = Field(alias="node.name")
    archived: bool

    @staticmethod
    def resolve_archived(obj) -> bool:
        return obj.archived_at is not None


class FiguresOut(Schema):
    year: int
    members: int
    members_served: int
    hours: Decimal
    member_hours: Decimal
    other_hours: Decimal
    other_volunteers: int
    volunteers_served: int
    teams: int
    projects: int
    visits: int
    households: int
    unit_answers: int
    unit_headcount: int
    member_yes: int
    call_answers: int
    pairings: int


class UnitRowOut(Schema):
    unit: UnitOut
    figures: FiguresOut


class MemberOut(Schema):
    id: int
    volunteer_id: int
    name: str = Field(alias="volunteer.name")
    volunteer_no: str = Field(alias="volunteer.volunteer_no")
    phone: str = Field(alias="volunteer.phone_masked")
    home_node_name: str = Field(alias="volunteer.home_node.name")
    joined_on: date


class TeamOut(Schema):
    team_id: int = Field(alias="id")
    name: str
    level_name: str = Field(alias="get_level_display")
    node_name: str = Field(alias="node.name")


class UnitTeamOut(Schema):
    team_id: int
    name: str = Field(alias="team.name")
    level_name: str = Field(alias="team.get_level_display")
    node_name: str = Field(alias="team.node.name")
    member_count: int = 0


class PairingOut(Schema):
    id: int
    node_id: int
    node_name: str = Field(alias="node.name")
    node_kind_name: str = Field(alias="node.get_kind_display")
    started_on: date
    ended_on: date | None
    note: str
    live: bool

    @staticmethod
    def resolve_live(obj) -> bool:
        return obj.ended_on is None


class NodeChoiceOut(Schema):
    id: int
    name: str
    kind_name: str = Field(alias="get_kind_display")
    parent_name: str | None

    @staticmethod
    def resolve_parent_name(obj) -> str | None:
        return obj.parent.name if obj.parent_id else None


class CallOut(Schema):
    id: int
    title: str
    node_name: str = Field(alias="node.name")
    needed: int
    deadline: datetime
    starts_at: datetime = Field(alias="shift.starts_at")
    status: str
    answered: bool = False


class CallAnswerOut(Schema):
    id: int
    call_id: int
    call_title: str = Field(alias="call.title")
    team_id: int
    team_name: str = Field(alias="team.name")
    headcount: int
    note: str
    answered_at: datetime
    told: int | None = None  # members sent their personal answer link (on the answer itself)
    without_link: int | None = None  # members without a login the issuer cannot sign up


class ReviewOut(Schema):
    campaign_id: int
    campaign_name: str
    year: int
    score: Decimal
    full: Decimal
    rate: Decimal
    lead_duties: int
    coop_duties: int
    findings: int
    live: int
    overdue: int
    repeats: int
    participation: FiguresOut


class UnitDetailOut(Schema):
    unit: UnitOut
    may_manage: bool
    area_name: str
    figures: FiguresOut
    teams: list[UnitTeamOut]
    pairings: list[PairingOut]
    call_answers: list[CallAnswerOut]
    review: ReviewOut | None


class MemberIn(Schema):
    volunteer_id: ApiId | None = None
    volunteer_no: str = Field("", max_length=20)
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    joined_on: date | None = None


class TeamIn(Schema):
    team_id: ApiId


class PairingIn(Schema):
    node_id: ApiId
    started_on: date | None = None
    note: str = Field("", max_length=200)


class PairingEndIn(Schema):
    ended_on: date | None = None


class CallAnswerIn(Schema):
    call_id: ApiId
    team_id: ApiId
    headcount: int
    note: str = Field("", max_length=200)


class ListFilters(Schema):
    year: int | None = None
    node_id: int | None = None
    search: str = Field("", max_length=50)
    unit_type: str = Field("", max_length=16)
    order: str = Field("", max_length=16)
    page: int = 1
    page_size: int = 50


class YearQuery(Schema):
    year: int | None = None


class PageQuery(Schema):
    page: int = 1
    page_size: int = 50


class NodeSearch(Schema):
    search: str = Field("", max_length=50)


class ReviewQuery(Schema):
    campaign_id: int | None = None
    year: int | None = None


# ---- helpers --------------------------------------------------------------------------------

def _year(value: int | None) -> int:
    if value is None:
        from django.utils import timezone

        return timezone.localdate().year
    if not year_ok(value):
        raise E.YEAR_INVALID.error("year")
    return value


def _unit(request, unit_id: str):
    return sel.unit_get_for_actor(actor=request.auth, pk=unit_id)


def _managed(request, unit_id: str):
    return sel.unit_get_managed(actor=request.auth, pk=unit_id)


def _page(items: list, page: int, page_size: int) -> dict:
    size = max(1, min(page_size if isinstance(page_size, int) else 50, MAX_PAGE_SIZE))
    pages = max(1, -(-len(items) // size))
    page = max(1, min(page, pages))
    p = Page(items[(page - 1) * size:page * size], len(items), page, size)
    return {"items": p.items, "count": p.count, "page": p.page, "page_size": p.page_size}


def _review_out(review) -> dict:
    return {"campaign_id": review.campaign.pk, "campaign_name": review.campaign.name, "year": review.campaign.year,
            "score": review.score, "full": review.full, "rate": review.rate, "lead_duties": review.lead_duties,
            "coop_duties": review.coop_duties, "findings": review.findings, "live": review.live,
            "overdue": review.overdue, "repeats": review.repeats,
            "participation": review.participation.as_dict()}


def _figures(p: Participation) -> dict:
    return p.as_dict()


# ---- the office list ------------------------------------------------------------------------

@router.get("/evaluation/units", response=PageOut[UnitRowOut],
            summary="文明单位参与情况：本辖区各单位的志愿者、服务时长、项目、走访、响应招募令、联点共建")
def list_units(request, filters: Query[ListFilters]):
    year = _year(filters.year)
    node = node_get_for_actor(actor=request.auth, node_id=pk_or_404(filters.node_id)) if filters.node_id else None
    order = filters.order if filters.order in ORDERS else ""
    rows = units_participation_for_actor(actor=request.auth, node=node, year=year, search=filters.search,
                                         unit_type=filters.unit_type, order=order)
    return _page([{"unit": r.unit, "figures": _figures(r.figures)} for r in rows], filters.page, filters.page_size)


# ---- one unit -------------------------------------------------------------------------------

@router.get("/evaluation/units/{unit_id}", response=UnitDetailOut,
            summary="单位参与详情：队伍、联点共建、响应招募令、年度参与数据和年度测评")
def get_unit(request, unit_id: str, query: Query[YearQuery]):
    unit = _unit(request, unit_id)
    year = _year(query.year)
    campaign = unit_campaign(unit=unit, year=year)
    review = unit_annual_review(campaign=campaign, unit=unit) if campaign else None
    return {"unit": unit, "may_manage": sel.may_manage(request.auth, unit), "area_name": sel.area_of(unit).name,
            "figures": (review.participation if review else unit_participation(unit=unit, year=year)).as_dict(),
            "teams": list(sel.teams_of(unit)), "pairings": sel.pairings_sorted(unit),
            "call_answers": list(sel.call_answers_of(unit)[:100]), "review": _review_out(review) if review else None}


@router.get("/evaluation/units/{unit_id}/participation", response=FiguresOut, summary="单位某年度的参与数据")
def get_participation(request, unit_id: str, query: Query[YearQuery]):
    return unit_participation(unit=_unit(request, unit_id), year=_year(query.year)).as_dict()


@router.get("/evaluation/units/{unit_id}/review", response=ReviewOut,
            summary="文明单位年度测评：参与情况、责任分解、问题与得分（默认为该年度覆盖本单位的测评活动）")
def get_review(request, unit_id: str, query: Query[ReviewQuery]):
    unit = _unit(request, unit_id)
    if query.campaign_id is not None:
        campaign = records.campaign_get_for_actor(actor=request.auth, pk=query.campaign_id)
    else:
        campaign = unit_campaign(unit=unit, year=_year(query.year))
        if campaign is None:
            raise CoreError.NOT_FOUND.error()
    return _review_out(unit_annual_review(campaign=campaign, unit=unit))


# ---- members --------------------------------------------------------------------------------

@router.get("/evaluation/units/{unit_id}/members", response=PageOut[MemberOut], summary="单位志愿者（手机号已脱敏）")
def list_members(request, unit_id: str, query: Query[PageQuery]):
    return _page(list(sel.members_of(_unit(request, unit_id))), query.page, query.page_size)


@router.post("/evaluation/units/{unit_id}/members", response={201: MemberOut},
             summary="添加单位志愿者：志愿者编号或 id（工作人员），或姓名和手机号（联络员）")
def add_member(request, unit_id: str, payload: MemberIn):
    member = services.member_add(actor=request.auth, unit=_managed(request, unit_id),
                                 volunteer_id=payload.volunteer_id, volunteer_no=payload.volunteer_no,
                                 name=payload.name, phone=payload.phone, joined_on=payload.joined_on)
    return Status(201, member)


@router.delete("/evaluation/units/{unit_id}/members/{member_id}", response={204: None}, summary="移出单位志愿者")
def remove_member(request, unit_id: str, member_id: str):
    unit = _managed(request, unit_id)
    services.member_remove(actor=request.auth, member=sel.member_get(unit=unit, pk=member_id))
    return Status(204, None)


# ---- teams ----------------------------------------------------------------------------------

@router.get("/evaluation/units/{unit_id}/teams", response=list[UnitTeamOut], summary="单位志愿服务队")
def list_teams(request, unit_id: str):
    return list(sel.teams_of(_unit(request, unit_id)))


@router.get("/evaluation/units/{unit_id}/team-candidates", response=list[TeamOut], summary="可关联为本单位的队伍")
def team_candidates(request, unit_id: str):
    return list(sel.team_candidates(actor=request.auth, unit=_managed(request, unit_id)))


@router.post("/evaluation/units/{unit_id}/teams", response={201: UnitTeamOut}, summary="关联本单位的志愿服务队")
def link_team(request, unit_id: str, payload: TeamIn):
    unit = _managed(request, unit_id)
    team = Team.objects.filter(sel.team_eligible_q(request.auth, unit), pk=payload.team_id).select_related(
        "node").first()
    if team is None:
        raise CoreError.NOT_FOUND.error()
    services.team_link(actor=request.auth, unit=unit, team=team)
    return Status(201, sel.teams_of(unit).get(team=team))


@router.delete("/evaluation/units/{unit_id}/teams/{team_id}", response={204: None}, summary="取消关联队伍")
def unlink_team(request, unit_id: str, team_id: str):
    unit = _managed(request, unit_id)
    services.team_unlink(actor=request.auth, link=sel.unit_team_get(unit=unit, team_pk=team_id))
    return Status(204, None)


# ---- pairings -------------------------------------------------------------------------------

@router.get("/evaluation/units/{unit_id}/pairings", response=list[PairingOut], summary="联点共建")
def list_pairings(request, unit_id: str):
    return sel.pairings_sorted(_unit(request, unit_id))


@router.get("/evaluation/units/{unit_id}/pairing-nodes", response=list[NodeChoiceOut],
            summary="可结对的实践站、实践点、网格（本单位所在县内）")
def pairing_nodes(request, unit_id: str, query: Query[NodeSearch]):
    return list(sel.pairing_node_choices(unit=_managed(request, unit_id), search=query.search))


@router.post("/evaluation/units/{unit_id}/pairings", response={201: PairingOut}, summary="新增联点共建")
def add_pairing(request, unit_id: str, payload: PairingIn):
    unit = _managed(request, unit_id)
    node = Node.objects.filter(pk=payload.node_id).first()
    if node is None:
        raise CoreError.NOT_FOUND.error()
    return Status(201, services.pairing_add(actor=request.auth, unit=unit, node=node, started_on=payload.started_on,
                                            note=payload.note))


@router.post("/evaluation/units/{unit_id}/pairings/{pairing_id}/end", response=PairingOut, summary="结束联点共建")
def end_pairing(request, unit_id: str, pairing_id: str, payload: PairingEndIn):
    unit = _managed(request, unit_id)
    return services.pairing_end(actor=request.auth, pairing=sel.pairing_get(unit=unit, pk=pairing_id),
                                ended_on=payload.ended_on)


# ---- calls ----------------------------------------------------------------------------------

@router.get("/evaluation/units/{unit_id}/calls", response=list[CallOut], summary="本单位所在区域正在招募的招募令")
def list_calls(request, unit_id: str):
    return list(sel.calls_for_unit(unit=_unit(request, unit_id))[:100])


@router.get("/evaluation/units/{unit_id}/call-answers", response=list[CallAnswerOut], summary="本单位响应招募令的记录")
def list_call_answers(request, unit_id: str):
    return list(sel.call_answers_of(_unit(request, unit_id))[:200])


@router.post("/evaluation/units/{unit_id}/call-answers", response={201: CallAnswerOut},
             summary="以本单位志愿服务队响应招募令（队员收到各自的报名链接，自行报名）")
def answer_call(request, unit_id: str, payload: CallAnswerIn):
    unit = _managed(request, unit_id)
    call = sel.call_for_unit(unit=unit, pk=payload.call_id)
    link = sel.unit_team_get(unit=unit, team_pk=payload.team_id)
    answer = services.unit_call_answer(actor=request.auth, unit=unit, call=call, team=link.team,
                                       headcount=payload.headcount, note=payload.note)
    return Status(201, answer)
