"""Writes on one household of a run: confirm the delivery (the household's receipt code at
the door, or the resident on the tracking page), mark it undelivered with a reason, record
what the household's share cost; and the audited contact read for the volunteers.

When the last pending stop is confirmed or marked, the run closes in the same transaction.
"""

import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.params import parse_money
from wenming.demands.models import DemandStatus
from wenming.demands.selectors import demand_get_by_tracking
from wenming.demands.workflow import lock_demand, move_status

from .access import check_staff, check_staff_or_member, lock_run
from .errors import DeliveryError as E
from .models import ConfirmedVia, DeliveryRun, DeliveryStop, RunStatus, StopOutcome, StopStatus
from .tokens import code_matches

S, R = DemandStatus, RunStatus
CODE_TRIES = 5  # wrong receipt codes per stop, ever: six digits cannot be walked at the door
SIX_DIGITS = re.compile(r"[0-9]{6}")


def _locked(stop: DeliveryStop, allowed: tuple, action: str) -> tuple[DeliveryRun, DeliveryStop]:
    """Run lock first, then the stop's fresh state: it must still be pending."""
    lock_run(stop.run_id)
    run = DeliveryRun.objects.select_related("node").get(pk=stop.run_id)
    if run.status not in allowed:
        raise E.BAD_STATUS.error(status=run.get_status_display(), action=action)
    stop.refresh_from_db()
    if stop.status != StopStatus.PENDING:
        raise E.STOP_DONE.error(status=stop.get_status_display())
    return run, stop


def _close_if_done(actor, run: DeliveryRun, now) -> None:
    if run.stops.filter(status=StopStatus.PENDING).exists():
        return
    if DeliveryRun.objects.filter(pk=run.pk, status__in=[R.PURCHASING, R.DELIVERING]).update(
            status=R.CLOSED, closed_at=now):
        audit_record(actor=actor, action="delivery.close", obj=run, node_path=run.node.path)


def _confirm(actor, run: DeliveryRun, stop: DeliveryStop, via: str, now) -> DeliveryStop:
    DeliveryStop.objects.filter(pk=stop.pk, status=StopStatus.PENDING).update(
        status=StopStatus.CONFIRMED, confirmed_at=now, confirmed_via=via,
        done_by=actor if getattr(actor, "is_authenticated", False) else None)
    lock_demand(stop.demand_id)
    demand = stop.demand
    demand.refresh_from_db()
    move_status(actor=actor, demand=demand, frm=(S.IN_PROGRESS,), to=S.COMPLETED, action="delivered",
                verb="确认收货", note=f"住户已确认收货（代购配送批次 #{run.pk}，{ConfirmedVia(via).label}）", now=now,
                proof_note=f"代购配送批次 #{run.pk}：住户已确认收货", receipt_amount=stop.amount, completed_at=now,
                due_at=now + timedelta(hours=settings.DEMAND_AUTO_CLOSE_HOURS))
    audit_record(actor=actor, action="delivery.confirm", obj=run, node_path=run.node.path,
                 changes={"stop": stop.pk, "via": via})
    _close_if_done(actor, run, now)
    stop.refresh_from_db()
    return stop


def stop_confirm_code(*, actor, stop: DeliveryStop, code: str, now=None) -> DeliveryStop:
    """At the door: the volunteer types the household's receipt code. Something that is not
    six digits is a typo and costs nothing; wrong codes are counted on the stop itself, under
    the run's lock (parallel guesses wait for each other), and after CODE_TRIES the door
    path is closed for good: the resident confirms on the tracking page, or staff by phone."""
    check_staff_or_member(actor, stop.run, "确认送达")
    code = unicodedata.normalize("NFKC", code or "").strip()
    if not SIX_DIGITS.fullmatch(code):
        raise E.CODE_FORMAT.error("code")
    now = now or timezone.now()
    with transaction.atomic():
        run, stop = _locked(stop, (R.DELIVERING,), "确认送达")
        if not stop.code_hash:
            raise E.CODE_NOT_SENT.error()
        if stop.code_tries >= CODE_TRIES:
            raise E.CODE_LOCKED.error(limit=CODE_TRIES)
        if code_matches(stop.pk, stop.code_hash, code):
            return _confirm(actor, run, stop, ConfirmedVia.DOOR_CODE, now)
        DeliveryStop.objects.filter(pk=stop.pk).update(code_tries=F("code_tries") + 1)  # kept: no raise inside
    raise E.CODE_WRONG.error("code", left=CODE_TRIES - stop.code_tries - 1)


def stop_confirm_by_call(*, actor, stop: DeliveryStop, note: str, now=None) -> DeliveryStop:
    """工作人员电话回访确认: for a household that cannot get the SMS (a landline) and has no
    query code. Staff only, with what the household said."""
    check_staff(actor, stop.run, "电话回访确认")
    note = (note or "").strip()[:200]
    if not note:
        raise E.REASON_REQUIRED.error("note")
    now = now or timezone.now()
    with transaction.atomic():
        run, stop = _locked(stop, (R.DELIVERING,), "电话回访确认")
        DeliveryStop.objects.filter(pk=stop.pk).update(confirm_note=note)
        return _confirm(actor, run, stop, ConfirmedVia.STAFF_CALL, now)


def stop_confirm_by_resident(*, tracking_no: str, tracking_code: str, client: str = "", now=None) -> DeliveryStop:
    """The resident confirms their own delivery on the tracking page (number + query code)."""
    demand = demand_get_by_tracking(tracking_no=tracking_no, tracking_code=tracking_code, client=client)
    stop = demand.delivery_stops.filter(status=StopStatus.PENDING, run__status=R.DELIVERING).first()
    if stop is None:
        raise E.NOT_DELIVERING.error()
    now = now or timezone.now()
    with transaction.atomic():
        run, stop = _locked(stop, (R.DELIVERING,), "确认收货")
        return _confirm(None, run, stop, ConfirmedVia.RESIDENT, now)


def delivery_pending_for(demand) -> bool:
    """Whether the resident's request is out for delivery now (the tracking page's button)."""
    return demand.delivery_stops.filter(status=StopStatus.PENDING, run__status=R.DELIVERING).exists()


def stop_mark(*, actor, stop: DeliveryStop, reason: str, outcome: str = StopOutcome.REQUEUE,
              now=None) -> DeliveryStop:
    """未送达 with a reason (nobody home, out of stock…). The request goes back to the
    dispatcher, or — staff only, when the household no longer needs it — is closed."""
    role = check_staff_or_member(actor, stop.run, "登记未送达")
    if outcome not in StopOutcome.values or (outcome == StopOutcome.CANCEL and role != "staff"):
        raise E.OUTCOME_INVALID.error("outcome")
    reason = (reason or "").strip()[:200]
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    now = now or timezone.now()
    with transaction.atomic():
        run, stop = _locked(stop, (R.PURCHASING, R.DELIVERING), "登记未送达")
        DeliveryStop.objects.filter(pk=stop.pk).update(status=StopStatus.MARKED, marked_reason=reason,
                                                       outcome=outcome, done_by=actor)
        lock_demand(stop.demand_id)
        demand = stop.demand
        demand.refresh_from_db()
        if outcome == StopOutcome.CANCEL:
            move_status(actor=actor, demand=demand, frm=(S.IN_PROGRESS,), to=S.CLOSED, action="run_cancel_demand",
                        verb="办结", note=f"代购配送批次 #{run.pk} 未送达：{reason}", now=now, closed_at=now,
                        due_at=None)
        else:
            move_status(actor=actor, demand=demand, frm=(S.IN_PROGRESS,), to=S.REVIEWED, action="run_requeue",
                        verb="退回待派单", note=f"代购配送批次 #{run.pk} 未送达：{reason}", now=now,
                        due_at=now + timedelta(minutes=settings.DEMAND_ACCEPT_MINUTES))
        audit_record(actor=actor, action="delivery.mark", obj=run, node_path=run.node.path,
                     changes={"stop": stop.pk, "outcome": outcome})
        _close_if_done(actor, run, now)
    stop.refresh_from_db()
    return stop


def stop_set_amount(*, actor, stop: DeliveryStop, amount) -> DeliveryStop:
    """该户金额: what this household's share of the buying cost (becomes the request's receipt amount)."""
    check_staff_or_member(actor, stop.run, "登记金额")
    try:
        value = parse_money(amount)
    except ValueError:
        raise E.AMOUNT_INVALID.error("amount") from None
    with transaction.atomic():
        run, stop = _locked(stop, (R.PURCHASING, R.DELIVERING), "登记金额")
        DeliveryStop.objects.filter(pk=stop.pk).update(amount=value)
        audit_record(actor=actor, action="delivery.amount", obj=run, node_path=run.node.path,
                     changes={"stop": stop.pk, "amount": None if value is None else str(value)})
    stop.refresh_from_db()
    return stop


def stop_contacts_reveal(*, actor, run: DeliveryRun) -> dict[int, dict]:
    """Name, phone and exact address of every household still waiting, for the people doing
    the run (its volunteers and its staff), once buying has started and until the run ends.
    One audit row per household read."""
    check_staff_or_member(actor, run, "查看住户联系方式")
    run.refresh_from_db(fields=["status"])
    if run.status not in (R.PURCHASING, R.DELIVERING):
        raise E.BAD_STATUS.error(status=run.get_status_display(), action="查看住户联系方式")
    out = {}
    with transaction.atomic():  # the audit rows in one commit
        for stop in run.stops.filter(status=StopStatus.PENDING).select_related("demand__node"):
            demand = stop.demand
            audit_record(actor=actor, action="demand.contact_reveal", obj=demand, node_path=demand.node.path,
                         changes={"delivery_run": run.pk})
            out[stop.pk] = {"name": demand.reveal_name(), "phone": demand.reveal_phone(),
                            "address": demand.reveal_address()}
    return out
