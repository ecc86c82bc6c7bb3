"""An honour on the volunteer's own record (我的志愿者信息, 我的服务), on the staff's volunteer
page, and on the service certificate (志愿服务记录证明): the star level its hours reach and
the honours announced by the day it was issued."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from wenming.honours.models import HonourCampaign
from wenming.honours.services import campaigns, reviews
from wenming.honours.tests.test_campaigns import to_final
from wenming.service.certificate_services import certificate_data, certificate_issue, certificate_pdf
from wenming.service.hours_services import hours_makeup
from wenming.service.tests.test_certificate_pdf import flat, read
from wenming.volunteers.tests.factories import user

pytestmark = pytest.mark.django_db
LABEL = "2020年度市级“身边好人”（宜昌市文明办）"


def honoured(c):
    """The nurse honoured in the city's 身边好人 campaign, announced now (the notice days
    passed: the service is told it is eight days later, the announcement is dated now)."""
    nurse_nomination, _ = to_final(c)
    reviews.selection_set(actor=c.office, nomination=nurse_nomination, selected=True)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="notice")
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="announced",
                            now=timezone.now() + timedelta(days=8))
    HonourCampaign.objects.filter(pk=c.campaign.pk).update(announced_at=timezone.now())
    return nurse_nomination


def with_hours(c, hours_each=24, days=5):
    for i in range(days):
        hours_makeup(actor=c.root, volunteer=c.nurse, hours=Decimal(hours_each),
                     service_date=timezone.localdate() - timedelta(days=i + 1), reason="疫情卡口值守", node=c.station)


def test_the_honour_shows_on_the_volunteers_own_record_and_the_staff_page(city):
    c = city
    nomination = honoured(c)
    c.nurse.user = user("nurse_login")
    c.nurse.save(update_fields=["user"])
    own = Client()
    own.force_login(c.nurse.user)
    me = own.get("/volunteers/me/").content.decode()
    assert "荣誉" in me and "2020年度市级“身边好人”" in me and nomination.title in me
    assert "2020年度市级“身边好人”" in own.get("/my/shifts/").content.decode()
    staff = Client()
    staff.force_login(c.office)
    detail = staff.get(f"/volunteers/{c.nurse.pk}/")
    assert detail.status_code == 200 and "2020年度市级“身边好人”" in detail.content.decode()
    farmer = staff.get(f"/volunteers/{c.farmer.pk}/").content.decode()  # not selected: no honour
    assert "2020年度市级“身边好人”" not in farmer


def test_the_certificate_names_the_star_level_and_the_honours_announced_before_it(city):
    c = city
    with_hours(c)  # 120 h: one star at the default thresholds (100/300/…)
    before = certificate_issue(actor=c.root, volunteer=c.nurse)
    assert certificate_data(before).honours == ["一星级志愿者（累计服务时长达到 100 小时）"]
    honoured(c)
    assert LABEL not in certificate_data(before).honours  # issued before the announcement: unchanged
    with_hours(c, hours_each=1, days=1)
    after = certificate_issue(actor=c.root, volunteer=c.nurse)
    assert certificate_data(after).honours == ["一星级志愿者（累计服务时长达到 100 小时）", LABEL]
    _, text = read(certificate_pdf(after))
    assert "所获荣誉：一星级志愿者（累计服务时长达到100小时）；2020年度市级“身边好人”（宜昌市文明办）。" in flat(text)
    assert "累计服务时长121小时" in flat(text)


def test_a_certificate_without_stars_or_honours_has_no_honour_line(city):
    c = city
    with_hours(c, hours_each=3, days=2)
    cert = certificate_issue(actor=c.root, volunteer=c.nurse)
    assert certificate_data(cert).honours == []
    _, text = read(certificate_pdf(cert))
    assert "所获荣誉" not in text
