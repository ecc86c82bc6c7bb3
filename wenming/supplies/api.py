"""JSON API of the supplies ledger. Handlers parse, look objects up through the scoped
selectors, call a service, and shape the answer; quantities are decimals with 3 places."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from wenming.accounts.roles import Perm
from wenming.core.api import PageOut, page_response
from wenming.core.pagination import paginate
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import team_get_for_actor

from . import selectors, services
from .models import Distribution, Donation, Stock, StockMovement, SupplyItem
from .quantities import STEP

router = Router(tags=["防疫物资"])


def _qty(value) -> Decimal:
    return Decimal(value).quantize(STEP)  # as stored, even for a row just written ("5")


# ---- schemas ------------------------------------------------------------------------------

class ItemOut(Schema):
    id: int
    name: str
    unit: str
    category: str
    category_label: str
    active: bool

    @staticmethod
    def resolve_category_label(obj: SupplyItem) -> str:
        return obj.get_category_display()


class LineIn(Schema):
    item_id: int
    quantity: Decimal


class LineOut(Schema):
    item_id: int
    item_name: str
    unit: str
    quantity: Decimal

    @staticmethod
    def resolve_item_name(obj) -> str:
        return obj.item.name

    @staticmethod
    def resolve_unit(obj) -> str:
        return obj.item.unit

    @staticmethod
    def resolve_quantity(obj) -> Decimal:
        return _qty(obj.quantity)


class DonationIn(Schema):
    node_id: int
    donor_name: str = Field(max_length=100)
    donor_phone: str = Field("", max_length=24)
    received_at: datetime | None = None
    note: str = Field("", max_length=200)
    lines: list[LineIn] = Field(max_length=100)


class DonationOut(Schema):
    id: int
    node_id: int
    node_name: str
    donor_name: str
    donor_phone_masked: str
    received_at: datetime
    note: str
    recorded_at: datetime
    lines: list[LineOut]

    @staticmethod
    def resolve_node_name(obj: Donation) -> str:
        return obj.node.name

    @staticmethod
    def resolve_lines(obj: Donation) -> list:
        return list(obj.lines.all())


class DistributionIn(Schema):
    from_node_id: int
    to_kind: Literal["node", "team", "household"]
    to_node_id: int | None = None
    to_team_id: int | None = None
    household_name: str = Field("", max_length=50)
    household_address: str = Field("", max_length=200)
    reason: str = Field(max_length=200)
    distributed_at: datetime | None = None
    lines: list[LineIn] = Field(max_length=100)


class DistributionOut(Schema):
    id: int
    from_node_id: int
    from_node_name: str
    to_kind: str
    to_node_id: int | None
    to_team_id: int | None
    recipient: str  # node or team name; a household masked (张*丰, 九里村3组***)
    reason: str
    distributed_at: datetime
    recorded_at: datetime
    lines: list[LineOut]

    @staticmethod
    def resolve_from_node_name(obj: Distribution) -> str:
        return obj.from_node.name

    @staticmethod
    def resolve_recipient(obj: Distribution) -> str:
        return obj.recipient_label

    @staticmethod
    def resolve_lines(obj: Distribution) -> list:
        return list(obj.lines.all())


class StockOut(Schema):
    node_id: int
    node_name: str
    item_id: int
    item_name: str
    unit: str
    quantity: Decimal
    updated_at: datetime

    @staticmethod
    def resolve_node_name(obj: Stock) -> str:
        return obj.node.name

    @staticmethod
    def resolve_item_name(obj: Stock) -> str:
        return obj.item.name

    @staticmethod
    def resolve_unit(obj: Stock) -> str:
        return obj.item.unit

    @staticmethod
    def resolve_quantity(obj: Stock) -> Decimal:
        return _qty(obj.quantity)


class ItemTotalOut(Schema):
    item_id: int
    item_name: str
    unit: str
    category: str
    own: Decimal  # at the node itself
    subtree: Decimal  # the node and everything below it


class StockTotalsOut(Schema):
    node_id: int
    node_name: str
    items: list[ItemTotalOut]


class MovementOut(Schema):
    id: int
    node_id: int
    node_name: str
    item_id: int
    item_name: str
    unit: str
    quantity: Decimal  # positive in, negative out
    kind: str
    kind_label: str
    reason: str
    donation_id: int | None
    distribution_id: int | None
    recorded_by: str | None
    at: datetime

    @staticmethod
    def resolve_node_name(obj: StockMovement) -> str:
        return obj.node.name

    @staticmethod
    def resolve_item_name(obj: StockMovement) -> str:
        return obj.item.name

    @staticmethod
    def resolve_unit(obj: StockMovement) -> str:
        return obj.item.unit

    @staticmethod
    def resolve_quantity(obj: StockMovement) -> Decimal:
        return _qty(obj.quantity)

    @staticmethod
    def resolve_kind_label(obj: StockMovement) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_recorded_by(obj: StockMovement) -> str | None:
        return obj.recorded_by.get_username() if obj.recorded_by_id else None


class AdjustIn(Schema):
    node_id: int
    item_id: int
    delta: Decimal | None = None  # ± correction, or
    counted: Decimal | None = None  # the figure counted on the shelf (盘点)
    reason: str = Field(max_length=200)


class RevealIn(Schema):
    reason: str = Field("", max_length=200)


class PageFilters(Schema):
    page: int = 1
    page_size: int = 20


class DocumentFilters(PageFilters):
    node_id: int | None = None  # this node and its subtree


class DistributionFilters(DocumentFilters):
    to_kind: Literal["node", "team", "household"] | None = None


class StockFilters(DocumentFilters):
    item_id: int | None = None
    subtree: bool = True
    hide_empty: bool = False


class MovementFilters(StockFilters):
    kind: Literal["donation_in", "distribution_out", "transfer_in", "transfer_out", "adjustment"] | None = None


# ---- handlers -----------------------------------------------------------------------------

def _lines(payload_lines: list[LineIn]) -> list:
    return [(selectors.item_get(item_id=line.item_id), line.quantity) for line in payload_lines]


def _edit_node(request, node_id: int):
    return selectors.supply_node_get_for_actor(actor=request.auth, node_id=node_id, perm=Perm.SUPPLY_EDIT)


@router.get("/supplies/items", response=list[ItemOut], summary="物资品类")
def list_items(request, active_only: bool = False):
    return list(selectors.item_list(active_only=active_only))


@router.get("/supplies/donations", response=PageOut[DonationOut], summary="捐赠登记列表")
def list_donations(request, filters: Query[DocumentFilters]):
    qs = selectors.donation_list_for_actor(actor=request.auth, node_id=filters.node_id)
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/supplies/donations", response={201: DonationOut}, summary="登记捐赠（入库）")
def receive_donation(request, payload: DonationIn):
    donation = services.donation_receive(
        actor=request.auth, node=_edit_node(request, payload.node_id), donor_name=payload.donor_name,
        donor_phone=payload.donor_phone, received_at=payload.received_at, note=payload.note,
        lines=_lines(payload.lines))
    return Status(201, selectors.donation_get_for_actor(actor=request.auth, donation_id=donation.pk))


@router.get("/supplies/donations/{donation_id}", response=DonationOut, summary="捐赠登记详情")
def get_donation(request, donation_id: int):
    return selectors.donation_get_for_actor(actor=request.auth, donation_id=donation_id)


@router.post("/supplies/donations/{donation_id}/reveal", response=dict[str, str],
             summary="查看捐赠方完整电话（需授权，留痕）")
def reveal_donation(request, donation_id: int, payload: RevealIn):
    donation = selectors.donation_get_for_actor(actor=request.auth, donation_id=donation_id)
    return services.donation_reveal(actor=request.auth, donation=donation, reason=payload.reason)


@router.get("/supplies/distributions", response=PageOut[DistributionOut], summary="物资发放列表")
def list_distributions(request, filters: Query[DistributionFilters]):
    qs = selectors.distribution_list_for_actor(actor=request.auth, node_id=filters.node_id,
                                               to_kind=filters.to_kind or "")
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/supplies/distributions", response={201: DistributionOut},
             summary="发放物资（发往阵地即调拨）")
def create_distribution(request, payload: DistributionIn):
    actor = request.auth
    to_node = node_get_for_actor(actor=actor, node_id=payload.to_node_id) if payload.to_node_id else None
    to_team = team_get_for_actor(actor=actor, team_id=payload.to_team_id) if payload.to_team_id else None
    dist = services.distribute(
        actor=actor, from_node=_edit_node(request, payload.from_node_id), to_kind=payload.to_kind,
        to_node=to_node, to_team=to_team, household_name=payload.household_name,
        household_address=payload.household_address, reason=payload.reason,
        distributed_at=payload.distributed_at, lines=_lines(payload.lines))
    return Status(201, selectors.distribution_get_for_actor(actor=actor, distribution_id=dist.pk))


@router.get("/supplies/distributions/{distribution_id}", response=DistributionOut, summary="物资发放详情")
def get_distribution(request, distribution_id: int):
    return selectors.distribution_get_for_actor(actor=request.auth, distribution_id=distribution_id)


@router.post("/supplies/distributions/{distribution_id}/reveal", response=dict[str, str],
             summary="查看住户完整地址（需授权，留痕）")
def reveal_distribution(request, distribution_id: int, payload: RevealIn):
    dist = selectors.distribution_get_for_actor(actor=request.auth, distribution_id=distribution_id)
    return services.distribution_reveal(actor=request.auth, distribution=dist, reason=payload.reason)


@router.get("/supplies/stock", response=PageOut[StockOut], summary="库存（按阵地、物资）")
def list_stock(request, filters: Query[StockFilters]):
    qs = selectors.stock_list_for_actor(actor=request.auth, node_id=filters.node_id, item_id=filters.item_id,
                                        subtree=filters.subtree, hide_empty=filters.hide_empty)
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.get("/supplies/stock/totals", response=StockTotalsOut, summary="阵地库存及其下级合计")
def stock_totals(request, node_id: int):
    node = selectors.supply_node_get_for_actor(actor=request.auth, node_id=node_id)
    totals = selectors.stock_totals_for_actor(actor=request.auth, node=node)
    return {"node_id": node.pk, "node_name": node.name, "items": [
        {"item_id": t.item.pk, "item_name": t.item.name, "unit": t.item.unit, "category": t.item.category,
         "own": _qty(t.own), "subtree": _qty(t.subtree)} for t in totals]}


@router.post("/supplies/stock/adjust", response={201: MovementOut, 200: dict[str, str]},
             summary="库存调整（盘点）")
def adjust_stock(request, payload: AdjustIn):
    movement = services.stock_adjust(
        actor=request.auth, node=_edit_node(request, payload.node_id),
        item=selectors.item_get(item_id=payload.item_id),
        delta=payload.delta, counted=payload.counted, reason=payload.reason)
    if movement is None:
        return Status(200, {"result": "账实相符，无需调整"})
    return Status(201, selectors.movement_list_for_actor(actor=request.auth).get(pk=movement.pk))


@router.get("/supplies/movements", response=PageOut[MovementOut], summary="库存流水")
def list_movements(request, filters: Query[MovementFilters]):
    qs = selectors.movement_list_for_actor(actor=request.auth, node_id=filters.node_id, item_id=filters.item_id,
                                           kind=filters.kind or "", subtree=filters.subtree)
    return page_response(paginate(qs, filters.page, filters.page_size))
