"""审单 → 派单 → 接单 → 服务 → 完成 → 评单 → 办结: one service per transition.

Each transition checks the actor, then moves the status with a conditional UPDATE from the
state it checked (two people acting at once cannot both win), writes a DemandEvent and an
audit row, in one transaction. Offers are dispatched in rank order: the first `at_once`
candidates are asked, the rest wait in the queue and are asked when those before them
decline or let the offer time out (sla.py).
"""

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.notify import notify
from wenming.core.params import parse_money
from wenming.core.uploads import image_store
from wenming.volunteers.models import MemberRole, TeamMember, Volunteer
from wenming.volunteers.selectors import volunteer_for_user

from .errors import DemandError as E
from .figures import demand_changed, profile_of
from .models import Demand, DemandEvent, DemandPhoto, DemandStatus, Offer, OfferStatus
from .stats import stats_accepted, stats_completed, stats_rated

S = DemandStatus


def _label(actor) -> str:
    return str(actor) if getattr(actor, "is_authenticated", False) else "群众"


def move_status(*, actor, demand: Demand, frm: tuple, to: str, action: str, verb: str, note: str = "", now=None,
          **fields) -> Demand:
    """The conditional UPDATE + event + audit every transition shares (caller's transaction)."""
    now = now or timezone.now()
    before = profile_of(demand)
    if demand.status not in frm or not Demand.objects.filter(pk=demand.pk, status=demand.status).update(
            status=to, **fields):
        demand.refresh_from_db()
        raise E.BAD_STATUS.error(status=demand.get_status_display(), action=verb)
    was = demand.status
    user = actor if getattr(actor, "is_authenticated", False) else None
    DemandEvent.objects.create(demand=demand, at=now, actor=user, actor_label=_label(actor), action=action,
                               from_status=was, to_status=to, note=note[:300])
    audit_record(actor=actor, action=f"demand.{action}", obj=demand, node_path=demand.node.path,
                 changes={"status": [was, to]})
    demand.refresh_from_db()
    # dashboard figures; no transition changes the node, so the row's node is the one to use
    demand_changed(replace(before, node_id=demand.node_id), profile_of(demand))
    return demand


def lock_demand(demand_id: int) -> None:
    """Take the request's row lock first in every transaction that touches its offers too:
    one lock order (request, then offers) means concurrent accepts, declines and time-outs
    wait for each other instead of deadlocking. (SQLite serializes writers already.)"""
    Demand.objects.select_for_update().filter(pk=demand_id).values_list("pk").first()


def _check_staff(actor, demand: Demand) -> None:
    if not scope_for(actor).allows(Perm.DEMAND_EDIT, demand.node.path):
        raise CoreError.NOT_FOUND.error()


def _check_doer(actor, demand: Demand, verb: str) -> None:
    """Only the volunteer who accepted the request (or, for a team, any member who did)."""
    vol = demand.accepted_by
    if vol is None or vol.user_id is None or vol.user_id != getattr(actor, "pk", None):
        raise E.NOT_YOURS.error(who="接单的志愿者", action=verb)


def demand_review(*, actor, demand: Demand, now=None) -> Demand:
    """受理: the request is real and in scope (志愿服务条例 art. 13)."""
    _check_staff(actor, demand)
    now = now or timezone.now()
    with transaction.atomic():
        return move_status(actor=actor, demand=demand, frm=(S.SUBMITTED,), to=S.REVIEWED, action="review", verb="受理",
                     now=now, due_at=now + timedelta(minutes=settings.DEMAND_ACCEPT_MINUTES))


def demand_reject(*, actor, demand: Demand, reason: str, now=None) -> Demand:
    """不予受理, with a reason the resident sees on the tracking page."""
    _check_staff(actor, demand)
    if not (reason or "").strip():
        raise E.REASON_REQUIRED.error("reason")
    with transaction.atomic():
        return move_status(actor=actor, demand=demand, frm=(S.SUBMITTED,), to=S.REJECTED, action="reject",
                     verb="不予受理", note=reason, now=now, reject_reason=reason.strip()[:200], due_at=None,
                     closed_at=now or timezone.now())


def _offer_now(offer: Offer, *, now) -> None:
    """Ask a queued candidate: the offer opens and its timer starts."""
    expires = now + timedelta(minutes=settings.DEMAND_OFFER_MINUTES)
    if Offer.objects.filter(pk=offer.pk, status=OfferStatus.QUEUED).update(
            status=OfferStatus.OFFERED, offered_at=now, expires_at=expires):
        demand = offer.demand
        notify(users_or_volunteers=_answerers(offer),
               subject=f"新派单：{demand.category.name}",
               body=f"{demand.node.name}派给您一个群众点单（{demand.get_urgency_display()}），"
                    f"请在 {timezone.localtime(expires):%H:%M} 前接单或婉拒。",
               link=f"/demands/offers/{offer.pk}/")


def _answerers(offer: Offer) -> list:
    """Who is told of an offer: the volunteer, or the leaders of the team."""
    if offer.volunteer_id is not None:
        return [offer.volunteer]
    return list(Volunteer.objects.filter(memberships__team_id=offer.team_id, memberships__role=MemberRole.LEADER))


def offer_next(demand: Demand, *, now, count: int = 1) -> int:
    """Open the next `count` queued offers in rank order; returns how many were opened."""
    opened = 0
    for offer in (Offer.objects.filter(demand=demand, status=OfferStatus.QUEUED)
                  .select_related("demand__category", "demand__node", "volunteer")
                  .order_by("rank", "id")[:count]):
        _offer_now(offer, now=now)
        opened += 1
    return opened


def demand_dispatch(*, actor, demand: Demand, volunteers=(), teams=(), at_once: int = 1, now=None) -> Demand:
    """派单 to candidates in rank order (volunteers, then teams): the first `at_once` are asked
    now; the others wait. A volunteer or team already asked for this request is refused —
    whoever declined is never asked again. Dispatching again adds candidates."""
    _check_staff(actor, demand)
    volunteers, teams = list(volunteers), list(teams)
    if not volunteers and not teams:
        raise E.NO_CANDIDATES.error("volunteer_ids")
    for vol in volunteers:
        if vol.user_id is None or not vol.user.is_active or vol.status != "active":
            raise E.NO_ACCOUNT.error("volunteer_ids", name=vol.name)
    now = now or timezone.now()
    with transaction.atomic():
        # request row first, then a fresh status: the same lock order as accept and decline
        lock_demand(demand.pk)
        demand.refresh_from_db()
        if demand.status == S.REVIEWED:
            demand = move_status(actor=actor, demand=demand, frm=(S.REVIEWED,), to=S.DISPATCHED, action="dispatch",
                           verb="派单", now=now)
        elif demand.status != S.DISPATCHED:
            raise E.BAD_STATUS.error(status=demand.get_status_display(), action="派单")
        start = (Offer.objects.filter(demand=demand).order_by("-rank").values_list("rank", flat=True).first() or 0)
        offers = ([Offer(demand=demand, volunteer=v, rank=start + n, status=OfferStatus.QUEUED, offered_by=actor)
                   for n, v in enumerate(volunteers, start=1)]
                  + [Offer(demand=demand, team=t, rank=start + len(volunteers) + n, status=OfferStatus.QUEUED,
                           offered_by=actor) for n, t in enumerate(teams, start=1)])
        try:
            with transaction.atomic():
                Offer.objects.bulk_create(offers)
        except IntegrityError:
            raise E.ALREADY_OFFERED.error(who="其中有人") from None
        live = Offer.objects.filter(demand=demand, status=OfferStatus.OFFERED).count()
        offer_next(demand, now=now, count=max(0, max(1, at_once) - live))
    return demand


def _offer_for(actor, offer: Offer):
    """The volunteer answering an offer: the offered volunteer, or a member of the offered
    team (a leader answers for the team as themself)."""
    me = volunteer_for_user(actor)
    if me is None:
        raise CoreError.NOT_FOUND.error()
    if offer.volunteer_id is not None and offer.volunteer_id == me.pk:
        return me
    if offer.team_id is not None and TeamMember.objects.filter(team_id=offer.team_id, volunteer=me).exists():
        return me
    raise CoreError.NOT_FOUND.error()


def offer_accept(*, actor, offer: Offer, now=None) -> Demand:
    """接单. The request moves dispatched → accepted by a conditional UPDATE: of two people
    accepting at once exactly one wins; the other offers are withdrawn."""
    me = _offer_for(actor, offer)
    now = now or timezone.now()
    with transaction.atomic():
        lock_demand(offer.demand_id)
        demand = Demand.objects.select_related("node").get(pk=offer.demand_id)
        if demand.status != S.DISPATCHED or not Demand.objects.filter(
                pk=demand.pk, status=S.DISPATCHED).update(status=S.ACCEPTED, accepted_by=me,
                                                          accepted_team=offer.team, due_at=None):
            raise E.OFFER_CLOSED.error()  # someone else was first
        if not Offer.objects.filter(pk=offer.pk, status=OfferStatus.OFFERED).update(
                status=OfferStatus.ACCEPTED, responded_at=now):
            raise E.OFFER_CLOSED.error()  # this offer timed out or was withdrawn: all rolls back
        demand_changed(profile_of(demand), profile_of(demand, status=S.ACCEPTED))
        Offer.objects.filter(demand=demand, status__in=[OfferStatus.OFFERED, OfferStatus.QUEUED]).update(
            status=OfferStatus.WITHDRAWN, responded_at=now)
        stats_accepted(me.pk)  # ranking summary: one more request in hand
        DemandEvent.objects.create(demand=demand, at=now, actor=actor, actor_label=_label(actor), action="accept",
                                   from_status=S.DISPATCHED, to_status=S.ACCEPTED,
                                   note=f"志愿者编号 {me.volunteer_no} 接单")
        audit_record(actor=actor, action="demand.accept", obj=demand, node_path=demand.node.path,
                     changes={"offer": offer.pk})
    demand.refresh_from_db()
    return demand


def offer_decline(*, actor, offer: Offer, reason: str, now=None) -> Offer:
    """婉拒 with a reason; the next candidate in the queue is asked at once."""
    _offer_for(actor, offer)
    if not (reason or "").strip():
        raise E.REASON_REQUIRED.error("reason")
    now = now or timezone.now()
    with transaction.atomic():
        lock_demand(offer.demand_id)
        if not Offer.objects.filter(pk=offer.pk, status=OfferStatus.OFFERED).update(
                status=OfferStatus.DECLINED, responded_at=now, decline_reason=reason.strip()[:200]):
            raise E.OFFER_CLOSED.error()
        demand = Demand.objects.select_related("node", "category").get(pk=offer.demand_id)  # as locked
        DemandEvent.objects.create(demand=demand, at=now, actor=actor, actor_label=_label(actor), action="decline",
                                   note=reason.strip()[:300])
        audit_record(actor=actor, action="demand.decline", obj=demand, node_path=demand.node.path,
                     changes={"offer": offer.pk})
        after_offer_closed(demand, now=now)
    offer.refresh_from_db()
    return offer


def after_offer_closed(demand: Demand, *, now) -> None:
    """An offer was declined or timed out: ask the next in the queue; with nobody left and
    nobody still deciding, the request goes back to the dispatcher (reviewed)."""
    if offer_next(demand, now=now):
        return
    if not Offer.objects.filter(demand=demand, status=OfferStatus.OFFERED).exists():
        move_status(actor=None, demand=demand, frm=(S.DISPATCHED,), to=S.REVIEWED, action="requeue", verb="退回",
              note="候选人均已婉拒或超时，请重新派单", now=now,
              due_at=now + timedelta(minutes=settings.DEMAND_ACCEPT_MINUTES))


def demand_start(*, actor, demand: Demand, now=None) -> Demand:
    _check_doer(actor, demand, "开始服务")
    with transaction.atomic():
        return move_status(actor=actor, demand=demand, frm=(S.ACCEPTED,), to=S.IN_PROGRESS, action="start",
                     verb="开始服务", now=now)


def demand_complete(*, actor, demand: Demand, note: str = "", receipt_amount=None, now=None) -> Demand:
    """完成, with proof: what was done and, for purchases, the receipt amount (photos are
    attached through the upload service)."""
    _check_doer(actor, demand, "完成")
    try:
        amount = parse_money(receipt_amount)
    except ValueError:
        raise E.RECEIPT_INVALID.error("receipt_amount") from None
    now = now or timezone.now()
    with transaction.atomic():
        demand = move_status(actor=actor, demand=demand, frm=(S.IN_PROGRESS,), to=S.COMPLETED, action="complete",
                       verb="完成", note=note, now=now, proof_note=(note or "").strip()[:2000], completed_at=now,
                       receipt_amount=amount, due_at=now + timedelta(hours=settings.DEMAND_AUTO_CLOSE_HOURS))
        stats_completed(demand.accepted_by_id)  # ranking summary: out of hand, one more done
    return demand


def demand_rate(*, tracking_no: str, tracking_code: str, rating, comment: str = "", client: str = "",
                now=None) -> Demand:
    """评单 by the resident (no account: the tracking number and code are the key)."""
    from .selectors import demand_get_by_tracking

    demand = demand_get_by_tracking(tracking_no=tracking_no, tracking_code=tracking_code, client=client)
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise E.RATING_INVALID.error("rating")
    with transaction.atomic():
        demand = move_status(actor=None, demand=demand, frm=(S.COMPLETED,), to=S.RATED, action="rate", verb="评价",
                       note=f"{rating} 星", now=now, rating=rating, rating_comment=(comment or "").strip()[:300])
        stats_rated(demand.accepted_by_id, rating)  # ranking summary: the resident's rating
    return demand


def demand_close(*, actor, demand: Demand, note: str = "", now=None) -> Demand:
    """办结 by staff once rated (or completed, when the resident does not rate)."""
    _check_staff(actor, demand)
    now = now or timezone.now()
    with transaction.atomic():
        return move_status(actor=actor, demand=demand, frm=(S.RATED, S.COMPLETED), to=S.CLOSED, action="close",
                     verb="办结", note=note, now=now, closed_at=now, due_at=None)


MAX_PHOTOS = 6


def demand_add_photo(*, actor, demand: Demand, upload) -> DemandPhoto:
    """A proof photo from the volunteer doing the work (服务中 or 已完成): checked, stripped of
    EXIF and stored outside the web root by core.uploads before it is linked here."""
    _check_doer(actor, demand, "上传完成照片")
    if demand.status not in (S.IN_PROGRESS, S.COMPLETED):
        raise E.BAD_STATUS.error(status=demand.get_status_display(), action="上传照片")
    with transaction.atomic():
        lock_demand(demand.pk)  # counted under the request's lock: parallel uploads wait
        if demand.photos.count() >= MAX_PHOTOS:
            raise E.TOO_MANY_PHOTOS.error(limit=MAX_PHOTOS)
        image = image_store(actor=actor, upload=upload, purpose="demand_proof")
        photo = DemandPhoto.objects.create(demand=demand, image=image, added_by=actor)
        audit_record(actor=actor, action="demand.photo", obj=demand, node_path=demand.node.path,
                     changes={"image": str(image.public_id)})
    return photo
