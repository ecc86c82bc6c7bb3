"""我的点单 API: a logged-in resident's own requests (token from POST /auth/phone-token or
/auth/token). Another account's request answers the same 404 as a missing one."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from wenming.core.api import PageOut, page_response
from wenming.core.pagination import paginate
from wenming.core.params import pk_or_404

from .mine import demand_get_for_resident, demand_list_for_resident, demand_rate_by_resident, next_step
from .models import Demand
from .selectors import public_history

router = Router(tags=["我的点单"])


class MineItemOut(Schema):
    name: str
    quantity: Decimal
    unit: str
    budget: Decimal | None


class MineEventOut(Schema):
    at: datetime
    action: str
    label: str
    note: str


class MineDemandOut(Schema):
    """A request as its resident sees it: state and next step; contact masked; no volunteer's data."""

    id: int
    tracking_no: str
    category_name: str = Field(alias="category.name")
    description: str
    status: str
    status_name: str
    next_step: str
    node_name: str = Field(alias="node.name")
    submitted_at: datetime
    completed_at: datetime | None
    reject_reason: str
    receipt_amount: Decimal | None
    rating: int | None
    rating_comment: str
    can_rate: bool

    @staticmethod
    def resolve_status_name(obj: Demand) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_next_step(obj: Demand) -> str:
        return next_step(obj)

    @staticmethod
    def resolve_can_rate(obj: Demand) -> bool:
        return obj.status == "completed"


class MineDetailOut(MineDemandOut):
    resident_name: str = Field(alias="resident_name_masked")
    phone: str = Field(alias="phone_masked")
    address: str = Field(alias="address_masked")
    items: list[MineItemOut]
    events: list[MineEventOut]

    @staticmethod
    def resolve_items(obj: Demand):
        return list(obj.items.all())

    @staticmethod
    def resolve_events(obj: Demand):
        return public_history(obj)


class MineFilters(Schema):
    page: int = 1
    page_size: int = 20


class MineRateIn(Schema):
    rating: int | None = None  # checked after the scope (another's request is 404 first)
    comment: str = ""


@router.get("/me/demands", response=PageOut[MineDemandOut], summary="我的点单（本人手机号提交或登录后提交的点单）",
            description="列出登录账号提交的点单，以及用该账号验证过的手机号提交的点单（手机号须在 180 天内用验证码登录验证过）。")
def list_mine(request, filters: Query[MineFilters]):
    return page_response(paginate(demand_list_for_resident(actor=request.auth), filters.page, filters.page_size))


@router.get("/me/demands/{demand_id}", response=MineDetailOut, summary="我的点单详情与进度",
            description="错误：404 `not_found`（不存在或不是本人的点单）。")
def get_mine(request, demand_id: str):
    return demand_get_for_resident(actor=request.auth, demand_id=pk_or_404(demand_id))


@router.post("/me/demands/{demand_id}/rate", response=MineDetailOut, summary="评价我的点单（1–5 星）",
             description="仅“已完成”的点单可评价，每单一次。错误：404 `not_found`；422 `demands.rating_invalid`；"
                         "409 `demands.bad_status`（尚未完成或已评价过）。")
def rate_mine(request, demand_id: str, payload: MineRateIn):
    return demand_rate_by_resident(actor=request.auth, demand_id=pk_or_404(demand_id), rating=payload.rating,
                                   comment=payload.comment)
