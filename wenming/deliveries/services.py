"""Writes of a delivery run: gather (组单) → purchase (采购) → deliver (配送) → closed, or
cancelled before delivery. The stops' own writes (confirm, mark, amount) are in stops.py.

Every service is one transaction: the run's row lock first, then the requests in id order
(one lock order, so two writers wait instead of deadlocking), a fresh status check, the
change, a DemandEvent for each request it moves and one audit row.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.notify import PhoneMessage, notify, notify_phones
from wenming.core.params import parse_money
from wenming.core.uploads import image_discard, image_store
from wenming.demands.models import Demand, DemandStatus
from wenming.demands.workflow import lock_demand, move_status
from wenming.orgs.models import Node, NodeKind

from .access import check_staff, check_staff_or_member, lock_run
from .errors import DeliveryError as E
from .models import (
    DeliveryReceipt,
    DeliveryRun,
    DeliveryStop,
    RunStatus,
    RunVolunteer,
    StopOutcome,
    StopStatus,
)
from .tokens import code_hash, new_code

S, R = DemandStatus, RunStatus
MAX_STOPS = 200
MAX_RECEIPTS = 50
RUN_NODE_KINDS = (NodeKind.CENTER, NodeKind.SUBCENTER, NodeKind.INSTITUTE, NodeKind.STATION)


def _fresh(run: DeliveryRun, allowed: tuple, action: str) -> DeliveryRun:
    """Lock the run and check its status as locked."""
    lock_run(run.pk)
    run.refresh_from_db()
    if run.status not in allowed:
        raise E.BAD_STATUS.error(status=run.get_status_display(), action=action)
    return run


def _reason(text: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    return reason[:200]


def _audit(actor, run: DeliveryRun, action: str, **changes) -> None:
    audit_record(actor=actor, action=f"delivery.{action}", obj=run, node_path=run.node.path, changes=changes or None)


# ---- gathering ----------------------------------------------------------------------------

def run_create(*, actor, node: Node, title: str, planned_for: date | None = None, note: str = "",
               now=None) -> DeliveryRun:
    if not scope_for(actor).allows(Perm.DEMAND_EDIT, node.path):
        raise CoreError.NOT_FOUND.error()
    if node.kind not in RUN_NODE_KINDS or node.archived_at is not None:
        raise E.NODE_INVALID.error("node_id")
    title = (title or "").strip()[:60]
    if not title:
        raise E.TITLE_REQUIRED.error("title")
    with transaction.atomic():
        run = DeliveryRun.objects.create(node=node, title=title, planned_for=planned_for, note=(note or "")[:300],
                                         created_by=actor, created_at=now or timezone.now())
        _audit(actor, run, "create", title=title)
    return run


def run_add_demands(*, actor, run: DeliveryRun, demands: list[Demand], now=None) -> list[DeliveryStop]:
    """组单: reviewed, not yet dispatched purchase requests of the run's area join the run; each
    request moves to 已接单 (its SLA timer stops) and cannot join another run meanwhile."""
    check_staff(actor, run, "组单")
    if not demands:
        raise E.NO_DEMANDS.error("demand_ids")
    now = now or timezone.now()
    stops = []
    with transaction.atomic():
        _fresh(run, (R.GATHERING,), "继续组单")
        if run.stops.filter(status=StopStatus.PENDING).count() + len(demands) > MAX_STOPS:
            raise E.TOO_MANY.error("demand_ids", limit=MAX_STOPS)
        for demand in sorted(demands, key=lambda d: d.pk):
            lock_demand(demand.pk)
            demand.refresh_from_db()
            _check_joinable(run, demand)
            move_status(actor=actor, demand=demand, frm=(S.REVIEWED,), to=S.ACCEPTED, action="run_join",
                        verb="纳入代购配送", note=f"纳入代购配送批次 #{run.pk}", now=now, due_at=None)
            try:
                with transaction.atomic():
                    stops.append(DeliveryStop.objects.create(run=run, demand=demand, added_at=now))
            except IntegrityError:  # already waiting on another run
                raise E.DEMAND_UNAVAILABLE.error("demand_ids", no=demand.tracking_no, status="配送中") from None
        _audit(actor, run, "add", demands=[d.pk for d in demands])
    return stops


def _check_joinable(run: DeliveryRun, demand: Demand) -> None:
    if not demand.category.is_purchase:
        raise E.NOT_PURCHASE.error("demand_ids", no=demand.tracking_no)
    if not demand.node.path.startswith(run.node.path):
        raise E.OUT_OF_AREA.error("demand_ids", no=demand.tracking_no, node=run.node.name)
    if demand.status != S.REVIEWED:
        raise E.DEMAND_UNAVAILABLE.error("demand_ids", no=demand.tracking_no, status=demand.get_status_display())


def _requeue(actor, demand: Demand, *, note: str, now) -> None:
    """The request goes back to the dispatcher (已受理) with a fresh SLA timer."""
    lock_demand(demand.pk)
    demand.refresh_from_db()
    move_status(actor=actor, demand=demand, frm=(S.ACCEPTED, S.IN_PROGRESS), to=S.REVIEWED, action="run_requeue",
                verb="退回待派单", note=note, now=now,
                due_at=now + timedelta(minutes=settings.DEMAND_ACCEPT_MINUTES))


def run_remove_stop(*, actor, stop: DeliveryStop, now=None) -> None:
    """Take a household out while the run is still gathering: its request is dispatchable again."""
    run = stop.run
    check_staff(actor, run, "调整批次")
    now = now or timezone.now()
    with transaction.atomic():
        _fresh(run, (R.GATHERING,), "移出住户")
        if not DeliveryStop.objects.filter(pk=stop.pk, status=StopStatus.PENDING).exists():
            raise CoreError.NOT_FOUND.error()
        _requeue(actor, stop.demand, note=f"移出代购配送批次 #{run.pk}", now=now)
        stop.delete()
        _audit(actor, run, "remove", demand=stop.demand_id)


# ---- volunteers ---------------------------------------------------------------------------

def run_assign(*, actor, run: DeliveryRun, volunteers: list, now=None) -> list[RunVolunteer]:
    """安排志愿者 (or bring back one who left). They are told; they may leave with a reason."""
    check_staff(actor, run, "安排志愿者")
    for vol in volunteers:
        if vol.user_id is None or not vol.user.is_active or vol.status != "active":
            raise E.NO_ACCOUNT.error("volunteer_ids", name=vol.name)
    now = now or timezone.now()
    rows = []
    with transaction.atomic():
        _fresh(run, (R.GATHERING, R.PURCHASING, R.DELIVERING), "安排志愿者")
        for vol in volunteers:
            row = RunVolunteer.objects.filter(run=run, volunteer=vol).first()
            if row is not None and row.left_at is None:
                raise E.ALREADY_MEMBER.error("volunteer_ids", name=vol.name)
            if row is None:
                row = RunVolunteer.objects.create(run=run, volunteer=vol, assigned_by=actor, assigned_at=now)
            else:
                RunVolunteer.objects.filter(pk=row.pk).update(left_at=None, leave_reason="", assigned_by=actor,
                                                              assigned_at=now)
            rows.append(row)
        notify(users_or_volunteers=volunteers, subject=f"代购配送：{run.title}",
               body=f"{run.node.name}安排您参加代购配送批次“{run.title}”。如不能参加，请在批次页面说明原因退出。",
               link=f"/deliveries/{run.pk}/")
        _audit(actor, run, "assign", volunteers=[v.pk for v in volunteers])
    return rows


def run_leave(*, actor, run: DeliveryRun, volunteer, reason: str, now=None) -> None:
    """A volunteer leaves the run (志愿服务条例 art. 25), or staff take them off; a reason either way."""
    role = check_staff_or_member(actor, run, "退出批次")
    if role == "member" and volunteer.user_id != actor.pk:
        raise E.NOT_MEMBER.error(action="让其他志愿者退出")
    reason = _reason(reason)
    with transaction.atomic():
        _fresh(run, (R.GATHERING, R.PURCHASING, R.DELIVERING), "调整志愿者")
        if not RunVolunteer.objects.filter(run=run, volunteer=volunteer, left_at__isnull=True).update(
                left_at=now or timezone.now(), leave_reason=reason):
            raise CoreError.NOT_FOUND.error()
        _audit(actor, run, "leave", volunteer=volunteer.pk)


# ---- purchase and delivery ----------------------------------------------------------------

def _pending_stops(run: DeliveryRun):
    return list(run.stops.filter(status=StopStatus.PENDING).select_related("demand__node").order_by("demand_id"))


def run_start_purchase(*, actor, run: DeliveryRun, now=None) -> DeliveryRun:
    """开始采购: the buying list is fixed; every request moves to 服务中."""
    check_staff(actor, run, "开始采购")
    now = now or timezone.now()
    with transaction.atomic():
        _fresh(run, (R.GATHERING,), "开始采购")
        stops = _pending_stops(run)
        if not stops:
            raise E.EMPTY_RUN.error()
        if not run.members.filter(left_at__isnull=True).exists():
            raise E.NO_VOLUNTEERS.error()
        DeliveryRun.objects.filter(pk=run.pk).update(status=R.PURCHASING, purchasing_at=now)
        for stop in stops:
            lock_demand(stop.demand_id)
            stop.demand.refresh_from_db()
            move_status(actor=actor, demand=stop.demand, frm=(S.ACCEPTED,), to=S.IN_PROGRESS, action="run_start",
                        verb="开始采购", note=f"代购配送批次 #{run.pk} 开始采购", now=now)
        _audit(actor, run, "purchase")
    run.refresh_from_db()
    return run


def run_start_delivery(*, actor, run: DeliveryRun, now=None) -> DeliveryRun:
    """开始配送: each household still waiting gets its receipt code (收货码) by SMS; it tells
    the code to the volunteer at the door, or confirms on the tracking page itself."""
    check_staff_or_member(actor, run, "开始配送")
    now = now or timezone.now()
    with transaction.atomic():
        _fresh(run, (R.PURCHASING,), "开始配送")
        DeliveryRun.objects.filter(pk=run.pk).update(status=R.DELIVERING, delivering_at=now)
        texts = []
        for stop in _pending_stops(run):
            code = new_code()
            DeliveryStop.objects.filter(pk=stop.pk).update(code_hash=code_hash(stop.pk, code), code_sent_at=now)
            texts.append(PhoneMessage(phone=stop.demand.reveal_phone(), subject="代购物资配送收货码",
                                      body=f"您的代购物资（点单 {stop.demand.tracking_no}）正在配送，收货码 {code}。"
                                           f"志愿者送到后请核对物品，再把收货码告诉志愿者；"
                                           f"也可凭点单编号和查询码在进度页确认收货。"))
        notify_phones(texts)  # one batch, sent after commit by one callback (not one per household)
        _audit(actor, run, "deliver")
    run.refresh_from_db()
    return run


def run_cancel(*, actor, run: DeliveryRun, reason: str, now=None) -> DeliveryRun:
    """取消 before delivery starts: every waiting request goes back to the dispatcher."""
    check_staff(actor, run, "取消批次")
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        _fresh(run, (R.GATHERING, R.PURCHASING), "取消")
        for stop in _pending_stops(run):
            DeliveryStop.objects.filter(pk=stop.pk).update(status=StopStatus.MARKED, outcome=StopOutcome.REQUEUE,
                                                           marked_reason=f"批次取消：{reason}"[:200],
                                                           done_by=actor, confirmed_at=None)
            _requeue(actor, stop.demand, note=f"代购配送批次 #{run.pk} 取消", now=now)
        DeliveryRun.objects.filter(pk=run.pk).update(status=R.CANCELLED, cancel_reason=reason, closed_at=now)
        _audit(actor, run, "cancel", reason=reason)
    run.refresh_from_db()
    return run


def receipt_add(*, actor, run: DeliveryRun, amount, shop: str, note: str = "", upload=None,
                now=None) -> DeliveryReceipt:
    """A purchase receipt with its amount, where it was bought and (optionally) its photo."""
    check_staff_or_member(actor, run, "登记小票")
    try:
        value = parse_money(amount)
    except ValueError:
        raise E.AMOUNT_INVALID.error("amount") from None
    if value is None:
        raise E.AMOUNT_INVALID.error("amount")
    shop = (shop or "").strip()[:60]
    if not shop:
        raise E.SHOP_REQUIRED.error("shop")
    run.refresh_from_db(fields=["status"])
    if run.status not in (R.PURCHASING, R.DELIVERING):
        raise E.BAD_STATUS.error(status=run.get_status_display(), action="登记小票")
    # the photo is checked and re-encoded before the run's lock is taken (it can take a while)
    image = image_store(actor=actor, upload=upload, purpose="delivery_receipt") if upload else None
    try:
        with transaction.atomic():
            _fresh(run, (R.PURCHASING, R.DELIVERING), "登记小票")
            if run.receipts.count() >= MAX_RECEIPTS:
                raise E.TOO_MANY_RECEIPTS.error(limit=MAX_RECEIPTS)
            receipt = DeliveryReceipt.objects.create(run=run, amount=value, shop=shop,
                                                     note=(note or "").strip()[:200], image=image, recorded_by=actor,
                                                     recorded_at=now or timezone.now())
            _audit(actor, run, "receipt", amount=str(value))
    except Exception:
        if image is not None:
            image_discard(image)  # refused under the lock: no orphan photo
        raise
    return receipt
