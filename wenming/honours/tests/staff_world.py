"""The honours city (factories.build_city) brought to each stage through the services, for the
back-office page and export tests: nominations by the hospital and by the station, the
initial review, the vote (real verified phones), the final review and the notice."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wenming.core.testing import make_jpeg
from wenming.honours.models import Nomination
from wenming.honours.services import campaigns, nominations, reviews
from wenming.honours.services import votes as sv
from wenming.honours.tests.factories import story

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(name="hw")
def hw_fixture(city, settings, tmp_path):
    """The city with uploads kept in memory and a temporary upload directory."""
    settings.UPLOAD_DIR = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    return city


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def jpeg(name="p.jpg"):
    return SimpleUploadedFile(name, make_jpeg(), content_type="image/jpeg")


def pdf(name="证明.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def by_unit(c, vol=None, **kw) -> Nomination:
    return nominations.nomination_create(actor=c.liaison, campaign=c.campaign, kind="volunteer", nominated_by="unit",
                                         nominating_unit=c.hospital, volunteer=vol or c.nurse, consent=True,
                                         **story(**kw))


def by_node(c, vol=None, **kw) -> Nomination:
    return nominations.nomination_create(actor=c.manager, campaign=c.campaign, kind="volunteer", nominated_by="node",
                                         nominating_node=c.station, volunteer=vol or c.farmer, consent=True,
                                         **story(**kw))


def scores(c, a=50, b=30) -> dict:
    first, second = c.campaign.criteria.all()
    return {str(first.pk): a, str(second.pk): b}


def score_fields(c, a=50, b=30) -> dict:
    first, second = c.campaign.criteria.all()
    return {f"score_{first.pk}": str(a), f"score_{second.pk}": str(b)}


def at_initial(c) -> SimpleNamespace:
    """The hospital's nurse (priority) and the station's farmer, waiting for the initial review."""
    n1, n2 = by_unit(c, priority=True, priority_note="抗疫一线医护人员"), by_node(c)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    return SimpleNamespace(n1=n1, n2=n2)


def at_voting(c) -> SimpleNamespace:
    w = at_initial(c)
    for n in (w.n1, w.n2):
        reviews.review_submit(actor=c.reviewer2, nomination=n, decision="pass", scores=scores(c))
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")
    c.campaign.refresh_from_db()
    return w


def at_final(c) -> SimpleNamespace:
    w = at_voting(c)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review")
    c.campaign.refresh_from_db()
    w.n1.refresh_from_db()
    w.n2.refresh_from_db()
    return w


def at_notice(c) -> SimpleNamespace:
    w = at_final(c)
    reviews.review_submit(actor=c.city_reviewer, nomination=w.n1, decision="pass", scores=scores(c, 58, 38))
    reviews.selection_set(actor=c.office, nomination=w.n1, selected=True)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="notice")
    c.campaign.refresh_from_db()
    w.n1.refresh_from_db()
    return w


def voter(c, gateway, phone: str, capture, **kw) -> str:
    """A phone proven by its text code: the voter pass token."""
    with capture(execute=True):
        sv.vote_code_send(campaign=c.campaign, phone=phone)
    text = next(t for p, t in reversed(gateway.sent) if p == phone)
    return sv.vote_verify(campaign=c.campaign, phone=phone, code=text.split("验证码是 ")[1][:6], **kw)


def vote_farm(c, gateway, capture, nomination, n: int = 6) -> list[str]:
    """n virtual-operator phones behind one address and device vote for `nomination`, and one
    honest phone votes too."""
    farm = [voter(c, gateway, f"1700000{i:04d}", capture, address="10.0.0.9", device="dev-1") for i in range(n)]
    for token in farm:
        sv.vote_cast(campaign=c.campaign, nomination=nomination, token=token, address="10.0.0.9", device="dev-1")
    honest = voter(c, gateway, "13800000009", capture, address="192.168.1.5", device="dev-2")
    sv.vote_cast(campaign=c.campaign, nomination=nomination, token=honest, address="192.168.1.5", device="dev-2")
    return farm
