from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status

from wenming.core.api import PageOut, page_response
from wenming.core.pagination import paginate
from wenming.core.params import ApiId

from . import closing, selectors, services
from .models import Node, Unit

router = Router(tags=["阵地与单位"])


class NodeOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    path: str
    depth: int
    code: str
    admin_code: str
    address: str
    lat: Decimal | None
    lon: Decimal | None
    contact_name: str
    contact_phone: str
    status: str
    archived_at: datetime | None

    @staticmethod
    def resolve_kind_label(obj: Node) -> str:
        return obj.get_kind_display()


class NodeIn(Schema):
    parent_id: int | None = None
    name: str
    kind: str
    code: str = ""
    admin_code: str = ""
    address: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None
    contact_name: str = ""
    contact_phone: str = ""
    status: str = "open"


class NodePatch(Schema):
    name: str | None = None
    kind: str | None = None
    code: str | None = None
    admin_code: str | None = None
    address: str | None = None
    lat: Decimal | None = None
    lon: Decimal | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    status: str | None = None


class NodeFilters(Schema):
    search: str = ""
    kind: str = ""
    parent_id: int | None = None
    under_id: int | None = None
    include_archived: bool = False
    page: int = 1
    page_size: int = 50


class MoveIn(Schema):
    parent_id: int


class CountOut(Schema):
    count: int


@router.get("/nodes", response=PageOut[NodeOut], summary="阵地列表")
def list_nodes(request, filters: Query[NodeFilters]):
    f = filters.dict()
    page, size = f.pop("page"), f.pop("page_size")
    qs = selectors.node_list_for_actor(actor=request.auth, **f)
    return page_response(paginate(qs, page, size))


@router.get("/nodes/{node_id}", response=NodeOut, summary="阵地详情")
def get_node(request, node_id: int):
    return selectors.node_get_for_actor(actor=request.auth, node_id=node_id)


@router.post("/nodes", response={201: NodeOut}, summary="新建阵地")
def create_node(request, payload: NodeIn):
    data = payload.dict()
    parent_id = data.pop("parent_id")
    parent = selectors.node_get_for_actor(actor=request.auth, node_id=parent_id) if parent_id else None
    return Status(201, services.node_create(actor=request.auth, parent=parent, **data))


@router.patch("/nodes/{node_id}", response=NodeOut, summary="修改阵地")
def update_node(request, node_id: int, payload: NodePatch):
    node = selectors.node_get_for_actor(actor=request.auth, node_id=node_id)
    return services.node_update(actor=request.auth, node=node, **payload.dict(exclude_unset=True))


@router.post("/nodes/{node_id}/move", response=NodeOut, summary="移动阵地（含全部下级）")
def move_node(request, node_id: int, payload: MoveIn):
    node = selectors.node_get_for_actor(actor=request.auth, node_id=node_id)
    parent = selectors.node_get_for_actor(actor=request.auth, node_id=payload.parent_id)
    return services.node_move(actor=request.auth, node=node, new_parent=parent)


@router.post("/nodes/{node_id}/archive", response=CountOut, summary="归档阵地（含全部下级）")
def archive_node(request, node_id: int):
    node = selectors.node_get_for_actor(actor=request.auth, node_id=node_id)
    return {"count": services.node_archive(actor=request.auth, node=node)}


@router.post("/nodes/{node_id}/restore", response=CountOut, summary="恢复已归档阵地")
def restore_node(request, node_id: int):
    node = selectors.node_get_for_actor(actor=request.auth, node_id=node_id)
    return {"count": services.node_restore(actor=request.auth, node=node)}


class UnitOut(Schema):
    id: int
    name: str
    unit_type: str
    level: str
    node_id: int
    node_name: str
    credit_code: str
    address: str
    contact_name: str
    contact_phone: str
    awarded_year: int | None
    archived_at: datetime | None

    @staticmethod
    def resolve_node_name(obj: Unit) -> str:
        return obj.node.name


class UnitIn(Schema):
    node_id: int
    name: str
    unit_type: str
    level: str
    credit_code: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    awarded_year: int | None = None


class UnitPatch(Schema):
    node_id: int | None = None
    name: str | None = None
    unit_type: str | None = None
    level: str | None = None
    credit_code: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    awarded_year: int | None = None


class UnitFilters(Schema):
    search: str = ""
    node_id: int | None = None
    unit_type: str = ""
    level: str = ""
    include_archived: bool = False
    page: int = 1
    page_size: int = 50


@router.get("/units", response=PageOut[UnitOut], summary="文明单位列表")
def list_units(request, filters: Query[UnitFilters]):
    f = filters.dict()
    page, size = f.pop("page"), f.pop("page_size")
    return page_response(paginate(selectors.unit_list_for_actor(actor=request.auth, **f), page, size))


@router.get("/units/{unit_id}", response=UnitOut, summary="文明单位详情")
def get_unit(request, unit_id: int):
    return selectors.unit_get_for_actor(actor=request.auth, unit_id=unit_id)


@router.post("/units", response={201: UnitOut}, summary="新建文明单位")
def create_unit(request, payload: UnitIn):
    data = payload.dict()
    node = selectors.node_get_for_actor(actor=request.auth, node_id=data.pop("node_id"))
    return Status(201, services.unit_create(actor=request.auth, node=node, **data))


@router.patch("/units/{unit_id}", response=UnitOut, summary="修改文明单位")
def update_unit(request, unit_id: int, payload: UnitPatch):
    unit = selectors.unit_get_for_actor(actor=request.auth, unit_id=unit_id)
    changes = payload.dict(exclude_unset=True)
    if "node_id" in changes:
        changes["node"] = selectors.node_get_for_actor(actor=request.auth, node_id=changes.pop("node_id"))
    return services.unit_update(actor=request.auth, unit=unit, **changes)


# ---- 统计期关账 (orgs/closing.py) ------------------------------------------------------------

class ClosingOut(Schema):
    id: int
    node_id: int
    node_name: str
    since: date
    until: date
    period: str
    note: str
    closed_by: str | None
    closed_at: datetime
    open: bool
    reopened_by: str | None
    reopened_at: datetime | None
    reopen_reason: str

    @staticmethod
    def resolve_node_name(obj) -> str:
        return obj.node.name

    @staticmethod
    def resolve_period(obj) -> str:
        return obj.period_label

    @staticmethod
    def resolve_closed_by(obj) -> str | None:
        return obj.closed_by.username if obj.closed_by else None

    @staticmethod
    def resolve_reopened_by(obj) -> str | None:
        return obj.reopened_by.username if obj.reopened_by else None

    @staticmethod
    def resolve_open(obj) -> bool:
        return obj.is_open


class ClosingIn(Schema):
    node_id: ApiId
    since: str = Field(max_length=7, description="起始月份 YYYY-MM")
    until: str = Field(max_length=7, description="截止月份 YYYY-MM（须已结束）")
    note: str = Field("", max_length=200)


class ReopenIn(Schema):
    reason: str = Field(max_length=200, description="重新开放的原因（必填）")


@router.get("/closings", response=list[ClosingOut], summary="统计期关账记录")
def list_closings(request):
    return list(closing.closings_for_actor(actor=request.auth)[:500])


@router.post("/closings", response={201: ClosingOut}, summary="关账：本辖区该期间的数据不再补录或修改")
def close_period(request, payload: ClosingIn):
    node = selectors.node_get_for_actor(actor=request.auth, node_id=payload.node_id)
    return Status(201, closing.period_close(actor=request.auth, node=node, since=payload.since,
                                            until=payload.until, note=payload.note))


@router.post("/closings/{closing_id}/reopen", response=ClosingOut, summary="重新开放已关账的期间（须说明原因）")
def reopen_period(request, closing_id: int, payload: ReopenIn):
    found = closing.closing_get_for_actor(actor=request.auth, closing_id=closing_id)
    return closing.period_reopen(actor=request.auth, closing=found, reason=payload.reason)
