from datetime import timedelta

import pytest
from django.urls import reverse

from wenming.accounts.models import User
from wenming.service.models import Attendance, Enrollment
from wenming.service.tests.factories import recruiting_shift
from wenming.service.venue import venue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer_client(client, world):
    user = User.objects.create_user(username="liming", password="Wenming!2024")
    world.vol_a.user = user
    world.vol_a.save()
    client.force_login(user)
    return client


def test_public_list_shows_recruiting_projects(client, world):
    shift = recruiting_shift(world, capacity=2)
    page = client.get(reverse("service_pages:projects")).content.decode()
    assert shift.project.title in page
    detail = client.get(reverse("service_pages:project", args=[shift.project_id])).content.decode()
    assert "剩余 <strong>2</strong>" in detail


def test_sign_up_on_the_page_then_cancel(volunteer_client, world):
    shift = recruiting_shift(world, capacity=1)
    res = volunteer_client.post(reverse("service_pages:sign_up", args=[shift.pk]), follow=True)
    assert "报名成功" in res.content.decode()
    res = volunteer_client.post(reverse("service_pages:sign_up", args=[shift.pk]), follow=True)
    assert "您已报名该班次" in res.content.decode()
    mine = volunteer_client.get(reverse("service_pages:my_shifts")).content.decode()
    assert shift.project.title in mine and "已报名" in mine
    enrollment = Enrollment.objects.get(shift=shift)
    res = volunteer_client.post(reverse("service_pages:cancel", args=[enrollment.pk]), follow=True)
    assert "已取消报名" in res.content.decode()


def test_venue_page_shows_a_qr_link_that_checks_in(client, world, volunteer_client):
    shift = recruiting_shift(world, capacity=2, starts_in=timedelta(minutes=10), lat="30.823", lon="110.977")
    Enrollment.objects.create(shift=shift, volunteer=world.vol_a, status="confirmed")
    from wenming.service.models import Shift

    Shift.objects.filter(pk=shift.pk).update(taken=1)
    staff = client.__class__()
    staff.force_login(world.manager_a)
    venue = staff.get(reverse("service_pages:venue", args=[shift.pk]))
    assert venue.status_code == 200 and "<svg" in venue.content.decode()
    assert staff.__class__().get(reverse("service_pages:venue", args=[shift.pk])).status_code == 302  # login
    outsider = client.__class__()
    outsider.force_login(world.manager_b)
    assert outsider.get(reverse("service_pages:venue", args=[shift.pk])).status_code == 404
    url = reverse("service_pages:checkin", args=[shift.pk])
    res = volunteer_client.post(url, {"t": venue_token(shift.pk), "lat": "30.8231", "lon": "110.9771",
                                      "mode": "in"})
    assert "签到成功" in res.content.decode()
    assert Attendance.objects.filter(enrollment__shift=shift).count() == 1
    res = volunteer_client.post(url, {"t": "forged.token.x", "lat": "30.8231", "lon": "110.9771", "mode": "in"})
    assert "场所码无效" in res.content.decode()


def test_public_portal_lists_recruiting_projects_only(client, world):
    from wenming.service.models import ProjectCategory
    from wenming.service.project_services import project_create

    shift = recruiting_shift(world, capacity=4)
    project_create(actor=world.root, node=world.station_a, title="尚未发布的草稿项目",
                   category=ProjectCategory.objects.get(code="civility"))
    page = client.get("/").content.decode()
    assert "招募中的志愿服务项目" in page and shift.project.title in page and "剩余 4/4" in page
    assert "尚未发布的草稿项目" not in page
