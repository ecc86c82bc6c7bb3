"""The vote page (网络投票), mobile first and without login.

1. The voter proves a phone: 获取验证码 (a form post, or fetch() without reloading, with the
   shared core/_send_code_script.html), then the code. The voter pass token goes into the
   session, never into a URL; it lasts two hours, then the page asks to verify again.
2. Each nominee card has a 投票 button carrying a fresh submission id: a double tap (or a
   resent post) gives back the first vote. With JavaScript the vote is sent by fetch() and
   the count, the day's allowance and "我的投票" update in place; without, the post comes
   back to the page with the outcome on the card.
3. "我的投票" lists the voter's votes with 撤回 while the vote is open.
Each refusal (over a limit, the vote closed, the pass expired, too fast) is the service's
Chinese message, shown where the voter acted. The client address (core.middleware.client_ip)
and a device id (a random id in a long-lived cookie) go with each code, pass and vote: they
feed the hourly limits and the fraud clusters staff see.
"""

import re
import secrets
import uuid
from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wenming.core.errors import DomainError
from wenming.core.middleware import client_ip
from wenming.core.params import parse_pk

from ..errors import HonourError as E
from ..models import Stage
from ..selectors import portal, records
from ..services import votes as sv
from .portal_views import campaign_context, cards, portal_page

CODE_SENT = "验证码已发送，请查收短信（10 分钟内有效）"
DEVICE_COOKIE = "wm_vote_device"
DEVICE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
NOTE_KEY = "honours.vote.note"


def post_or_back(view):
    """The vote page's forms post here; opening (or reloading, or sharing) such an address
    leads back to the vote page instead of a bare 405."""
    @wraps(view)
    def wrapper(request, campaign_id: str, *args, **kwargs):
        if request.method != "POST":
            return redirect("honours:portal_vote", campaign_id=campaign_id)
        return view(request, campaign_id, *args, **kwargs)
    return wrapper


def _pass_key(campaign) -> str:
    return f"honours.vote.pass.{campaign.pk}"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _device(request) -> tuple[str, bool]:
    """(the device id, whether it is new and must be set as a cookie)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if DEVICE_RE.fullmatch(value):
        return value, False
    return secrets.token_urlsafe(18), True


def _keep_device(response, device: str, new: bool):
    if new:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE)
    return response


def _address(request) -> str:
    return client_ip(request) or ""


def _voter(request, campaign):
    """(the voter pass from the session or None, whether a pass was there but has run out)."""
    token = request.session.get(_pass_key(campaign))
    if not token:
        return None, False
    try:
        return sv.voter_pass(campaign, token), False
    except DomainError:
        request.session.pop(_pass_key(campaign), None)
        return None, True


def _note(request, where: str, text: str, ok: bool) -> None:
    """The outcome of a post, shown on the page it comes back to, next to where the voter acted."""
    request.session[NOTE_KEY] = {"where": where, "text": text, "ok": ok}


def _vote_url(campaign, anchor: str = "") -> str:
    return reverse("honours:portal_vote", args=[campaign.pk]) + (f"#{anchor}" if anchor else "")


def _mine_html(request, campaign, voter_pass, can_undo: bool) -> str:
    return render_to_string("honours/portal/_my_votes.html", {
        "campaign": campaign, "mine": portal.my_votes(campaign, voter_pass), "can_undo": can_undo,
    }, request=request)


def _spent(campaign, today, nomination_id: int) -> str:
    """Why this voter cannot vote for this nominee again today ("" when they can): the card's
    投票 button is shown disabled with this label instead of offering a vote that would be refused."""
    if today is None:
        return ""
    if today.left <= 0:
        return "今天的票已投完"
    if today.per_nominee.get(nomination_id, 0) >= campaign.votes_per_nominee_per_day:
        return "今天已为TA投满"
    return ""


def _spent_all(campaign, today) -> dict[str, str]:
    """_spent for every nominee on the ballot, keyed by id, for the script to update each card."""
    return {str(pk): _spent(campaign, today, pk)
            for pk in records.public_nominations(campaign).values_list("pk", flat=True)}


def _vote_page(request, campaign, *, phone: str = "", verify_error=None, code_message: str = "", code_error=None,
               status: int = 200):
    now = timezone.now()
    closed = sv.voting_state(campaign, now) if campaign.vote_enabled else "未设置"
    voter, expired = _voter(request, campaign) if closed is None else (None, False)
    today = portal.voter_today(campaign, voter, now) if voter else None
    note = request.session.pop(NOTE_KEY, None)
    shown = cards(records.public_nominations(campaign)) if campaign.vote_enabled else []
    for card in shown:
        card["today"] = today.per_nominee.get(card["n"].pk, 0) if today else 0
        card["spent"] = _spent(campaign, today, card["n"].pk)
        card["submission"] = uuid.uuid4()
        card["note"] = note if note and note.get("where") == f"n-{card['n'].pk}" else None
    link = request.build_absolute_uri(_vote_url(campaign))
    device, new = _device(request)
    response = render(request, "honours/portal/vote.html", {
        **campaign_context(campaign), "open": closed is None, "closed": closed, "voter": voter, "today": today,
        "expired": expired, "cards": shown, "note": note, "phone": str(phone or "")[:20].replace("\x00", ""),
        "verify_error": verify_error, "code_message": code_message, "code_error": code_error,
        "mine": portal.my_votes(campaign, voter) if voter else [], "link": link,
        "before": campaign.stage in (Stage.NOMINATING, Stage.INITIAL_REVIEW),
    }, status=status)
    return _keep_device(response, device, new)


@never_cache
@require_GET
@portal_page
def vote(request, campaign_id: str):
    return _vote_page(request, records.public_campaign(campaign_id))


@never_cache
@post_or_back
@portal_page
def vote_code(request, campaign_id: str):
    """获取验证码: fetch() asks for JSON; the form's own button posts the page (it comes back
    filled in)."""
    c = records.public_campaign(campaign_id)
    phone = request.POST.get("phone", "")
    try:
        sv.vote_code_send(campaign=c, phone=phone, address=_address(request))
    except DomainError as exc:
        if _wants_json(request):
            return JsonResponse(exc.as_dict(), status=exc.status)
        return _vote_page(request, c, phone=phone, code_error=exc, status=exc.status)
    if _wants_json(request):
        return JsonResponse({"message": CODE_SENT}, status=202)
    return _vote_page(request, c, phone=phone, code_message=CODE_SENT)


@never_cache
@post_or_back
@portal_page
def vote_verify(request, campaign_id: str):
    c = records.public_campaign(campaign_id)
    phone = request.POST.get("phone", "")
    device, new = _device(request)
    try:
        token = sv.vote_verify(campaign=c, phone=phone, code=request.POST.get("code", ""),
                               address=_address(request), device=device)
    except DomainError as exc:
        return _keep_device(_vote_page(request, c, phone=phone, verify_error=exc, status=exc.status), device, new)
    request.session.cycle_key()  # a new session id for the holder of a pass
    request.session[_pass_key(c)] = token
    _note(request, "voter", "手机号验证成功，2 小时内可以直接投票。", True)
    return _keep_device(redirect(_vote_url(c, "ballot")), device, new)


@never_cache
@post_or_back
@portal_page
def vote_forget(request, campaign_id: str):
    """更换手机号: the pass leaves the session (it stays valid nowhere else)."""
    c = records.public_campaign(campaign_id)
    request.session.pop(_pass_key(c), None)
    return redirect(_vote_url(c, "verify"))


@never_cache
@post_or_back
@portal_page
def vote_cast(request, campaign_id: str):
    c = records.public_campaign(campaign_id)
    pk = parse_pk(request.POST.get("nomination"))
    nomination, device, new = None, *_device(request)
    now = timezone.now()
    try:
        closed = sv.voting_state(c, now)
        if closed:
            raise E.VOTE_CLOSED.error(when=closed)
        try:
            nomination = records.public_nomination(c, pk)
        except DomainError:
            raise E.NOT_ON_BALLOT.error("nomination") from None
        vote, created = sv.vote_cast(campaign=c, nomination=nomination, token=request.session.get(_pass_key(c), ""),
                                     address=_address(request), device=device,
                                     submission=request.POST.get("submission"), now=now)
    except DomainError as exc:
        expired = exc.code == E.PASS_INVALID.code
        if expired:
            request.session.pop(_pass_key(c), None)
        if _wants_json(request):
            body = {**exc.as_dict(), "reverify": expired, "verify_url": _vote_url(c, "verify")}
            if nomination is not None:
                body["votes"] = portal.live_votes(nomination.pk)
            voter = None if expired else _voter(request, c)[0]
            if voter is not None:  # a page left open in another tab learns what is used up
                body["spent"] = _spent_all(c, portal.voter_today(c, voter, now))
            return _keep_device(JsonResponse(body, status=exc.status), device, new)
        where = f"n-{nomination.pk}" if nomination is not None and not expired else "verify"
        _note(request, where, exc.message, False)
        return _keep_device(redirect(_vote_url(c, where)), device, new)
    voter = vote.voter_pass
    today = portal.voter_today(c, voter, now)
    votes = portal.live_votes(nomination.pk)
    left = f"今天您还可以投 {today.left} 票。" if today.left else "今天的票已经投完，明天再来吧。"
    if created:
        text = f"投票成功！“{nomination.name}”现有 {votes} 票。{left}"
    else:
        text = f"这一票已经记下了（重复提交只计一票）。“{nomination.name}”现有 {votes} 票。{left}"
    if _wants_json(request):
        return _keep_device(JsonResponse({
            "ok": True, "created": created, "message": text, "votes": votes, "nomination": nomination.pk,
            "left": today.left, "today": today.per_nominee.get(nomination.pk, 0), "submission": str(uuid.uuid4()),
            "spent": _spent_all(c, today),
            "mine": _mine_html(request, c, voter, True)}, status=201 if created else 200), device, new)
    _note(request, f"n-{nomination.pk}", text, True)
    return _keep_device(redirect(_vote_url(c, f"n-{nomination.pk}")), device, new)


@never_cache
@post_or_back
@portal_page
def vote_undo(request, campaign_id: str):
    c = records.public_campaign(campaign_id)
    vote_id = parse_pk(request.POST.get("vote"))
    try:
        vote = sv.vote_undo(campaign=c, vote_id=vote_id if vote_id is not None else -1,
                            token=request.session.get(_pass_key(c), ""))
    except DomainError as exc:
        expired = exc.code == E.PASS_INVALID.code
        if expired:
            request.session.pop(_pass_key(c), None)
        _note(request, "verify" if expired else "mine", exc.message, False)
        return redirect(_vote_url(c, "verify" if expired else "mine"))
    today = portal.voter_today(c, vote.voter_pass)
    _note(request, "mine", f"已撤回对“{vote.nomination.name}”的投票，今天您还可以投 {today.left} 票。", True)
    return redirect(_vote_url(c, "mine"))

