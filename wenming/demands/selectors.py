"""Reads of requests and offers.

Staff see the requests of their subtrees (demand.view); a volunteer sees the requests they
were offered or accepted; nobody else. Out of scope and missing answer the same 404.
"""

import re
import unicodedata

from django.db.models import Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.volunteers.models import TeamMember
from wenming.volunteers.selectors import volunteer_for_user

from .errors import DemandError
from .models import Demand, DemandCategory, Offer, OfferStatus


def _volunteer_q(actor) -> Q:
    me = volunteer_for_user(actor)
    if me is None:
        return Q(pk__in=[])
    # only while they are being asked, or the one who took it: not after declining, not
    # while still queued, not once someone else accepted
    teams = TeamMember.objects.filter(volunteer=me).values("team_id")
    asked = Q(offers__status=OfferStatus.OFFERED) & (Q(offers__volunteer=me) | Q(offers__team_id__in=teams))
    return asked | Q(accepted_by=me)


def demand_list_for_actor(*, actor, status: str = "", node_path: str = "") -> QuerySet:
    q = scope_for(actor).q(Perm.DEMAND_VIEW, "node__path") | _volunteer_q(actor)
    ids = Demand.objects.filter(q).values("pk")  # a subquery, so the joins do not repeat rows
    qs = Demand.objects.filter(pk__in=ids).select_related("node", "category", "accepted_by")
    if status:
        qs = qs.filter(status=status)
    if node_path:
        qs = qs.filter(node__path__startswith=node_path)
    return qs.order_by("due_at", "-id")


def demand_get_for_actor(*, actor, demand_id: int) -> Demand:
    demand = demand_list_for_actor(actor=actor).filter(pk=demand_id).first()
    if demand is None:
        raise CoreError.NOT_FOUND.error()
    return demand


TRACKING_RE = re.compile(r"D\d{5,18}")


def tracking_number(raw) -> str:
    """A request number as people type it (spaces, lower case, full-width) → D20260000001;
    "" when it cannot be one."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().upper().replace(" ", "")[:20]
    return text if TRACKING_RE.fullmatch(text) else ""


def demand_get_by_ref_for_actor(*, actor, ref: str) -> Demand:
    """The request a page address names, by id (/demands/12/) or by its number
    (/demands/D20260000001/), within the actor's scope; outside it or unknown is the same 404."""
    text = str(ref or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return demand_get_for_actor(actor=actor, demand_id=int(text))
    number = tracking_number(text)
    demand = demand_list_for_actor(actor=actor).filter(tracking_no=number).first() if number else None
    if demand is None:
        raise CoreError.NOT_FOUND.error()
    return demand


def demand_search_for_actor(*, actor, number: str) -> QuerySet:
    """Requests in scope, in any state, whose number contains what was typed (the whole number
    or its last digits), newest first."""
    text = unicodedata.normalize("NFKC", str(number or "")).strip().upper().replace(" ", "")[:20]
    if not text or not re.fullmatch(r"D?\d+", text):
        return Demand.objects.none()
    return demand_list_for_actor(actor=actor).filter(tracking_no__contains=text).order_by("-id")


def offer_list_for_actor(*, actor, open_only: bool = False) -> QuerySet:
    """Offers made to the actor as a volunteer or to a team they belong to."""
    me = volunteer_for_user(actor)
    if me is None:
        return Offer.objects.none()
    teams = TeamMember.objects.filter(volunteer=me).values("team_id")
    qs = Offer.objects.filter(Q(volunteer=me) | Q(team_id__in=teams)).select_related(
        "demand__category", "demand__node", "team")
    if open_only:
        qs = qs.filter(status=OfferStatus.OFFERED)
    return qs.order_by("-id")


def offer_get_for_actor(*, actor, offer_id: int) -> Offer:
    offer = offer_list_for_actor(actor=actor).filter(pk=offer_id).first()
    if offer is None:
        raise CoreError.NOT_FOUND.error()
    return offer


def category_list() -> QuerySet:
    return DemandCategory.objects.filter(active=True)


TRACK_TRIES_PER_REQUEST = 10  # wrong codes per request and hour: a 6-digit code cannot be walked
TRACK_TRIES_PER_ADDRESS = 30  # wrong tries per client address and 10 minutes: nor the numbers

# What a resident may read of the history: (label, keep the note?). Declines, time-outs and
# volunteers' names stay out (their notes name volunteers or give their reasons).
PUBLIC_EVENTS = {
    "submit": ("已提交", True), "review": ("已受理", False), "reject": ("不予受理", True),
    "dispatch": ("已派单", False), "requeue": ("重新派单", False), "escalate": ("超时上报", True),
    "accept": ("志愿者已接单", False), "start": ("开始服务", False), "complete": ("服务完成", False),
    "rate": ("已评价", True), "close": ("已办结", False), "auto_close": ("已办结", True),
    # delivery runs (wenming.deliveries): their notes name run numbers and volunteers' reasons
    "run_join": ("已纳入代购配送", False), "run_start": ("开始采购", False), "delivered": ("已确认收货", False),
    "run_requeue": ("重新安排", False), "run_cancel_demand": ("已办结", False),
}


def demand_get_by_tracking(*, tracking_no: str, tracking_code: str, client: str = "") -> Demand:
    """The request a resident opens with its number and query code. Wrong tries are counted
    per request and per client address; past the limit even the right code waits (so the
    last guess cannot slip through). Unknown number and wrong code answer alike."""
    from wenming.core.ratelimit import allow, hits

    from .intake import tracking_matches

    number = (tracking_no or "").strip().upper()[:20]
    if hits("demand-track", number, window=3600) >= TRACK_TRIES_PER_REQUEST or (
            client and hits("demand-track-ip", client, window=600) >= TRACK_TRIES_PER_ADDRESS):
        raise CoreError.RATE_LIMITED.error()
    demand = Demand.objects.select_related("node", "category").filter(tracking_no=number).first()
    if demand is None or not tracking_matches(demand, tracking_code):
        allow("demand-track", number, limit=TRACK_TRIES_PER_REQUEST, window=3600)
        if client:
            allow("demand-track-ip", client, limit=TRACK_TRIES_PER_ADDRESS, window=600)
        raise DemandError.TRACKING_WRONG.error()
    return demand


def public_history(demand: Demand) -> list[dict]:
    rows = []
    for event in demand.events.all():
        if event.action in PUBLIC_EVENTS:
            label, with_note = PUBLIC_EVENTS[event.action]
            rows.append({"at": event.at, "action": event.action, "label": label,
                         "note": event.note if with_note else ""})
    return rows
