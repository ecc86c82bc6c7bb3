"""JSON API of party-member check-ins (党员志愿者报到)."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from wenming.core.api import PageOut, page_response
from wenming.core.pagination import paginate
from wenming.volunteers.selectors import volunteer_for_user, volunteer_get_for_actor

from . import party_services, selectors
from .errors import CampaignError as E
from .models import PartyCheckin

router = Router(tags=["党员志愿者报到"])


class CheckinOut(Schema):
    id: int
    volunteer_id: int
    volunteer_name: str
    volunteer_no: str
    station_id: int
    station_name: str
    checked_in_at: datetime
    active: bool
    withdrawn_at: datetime | None
    withdraw_reason: str
    recorded_at: datetime | None
    late_reason: str  # 补录说明 of a check-in entered from paper afterwards

    @staticmethod
    def resolve_volunteer_name(obj: PartyCheckin) -> str:
        return obj.volunteer.name

    @staticmethod
    def resolve_volunteer_no(obj: PartyCheckin) -> str:
        return obj.volunteer.volunteer_no

    @staticmethod
    def resolve_station_name(obj: PartyCheckin) -> str:
        return obj.station.name


class CheckinIn(Schema):
    volunteer_id: int | None = Field(None, description="工作人员代为报到时填写；志愿者本人报到不填")
    checked_in_on: str | None = Field(None, max_length=10, description="补录纸质报到时填写报到日期（YYYY-MM-DD），不填为现在")
    late_reason: str = Field("", max_length=200, description="补录说明：报到日期早于 7 天前时必填")


class WithdrawIn(Schema):
    reason: str = Field(max_length=200)


class CheckinFilters(Schema):
    node_id: int | None = None  # stations in this node's subtree
    active: bool | None = True  # null: both
    page: int = 1
    page_size: int = 20


class StationCountOut(Schema):
    node_id: int
    node_name: str
    count: int


class CheckinCountsOut(Schema):
    node_id: int
    node_name: str
    total: int
    children: list[StationCountOut]


@router.get("/party-checkins", response=PageOut[CheckinOut], summary="党员志愿者报到名单")
def list_checkins(request, filters: Query[CheckinFilters]):
    qs = selectors.checkin_list_for_actor(actor=request.auth, node_id=filters.node_id, active=filters.active)
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/party-checkins", response={201: CheckinOut, 200: CheckinOut},
             summary="到所在社区的实践站报到（重复报到不重复计数）")
def check_in(request, payload: CheckinIn):
    actor = request.auth
    if payload.volunteer_id:
        volunteer = volunteer_get_for_actor(actor=actor, volunteer_id=payload.volunteer_id)
    else:
        volunteer = volunteer_for_user(actor)
        if volunteer is None:
            raise E.NOT_A_VOLUNTEER.error()
    checkin, created = party_services.party_checkin(actor=actor, volunteer=volunteer, checked_in_on=payload.checked_in_on,
                                                    late_reason=payload.late_reason)
    return Status(201 if created else 200, selectors.checkin_get_for_actor(actor=actor, checkin_id=checkin.pk))


@router.get("/party-checkins/counts", response=CheckinCountsOut, summary="报到人数（含下级，按下级阵地）")
def checkin_counts(request, node_id: int):
    actor = request.auth
    node = selectors.campaign_node_get_for_actor(actor=actor, node_id=node_id)
    total, children = selectors.checkin_counts_for_actor(actor=actor, node=node)
    return {"node_id": node.pk, "node_name": node.name, "total": total,
            "children": [{"node_id": c.node.pk, "node_name": c.node.name, "count": c.count} for c in children]}


@router.get("/party-checkins/{party_checkin_id}", response=CheckinOut, summary="报到详情")
def get_checkin(request, party_checkin_id: int):
    return selectors.checkin_get_for_actor(actor=request.auth, checkin_id=party_checkin_id)


@router.post("/party-checkins/{party_checkin_id}/withdraw", response=CheckinOut, summary="取消报到（迁出等）")
def withdraw(request, party_checkin_id: int, payload: WithdrawIn):
    actor = request.auth
    checkin = selectors.checkin_get_for_actor(actor=actor, checkin_id=party_checkin_id)
    party_services.party_checkin_withdraw(actor=actor, checkin=checkin, reason=payload.reason)
    return selectors.checkin_get_for_actor(actor=actor, checkin_id=checkin.pk)
