"""Calls to the reserve: who is reached, how answers become a roster, and the live tally."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.models import Notification
from wenming.core.notify import FakeSmsGateway
from wenming.mobilization import selectors, services
from wenming.mobilization.models import Answer, Call, CallResponse
from wenming.service.models import Enrollment, Shift
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.models import Volunteer

from .helpers import make_call, reserve

pytestmark = pytest.mark.django_db


def _target(world, call, capture):
    with capture(execute=True):
        return services.call_target(actor=world.manager_a, call=call)


def test_targeting_picks_exactly_the_matching_reserve_volunteers(world, django_capture_on_commit_callbacks):
    shift = recruiting_shift(world)
    in_station = reserve(world)
    in_point = reserve(world, world.point_a, lat="30.790", lon="110.890")  # ~1.4 km, subtree of station A
    reserve(world, is_reserve=False)                                       # not in the reserve
    reserve(world, skills="medical")                                       # lacks 应急救援
    reserve(world, world.station_b)                                        # sibling station
    reserve(world, lat="30.900", lon="110.900")                            # ~11 km away
    reserve(world, lat="30.836", lon="110.942")                            # in the box, ~5.6 km: outside circle
    reserve(world, lat=None)                                               # no location on file
    reserve(world, availability=1)                                         # weekday days only
    suspended = reserve(world)
    Volunteer.objects.filter(pk=suspended.pk).update(status="suspended")

    call = make_call(world, shift, skills=["medical", "rescue"], radius_km=5, availability_mask=8 | 4)
    added = _target(world, call, django_capture_on_commit_callbacks)

    targeted = set(CallResponse.objects.filter(call=call).values_list("volunteer_id", flat=True))
    assert targeted == {in_station.pk, in_point.pk}
    assert added == 2
    # Running it again reaches only newcomers.
    newcomer = reserve(world, lat="30.802", lon="110.902")
    assert _target(world, call, django_capture_on_commit_callbacks) == 1
    assert CallResponse.objects.filter(call=call).count() == 3
    assert CallResponse.objects.filter(call=call, volunteer=newcomer).exists()


def test_without_area_or_mask_the_whole_subtree_reserve_is_targeted(world, django_capture_on_commit_callbacks):
    shift = recruiting_shift(world)
    a = reserve(world, lat=None, availability=0, skills="")
    b = reserve(world, world.grid_a, lat=None, availability=1, skills="driving")
    reserve(world, world.station_b, lat=None)
    call = make_call(world, shift)
    _target(world, call, django_capture_on_commit_callbacks)
    assert set(call.responses.values_list("volunteer_id", flat=True)) == {a.pk, b.pk}


def test_notifications_land_in_the_outbox_only_when_the_transaction_commits(world,
                                                                            django_capture_on_commit_callbacks):
    shift = recruiting_shift(world)
    vols = [reserve(world) for _ in range(3)]
    call = make_call(world, shift)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.call_target(actor=world.manager_a, call=call)
        raise RuntimeError("rolled back")
    assert Notification.objects.count() == 0  # no message without the change that caused it
    services.call_target(actor=world.manager_a, call=call)
    rows = list(Notification.objects.order_by("volunteer_id"))
    assert [r.volunteer_id for r in rows] == sorted(v.pk for v in vols)
    assert all(r.recipient_id is None and r.channel == "inbox" and r.sent_at is not None for r in rows)
    assert all(r.subject == "招募令：防汛应急集结" for r in rows)
    # Each link answers for exactly its own row and carries no personal data.
    for row in rows:
        token = row.link.split("token=", 1)[1]
        assert services.response_from_token(token).volunteer_id == row.volunteer_id
        vol = Volunteer.objects.get(pk=row.volunteer_id)
        assert vol.name not in row.link and vol.reveal_phone() not in row.link


def test_sms_backend_sends_through_the_gateway_and_keeps_a_row(world, settings,
                                                              django_capture_on_commit_callbacks):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    shift = recruiting_shift(world)
    vol = reserve(world, phone="13712345678")
    call = make_call(world, shift)
    _target(world, call, django_capture_on_commit_callbacks)
    assert [phone for phone, _ in FakeSmsGateway.sent] == ["13712345678"]
    assert "招募令：防汛应急集结" in FakeSmsGateway.sent[0][1]
    row = Notification.objects.get(volunteer=vol)
    assert row.channel == "sms" and row.sent_at is not None


def test_console_backend_logs_ids_not_personal_data(world, settings, caplog, django_capture_on_commit_callbacks):
    settings.WENMING_NOTIFY_BACKEND = "console"
    shift = recruiting_shift(world)
    vol = reserve(world, phone="13787654321")
    call = make_call(world, shift)
    with caplog.at_level(logging.INFO, logger="wenming.notify"):
        _target(world, call, django_capture_on_commit_callbacks)
    assert f"volunteer={vol.pk}" in caplog.text
    assert "13787654321" not in caplog.text and vol.name not in caplog.text
    assert Notification.objects.get().sent_at is not None


def _targeted_call(world, capture, *, count, capacity, needed=2):
    shift = recruiting_shift(world, capacity=capacity)
    vols = [reserve(world) for _ in range(count)]
    call = make_call(world, shift, needed=needed)
    _target(world, call, capture)
    responses = list(CallResponse.objects.filter(call=call).select_related("call__shift__project", "volunteer"))
    by_vol = {r.volunteer_id: r for r in responses}
    return call, [by_vol[v.pk] for v in vols]


def test_yes_answers_fill_the_shift_then_join_the_waitlist(world, django_capture_on_commit_callbacks):
    call, responses = _targeted_call(world, django_capture_on_commit_callbacks, count=4, capacity=2)
    for r in responses[:3]:
        token = services.answer_token(r)
        services.call_answer(actor=None, response=services.response_from_token(token), answer="yes")
    services.call_answer(actor=None, response=responses[3], answer="no")

    enrollments = list(Enrollment.objects.filter(shift=call.shift).order_by("id"))
    assert [e.status for e in enrollments] == ["confirmed", "confirmed", "waitlisted"]
    assert {e.source for e in enrollments} == {"mobilization"}
    assert Shift.objects.get(pk=call.shift.pk).taken == 2
    linked = dict(CallResponse.objects.filter(call=call).values_list("volunteer_id", "enrollment__status"))
    assert linked == {responses[0].volunteer_id: "confirmed", responses[1].volunteer_id: "confirmed",
                      responses[2].volunteer_id: "waitlisted", responses[3].volunteer_id: None}


def test_tally_numbers_equal_the_rows(world, django_capture_on_commit_callbacks):
    call, responses = _targeted_call(world, django_capture_on_commit_callbacks, count=5, capacity=1, needed=3)
    services.call_answer(actor=None, response=responses[0], answer="yes")
    services.call_answer(actor=None, response=responses[1], answer="yes")
    services.call_answer(actor=None, response=responses[2], answer="no")

    tally = selectors.call_tally(call=call)
    rows = CallResponse.objects.filter(call=call)
    assert tally == {
        "needed": 3,
        "targeted": rows.count(),
        "yes": rows.filter(answer=Answer.YES).count(),
        "no": rows.filter(answer=Answer.NO).count(),
        "pending": rows.filter(answer=Answer.PENDING).count(),
        "confirmed": Enrollment.objects.filter(shift=call.shift, status="confirmed", source="mobilization").count(),
        "waitlisted": Enrollment.objects.filter(shift=call.shift, status="waitlisted").count(),
    }
    assert (tally["targeted"], tally["yes"], tally["no"], tally["pending"]) == (5, 2, 1, 2)
    assert (tally["confirmed"], tally["waitlisted"]) == (1, 1)


def test_a_second_answer_changes_nothing(world, django_capture_on_commit_callbacks):
    call, (response,) = _targeted_call(world, django_capture_on_commit_callbacks, count=1, capacity=2)
    first = services.call_answer(actor=None, response=response, answer="yes")
    again = services.call_answer(actor=None, response=services.response_from_token(services.answer_token(response)),
                                 answer="no")
    twice = services.call_answer(actor=None, response=services.response_from_token(services.answer_token(response)),
                                 answer="yes")
    assert again.answer == twice.answer == "yes"
    assert again.answered_at == first.answered_at
    assert Enrollment.objects.filter(shift=call.shift).count() == 1
    assert Shift.objects.get(pk=call.shift.pk).taken == 1


def test_answers_after_the_deadline_are_refused(world, django_capture_on_commit_callbacks):
    call, (response,) = _targeted_call(world, django_capture_on_commit_callbacks, count=1, capacity=2)
    Call.objects.filter(pk=call.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    response = services.response_from_token(services.answer_token(response))
    with pytest.raises(DomainError) as err:
        services.call_answer(actor=None, response=response, answer="yes")
    assert err.value.code == "mobilization.deadline_passed"
    assert CallResponse.objects.get(pk=response.pk).answer == "none"
    assert not Enrollment.objects.filter(shift=call.shift).exists()
    with pytest.raises(DomainError):
        services.call_target(actor=world.manager_a, call=Call.objects.get(pk=call.pk))


def test_a_closed_call_refuses_answers(world, django_capture_on_commit_callbacks):
    call, (response,) = _targeted_call(world, django_capture_on_commit_callbacks, count=1, capacity=2)
    services.call_close(actor=world.manager_a, call=call)
    response = services.response_from_token(services.answer_token(response))
    with pytest.raises(DomainError) as err:
        services.call_answer(actor=None, response=response, answer="yes")
    assert err.value.code == "mobilization.call_closed"


def test_a_tampered_token_is_refused(world, django_capture_on_commit_callbacks):
    _call, (response,) = _targeted_call(world, django_capture_on_commit_callbacks, count=1, capacity=2)
    token = services.answer_token(response)
    with pytest.raises(DomainError) as err:
        services.response_from_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert err.value.code == "mobilization.bad_token"


def test_calls_are_created_only_over_ones_own_subtree(world):
    shift = recruiting_shift(world)
    with pytest.raises(DomainError) as err:
        make_call(world, shift, actor=world.manager_b)
    assert err.value.code == "not_found"
    with pytest.raises(DomainError) as err:
        services.call_create(actor=world.manager_a, node=world.station_a, shift=shift, title="x", needed=1,
                             deadline=shift.starts_at + timedelta(hours=1))
    assert err.value.code == "mobilization.call_fields"
