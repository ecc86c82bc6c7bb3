"""我的点单: a logged-in resident's own requests, without the one-time tracking code (issue 15).

A request is the account's own when

- it was filed while logged in to that account (`Demand.resident`), or
- it was made with the account's phone (the blind index every request stores), and the
  account has proven that phone by a text code (phone-code login, `User.phone_verified_at`)
  within PROVEN_DAYS, and the request is at most PROVEN_DAYS older than that proof.

Why the proof: a phone typed into an account by staff or at registration proves nothing, and
mobile numbers are recycled by the carriers; the time bound keeps a number's next holder from
reading the last holder's requests, and an old account from reading its number's next holder's.
The tracking number and code keep working for residents who never log in.

Scope: only the actor's own requests; anything else answers the same 404 as a missing id.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.core.crypto import blind_index
from wenming.core.errors import CoreError

from .errors import DemandError as E
from .intake import PHONE_PURPOSE
from .models import Demand, DemandStatus
from .stats import stats_rated
from .workflow import move_status

S = DemandStatus
PROVEN_DAYS = 180

NEXT_STEPS = {
    S.SUBMITTED: "等待{node}审核受理",
    S.REVIEWED: "已受理，正在安排志愿者",
    S.REJECTED: "未受理（原因见下方）。如仍需帮助，可修改后重新点单",
    S.DISPATCHED: "已派单，等待志愿者接单",
    S.ACCEPTED: "志愿者已接单，会先打电话与您联系",
    S.IN_PROGRESS: "志愿者正在为您服务",
    S.COMPLETED: "服务已完成，请为本次服务评价",
    S.RATED: "感谢您的评价，实践站将办结此单",
    S.CLOSED: "已办结，感谢您的信任",
}


def next_step(demand: Demand) -> str:
    return NEXT_STEPS.get(demand.status, "").format(node=demand.node.name)


def phone_proven(user, now=None) -> bool:
    """Whether the account's phone was proven by a code recently enough to find requests by it."""
    now = now or timezone.now()
    verified = getattr(user, "phone_verified_at", None)
    return bool(user.phone_enc and verified and verified >= now - timedelta(days=PROVEN_DAYS))


def _mine_q(user, now) -> Q:
    q = Q(resident=user)
    if phone_proven(user, now):
        q |= Q(phone_hash=blind_index(user.reveal_phone(), PHONE_PURPOSE),
               submitted_at__gte=user.phone_verified_at - timedelta(days=PROVEN_DAYS))
    return q


def demand_list_for_resident(*, actor, now=None) -> QuerySet:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Demand.objects.none()
    return (Demand.objects.filter(_mine_q(actor, now or timezone.now())).select_related("node", "category")
            .order_by("-submitted_at", "-id"))


def demand_get_for_resident(*, actor, demand_id: int) -> Demand:
    demand = demand_list_for_resident(actor=actor).filter(pk=demand_id).first()
    if demand is None:
        raise CoreError.NOT_FOUND.error()
    return demand


def demand_rate_by_resident(*, actor, demand_id: int, rating, comment: str = "", now=None) -> Demand:
    """评单 from 我的点单: the request must be the actor's own and completed; 1–5 stars."""
    demand = demand_get_for_resident(actor=actor, demand_id=demand_id)
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise E.RATING_INVALID.error("rating")
    comment = str(comment or "").replace("\x00", "").strip()[:300]
    with transaction.atomic():
        demand = move_status(actor=actor, demand=demand, frm=(S.COMPLETED,), to=S.RATED, action="rate",
                             verb="评价", note=f"{rating} 星", now=now, rating=rating, rating_comment=comment)
        stats_rated(demand.accepted_by_id, rating)  # ranking summary: the resident's rating
    return demand
