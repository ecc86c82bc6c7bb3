"""A volunteer's calls show their state and the next step in words (issue 15), and a sign-up
refused on answering (insurance, training) links to where it can be fixed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.models import User
from wenming.mobilization import services
from wenming.mobilization.models import Call, CallResponse
from wenming.mobilization.page_selectors import my_call_rows
from wenming.service.enrollment_services import enrollment_cancel
from wenming.service.models import Shift
from wenming.service.tests.factories import recruiting_shift

from .helpers import make_call, reserve

pytestmark = pytest.mark.django_db


def _called(world, capture, *, capacity=3, count=1, **project):
    shift = recruiting_shift(world, capacity=capacity, **project)
    vols = [reserve(world) for _ in range(count)]
    call = make_call(world, shift)
    with capture(execute=True):
        services.call_target(actor=world.manager_a, call=call)
    return call, vols


def _state(vol):
    [row] = my_call_rows(volunteer=vol)
    return row.state


def test_call_states_follow_the_answer_and_the_sign_up(world, django_capture_on_commit_callbacks):
    call, (a, b, c) = _called(world, django_capture_on_commit_callbacks, capacity=1, count=3)
    state = _state(a)
    assert (state.key, state.label, state.can_answer) == ("pending", "待响应", True)
    assert "前响应" in state.note
    responses = {r.volunteer_id: r for r in CallResponse.objects.filter(call=call).select_related("call")}
    services.call_answer(actor=None, response=responses[a.pk], answer="yes")
    services.call_answer(actor=None, response=responses[b.pk], answer="yes")
    services.call_answer(actor=None, response=responses[c.pk], answer="no")
    assert (_state(a).key, _state(a).label) == ("enrolled", "已报名")
    assert (_state(b).key, _state(b).label) == ("waitlisted", "候补中")
    assert (_state(c).label, _state(c).can_answer) == ("已回复不参加", False)
    enrollment_cancel(actor=world.manager_a, enrollment=CallResponse.objects.get(call=call, volunteer=a).enrollment)
    assert _state(a).label == "已取消报名" and _state(b).label == "已报名"  # b promoted


def test_closed_or_late_call_asks_nothing(world, django_capture_on_commit_callbacks):
    call, (a,) = _called(world, django_capture_on_commit_callbacks)
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    state = _state(a)
    assert (state.key, state.label, state.can_answer) == ("past", "未响应 · 已截止", False)


def test_ended_shift_says_so(world, django_capture_on_commit_callbacks):
    call, (a,) = _called(world, django_capture_on_commit_callbacks)
    services.call_answer(actor=None, response=CallResponse.objects.get(call=call), answer="yes")
    past = timezone.now() - timedelta(hours=5)
    Shift.objects.filter(pk=call.shift_id).update(starts_at=past, ends_at=past + timedelta(hours=2))
    assert _state(a).label == "已结束"


def test_my_calls_page_shows_state_and_the_answer_button(client, world, django_capture_on_commit_callbacks):
    call, (a,) = _called(world, django_capture_on_commit_callbacks)
    user = User.objects.create_user(username="reserve1", password="Wenming!2024")
    a.user = user
    a.save()
    client.force_login(user)
    page = client.get(reverse("mobilization:answer")).content.decode()
    assert "待响应" in page and "去响应" in page


def test_refused_answer_links_to_the_insurance_page(world, django_capture_on_commit_callbacks, client):
    call, (a,) = _called(world, django_capture_on_commit_callbacks, requires_insurance=True)
    response = CallResponse.objects.get(call=call)
    token = services.answer_token(response)
    res = client.post(reverse("mobilization:answer"), {"token": token, "answer": "yes"})
    page = res.content.decode()
    assert res.status_code == 422 and "请先更新保险信息" in page
    assert f'{reverse("volunteers:my_insurance")}?next=' in page and "去更新保险信息" in page
    response.refresh_from_db()
    assert response.answer == "none"  # refused: the answer rolled back, they can answer again once fixed
