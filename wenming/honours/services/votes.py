"""The public vote (网络投票), built to resist ballot stuffing.

1. A phone is proven by a text code (10 minutes, hashed, five wrong tries burn it; one code
   a minute per phone, ten an hour per client address). The proof gives a voter pass: a
   random token, stored hashed, good for two hours — the vote page keeps it, nobody types
   the code again for each nominee.
2. Limits, as the campaign's rules say, enforced by the database so no storm passes them:
   votes per phone per day across the campaign (a conditional UPDATE on VoterDay, like
   sign-up capacity), votes per phone per nominee per day (a unique slot per live vote),
   a double tap (the same submission id) gives back the first vote; votes per client
   address and per device per hour (the shared-cache rate limit).
3. A voter sees their votes and may take one back while the vote is open (it leaves the
   count; the phone's daily allowance is given back).
4. Every vote keeps what fraud checks need (keyed hashes of the phone, address and device,
   whether the pass was the phone's first, a virtual-operator number segment); staff see
   the suspicious clusters (selectors/votes.py) and void votes with a reason, audited. The
   published count (`Nomination.votes`) is the live votes: cast − taken back − voided.

No audit row per vote (it would tie an address to a vote); the vote rows are the record.
"""

import secrets
import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.crypto import blind_index
from wenming.core.errors import CoreError
from wenming.core.notify import notify_phone
from wenming.core.params import MAX_PK
from wenming.core.phone_codes import CodeTooSoon, code_check, code_issue, code_spend
from wenming.core.ratelimit import allow
from wenming.volunteers.validation import normalize_phone

from ..access import HONOUR_EDIT, require
from ..errors import HonourError as E
from ..models import (
    LIVE_VOTE,
    HonourCampaign,
    Nomination,
    NominationStatus,
    Stage,
    Vote,
    VoterDay,
    VoterPass,
)
from .common import require_stage, text_of

SMS_PER_ADDRESS_HOUR = 10
PASS_TTL = timedelta(hours=2)
# 虚拟运营商号段: where bulk-registered numbers for vote farms mostly come from
VIRTUAL_SEGMENTS = ("162", "165", "167", "170", "171")


def phone_key(campaign: HonourCampaign, phone: str) -> str:
    return blind_index(phone, f"honour-voter:{campaign.pk}")


def signal_key(campaign: HonourCampaign, value: str, what: str) -> str:
    """A keyed hash of a client address or device id, per campaign ('' when unknown)."""
    value = str(value or "").replace("\x00", "")[:200]
    return blind_index(value, f"honour-{what}:{campaign.pk}") if value else ""


def code_purpose(campaign: HonourCampaign) -> str:
    """The purpose of this campaign's text codes in core.phone_codes."""
    return f"honour-vote:{campaign.pk}"


def _pass_hash(token: str) -> str:
    return blind_index(token, "honour-vote-pass")


def voting_state(campaign: HonourCampaign, now: datetime) -> str | None:
    """Why votes are not taken now, or None when they are."""
    if campaign.stage != Stage.VOTING:
        order = campaign.stages
        before = campaign.stage in order and Stage.VOTING in order and \
            order.index(campaign.stage) < order.index(Stage.VOTING)
        return "尚未开始" if before else "已结束"
    if campaign.vote_from and now < campaign.vote_from:
        return f"将于 {timezone.localtime(campaign.vote_from):%m月%d日 %H:%M} 开始"
    if campaign.vote_until and now >= campaign.vote_until:
        return "已结束"
    return None


def _require_voting(campaign: HonourCampaign, now: datetime) -> None:
    why = voting_state(campaign, now)
    if why:
        raise E.VOTE_CLOSED.error(when=why)


def vote_code_send(*, campaign: HonourCampaign, phone: str, address: str = "", now: datetime | None = None) -> None:
    now = now or timezone.now()
    _require_voting(campaign, now)
    phone = normalize_phone(str(phone or "")[:40])
    if address and not allow("honour-sms", f"{campaign.pk}:{address}", limit=SMS_PER_ADDRESS_HOUR, window=3600):
        raise CoreError.RATE_LIMITED.error()
    with transaction.atomic():
        try:
            code = code_issue(purpose=code_purpose(campaign), phone_hash=phone_key(campaign, phone), now=now)
        except CodeTooSoon as wait:
            raise E.CODE_TOO_SOON.error("phone", seconds=wait.seconds) from None
        notify_phone(phone=phone, subject="投票验证码",
                     body=f"您正在参与“{campaign.name[:20]}”网络投票，验证码是 {code}，10 分钟内有效。如非本人操作请忽略。")


def vote_verify(*, campaign: HonourCampaign, phone: str, code: str, address: str = "", device: str = "",
                now: datetime | None = None) -> str:
    """Spend the code; the voter pass token (shown to the voter's page only)."""
    now = now or timezone.now()
    _require_voting(campaign, now)
    phone = normalize_phone(str(phone or "")[:40])
    key = phone_key(campaign, phone)
    code = str(code or "").strip()[:12]
    if not code:
        raise E.CODE_REQUIRED.error("code")
    check = code_check(purpose=code_purpose(campaign), phone_hash=key, code=code, now=now)
    if not check.ok:
        raise E.CODE_WRONG.error("code")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        if not code_spend(check.code_id, now):
            raise E.CODE_WRONG.error("code")  # spent by a second tap a moment ago
        seen = VoterPass.objects.filter(campaign=campaign, phone_hash=key).exists()
        VoterPass.objects.create(campaign=campaign, token_hash=_pass_hash(token), phone_hash=key,
                                 phone_tail=phone[-4:], virtual_segment=phone.startswith(VIRTUAL_SEGMENTS),
                                 first_seen=not seen, address_hash=signal_key(campaign, address, "address"),
                                 device_hash=signal_key(campaign, device, "device"), created_at=now,
                                 expires_at=now + PASS_TTL)
    return token


def voter_pass(campaign: HonourCampaign, token: str, now: datetime | None = None) -> VoterPass:
    now = now or timezone.now()
    token = str(token or "")[:100]
    found = VoterPass.objects.filter(campaign=campaign, token_hash=_pass_hash(token), expires_at__gt=now).first() \
        if token else None
    if found is None:
        raise E.PASS_INVALID.error("token")
    return found


def _submission(value) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(str(value)[:40])
    except ValueError:
        return None


def vote_cast(*, campaign: HonourCampaign, nomination: Nomination, token: str, address: str = "", device: str = "",
              submission=None, now: datetime | None = None) -> tuple[Vote, bool]:
    """One vote; (the vote, True) or, for a double tap, (the first one, False)."""
    now = now or timezone.now()
    _require_voting(campaign, now)
    if nomination.campaign_id != campaign.pk or nomination.status != NominationStatus.SHORTLISTED:
        raise E.NOT_ON_BALLOT.error("nomination")
    vp = voter_pass(campaign, token, now)
    sub = _submission(submission)
    if sub is not None:
        first = Vote.objects.filter(campaign=campaign, phone_hash=vp.phone_hash, submission=sub).first()
        if first is not None:
            return first, False
    address_hash, device_hash = signal_key(campaign, address, "address"), signal_key(campaign, device, "device")
    hourly = campaign.votes_per_address_per_hour
    for what, value in (("address", address_hash), ("device", device_hash)):
        if value and not allow(f"honour-vote-{what}", value, limit=hourly, window=3600):
            raise E.TOO_FAST.error()
    day = timezone.localtime(now).date()
    try:
        with transaction.atomic():
            VoterDay.objects.bulk_create([VoterDay(campaign=campaign, phone_hash=vp.phone_hash, day=day)],
                                         ignore_conflicts=True)
            if not VoterDay.objects.filter(campaign=campaign, phone_hash=vp.phone_hash, day=day,
                                           used__lt=campaign.votes_per_day).update(used=F("used") + 1):
                raise E.DAY_LIMIT.error(limit=campaign.votes_per_day)
            held = Vote.objects.filter(nomination=nomination, phone_hash=vp.phone_hash, day=day,
                                       undone_at__isnull=True).count()
            if held >= campaign.votes_per_nominee_per_day:
                raise E.NOMINEE_LIMIT.error(name=nomination.name, limit=campaign.votes_per_nominee_per_day)
            vote = Vote.objects.create(campaign=campaign, nomination=nomination, voter_pass=vp,
                                       phone_hash=vp.phone_hash, day=day, slot=held, submission=sub,
                                       address_hash=address_hash, device_hash=device_hash, created_at=now)
            Nomination.objects.filter(pk=nomination.pk).update(votes=F("votes") + 1)
    except IntegrityError:
        # the same slot or submission taken by a concurrent tap of the same phone
        if sub is not None:
            first = Vote.objects.filter(campaign=campaign, phone_hash=vp.phone_hash, submission=sub).first()
            if first is not None:
                return first, False
        raise E.NOMINEE_LIMIT.error(name=nomination.name, limit=campaign.votes_per_nominee_per_day) from None
    return vote, True


def vote_undo(*, campaign: HonourCampaign, vote_id: int, token: str, now: datetime | None = None) -> Vote:
    """Take a vote back while the vote is open: it leaves the count, the allowance returns."""
    now = now or timezone.now()
    _require_voting(campaign, now)
    vp = voter_pass(campaign, token, now)
    vote = Vote.objects.filter(pk=vote_id, campaign=campaign, phone_hash=vp.phone_hash).first() \
        if isinstance(vote_id, int) and 0 < vote_id <= MAX_PK else None
    if vote is None:
        raise E.VOTE_NOT_YOURS.error("vote")
    with transaction.atomic():
        if not Vote.objects.filter(LIVE_VOTE, pk=vote.pk).update(undone_at=now):
            raise E.VOTE_NOT_YOURS.error("vote")
        Nomination.objects.filter(pk=vote.nomination_id).update(votes=F("votes") - 1)
        VoterDay.objects.filter(campaign=campaign, phone_hash=vote.phone_hash, day=vote.day, used__gt=0).update(
            used=F("used") - 1)
    vote.refresh_from_db()
    return vote


def votes_void(*, actor, campaign: HonourCampaign, vote_ids, reason: str, now: datetime | None = None) -> int:
    """Void votes found suspicious, with a reason; they leave the count. The audit row lists
    every voided vote and how many each nominee lost."""
    require(actor, HONOUR_EDIT, campaign.node.path)
    require_stage(campaign, [Stage.VOTING, Stage.FINAL_REVIEW], "作废投票")
    reason = text_of(reason, 200, what="作废原因", field="reason")
    if not reason:
        raise E.VOID_REASON.error("reason")
    ids = sorted({i for i in (vote_ids or [])
                  if isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_PK})[:10_000]
    now = now or timezone.now()
    with transaction.atomic():
        live = Vote.objects.filter(LIVE_VOTE, campaign=campaign, pk__in=ids)
        picked = list(live.select_for_update().values_list("pk", flat=True))
        if not picked:
            raise E.NOTHING_TO_VOID.error()
        Vote.objects.filter(LIVE_VOTE, pk__in=picked).update(voided_at=now, voided_by=actor, void_reason=reason)
        lost = dict(Vote.objects.filter(pk__in=picked).values("nomination_id").annotate(n=Count("id"))
                    .values_list("nomination_id", "n").order_by())
        for nomination_id, n in lost.items():
            Nomination.objects.filter(pk=nomination_id).update(votes=F("votes") - n)
        audit_record(actor=actor, action="honours.votes_void", obj=campaign, node_path=campaign.node.path,
                     changes={"reason": reason, "votes": picked, "by_nomination": {str(k): v for k, v in lost.items()}})
    return len(picked)
