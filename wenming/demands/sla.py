"""SLA timers (periodic; `now` is a parameter so tests move the clock instead of sleeping).

- A request not reviewed, or reviewed but not accepted, before its `due_at` escalates to the
  parent node (上报), whose dispatchers now answer for it; its timer starts again.
- An open offer past its `expires_at` times out and the next queued candidate is asked;
  with nobody left the request goes back to the dispatcher.
- A completed request the resident has not rated closes after DEMAND_AUTO_CLOSE_HOURS.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wenming.core.audit import audit_record

from .figures import demand_changed, profile_of
from .models import Demand, DemandEvent, DemandStatus, Offer, OfferStatus
from .workflow import after_offer_closed, lock_demand

S = DemandStatus


def _escalate(demand: Demand, now) -> bool:
    parent = demand.node.parent
    if parent is None:
        return False  # the top answers for itself; staff see it overdue on the board
    minutes = settings.DEMAND_REVIEW_MINUTES if demand.status == S.SUBMITTED else settings.DEMAND_ACCEPT_MINUTES
    with transaction.atomic():
        if not Demand.objects.filter(pk=demand.pk, node=demand.node, status=demand.status,
                                     due_at__lte=now).update(node=parent, escalations=demand.escalations + 1,
                                                             due_at=now + timedelta(minutes=minutes)):
            return False
        demand_changed(profile_of(demand), profile_of(demand, node_id=parent.pk))  # figures follow the request
        DemandEvent.objects.create(demand=demand, at=now, actor_label="系统", action="escalate",
                                   from_status=demand.status, to_status=demand.status,
                                   note=f"超时未{'审核' if demand.status == S.SUBMITTED else '接单'}，上报至{parent.name}")
        audit_record(actor=None, action="demand.escalate", obj=demand, node_path=parent.path,
                     changes={"from": demand.node_id, "to": parent.pk})
    return True


def _expire(offer: Offer, now) -> bool:
    with transaction.atomic():
        lock_demand(offer.demand_id)
        if not Offer.objects.filter(pk=offer.pk, status=OfferStatus.OFFERED, expires_at__lte=now).update(
                status=OfferStatus.EXPIRED, responded_at=now):
            return False
        demand = Demand.objects.select_related("node", "category").get(pk=offer.demand_id)  # as locked
        DemandEvent.objects.create(demand=demand, at=now, actor_label="系统", action="offer_expired",
                                   note=f"派单超时未答复（第 {offer.rank} 候选）")
        if demand.status == S.DISPATCHED:
            after_offer_closed(demand, now=now)
    return True


def _auto_close(demand: Demand, now) -> bool:
    with transaction.atomic():
        if not Demand.objects.filter(pk=demand.pk, status=S.COMPLETED, due_at__lte=now).update(
                status=S.CLOSED, closed_at=now, due_at=None):
            return False
        demand.refresh_from_db()
        demand_changed(profile_of(demand, status=S.COMPLETED), profile_of(demand))
        DemandEvent.objects.create(demand=demand, at=now, actor_label="系统", action="auto_close",
                                   from_status=S.COMPLETED, to_status=S.CLOSED, note="群众未评价，自动办结")
        audit_record(actor=None, action="demand.auto_close", obj=demand, node_path=demand.node.path)
    return True


def demand_sla_tick(*, now=None) -> dict:
    """Run every timer that is due; returns what it did. Idempotent (conditional UPDATEs)."""
    now = now or timezone.now()
    done = {"escalated": 0, "offers_expired": 0, "closed": 0}
    for offer in Offer.objects.filter(status=OfferStatus.OFFERED, expires_at__lte=now).select_related(
            "demand__node", "demand__category"):
        done["offers_expired"] += _expire(offer, now)
    for demand in Demand.objects.filter(status__in=[S.SUBMITTED, S.REVIEWED, S.DISPATCHED],
                                        due_at__lte=now).select_related("node__parent"):
        done["escalated"] += _escalate(demand, now)
    for demand in Demand.objects.filter(status=S.COMPLETED, due_at__lte=now).select_related("node"):
        done["closed"] += _auto_close(demand, now)
    return done
