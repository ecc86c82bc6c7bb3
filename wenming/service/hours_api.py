"""The hours ledger (服务时长), stars and points (SPEC 4.4).

The ledger is append-only: verifying, make-up and corrections each add a row, and the
totals in the stats answers are the maintained figures that tests check against the sums.
"""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status

from wenming.core.api import PageOut, page_response
from wenming.core.pagination import paginate
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import volunteer_for_user, volunteer_get_editable, volunteer_get_for_actor

from . import hours_services, record_selectors, selectors
from .errors import ServiceError
from .models import ServiceRecord

router = Router(tags=["服务时长"])
CENTS = Decimal("0.01")


def _hours(value) -> Decimal:
    # A row just written holds the Decimal as given ("2", "-0.5"); answer as stored: 2 places.
    return Decimal(value).quantize(CENTS)


class ServiceRecordOut(Schema):
    id: int
    volunteer_id: int
    kind: str  # auto | makeup | correction
    bucket: str  # the total it counts towards: auto | makeup
    hours: Decimal  # negative for a correction that takes hours back
    service_date: date
    project_id: int | None
    project_title: str | None
    node_id: int
    node_name: str
    attendance_id: int | None
    corrects_id: int | None
    reason: str
    recorded_at: datetime

    @staticmethod
    def resolve_hours(obj: ServiceRecord) -> Decimal:
        return _hours(obj.hours)

    @staticmethod
    def resolve_project_title(obj: ServiceRecord) -> str | None:
        return obj.project.title if obj.project_id else None

    @staticmethod
    def resolve_node_name(obj: ServiceRecord) -> str:
        return obj.node.name


class StarOut(Schema):
    level: int
    threshold_hours: int
    reached_on: date


class StatsOut(Schema):
    volunteer_id: int
    total_hours: Decimal
    auto_hours: Decimal
    makeup_hours: Decimal
    points: int
    star_level: int
    next_star_hours: int | None  # the next level's threshold; None at the top level
    stars: list[StarOut]


class PointsOut(Schema):
    id: int
    points: int
    reason: str
    service_record_id: int | None
    created_at: datetime


# The ledger holds 2 decimal places. The services round to them (hours_services._cents, half
# up: 1.005 would be written as 1.01); the API refuses finer input instead, so a client never
# has a number it sent stored as a different one.
LedgerHours = Field(..., max_digits=7, decimal_places=2)


class MakeupIn(Schema):
    volunteer_id: int
    hours: Decimal = LedgerHours
    service_date: date
    reason: str
    node_id: int
    project_id: int | None = None


class CorrectIn(Schema):
    delta: Decimal = LedgerHours
    reason: str


class PageIn(Schema):
    page: int = 1
    page_size: int = 20


def _me(request):
    volunteer = volunteer_for_user(request.auth)
    if volunteer is None:
        raise ServiceError.NOT_A_VOLUNTEER.error()
    return volunteer


@router.post("/attendances/{attendance_id}/verify", response={201: ServiceRecordOut},
             summary="核定签到时长（队长/工作人员；每次签到一次）")
def verify(request, attendance_id: int):
    attendance = record_selectors.attendance_get_runnable(actor=request.auth, attendance_id=attendance_id)
    return Status(201, hours_services.hours_verify(actor=request.auth, attendance=attendance))


# Registered before /service-records/{record_id}/…: literal segments first.
@router.post("/service-records/makeup", response={201: ServiceRecordOut}, summary="补录时长（与签到时长分开计）")
def makeup(request, payload: MakeupIn):
    volunteer = volunteer_get_editable(actor=request.auth, volunteer_id=payload.volunteer_id)
    node = node_get_for_actor(actor=request.auth, node_id=payload.node_id)
    project = (selectors.project_get_for_actor(actor=request.auth, project_id=payload.project_id)
               if payload.project_id else None)
    return Status(201, hours_services.hours_makeup(actor=request.auth, volunteer=volunteer, hours=payload.hours,
                                                   service_date=payload.service_date, reason=payload.reason,
                                                   node=node, project=project))


@router.post("/service-records/{record_id}/correct", response={201: ServiceRecordOut},
             summary="更正时长（新增一条正负更正记录，原记录不变）")
def correct(request, record_id: int, payload: CorrectIn):
    record = record_selectors.service_record_get_editable(actor=request.auth, record_id=record_id)
    return Status(201, hours_services.hours_correct(actor=request.auth, record=record, delta=payload.delta,
                                                    reason=payload.reason))


def _ledger(volunteer, paging: PageIn):
    return page_response(paginate(record_selectors.service_record_list(volunteer=volunteer),
                                  paging.page, paging.page_size))


@router.get("/me/service-records", response=PageOut[ServiceRecordOut], summary="我的服务时长记录")
def my_records(request, paging: Query[PageIn]):
    return _ledger(_me(request), paging)


@router.get("/me/stats", response=StatsOut, summary="我的时长、星级与积分")
def my_stats(request):
    return record_selectors.volunteer_stats(volunteer=_me(request))


@router.get("/me/points", response=PageOut[PointsOut], summary="我的积分明细")
def my_points(request, paging: Query[PageIn]):
    return page_response(paginate(record_selectors.points_list(volunteer=_me(request)), paging.page,
                                  paging.page_size))


@router.get("/volunteers/{volunteer_id}/service-records", response=PageOut[ServiceRecordOut],
            summary="志愿者服务时长记录")
def volunteer_records(request, volunteer_id: int, paging: Query[PageIn]):
    return _ledger(volunteer_get_for_actor(actor=request.auth, volunteer_id=volunteer_id), paging)


@router.get("/volunteers/{volunteer_id}/stats", response=StatsOut, summary="志愿者时长、星级与积分")
def volunteer_stats(request, volunteer_id: int):
    volunteer = volunteer_get_for_actor(actor=request.auth, volunteer_id=volunteer_id)
    return record_selectors.volunteer_stats(volunteer=volunteer)
