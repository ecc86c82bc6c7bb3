"""JSON API of information reports (信息报送). Handlers parse, look reports up through the
scoped selectors (out of scope = 404), call a service and shape the answer. Periods are
months written "YYYY-MM". Bodies are plain text: clients must escape them when showing them.
"""

from datetime import date, datetime
from typing import Literal

from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from wenming.core.api import PageOut, page_response
from wenming.core.errors import CoreError
from wenming.core.pagination import paginate
from wenming.core.upload_errors import UploadError
from wenming.core.uploads import image_response

from . import selectors, services
from .models import InfoReport, Outlet, ReportImage, ReportReview

router = Router(tags=["信息报送"])
OPTIONAL_FILE = File(None)  # a missing file is refused after the scope check (404 before 422)
EXCERPT = 120
StatusName = Literal["draft", "submitted", "returned", "approved", "published"]


def _month(d: date | None) -> str | None:
    return f"{d:%Y-%m}" if d else None


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT] + "…"


# ---- schemas ------------------------------------------------------------------------------

class CategoryOut(Schema):
    id: int
    code: str
    name: str
    active: bool


class AuthorOptionOut(Schema):
    kind: Literal["unit", "node"]
    id: int
    name: str


class ImageOut(Schema):
    id: int
    width: int
    height: int
    url: str

    @staticmethod
    def resolve_width(obj: ReportImage) -> int:
        return obj.image.width

    @staticmethod
    def resolve_height(obj: ReportImage) -> int:
        return obj.image.height

    @staticmethod
    def resolve_url(obj: ReportImage) -> str:
        return f"/api/v1/reports/{obj.report_id}/images/{obj.pk}"


class PublicImageOut(ImageOut):
    @staticmethod
    def resolve_url(obj: ReportImage) -> str:
        return f"/api/v1/reports/public/{obj.report_id}/images/{obj.pk}"


class HistoryOut(Schema):
    decision: str
    decision_label: str
    from_status: str
    to_status: str
    actor: str
    comment: str
    at: datetime

    @staticmethod
    def resolve_decision_label(obj: ReportReview) -> str:
        return obj.get_decision_display()

    @staticmethod
    def resolve_actor(obj: ReportReview) -> str:
        return str(obj.actor) if obj.actor_id else obj.actor_label


class ReportOut(Schema):
    id: int
    title: str
    excerpt: str
    category_id: int
    category_name: str
    period: str
    status: StatusName
    status_label: str
    node_id: int
    node_name: str
    unit_id: int | None
    unit_name: str | None
    reported_by: str  # the unit, or the node itself
    author: str | None  # who wrote it
    image_count: int
    created_at: datetime
    updated_at: datetime
    first_submitted_at: datetime | None
    submitted_at: datetime | None
    approved_at: datetime | None
    published_at: datetime | None

    @staticmethod
    def resolve_excerpt(obj: InfoReport) -> str:
        return _excerpt(obj.body)

    @staticmethod
    def resolve_category_name(obj: InfoReport) -> str:
        return obj.category.name

    @staticmethod
    def resolve_period(obj: InfoReport) -> str:
        return _month(obj.period)

    @staticmethod
    def resolve_status_label(obj: InfoReport) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_node_name(obj: InfoReport) -> str:
        return obj.node.name

    @staticmethod
    def resolve_unit_name(obj: InfoReport) -> str | None:
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_reported_by(obj: InfoReport) -> str:
        return obj.author_label

    @staticmethod
    def resolve_author(obj: InfoReport) -> str | None:
        return str(obj.author) if obj.author_id else None


class OutletOut(Schema):
    id: int
    code: str
    name: str
    level: str
    level_name: str = Field(alias="get_level_display")


class AdoptionOut(Schema):
    id: int
    outlet: str = Field(alias="outlet.code")
    outlet_name: str = Field(alias="outlet.name")
    adopted_on: date
    link: str
    recorded_at: datetime


class AdoptionIn(Schema):
    outlet: str | int = Field(description="刊播平台代码（如 xuexi）、名称或编号")
    adopted_on: date
    link: str = Field("", max_length=2000)


class ReportDetailOut(ReportOut):
    body: str
    images: list[ImageOut]
    history: list[HistoryOut]
    adoptions: list[AdoptionOut]  # 刊播采用: which outlets adopted it

    @staticmethod
    def resolve_adoptions(obj: InfoReport) -> list:
        return list(obj.adoptions.select_related("outlet"))

    actions: list[str]  # what the caller may do now: edit, add_image, submit, delete, approve, return, …

    @staticmethod
    def resolve_images(obj: InfoReport) -> list:
        return list(obj.images.select_related("image"))

    @staticmethod
    def resolve_history(obj: InfoReport) -> list:
        return selectors.history_of(obj)

    @staticmethod
    def resolve_actions(obj: InfoReport, context) -> list[str]:
        return selectors.actions_for(context["request"].auth, obj)


class PublicReportOut(Schema):
    id: int
    title: str
    excerpt: str
    category_name: str
    period: str
    reported_by: str
    node_name: str
    published_at: datetime

    resolve_excerpt = staticmethod(ReportOut.resolve_excerpt)
    resolve_category_name = staticmethod(ReportOut.resolve_category_name)
    resolve_period = staticmethod(ReportOut.resolve_period)
    resolve_reported_by = staticmethod(ReportOut.resolve_reported_by)
    resolve_node_name = staticmethod(ReportOut.resolve_node_name)


class PublicReportDetailOut(PublicReportOut):
    body: str
    images: list[PublicImageOut]

    resolve_images = staticmethod(ReportDetailOut.resolve_images)


class ReportIn(Schema):
    unit_id: int | None = None  # in the name of a unit (its liaison), or
    node_id: int | None = None  # of a node (its staff)
    title: str = Field(max_length=200)
    body: str = Field("", max_length=40_000)
    category_id: int
    period: str = Field(max_length=10, examples=["2026-05"])


class ReportPatch(Schema):
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=40_000)
    category_id: int | None = None
    period: str | None = Field(None, max_length=10)


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


class PeriodFilters(Schema):
    period_from: str | None = Field(None, max_length=10)  # "YYYY-MM", inclusive
    period_to: str | None = Field(None, max_length=10)


class PublicFilters(PeriodFilters):
    page: int = 1
    page_size: int = 20
    category_id: int | None = None
    node_id: int | None = None  # that node's subtree
    search: str = Field("", max_length=100)  # in the title


class ReportFilters(PublicFilters):
    status: StatusName | None = None
    unit_id: int | None = None
    mine: bool = False  # only reports of my unit(s) / node(s)


class QueueFilters(ReportFilters):
    status: Literal["submitted", "approved"] = "submitted"  # to review / to publish


class UnitCountOut(Schema):
    unit_id: int
    unit_name: str
    node_name: str
    period: str
    submitted: int
    approved: int
    published: int


class CountsOut(Schema):
    submitted: int
    approved: int
    published: int


class MonthCountsOut(CountsOut):
    period: str


class ChildCountsOut(CountsOut):
    node_id: int
    node_name: str


class NodeCountsOut(Schema):
    node_id: int
    node_name: str
    totals: CountsOut
    months: list[MonthCountsOut]
    children: list[ChildCountsOut]


# ---- helpers ------------------------------------------------------------------------------

def _periods(f: PeriodFilters) -> dict:
    return {"period_from": _filter_month(f.period_from, "period_from"),
            "period_to": _filter_month(f.period_to, "period_to")}


def _filter_month(raw: str | None, field: str) -> date | None:
    return services.parse_period(raw, field=field, allow_future=True) if raw else None


def _list_filters(f: PublicFilters) -> dict:
    return {"status": getattr(f, "status", None) or "", "category_id": f.category_id,
            "unit_id": getattr(f, "unit_id", None), "node_id": f.node_id, "search": f.search, **_periods(f)}


def _report(request, report_id: int) -> InfoReport:
    return selectors.report_get_for_actor(actor=request.auth, report_id=report_id)


def _detail(request, report: InfoReport) -> InfoReport:
    return selectors.report_get_for_actor(actor=request.auth, report_id=report.pk)


# ---- catalogue and public portal (no login) -----------------------------------------------

@router.get("/reports/categories", response=list[CategoryOut], auth=None, summary="报送类别")
def list_categories(request, active_only: bool = True):
    return list(selectors.category_list(active_only=active_only))


@router.get("/reports/public", response=PageOut[PublicReportOut], auth=None, summary="已公开发布的信息（免登录）")
def list_public(request, filters: Query[PublicFilters]):
    qs = selectors.report_public_list(**_list_filters(filters))
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.get("/reports/public/{report_id}", response=PublicReportDetailOut, auth=None,
            summary="公开发布的信息详情（免登录）")
def get_public(request, report_id: int):
    return selectors.report_public_get(report_id=report_id)


@router.get("/reports/public/{report_id}/images/{report_image_id}", response={200: None}, auth=None,
            summary="公开发布信息的图片（免登录）")
def public_image(request, report_id: int, report_image_id: int):
    report = selectors.report_public_get(report_id=report_id)
    found = selectors.report_image_of(report, report_image_id)
    return image_response(request, found.image if found else None, allowed=found is not None)


# ---- authors ------------------------------------------------------------------------------

@router.get("/reports/outlets", response=list[OutletOut], summary="刊播平台（学习强国、中国文明网 …）")
def outlets(request):
    return list(Outlet.objects.filter(active=True).order_by("sort", "id"))


@router.get("/reports/author-options", response=list[AuthorOptionOut], summary="可以哪些单位或阵地的名义报送")
def author_options(request):
    return [{"kind": o.kind, "id": o.id, "name": o.name}
            for o in selectors.author_options_for_actor(actor=request.auth)]


@router.get("/reports", response=PageOut[ReportOut], summary="信息报送列表（本人可见范围）")
def list_reports(request, filters: Query[ReportFilters]):
    qs = selectors.report_list_for_actor(actor=request.auth, mine=filters.mine, **_list_filters(filters))
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/reports", response={201: ReportDetailOut}, summary="新建报送（草稿）")
def create_report(request, payload: ReportIn):
    unit, node = selectors.author_unit_or_node(unit_id=payload.unit_id, node_id=payload.node_id)
    report = services.report_create(actor=request.auth, unit=unit, node=node, title=payload.title,
                                    body=payload.body, period=payload.period,
                                    category=selectors.category_get(category_id=payload.category_id))
    return Status(201, _detail(request, report))


@router.get("/reports/review-queue", response=PageOut[ReportOut], summary="待我审核（或待发布）的报送")
def review_queue(request, filters: Query[QueueFilters]):
    f = _list_filters(filters)
    f.pop("status")
    qs = selectors.review_queue_for_actor(actor=request.auth, status=filters.status, **f)
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.get("/reports/counts/units", response=list[UnitCountOut], summary="各文明单位按月报送数")
def unit_counts(request, filters: Query[PeriodFilters], node_id: int | None = None, unit_id: int | None = None):
    rows = selectors.unit_counts_for_actor(actor=request.auth, node_id=node_id, unit_id=unit_id, **_periods(filters))
    return [{**r.__dict__, "period": _month(r.period)} for r in rows]


@router.get("/reports/counts/nodes", response=NodeCountsOut, summary="阵地及其下级按月报送数（汇总数据）")
def node_counts(request, node_id: int, filters: Query[PeriodFilters]):
    c = selectors.node_counts_for_actor(actor=request.auth, node_id=node_id, **_periods(filters))
    return {"node_id": c.node.pk, "node_name": c.node.name, "totals": _short(c.totals),
            "months": [{"period": _month(p), **_short(v)} for p, v in c.months],
            "children": [{"node_id": n.pk, "node_name": n.name, **_short(v)} for n, v in c.children]}


def _short(counts: dict[str, int]) -> dict[str, int]:
    """reports_submitted → submitted, and so on."""
    return {metric.removeprefix("reports_"): value for metric, value in counts.items()}


@router.get("/reports/{report_id}", response=ReportDetailOut, summary="报送详情")
def get_report(request, report_id: int):
    return _report(request, report_id)


@router.patch("/reports/{report_id}", response=ReportDetailOut, summary="修改报送（草稿或已退回）")
def update_report(request, report_id: int, payload: ReportPatch):
    report = _report(request, report_id)
    category = (selectors.category_get(category_id=payload.category_id)
                if payload.category_id is not None else None)
    report = services.report_update(actor=request.auth, report=report, title=payload.title, body=payload.body,
                                    category=category, period=payload.period)
    return _detail(request, report)


@router.delete("/reports/{report_id}", response={204: None}, summary="删除草稿")
def delete_report(request, report_id: int):
    services.report_delete(actor=request.auth, report=_report(request, report_id))
    return Status(204, None)


@router.post("/reports/{report_id}/images", response={201: ImageOut}, summary="上传图片（草稿或已退回，最多 9 张）")
def add_image(request, report_id: int, image: UploadedFile = OPTIONAL_FILE):
    report = _report(request, report_id)
    if image is None:
        raise UploadError.EMPTY.error("image")
    return Status(201, services.report_image_add(actor=request.auth, report=report, upload=image))


@router.get("/reports/{report_id}/images/{report_image_id}", response={200: None}, summary="查看报送图片")
def get_image(request, report_id: int, report_image_id: int):
    found = selectors.report_image_of(_report(request, report_id), report_image_id)
    return image_response(request, found.image if found else None, allowed=found is not None)


@router.delete("/reports/{report_id}/images/{report_image_id}", response={204: None}, summary="删除图片")
def remove_image(request, report_id: int, report_image_id: int):
    report = _report(request, report_id)
    found = selectors.report_image_of(report, report_image_id)
    if found is None:
        raise CoreError.NOT_FOUND.error()
    services.report_image_remove(actor=request.auth, report=report, report_image=found)
    return Status(204, None)


@router.post("/reports/{report_id}/submit", response=ReportDetailOut, summary="提交（或退回后重新提交）")
def submit(request, report_id: int):
    return _detail(request, services.report_submit(actor=request.auth, report=_report(request, report_id)))


@router.post("/reports/{report_id}/approve", response=ReportDetailOut, summary="审核通过（上级阵地）")
def approve(request, report_id: int, payload: CommentIn):
    report = services.report_approve(actor=request.auth, report=_report(request, report_id),
                                     comment=payload.comment)
    return _detail(request, report)


@router.post("/reports/{report_id}/return", response=ReportDetailOut, summary="退回修改（须填写意见）")
def return_report(request, report_id: int, payload: CommentIn):
    report = services.report_return(actor=request.auth, report=_report(request, report_id), comment=payload.comment)
    return _detail(request, report)


@router.post("/reports/{report_id}/publish", response=ReportDetailOut, summary="公开发布到门户（已通过的报送）")
def publish(request, report_id: int):
    return _detail(request, services.report_publish(actor=request.auth, report=_report(request, report_id)))


@router.post("/reports/{report_id}/unpublish", response=ReportDetailOut, summary="撤回发布（须填写原因）")
def unpublish(request, report_id: int, payload: CommentIn):
    report = services.report_unpublish(actor=request.auth, report=_report(request, report_id),
                                       comment=payload.comment)
    return _detail(request, report)


# ---- adoptions by outlets (刊播采用) ---------------------------------------------------------

@router.post("/reports/{report_id}/adoptions", response={201: AdoptionOut},
             summary="登记刊播采用（上级审核人员；每个平台一次）")
def add_adoption(request, report_id: int, payload: AdoptionIn):
    adoption = services.report_adoption_add(actor=request.auth, report=_report(request, report_id),
                                            outlet=services.outlet_get(payload.outlet), adopted_on=payload.adopted_on,
                                            link=payload.link)
    return Status(201, adoption)


@router.delete("/reports/{report_id}/adoptions/{adoption_id}", response={204: None}, summary="撤销误登的刊播采用")
def remove_adoption(request, report_id: int, adoption_id: int):
    services.report_adoption_remove(actor=request.auth, report=_report(request, report_id), adoption_id=adoption_id)
    return Status(204, None)
