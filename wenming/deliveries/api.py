"""代购配送 API: runs, their households, buying list, volunteers, receipts and confirmation.
Residents' names and addresses are masked here; `/contacts` is the audited read for the
people doing the run."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.http import FileResponse, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from wenming.core.api import PageOut, page_response
from wenming.core.errors import CoreError
from wenming.core.middleware import client_ip
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk, pk_or_404
from wenming.core.uploads import image_response
from wenming.demands.models import Demand
from wenming.demands.selectors import demand_list_for_actor
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import volunteer_get_for_actor

from . import selectors, services, stops
from .errors import DeliveryError as E
from .export import buying_list_workbook
from .models import DeliveryRun, DeliveryStop, StopOutcome

router = Router(tags=["代购配送"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IDS = 200
OPTIONAL_FILE = File(None)  # a receipt may have no photo


class RunIn(Schema):
    node_id: int
    title: str
    planned_for: date | None = None
    note: str = ""


class RunOut(Schema):
    id: int
    title: str
    node_id: int
    node_name: str
    status: str
    status_name: str
    planned_for: date | None
    note: str
    cancel_reason: str
    created_at: datetime
    purchasing_at: datetime | None
    delivering_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_node_name(obj: DeliveryRun) -> str:
        return obj.node.name

    @staticmethod
    def resolve_status_name(obj: DeliveryRun) -> str:
        return obj.get_status_display()


class ItemOut(Schema):
    name: str
    quantity: Decimal
    unit: str
    budget: Decimal | None


class StopOut(Schema):
    id: int
    demand_id: int
    tracking_no: str
    resident_name: str  # masked
    address: str  # masked
    status: str
    status_name: str
    amount: Decimal | None
    confirmed_at: datetime | None
    confirmed_via: str
    confirm_note: str
    marked_reason: str
    outcome: str
    code_sent: bool
    items: list[ItemOut]

    @staticmethod
    def resolve_tracking_no(obj: DeliveryStop) -> str:
        return obj.demand.tracking_no

    @staticmethod
    def resolve_resident_name(obj: DeliveryStop) -> str:
        return obj.demand.resident_name_masked

    @staticmethod
    def resolve_address(obj: DeliveryStop) -> str:
        return obj.demand.address_masked

    @staticmethod
    def resolve_status_name(obj: DeliveryStop) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_code_sent(obj: DeliveryStop) -> bool:
        return obj.code_sent_at is not None

    @staticmethod
    def resolve_items(obj: DeliveryStop):
        return list(obj.demand.items.all())


class BuyLineOut(Schema):
    name: str
    unit: str
    quantity: Decimal
    budget: Decimal
    household_count: int


class MemberOut(Schema):
    volunteer_id: int
    name: str
    volunteer_no: str
    assigned_at: datetime

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.volunteer.name

    @staticmethod
    def resolve_volunteer_no(obj) -> str:
        return obj.volunteer.volunteer_no


class ReceiptOut(Schema):
    id: int
    amount: Decimal
    shop: str
    note: str
    recorded_at: datetime
    photo_url: str | None

    @staticmethod
    def resolve_photo_url(obj) -> str | None:
        return f"/api/v1/delivery-runs/{obj.run_id}/receipts/{obj.pk}/photo" if obj.image_id else None


class FiguresOut(Schema):
    households: int
    pending: int
    confirmed: int
    marked: int
    volunteers: int
    budget: Decimal
    receipts: Decimal
    amounts: Decimal


class RunDetailOut(Schema):
    run: RunOut
    figures: FiguresOut
    buying_list: list[BuyLineOut]
    stops: list[StopOut]
    volunteers: list[MemberOut]
    receipts: list[ReceiptOut]


class CandidateOut(Schema):
    id: int
    tracking_no: str
    category_name: str
    resident_name: str  # masked
    address: str  # masked
    urgency: str
    submitted_at: datetime
    items: list[ItemOut]

    @staticmethod
    def resolve_category_name(obj: Demand) -> str:
        return obj.category.name

    @staticmethod
    def resolve_resident_name(obj: Demand) -> str:
        return obj.resident_name_masked

    @staticmethod
    def resolve_address(obj: Demand) -> str:
        return obj.address_masked

    @staticmethod
    def resolve_items(obj: Demand):
        return list(obj.items.all())


class IdsIn(Schema):
    demand_ids: list[int] = []


class VolunteersIn(Schema):
    volunteer_ids: list[int] = []


class ReasonIn(Schema):
    reason: str = ""


class MarkIn(ReasonIn):
    outcome: str = StopOutcome.REQUEUE


class CodeIn(Schema):
    code: str


class NoteIn(Schema):
    note: str = ""


class AmountIn(Schema):
    amount: str | None = None


class ContactOut(Schema):
    stop_id: int
    name: str
    phone: str
    address: str


class ResidentConfirmIn(Schema):
    tracking_no: str
    tracking_code: str


class ResidentConfirmOut(Schema):
    tracking_no: str
    status: str
    status_name: str


class RunFilters(Schema):
    status: str = ""
    page: int = 1
    page_size: int = 20


def _run(request, run_id: int) -> DeliveryRun:
    return selectors.run_get_for_actor(actor=request.auth, run_id=run_id)


def _detail(run: DeliveryRun) -> dict:
    run.refresh_from_db()
    return {"run": run, "figures": selectors.run_figures(run), "buying_list": selectors.buying_list(run),
            "stops": list(selectors.stops_of(run)), "volunteers": list(selectors.members_of(run)),
            "receipts": list(run.receipts.all())}


@router.get("/delivery-runs", response=PageOut[RunOut], summary="代购配送批次列表")
def list_runs(request, filters: Query[RunFilters]):
    qs = selectors.run_list_for_actor(actor=request.auth, status=filters.status)
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/delivery-runs", response={201: RunOut}, summary="新建代购配送批次")
def create_run(request, payload: RunIn):
    node = node_get_for_actor(actor=request.auth, node_id=payload.node_id)
    return Status(201, services.run_create(actor=request.auth, node=node, title=payload.title,
                                           planned_for=payload.planned_for, note=payload.note))


@router.get("/delivery-runs/{run_id}", response=RunDetailOut, summary="批次详情：采购清单、住户、志愿者、小票")
def get_run(request, run_id: int):
    return _detail(_run(request, run_id))


@router.get("/delivery-runs/{run_id}/candidates", response=list[CandidateOut],
            summary="可纳入本批次的代购点单（已受理、未派单、本辖区）")
def candidates(request, run_id: int):
    run = _run(request, run_id)
    return list(selectors.run_candidates_for_actor(actor=request.auth, run=run)[:MAX_IDS])


@router.post("/delivery-runs/{run_id}/stops", response=RunDetailOut, summary="纳入代购点单（组单）")
def add_stops(request, run_id: int, payload: IdsIn):
    run = _run(request, run_id)
    ids = list(dict.fromkeys(payload.demand_ids))[:MAX_IDS + 1]
    if any(parse_pk(i) is None for i in ids):  # 0, -1 or past 18 digits: no such request
        raise CoreError.NOT_FOUND.error()
    found = {d.pk: d for d in demand_list_for_actor(actor=request.auth).filter(pk__in=ids)}
    if len(found) < len(ids):
        raise CoreError.NOT_FOUND.error()
    services.run_add_demands(actor=request.auth, run=run, demands=[found[i] for i in ids])
    return _detail(run)


@router.post("/delivery-runs/{run_id}/stops/{stop_id}/remove", response=RunDetailOut, summary="移出住户（组单中）")
def remove_stop(request, run_id: int, stop_id: int):
    run = _run(request, run_id)
    stop = run.stops.select_related("run__node", "demand").filter(pk=stop_id).first()
    if stop is None:
        raise CoreError.NOT_FOUND.error()
    services.run_remove_stop(actor=request.auth, stop=stop)
    return _detail(run)


@router.post("/delivery-runs/{run_id}/volunteers", response=RunDetailOut, summary="安排志愿者")
def assign(request, run_id: int, payload: VolunteersIn):
    run = _run(request, run_id)
    volunteers = [volunteer_get_for_actor(actor=request.auth, volunteer_id=v)
                  for v in dict.fromkeys(payload.volunteer_ids[:50])]
    if not volunteers:
        raise E.NO_ACCOUNT.error("volunteer_ids", name="（未选择）")
    services.run_assign(actor=request.auth, run=run, volunteers=volunteers)
    return _detail(run)


@router.post("/delivery-runs/{run_id}/volunteers/{volunteer_id}/leave", response=RunDetailOut,
             summary="退出批次（志愿者本人或工作人员，须说明原因）")
def leave(request, run_id: int, volunteer_id: int, payload: ReasonIn):
    run = _run(request, run_id)
    member = selectors.members_of(run).filter(volunteer_id=pk_or_404(volunteer_id)).first()
    if member is None:
        raise CoreError.NOT_FOUND.error()
    services.run_leave(actor=request.auth, run=run, volunteer=member.volunteer, reason=payload.reason)
    return _detail(run)


@router.post("/delivery-runs/{run_id}/purchase", response=RunDetailOut, summary="开始采购")
def purchase(request, run_id: int):
    return _detail(services.run_start_purchase(actor=request.auth, run=_run(request, run_id)))


@router.post("/delivery-runs/{run_id}/deliver", response=RunDetailOut, summary="开始配送（向各户发送收货码）")
def deliver(request, run_id: int):
    return _detail(services.run_start_delivery(actor=request.auth, run=_run(request, run_id)))


@router.post("/delivery-runs/{run_id}/cancel", response=RunDetailOut, summary="取消批次（配送前）")
def cancel(request, run_id: int, payload: ReasonIn):
    return _detail(services.run_cancel(actor=request.auth, run=_run(request, run_id), reason=payload.reason))


@router.post("/delivery-runs/{run_id}/receipts", response={201: ReceiptOut}, summary="登记采购小票（可附照片）")
def add_receipt(request, run_id: int, amount: Form[str] = "", shop: Form[str] = "", note: Form[str] = "",
                photo: UploadedFile | None = OPTIONAL_FILE):
    run = _run(request, run_id)
    return Status(201, services.receipt_add(actor=request.auth, run=run, amount=amount, shop=shop, note=note,
                                            upload=photo))


@router.get("/delivery-runs/{run_id}/receipts/{receipt_id}/photo", response={200: None}, summary="小票照片")
def receipt_photo(request, run_id: int, receipt_id: int):
    run = _run(request, run_id)
    receipt = run.receipts.select_related("image").filter(pk=receipt_id).first()
    image = receipt.image if receipt else None
    return image_response(request, image, allowed=image is not None)


@router.get("/delivery-runs/{run_id}/buying-list.xlsx", response={200: None}, summary="导出采购清单（Excel）")
def export(request, run_id: int):
    from wenming.core.audit import audit_record

    run = _run(request, run_id)
    data = buying_list_workbook(run)
    audit_record(actor=request.auth, action="delivery.export", obj=run, node_path=run.node.path)
    return FileResponse(BytesIO(data), as_attachment=True, filename=f"采购清单-{run.pk}.xlsx", content_type=XLSX)


@router.get("/delivery-runs/{run_id}/contacts", response=list[ContactOut], summary="住户联系方式（配送人员，留痕）")
def contacts(request, run_id: int, response: HttpResponse):
    response["Cache-Control"] = "no-store"  # personal data in clear: no cache keeps it
    found = stops.stop_contacts_reveal(actor=request.auth, run=_run(request, run_id))
    return [{"stop_id": pk} | contact for pk, contact in found.items()]


def _stop(request, stop_id: int) -> DeliveryStop:
    return selectors.stop_get_for_actor(actor=request.auth, stop_id=stop_id)


@router.post("/delivery-stops/{stop_id}/confirm", response=StopOut, summary="上门核对收货码，确认送达")
def confirm(request, stop_id: int, payload: CodeIn):
    return stops.stop_confirm_code(actor=request.auth, stop=_stop(request, stop_id), code=payload.code)


@router.post("/delivery-stops/{stop_id}/confirm-by-call", response=StopOut,
             summary="工作人员电话回访确认收货（收不到短信、没有查询码的住户）")
def confirm_by_call(request, stop_id: int, payload: NoteIn):
    return stops.stop_confirm_by_call(actor=request.auth, stop=_stop(request, stop_id), note=payload.note)


@router.post("/delivery-stops/{stop_id}/mark", response=StopOut, summary="登记未送达（须说明原因）")
def mark(request, stop_id: int, payload: MarkIn):
    return stops.stop_mark(actor=request.auth, stop=_stop(request, stop_id), reason=payload.reason,
                           outcome=payload.outcome)


@router.post("/delivery-stops/{stop_id}/amount", response=StopOut, summary="登记该户金额")
def amount(request, stop_id: int, payload: AmountIn):
    return stops.stop_set_amount(actor=request.auth, stop=_stop(request, stop_id), amount=payload.amount)


@router.post("/delivery-confirmations", response=ResidentConfirmOut, auth=None,
             summary="群众确认收货（凭点单编号和查询码）")
def resident_confirm(request, payload: ResidentConfirmIn):
    stop = stops.stop_confirm_by_resident(tracking_no=payload.tracking_no, tracking_code=payload.tracking_code,
                                          client=client_ip(request) or "")
    demand = stop.demand
    demand.refresh_from_db()
    return {"tracking_no": demand.tracking_no, "status": demand.status, "status_name": demand.get_status_display()}
