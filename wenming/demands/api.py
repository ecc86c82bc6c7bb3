"""群众点单 API: the public intake and tracking (no account), the dispatcher's workflow, and
the volunteer's offers. Personal data leaves only through `/demands/{id}/contact` (audited)."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.api import PageOut, page_response
from wenming.core.errors import CoreError
from wenming.core.middleware import client_ip
from wenming.core.pagination import paginate
from wenming.core.params import pk_or_404
from wenming.core.upload_errors import UploadError
from wenming.orgs.models import NodeKind
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import team_get_for_actor, volunteer_get_for_actor

from . import selectors, workflow
from .contact import demand_contact_reveal
from .errors import DemandError as E
from .intake import DemandInput, demand_enter, demand_submit, phone_check_send
from .models import Demand, Offer

router = Router(tags=["群众点单"])
OPTIONAL_FILE = File(None)  # a missing file is refused after the scope check (404 before 422)


class CategoryOut(Schema):
    code: str
    name: str
    is_purchase: bool


class ItemIn(Schema):
    name: str
    quantity: Decimal = Decimal(1)
    unit: str = ""
    budget: Decimal | None = None


class ItemOut(Schema):
    name: str
    quantity: Decimal
    unit: str
    budget: Decimal | None


class DemandIn(Schema):
    name: str
    phone: str
    address: str
    category: str
    description: str
    urgency: str = "normal"
    preferred_time: str = ""
    items: list[ItemIn] = []
    grid_id: int | None = None
    lat: Decimal | None = None
    lon: Decimal | None = None
    node_id: int | None = None


class PublicDemandIn(DemandIn):
    code: str


class PhoneIn(Schema):
    phone: str


class SubmittedOut(Schema):
    id: int
    tracking_no: str
    tracking_code: str  # shown once: with the number it opens the tracking page
    node_name: str
    status: str


class EventOut(Schema):
    at: datetime
    action: str
    from_status: str
    to_status: str
    note: str


class DemandOut(Schema):
    id: int
    tracking_no: str
    category: str
    category_name: str
    description: str
    urgency: str
    preferred_time: str
    channel: str
    node_id: int
    node_name: str
    escalations: int
    status: str
    status_name: str
    due_at: datetime | None
    resident_name: str
    phone: str
    address: str
    reject_reason: str
    accepted_by_id: int | None
    proof_note: str
    receipt_amount: Decimal | None
    rating: int | None
    rating_comment: str
    submitted_at: datetime
    items: list[ItemOut]

    @staticmethod
    def resolve_category(obj: Demand) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Demand) -> str:
        return obj.category.name

    @staticmethod
    def resolve_node_name(obj: Demand) -> str:
        return obj.node.name

    @staticmethod
    def resolve_status_name(obj: Demand) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_resident_name(obj: Demand) -> str:
        return obj.resident_name_masked

    @staticmethod
    def resolve_phone(obj: Demand) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_address(obj: Demand) -> str:
        return obj.address_masked

    @staticmethod
    def resolve_items(obj: Demand):
        return list(obj.items.all())


class TrackIn(Schema):
    tracking_no: str
    tracking_code: str


class PublicEventOut(Schema):
    at: datetime
    action: str
    label: str
    note: str


class TrackOut(Schema):
    """What the resident sees: status, reason, the history — no volunteer's personal data."""

    tracking_no: str
    category_name: str
    status: str
    status_name: str
    node_name: str
    reject_reason: str
    rating: int | None
    events: list[PublicEventOut]


class RateIn(TrackIn):
    rating: int
    comment: str = ""


class ContactOut(Schema):
    name: str
    phone: str
    address: str
    revealed: bool


class ReasonIn(Schema):
    reason: str


class DispatchIn(Schema):
    volunteer_ids: list[int] = []
    team_ids: list[int] = []
    at_once: int = 1


class CompleteIn(Schema):
    note: str = ""
    receipt_amount: Decimal | None = None


class NoteIn(Schema):
    note: str = ""


class OfferOut(Schema):
    id: int
    demand_id: int
    tracking_no: str
    category_name: str
    node_name: str
    urgency: str
    address: str  # masked until accepted
    description: str
    status: str
    rank: int
    team_id: int | None
    offered_at: datetime | None
    expires_at: datetime | None

    @staticmethod
    def resolve_tracking_no(obj: Offer) -> str:
        return obj.demand.tracking_no

    @staticmethod
    def resolve_category_name(obj: Offer) -> str:
        return obj.demand.category.name

    @staticmethod
    def resolve_node_name(obj: Offer) -> str:
        return obj.demand.node.name

    @staticmethod
    def resolve_urgency(obj: Offer) -> str:
        return obj.demand.urgency

    @staticmethod
    def resolve_address(obj: Offer) -> str:
        return obj.demand.address_masked

    @staticmethod
    def resolve_description(obj: Offer) -> str:
        return obj.demand.description


class DemandFilters(Schema):
    status: str = ""
    page: int = 1
    page_size: int = 20


def _input(actor, payload: DemandIn) -> DemandInput:
    grid = within = None
    if payload.grid_id is not None:
        grid = _public_node(payload.grid_id, NodeKind.GRID)
    if payload.node_id is not None:
        within = (node_get_for_actor(actor=actor, node_id=payload.node_id) if actor is not None
                  else _public_node(payload.node_id, None))
    return DemandInput(name=payload.name, phone=payload.phone, address=payload.address, category=payload.category,
                       description=payload.description, urgency=payload.urgency,
                       preferred_time=payload.preferred_time, items=[i.dict() for i in payload.items], grid=grid,
                       lat=payload.lat, lon=payload.lon, within=within)


def _public_node(node_id: int, kind: str | None):
    from wenming.orgs.selectors import node_public_list

    node = node_public_list(kinds=[kind] if kind else None).filter(pk=node_id).first()
    if node is None:
        raise CoreError.NOT_FOUND.error()
    return node


@router.get("/demand-categories", response=list[CategoryOut], auth=None, summary="点单类别")
def list_categories(request):
    return list(selectors.category_list())


@router.post("/demands/phone-checks", response={202: None}, auth=None, summary="获取手机验证码（群众点单）")
def send_code(request, payload: PhoneIn):
    phone_check_send(phone=payload.phone, client=client_ip(request) or "")
    return Status(202, None)


@router.post("/demands/public", response={201: SubmittedOut}, auth=None, summary="群众点单（免登录，需验证码）")
def submit_public(request, payload: PublicDemandIn):
    demand, code = demand_submit(data=_input(None, payload), code=payload.code)
    return Status(201, {"id": demand.pk, "tracking_no": demand.tracking_no, "tracking_code": code,
                        "node_name": demand.node.name, "status": demand.status})


def _track_out(demand: Demand) -> dict:
    return {"tracking_no": demand.tracking_no, "category_name": demand.category.name, "status": demand.status,
            "status_name": demand.get_status_display(), "node_name": demand.node.name,
            "reject_reason": demand.reject_reason, "rating": demand.rating,
            "events": selectors.public_history(demand)}


@router.post("/demands/track", response=TrackOut, auth=None, summary="凭编号和查询码查看进度")
def track(request, payload: TrackIn):
    return _track_out(selectors.demand_get_by_tracking(tracking_no=payload.tracking_no,
                                                       tracking_code=payload.tracking_code,
                                                       client=client_ip(request) or ""))


@router.post("/demands/rate", response=TrackOut, auth=None, summary="群众评单（1–5 星）")
def rate(request, payload: RateIn):
    return _track_out(workflow.demand_rate(tracking_no=payload.tracking_no, tracking_code=payload.tracking_code,
                                           rating=payload.rating, comment=payload.comment,
                                           client=client_ip(request) or ""))


@router.post("/demands", response={201: SubmittedOut}, summary="工作人员录入电话点单")
def enter(request, payload: DemandIn):
    if payload.node_id is None:
        raise E.FIELD_REQUIRED.error("node_id", label="受理阵地")
    demand, code = demand_enter(actor=request.auth, data=_input(request.auth, payload))
    return Status(201, {"id": demand.pk, "tracking_no": demand.tracking_no, "tracking_code": code,
                        "node_name": demand.node.name, "status": demand.status})


@router.get("/demands", response=PageOut[DemandOut], summary="点单列表（按时限排序）")
def list_demands(request, filters: Query[DemandFilters]):
    qs = selectors.demand_list_for_actor(actor=request.auth, status=filters.status).prefetch_related("items")
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.get("/me/offers", response=list[OfferOut], summary="派给我的点单")
def my_offers(request, open_only: bool = False):
    return list(selectors.offer_list_for_actor(actor=request.auth, open_only=open_only)[:200])


@router.post("/offers/{offer_id}/accept", response=DemandOut, summary="接单")
def accept(request, offer_id: int):
    offer = selectors.offer_get_for_actor(actor=request.auth, offer_id=offer_id)
    return workflow.offer_accept(actor=request.auth, offer=offer)


@router.post("/offers/{offer_id}/decline", response=OfferOut, summary="婉拒（须说明原因）")
def decline(request, offer_id: int, payload: ReasonIn):
    offer = selectors.offer_get_for_actor(actor=request.auth, offer_id=offer_id)
    return workflow.offer_decline(actor=request.auth, offer=offer, reason=payload.reason)


@router.get("/demands/{demand_id}", response=DemandOut, summary="点单详情（联系方式已脱敏）")
def get_demand(request, demand_id: int):
    return selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)


@router.get("/demands/{demand_id}/events", response=list[EventOut], summary="点单流转记录")
def events(request, demand_id: int):
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    if scope_for(request.auth).allows(Perm.DEMAND_VIEW, demand.node.path):
        return list(demand.events.all())
    # a volunteer sees the resident's view: no other volunteer's name or decline reason
    return [{"at": e["at"], "action": e["action"], "from_status": "", "to_status": "", "note": e["note"]}
            for e in selectors.public_history(demand)]


class ReasonOut(Schema):
    factor: str  # skill / distance / load / rating / availability
    label: str
    points: float
    max_points: float
    text: str


class CandidateOut(Schema):
    volunteer_id: int
    name: str  # masked
    volunteer_no: str
    score: float
    distance_km: float | None
    reasons: list[ReasonOut]


@router.get("/demands/{demand_id}/candidates", response=list[CandidateOut],
            summary="候选志愿者排序（技能、距离、在办、评价、可服务时间，附理由）")
def candidates(request, demand_id: int, limit: int = 10):
    from .ranking import rank_candidates

    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    return rank_candidates(actor=request.auth, demand=demand, limit=limit)


@router.get("/demands/{demand_id}/contact", response=ContactOut, summary="查看联系人信息（留痕）")
def contact(request, demand_id: int, response: HttpResponse):
    response["Cache-Control"] = "no-store"  # personal data in clear: no cache keeps it
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    return demand_contact_reveal(actor=request.auth, demand=demand)


@router.post("/demands/{demand_id}/review", response=DemandOut, summary="受理")
def review(request, demand_id: int):
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    return workflow.demand_review(actor=request.auth, demand=demand)


@router.post("/demands/{demand_id}/reject", response=DemandOut, summary="不予受理（原因群众可见）")
def reject(request, demand_id: int, payload: ReasonIn):
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    return workflow.demand_reject(actor=request.auth, demand=demand, reason=payload.reason)


@router.post("/demands/{demand_id}/dispatch", response=DemandOut, summary="派单（按排名依次派给志愿者或队伍）")
def dispatch(request, demand_id: int, payload: DispatchIn):
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    volunteers = [volunteer_get_for_actor(actor=request.auth, volunteer_id=pk_or_404(v))
                  for v in payload.volunteer_ids[:50]]
    teams = [team_get_for_actor(actor=request.auth, team_id=pk_or_404(t)) for t in payload.team_ids[:20]]
    return workflow.demand_dispatch(actor=request.auth, demand=demand, volunteers=volunteers, teams=teams,
                                    at_once=min(max(payload.at_once, 1), 20))


@router.post("/demands/{demand_id}/start", response=DemandOut, summary="开始服务（接单志愿者）")
def start(request, demand_id: int):
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    return workflow.demand_start(actor=request.auth, demand=demand)


@router.post("/demands/{demand_id}/complete", response=DemandOut, summary="完成（说明与小票金额）")
def complete(request, demand_id: int, payload: CompleteIn):
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    return workflow.demand_complete(actor=request.auth, demand=demand, note=payload.note,
                                    receipt_amount=payload.receipt_amount)


class PhotoOut(Schema):
    id: int
    width: int
    height: int
    url: str

    @staticmethod
    def resolve_width(obj) -> int:
        return obj.image.width

    @staticmethod
    def resolve_height(obj) -> int:
        return obj.image.height

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/api/v1/demands/{obj.demand_id}/photos/{obj.pk}"


@router.post("/demands/{demand_id}/photos", response={201: PhotoOut}, summary="上传完成照片（接单志愿者）")
def add_photo(request, demand_id: int, photo: UploadedFile = OPTIONAL_FILE):
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    if photo is None:
        raise UploadError.EMPTY.error("photo")
    return Status(201, workflow.demand_add_photo(actor=request.auth, demand=demand, upload=photo))


@router.get("/demands/{demand_id}/photos/{photo_id}", summary="查看完成照片", response={200: None})
def get_photo(request, demand_id: int, photo_id: int):
    from wenming.core.uploads import image_response

    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    photo = demand.photos.select_related("image").filter(pk=photo_id).first()
    return image_response(request, photo.image if photo else None, allowed=photo is not None)


@router.post("/demands/{demand_id}/close", response=DemandOut, summary="办结")
def close(request, demand_id: int, payload: NoteIn):
    demand = selectors.demand_get_for_actor(actor=request.auth, demand_id=demand_id)
    return workflow.demand_close(actor=request.auth, demand=demand, note=payload.note)


# 我的点单 (a logged-in resident's own requests): demands/mine_api.py
from .mine_api import router as mine_router  # noqa: E402

router.add_router("", mine_router)
