"""The electronic volunteer card (电子志愿者证): the volunteer's own figures, no ID number or
phone; its QR code opens the volunteer's record for staff who may see them, and is the
same 404 for everyone else (anonymous visitors get nothing personal, only a way to log in)."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.service.models import VolunteerStats
from wenming.volunteers.card_views import card_token, card_token_volunteer_id
from wenming.volunteers.team_services import team_member_add

from .factories import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world):
    world.vol_a.user = user("vol_a")
    world.vol_a.save()
    world.vol_b.user = user("vol_b")
    world.vol_b.save()
    VolunteerStats.objects.create(volunteer=world.vol_a, auto_hours=Decimal("40.50"), makeup_hours=Decimal("12.00"),
                                  points=30, star_level=1)
    return world


def as_user(u) -> Client:
    c = Client()
    c.force_login(u)
    return c


def qr_url(page: str) -> str:
    return re.search(r'data-scan-url="([^"]+)"', page)[1]


def test_the_card_shows_the_volunteers_figures_and_nothing_secret(w):
    res = as_user(w.vol_a.user).get(reverse("volunteers:card"))
    page = res.content.decode()
    assert res.status_code == 200 and "no-store" in res["Cache-Control"]
    for expected in ("李明", w.vol_a.volunteer_no, "九里村新时代文明实践站", "★", "1 星", "<strong>52.50</strong> 小时",
                     w.vol_a.registered_at.astimezone().strftime("%Y-%m-%d"), "<svg", "照片"):
        assert expected in page, expected
    assert w.vol_a.id_number_masked not in page and w.vol_a.reveal_id_number() not in page
    assert w.vol_a.reveal_phone() not in page and w.vol_a.phone_masked not in page
    url = qr_url(page)
    assert url.startswith("http://testserver/volunteers/card/") and str(w.vol_a.reveal_id_number()) not in url
    assert card_token_volunteer_id(url.rstrip("/").rsplit("/", 1)[1]) == w.vol_a.pk
    # a volunteer with no hours yet; an account that is not a volunteer
    page = as_user(w.vol_b.user).get(reverse("volunteers:card")).content.decode()
    assert "王芳" in page and "暂未评星" in page and "<strong>0</strong> 小时" in page
    page = as_user(w.manager_a).get(reverse("volunteers:card")).content.decode()
    assert "尚未登记为志愿者" in page and reverse("volunteers:register") in page
    assert Client().get(reverse("volunteers:card")).status_code == 302  # to the login page


def test_the_qr_opens_the_record_for_staff_in_scope_only(w):
    scan = reverse("volunteers:card_scan", args=[card_token(w.vol_a.pk)])
    for staff in (w.manager_a, w.office, w.root):
        res = as_user(staff).get(scan)
        assert res.status_code == 302 and res["Location"] == reverse("volunteers:detail", args=[w.vol_a.pk])
        assert as_user(staff).get(scan, follow=True).status_code == 200
    assert as_user(w.vol_a.user).get(scan)["Location"] == reverse("volunteers:card")  # their own card
    for outsider in (w.manager_b, w.vol_b.user, w.leader):
        res = as_user(outsider).get(scan)
        assert res.status_code == 404 and "李明" not in res.content.decode(), outsider
    team_member_add(actor=w.root, team=w.team_a, volunteer=w.vol_a)  # now in the leader's team
    assert as_user(w.leader).get(scan).status_code == 302
    anonymous = Client().get(scan)
    page = anonymous.content.decode()
    assert anonymous.status_code == 404 and "李明" not in page and w.vol_a.volunteer_no not in page
    assert "工作人员登录" in page and "next=" in page
    resident = user("resident")
    role_grant(actor=w.root, user=resident, role=Role.RESIDENT, node=w.station_a)
    assert as_user(resident).get(scan).status_code == 404


def test_forged_or_altered_tokens_are_not_found(w):
    good = card_token(w.vol_a.pk)
    payload, sig = good.split(".")
    forged = [f"{int(payload, 36) + 1:x}.{sig}", payload + "." + sig[:-1] + ("A" if sig[-1] != "A" else "B"),
              str(w.vol_a.pk), "abc", "²", "9" * 200, "0" + payload + "." + sig]
    for token in forged:
        assert card_token_volunteer_id(token) is None, token
        assert as_user(w.office).get(f"/volunteers/card/{token}/").status_code == 404, token
    assert card_token(w.vol_a.pk) == good  # stable: a printed card keeps working
