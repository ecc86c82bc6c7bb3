"""JSON API of 移风易俗 records and online activities (云上活动), with the public engagement
endpoint (no login; rate-limited; counted once per person per day)."""

from datetime import date, datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from wenming.core.api import PageOut, page_response
from wenming.core.middleware import client_ip
from wenming.core.pagination import paginate
from wenming.dashboards.subtree_totals_api import MonthTotalOut

from . import online_services, reform_services, reform_totals, selectors
from .models import OnlineActivity, ReformKind, ReformRecord
from .tally_api import month_range, month_text

reform_router = Router(tags=["移风易俗"])
online_router = Router(tags=["云上活动"])


# ---- 移风易俗 -----------------------------------------------------------------------------

class ReformOut(Schema):
    id: int
    node_id: int
    node_name: str
    household: str
    head_masked: str
    kind: str
    kind_label: str
    occurred_on: date
    note: str
    recorded_at: datetime
    late_reason: str  # 补录说明 of a record entered over a week after its date
    voided_at: datetime | None
    void_reason: str

    @staticmethod
    def resolve_node_name(obj: ReformRecord) -> str:
        return obj.node.name

    @staticmethod
    def resolve_kind_label(obj: ReformRecord) -> str:
        return obj.get_kind_display()


class ReformIn(Schema):
    node_id: int
    kind: ReformKind
    household: str = Field(max_length=50, description="户的标识，如“三组 12 号”；不要填写完整姓名")
    head_name: str = Field("", max_length=50, description="户主姓名（只保存脱敏后的形式，如 张*丰）")
    occurred_on: date
    note: str = Field("", max_length=200)
    late_reason: str = Field("", max_length=200, description="补录说明：日期早于 7 天前时必填")


class ReformPatch(Schema):
    kind: ReformKind | None = None
    household: str | None = Field(None, max_length=50)
    head_name: str | None = Field(None, max_length=50)
    occurred_on: date | None = None
    note: str | None = Field(None, max_length=200)
    late_reason: str | None = Field(None, max_length=200, description="补录说明：改到 7 天前的日期时必填（已有的沿用）")


class ReasonIn(Schema):
    reason: str = Field(max_length=200)


class ReformFilters(Schema):
    node_id: int | None = None
    kind: ReformKind | None = None
    since: date | None = None
    until: date | None = None
    include_voided: bool = False
    page: int = 1
    page_size: int = 20


class CountOut(Schema):
    code: str
    label: str
    count: int


class CountsOut(Schema):
    node_id: int
    node_name: str
    since: str
    until: str
    counts: list[CountOut]


class ReformTotalOut(MonthTotalOut):
    """A 移风易俗 month total of households."""


class ReformTotalIn(Schema):
    node_id: int
    kind: ReformKind
    period: str = Field(max_length=20, description="统计月份，如 2020-02")
    total: int = Field(ge=0, le=10_000_000, description="该月该类型的合计户数（含已逐户登记的）；0 撤销合计")
    note: str = Field("", max_length=200)
    late_reason: str = Field("", max_length=200, description="补录说明：该月结束 7 天后填报时必填")


class ReformTotalResult(Schema):
    removed: bool
    total: ReformTotalOut | None


@reform_router.get("/reform-totals", response=PageOut[ReformTotalOut], summary="移风易俗按月合计（只有合计数时填报）")
def list_reform_totals(request, node_id: int | None = None, page: int = 1, page_size: int = 20):
    qs = selectors.reform_totals_for_actor(actor=request.auth, node_id=node_id)
    return page_response(paginate(qs, page, page_size))


@reform_router.post("/reform-totals", response=ReformTotalResult,
                    summary="填报或修改某阵地某月某类移风易俗的合计户数（与逐户记录不重复计算；0 撤销）")
def set_reform_total(request, payload: ReformTotalIn):
    actor = request.auth
    node = selectors.campaign_node_get_for_actor(actor=actor, node_id=payload.node_id)  # 404 outside; 403 read-only
    row = reform_totals.reform_total_set(actor=actor, node=node, kind=payload.kind, period=payload.period,
                                         total=payload.total, note=payload.note, late_reason=payload.late_reason)
    return {"removed": row is None, "total": row}


@reform_router.get("/reform-records", response=PageOut[ReformOut], summary="移风易俗记录")
def list_reforms(request, filters: Query[ReformFilters]):
    qs = selectors.reform_list_for_actor(actor=request.auth, node_id=filters.node_id, kind=filters.kind or "",
                                         since=filters.since, until=filters.until,
                                         include_voided=filters.include_voided)
    return page_response(paginate(qs, filters.page, filters.page_size))


@reform_router.post("/reform-records", response={201: ReformOut}, summary="登记移风易俗")
def create_reform(request, payload: ReformIn):
    actor = request.auth
    node = selectors.campaign_node_get_for_actor(actor=actor, node_id=payload.node_id)
    record = reform_services.reform_record_create(
        actor=actor, node=node, kind=payload.kind, household=payload.household, head_name=payload.head_name,
        occurred_on=payload.occurred_on, note=payload.note, late_reason=payload.late_reason)
    return Status(201, selectors.reform_get_for_actor(actor=actor, record_id=record.pk))


@reform_router.get("/reform-records/counts", response=CountsOut, summary="移风易俗分类统计（含下级）")
def reform_counts(request, node_id: int, since: str | None = None, until: str | None = None):
    actor = request.auth
    node = selectors.campaign_node_get_for_actor(actor=actor, node_id=node_id)
    first, last = month_range(since, until)
    rows = selectors.reform_counts_for_actor(actor=actor, node=node, since=first, until=last)
    return {"node_id": node.pk, "node_name": node.name, "since": month_text(first), "until": month_text(last),
            "counts": [{"code": r.kind, "label": r.label, "count": r.count} for r in rows]}


@reform_router.get("/reform-records/{reform_record_id}", response=ReformOut, summary="移风易俗记录详情")
def get_reform(request, reform_record_id: int):
    return selectors.reform_get_for_actor(actor=request.auth, record_id=reform_record_id)


@reform_router.patch("/reform-records/{reform_record_id}", response=ReformOut, summary="修改移风易俗记录")
def update_reform(request, reform_record_id: int, payload: ReformPatch):
    actor = request.auth
    record = selectors.reform_get_for_actor(actor=actor, record_id=reform_record_id)
    reform_services.reform_record_update(actor=actor, record=record, **payload.dict(exclude_unset=True))
    return selectors.reform_get_for_actor(actor=actor, record_id=record.pk)


@reform_router.post("/reform-records/{reform_record_id}/void", response=ReformOut, summary="作废（录入有误）")
def void_reform(request, reform_record_id: int, payload: ReasonIn):
    actor = request.auth
    record = selectors.reform_get_for_actor(actor=actor, record_id=reform_record_id)
    reform_services.reform_record_void(actor=actor, record=record, reason=payload.reason)
    return selectors.reform_get_for_actor(actor=actor, record_id=record.pk)


# ---- online activities --------------------------------------------------------------------

class ActivityOut(Schema):
    id: int
    node_id: int
    node_name: str
    title: str
    description: str
    link: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime

    @staticmethod
    def resolve_node_name(obj: OnlineActivity) -> str:
        return obj.node.name


class StatsOut(Schema):
    views: int
    shares: int
    participants: int  # person-days
    people: int  # distinct participants


class ActivityDetailOut(ActivityOut):
    stats: StatsOut


class ActivityIn(Schema):
    node_id: int
    title: str = Field(max_length=100)
    description: str = Field("", max_length=500)
    link: str = Field("", max_length=500)
    starts_at: datetime
    ends_at: datetime


class ActivityPatch(Schema):
    title: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=500)
    link: str | None = Field(None, max_length=500)
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class ActivityFilters(Schema):
    node_id: int | None = None
    status: Literal["upcoming", "ongoing", "ended"] | None = None
    page: int = 1
    page_size: int = 20


class EngagementIn(Schema):
    activity_id: int
    kind: Literal["view", "share", "participate"]
    person: str = Field("", max_length=128, description="手机号、微信 openid 或访客标识；登录用户可不填")


class EngagementOut(Schema):
    activity_id: int
    kind: str
    day: date
    counted: bool  # false: this person was already counted today


class OnlineCountsOut(Schema):
    node_id: int
    node_name: str
    since: str
    until: str
    views: int
    shares: int
    participants: int


def _detail(activity: OnlineActivity) -> OnlineActivity:
    activity.stats = vars(selectors.activity_stats(activity))
    return activity


@online_router.get("/online-activities", response=PageOut[ActivityOut], summary="云上活动")
def list_activities(request, filters: Query[ActivityFilters]):
    qs = selectors.activity_list_for_actor(actor=request.auth, node_id=filters.node_id, status=filters.status or "")
    return page_response(paginate(qs, filters.page, filters.page_size))


@online_router.post("/online-activities", response={201: ActivityDetailOut}, summary="发布云上活动")
def create_activity(request, payload: ActivityIn):
    actor = request.auth
    node = selectors.campaign_node_get_for_actor(actor=actor, node_id=payload.node_id)
    activity = online_services.activity_create(
        actor=actor, node=node, title=payload.title, description=payload.description, link=payload.link,
        starts_at=payload.starts_at, ends_at=payload.ends_at)
    return Status(201, _detail(selectors.activity_get_for_actor(actor=actor, activity_id=activity.pk)))


@online_router.get("/online-activities/counts", response=OnlineCountsOut, summary="云上活动浏览、分享、参与（含下级）")
def online_counts(request, node_id: int, since: str | None = None, until: str | None = None):
    actor = request.auth
    node = selectors.campaign_node_get_for_actor(actor=actor, node_id=node_id)
    first, last = month_range(since, until)
    counts = selectors.online_counts_for_actor(actor=actor, node=node, since=first, until=last)
    return {"node_id": node.pk, "node_name": node.name, "since": month_text(first), "until": month_text(last),
            "views": counts["online_views"], "shares": counts["online_shares"],
            "participants": counts["online_participants"]}


@online_router.post("/online-activities/engagements", response=EngagementOut, auth=None,
                    summary="记录浏览、分享或参与（免登录；同一人每天每类只计一次）")
def engage(request, payload: EngagementIn):
    activity = selectors.activity_public_get(activity_id=payload.activity_id)
    key = online_services.person_key_for(user=getattr(request, "user", None), person=payload.person)
    now = timezone.now()
    counted = online_services.engagement_register(activity=activity, kind=payload.kind, person_key=key,
                                                  client=client_ip(request) or "", now=now)
    return {"activity_id": activity.pk, "kind": payload.kind, "day": timezone.localdate(now), "counted": counted}


@online_router.get("/online-activities/{online_activity_id}", response=ActivityDetailOut, summary="云上活动详情及统计")
def get_activity(request, online_activity_id: int):
    return _detail(selectors.activity_get_for_actor(actor=request.auth, activity_id=online_activity_id))


@online_router.patch("/online-activities/{online_activity_id}", response=ActivityDetailOut, summary="修改云上活动")
def update_activity(request, online_activity_id: int, payload: ActivityPatch):
    actor = request.auth
    activity = selectors.activity_get_for_actor(actor=actor, activity_id=online_activity_id)
    online_services.activity_update(actor=actor, activity=activity, **payload.dict(exclude_unset=True))
    return _detail(selectors.activity_get_for_actor(actor=actor, activity_id=activity.pk))
