"""The electronic volunteer card (电子志愿者证) and the page its QR code opens.

The card shows the signed-in volunteer's name, volunteer number, home node, star level,
total hours and the day they joined; never an ID number or a phone. Its QR code holds
/volunteers/card/<token>/, where the token is the volunteer's id with a keyed signature
(an outsider can neither read a number from it nor make one for somebody else). Opened by
staff who may see that volunteer (their node's subtree, or the leader of their team), it
leads to the volunteer's record; the volunteer themself is taken back to their card; for
anybody else it is the same 404 as a code that does not exist, with nothing personal.
"""

import base64
import hmac
import re

import segno
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.http import int_to_base36
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wenming.core.decorators import error_page, login_page
from wenming.core.errors import CoreError, DomainError

from .models import Volunteer
from .selectors import volunteer_for_user, volunteer_get_for_actor

_SALT = "wenming.volunteers.card"
_TOKEN = re.compile(r"([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16})")


def _sign(payload: str) -> str:
    digest = salted_hmac(_SALT, payload, algorithm="sha256").digest()[:12]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def card_token(volunteer_id: int) -> str:
    """"<id in base 36>.<96-bit signature>": short enough for a small, robust QR code."""
    payload = int_to_base36(volunteer_id)
    return f"{payload}.{_sign(payload)}"


def card_token_volunteer_id(token: str) -> int | None:
    """The volunteer id a genuine token names; None for anything else."""
    match = _TOKEN.fullmatch(token or "") if isinstance(token, str) and len(token) <= 40 else None
    if match is None or not hmac.compare_digest(match[2], _sign(match[1])):
        return None
    return int(match[1], 36)


def _stats(volunteer: Volunteer):
    """The maintained totals (service app, read through the reverse one-to-one), or None."""
    try:
        return volunteer.stats
    except ObjectDoesNotExist:
        return None


@never_cache
@login_page
def my_card(request):
    volunteer = volunteer_for_user(request.user)
    if volunteer is None:
        return render(request, "volunteers/card.html", {"vol": None})
    stats = _stats(volunteer)
    scan_url = request.build_absolute_uri(reverse("volunteers:card_scan", args=[card_token(volunteer.pk)]))
    qr = segno.make(scan_url, error="m", micro=False).svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                                    omitsize=True)
    star = stats.star_level if stats else 0
    return render(request, "volunteers/card.html", {
        "vol": volunteer, "hours": stats.total_hours if stats else 0, "star": star, "stars": "★" * star,
        "joined": timezone.localdate(volunteer.registered_at), "qr": qr, "scan_url": scan_url,
    })


@never_cache
@require_GET
def card_scan(request, token: str):
    """What the card's QR code opens (see the module's docstring)."""
    volunteer_id = card_token_volunteer_id(token)
    if not request.user.is_authenticated:
        # Nothing about the volunteer, not even whether the code is genuine; staff are
        # asked to log in and come back to this address.
        return render(request, "volunteers/card_scan_login.html", {
            "error": CoreError.NOT_FOUND.error(), "next": request.get_full_path()}, status=404)
    if volunteer_id is None:
        return error_page(request, CoreError.NOT_FOUND.error())
    own = volunteer_for_user(request.user)
    if own is not None and own.pk == volunteer_id:
        return redirect("volunteers:card")
    try:
        volunteer = volunteer_get_for_actor(actor=request.user, volunteer_id=volunteer_id)
    except DomainError as exc:
        return error_page(request, exc)
    return redirect("volunteers:detail", volunteer_id=volunteer.pk)
