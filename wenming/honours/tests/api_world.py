"""Shared by the honours API tests: the public client, a voter pass through the API, the
ballot and scores."""

import json

from django.test import Client

from wenming.honours.models import Nomination
from wenming.honours.services import campaigns, nominations, reviews
from wenming.honours.tests.factories import story

PUBLIC = "/api/v1/honours/public/campaigns"
BAD_IDS = ["²", "abc", "99999999999999999999999", "-1", "0x1"]


def public(method: str, path: str, body=None, *, address: str = "10.0.0.1", **headers):
    """A request of the public portal (no token) from `address`; headers as X-… names."""
    client = Client(REMOTE_ADDR=address)
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    if method == "get":
        return client.get(PUBLIC + path, **extra)
    return getattr(client, method)(PUBLIC + path, json.dumps(body or {}), content_type="application/json", **extra)


def last_code(gateway, phone: str) -> str:
    text = next(t for p, t in reversed(gateway.sent) if p == phone)
    return text.split("验证码是 ")[1][:6]


def voter_pass(cid: int, gateway, phone: str, capture=None, address: str = "10.0.0.1", device: str = "") -> str:
    """The vote page's sign-in: a code by text, then the pass (`capture`: a test inside a
    transaction sends the text on commit)."""
    if capture is None:
        res = public("post", f"/{cid}/vote-code", {"phone": phone}, address=address)
    else:
        with capture(execute=True):
            res = public("post", f"/{cid}/vote-code", {"phone": phone}, address=address)
    assert res.status_code == 202, res.content
    res = public("post", f"/{cid}/voter-pass", {"phone": phone, "code": last_code(gateway, phone)}, address=address,
                 **({"X-Device-Id": device} if device else {}))
    assert res.status_code == 201, res.content
    return res.json()["token"]


def scores(c, a=50, b=30) -> dict:
    first, second = c.campaign.criteria.all()
    return {str(first.pk): a, str(second.pk): b}


def ballot(c, n: int = 3) -> list[Nomination]:
    """n volunteers of the station nominated by its manager, shortlisted, the vote open."""
    from wenming.volunteers.tests.factories import volunteer

    out = []
    for i in range(n):
        vol = volunteer(c.root, c.station, name="候选人" + "甲乙丙丁戊"[i], phone=f"1390000{i + 100:04d}")
        out.append(nominations.nomination_create(actor=c.manager, campaign=c.campaign, kind="volunteer",
                                                 nominated_by="node", nominating_node=c.station, volunteer=vol,
                                                 consent=True, **story()))
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    for nom in out:
        reviews.review_submit(actor=c.reviewer2, nomination=nom, decision="pass", scores=scores(c))
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")
    c.campaign.refresh_from_db()
    return out


# --- the whole way, as the office, the nominators, the reviewers and the public use it -------
