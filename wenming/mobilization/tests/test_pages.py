"""The call pages through real requests: staff create and target a call, volunteers answer
from the SMS link without logging in, the tally follows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.models import Notification
from wenming.mobilization import selectors, services
from wenming.mobilization.models import Call, CallResponse
from wenming.service.models import Enrollment
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.models import Volunteer

from .helpers import make_call, reserve

pytestmark = pytest.mark.django_db

ANSWER = reverse("mobilization:answer")


def _login(client, user):
    client.force_login(user)
    return client


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _targeted(world, capture, *, count=2, capacity=3, needed=2):
    """A call on station A's shift, targeted at `count` reserve volunteers; their answer links."""
    shift = recruiting_shift(world, capacity=capacity)
    vols = [reserve(world) for _ in range(count)]
    call = make_call(world, shift, needed=needed)
    with capture(execute=True):
        services.call_target(actor=world.manager_a, call=call)
    links = dict(Notification.objects.filter(volunteer__in=vols).values_list("volunteer_id", "link"))
    return call, vols, [links[v.pk] for v in vols]


def _token(link: str) -> str:
    return link.split("token=", 1)[1]


def test_staff_create_a_call_on_the_page_then_target_it(client, world, django_capture_on_commit_callbacks):
    shift = recruiting_shift(world)
    near = [reserve(world), reserve(world, world.point_a)]
    reserve(world, world.station_b)  # a sibling station: not reached from station A
    staff = _login(client, world.manager_a)

    form = staff.get(reverse("mobilization:call_new"), {"node": world.station_a.pk})
    assert form.status_code == 200 and shift.project.title in form.content.decode()

    data = {"node": world.station_a.pk, "shift": shift.pk, "title": "防汛应急集结", "description": "携带雨具",
            "needed": 2, "deadline": _local(timezone.now() + timedelta(days=1)), "availability": ["8"],
            "center_lat": "", "center_lon": "", "radius_km": ""}
    bad = staff.post(reverse("mobilization:call_new"), {**data, "deadline": _local(shift.starts_at + timedelta(hours=1))})
    assert bad.status_code == 422 and "截止时间须晚于现在且不晚于班次开始" in bad.content.decode()
    half_area = staff.post(reverse("mobilization:call_new"), {**data, "radius_km": "5"})
    assert "按距离召集须同时填写中心纬度、经度和半径" in half_area.content.decode()
    assert not Call.objects.exists()

    res = staff.post(reverse("mobilization:call_new"), data)
    call = Call.objects.get()
    assert res.status_code == 302 and res.url == reverse("mobilization:call", args=[call.pk])
    assert (call.node, call.shift, call.needed, call.availability_mask, call.created_by) == (
        world.station_a, shift, 2, 8, world.manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        res = staff.post(reverse("mobilization:call_target", args=[call.pk]), follow=True)
    assert "已向 2 名符合条件的储备志愿者发送召集" in res.content.decode()
    assert set(call.responses.values_list("volunteer_id", flat=True)) == {v.pk for v in near}
    assert Notification.objects.filter(link__contains="token=").count() == 2

    listing = staff.get(reverse("mobilization:calls")).content.decode()
    assert "防汛应急集结" in listing and call.node.name in listing


def test_a_shift_outside_the_chosen_node_cannot_be_picked(client, world):
    shift = recruiting_shift(world)  # station A
    staff = _login(client, world.office)
    data = {"node": world.station_b.pk, "shift": shift.pk, "title": "集结", "needed": 1,
            "deadline": _local(timezone.now() + timedelta(days=1))}
    res = staff.post(reverse("mobilization:call_new"), data)
    assert res.status_code == 422 and not Call.objects.exists()


def test_answer_link_says_yes_once_without_login(client, world, django_capture_on_commit_callbacks):
    call, vols, links = _targeted(world, django_capture_on_commit_callbacks)
    # The link the notification carries opens the page (no login).
    page = client.get(links[0], follow=True)
    html = page.content.decode()
    assert page.status_code == 200 and call.title in html and "愿意参加" in html and "暂不参加" in html
    assert call.shift.project.title in html

    token = _token(links[0])
    res = client.post(ANSWER, {"token": token, "answer": "yes"})
    assert res.status_code == 302
    result = client.get(res.url).content.decode()
    assert "报名成功" in result and 'name="answer"' not in result
    enrollment = Enrollment.objects.get(shift=call.shift, volunteer=vols[0])
    assert enrollment.status == "confirmed" and enrollment.source == "mobilization"

    # A second tap (or a change of mind) changes nothing.
    client.post(ANSWER, {"token": token, "answer": "yes"})
    client.post(ANSWER, {"token": token, "answer": "no"})
    assert Enrollment.objects.filter(shift=call.shift, volunteer=vols[0]).count() == 1
    assert CallResponse.objects.get(call=call, volunteer=vols[0]).answer == "yes"

    declined = client.post(ANSWER, {"token": _token(links[1]), "answer": "no"}, follow=True).content.decode()
    assert "您已回复暂不参加" in declined
    assert not Enrollment.objects.filter(volunteer=vols[1]).exists()


def test_full_shift_puts_a_yes_on_the_waitlist(client, world, django_capture_on_commit_callbacks):
    call, vols, links = _targeted(world, django_capture_on_commit_callbacks, capacity=1)
    client.post(ANSWER, {"token": _token(links[0]), "answer": "yes"})
    page = client.post(ANSWER, {"token": _token(links[1]), "answer": "yes"}, follow=True).content.decode()
    assert "您已进入候补" in page
    assert Enrollment.objects.get(volunteer=vols[1]).status == "waitlisted"


def test_forged_expired_and_closed_links_are_refused(client, world, django_capture_on_commit_callbacks):
    call, vols, links = _targeted(world, django_capture_on_commit_callbacks)
    for forged in ("forged:token", _token(links[0])[:-2] + "xx"):
        res = client.get(ANSWER, {"token": forged})
        assert res.status_code == 404 and "链接无效或已过期" in res.content.decode()
        res = client.post(ANSWER, {"token": forged, "answer": "yes"})
        assert res.status_code == 404 and "链接无效或已过期" in res.content.decode()
    assert client.get(ANSWER).status_code == 404  # no token, not logged in

    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    res = client.get(ANSWER, {"token": _token(links[0])})
    assert res.status_code == 409 and "已过响应截止时间" in res.content.decode()
    assert 'name="answer"' not in res.content.decode()
    res = client.post(ANSWER, {"token": _token(links[0]), "answer": "yes"})
    assert res.status_code == 409 and "已过响应截止时间" in res.content.decode()

    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() + timedelta(hours=1))
    services.call_close(actor=world.manager_a, call=call)
    res = client.post(ANSWER, {"token": _token(links[1]), "answer": "yes"})
    assert res.status_code == 409 and "该招募令已结束，不能再响应" in res.content.decode()
    assert not Enrollment.objects.filter(shift=call.shift).exists()


def test_tally_json_matches_the_answers_and_is_for_staff_only(client, world, django_capture_on_commit_callbacks):
    call, vols, links = _targeted(world, django_capture_on_commit_callbacks, count=3)
    client.post(ANSWER, {"token": _token(links[0]), "answer": "yes"})
    client.post(ANSWER, {"token": _token(links[1]), "answer": "no"})
    url = reverse("mobilization:call_tally_json", args=[call.pk])
    assert client.get(url).status_code == 401

    staff = _login(client.__class__(), world.manager_a)
    tally = staff.get(url).json()
    assert {k: tally[k] for k in ("needed", "targeted", "yes", "no", "pending", "confirmed", "waitlisted")} == \
        selectors.call_tally(call=call)
    assert (tally["targeted"], tally["yes"], tally["no"], tally["pending"], tally["confirmed"]) == (3, 1, 1, 1, 1)
    assert tally["progress"] == 50 and tally["status"] == "open"

    page = staff.get(reverse("mobilization:call", args=[call.pk])).content.decode()
    assert 'aria-valuenow="50"' in page and "tally.json" in page
    vol = Volunteer.objects.get(pk=vols[0].pk)
    assert vol.name not in page and vol.reveal_phone() not in page and vol.phone_masked in page

    outsider = _login(client.__class__(), world.manager_b)
    assert outsider.get(url).status_code == 404
    assert outsider.get(reverse("mobilization:call", args=[call.pk])).status_code == 404


def test_staff_close_the_call_from_its_page(client, world, django_capture_on_commit_callbacks):
    call, vols, links = _targeted(world, django_capture_on_commit_callbacks)
    staff = _login(client, world.manager_a)
    res = staff.post(reverse("mobilization:call_close", args=[call.pk]), follow=True)
    assert "招募令已结束" in res.content.decode()
    call.refresh_from_db()
    assert call.status == "closed"
    assert "发送召集" not in staff.get(reverse("mobilization:call", args=[call.pk])).content.decode()


def test_logged_in_volunteer_answers_from_the_page(client, world, django_capture_on_commit_callbacks):
    call, vols, links = _targeted(world, django_capture_on_commit_callbacks)
    user = User.objects.create_user(username="reserve1", password="Wenming!2024")
    Volunteer.objects.filter(pk=vols[0].pk).update(user=user)
    vol_client = _login(client, user)

    mine = vol_client.get(ANSWER).content.decode()
    assert call.title in mine and f"?call={call.pk}" in mine
    res = vol_client.post(ANSWER, {"call": call.pk, "answer": "yes"})
    assert res.status_code == 302
    assert "报名成功" in vol_client.get(res.url).content.decode()
    assert Enrollment.objects.get(volunteer=vols[0]).status == "confirmed"

    # Someone not targeted by the call finds nothing there.
    other = _login(client.__class__(), User.objects.create_user(username="other", password="Wenming!2024"))
    assert other.get(ANSWER, {"call": call.pk}).status_code == 404
    # Without login the call form asks to log in; the token form does not.
    assert client.__class__().get(ANSWER, {"call": call.pk}).status_code == 302



# ---- bad ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["²", "abc", "99999999999999999999999"])
def test_bad_node_and_call_ids_are_not_found_or_a_form_error_never_a_500(client, world, bad,
                                                                          django_capture_on_commit_callbacks):
    call, vols, links = _targeted(world, django_capture_on_commit_callbacks)
    staff = _login(client.__class__(), world.manager_a)
    page = staff.get(reverse("mobilization:call_new"), {"node": bad})
    assert page.status_code == 200 and "所选阵地不存在或不在您的管理范围内" in page.content.decode()
    res = staff.post(reverse("mobilization:call_new"), {"node": bad, "shift": call.shift_id, "title": "集结",
                                                        "needed": 1,
                                                        "deadline": _local(timezone.now() + timedelta(hours=1))})
    assert res.status_code == 422 and "所选阵地不存在或不在您的管理范围内" in res.content.decode()
    assert Call.objects.count() == 1

    user = User.objects.create_user(username="reserve1", password="Wenming!2024")
    Volunteer.objects.filter(pk=vols[0].pk).update(user=user)
    volunteer = _login(client.__class__(), user)
    res = volunteer.get(ANSWER, {"call": bad})
    assert res.status_code == 404 and "未找到该对象或无权访问" in res.content.decode()
    res = volunteer.post(ANSWER, {"call": bad, "answer": "yes"})
    assert res.status_code == 404 and not Enrollment.objects.exists()
    assert client.__class__().get(ANSWER, {"call": bad}).status_code == 302  # not logged in: log in first


def test_call_node_picker_offers_managed_nodes_without_grids(client, world):
    page = _login(client, world.manager_a).get(reverse("mobilization:call_new")).content.decode()
    assert f'<option value="{world.station_a.pk}"' in page and f'<option value="{world.point_a.pk}"' in page
    assert f'<option value="{world.grid_a.pk}"' not in page and f'<option value="{world.station_b.pk}"' not in page
    other = _login(client.__class__(), world.manager_a).get(reverse("mobilization:call_new"),
                                                            {"node": world.station_b.pk})
    assert "所选阵地不存在或不在您的管理范围内" in other.content.decode()
