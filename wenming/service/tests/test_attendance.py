from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.service.attendance_services import (
    attendance_check_in,
    attendance_check_out,
    attendance_close_forgotten,
    attendance_manual,
)
from wenming.service.enrollment_services import enrollment_create
from wenming.service.models import Attendance
from wenming.service.tests.factories import recruiting_shift
from wenming.service.venue import venue_token

pytestmark = pytest.mark.django_db
SITE = {"lat": "30.823000", "lon": "110.977000"}


@pytest.fixture
def setup(world):
    shift = recruiting_shift(world, capacity=3, starts_in=timedelta(hours=1), geofence_radius_m=200, **SITE)
    user = User.objects.create_user(username="liming", password="x")
    world.vol_a.user = user
    world.vol_a.save()
    enrollment = enrollment_create(actor=user, shift=shift, volunteer=world.vol_a)
    return shift, user, enrollment


def _code(fn, **kw):
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value


def test_double_tap_makes_one_attendance(setup):
    shift, user, _ = setup
    now = shift.starts_at - timedelta(minutes=5)
    token = venue_token(shift.pk, now)
    first = attendance_check_in(actor=user, shift=shift, token=token, lat=30.8231, lon=110.9771, now=now)
    again = attendance_check_in(actor=user, shift=shift, token=token, lat=30.8231, lon=110.9771,
                                now=now + timedelta(seconds=2))
    assert first.pk == again.pk and Attendance.objects.count() == 1
    assert first.geofence_passed is True and first.distance_m < 20
    assert AuditEntry.objects.filter(action="attendance.check_in").count() == 1


def test_expired_forged_and_foreign_tokens_are_refused(setup, world):
    shift, user, _ = setup
    now = shift.starts_at
    old = venue_token(shift.pk, now - timedelta(minutes=5))
    assert _code(attendance_check_in, actor=user, shift=shift, token=old, now=now).code == "venue.token_expired"
    forged = venue_token(shift.pk, now)[:-2] + "AA"
    assert _code(attendance_check_in, actor=user, shift=shift, token=forged, now=now).code == "venue.token_invalid"
    other = recruiting_shift(world, capacity=1, starts_in=timedelta(days=9))
    foreign = venue_token(other.pk, now)
    assert _code(attendance_check_in, actor=user, shift=shift, token=foreign, now=now).code == "venue.token_wrong_shift"
    assert Attendance.objects.count() == 0


def test_outside_the_geofence_is_refused_with_the_distance(setup):
    shift, user, _ = setup
    now = shift.starts_at
    err = _code(attendance_check_in, actor=user, shift=shift, token=venue_token(shift.pk, now),
                lat=30.8300, lon=110.9770, now=now)  # about 780 m north
    assert err.code == "venue.outside_geofence" and "米" in err.message
    assert 700 < int(err.message.split("约 ")[1].split(" 米")[0]) < 850
    assert Attendance.objects.count() == 0


def test_check_in_needs_a_confirmed_enrollment_and_open_window(setup, world):
    shift, user, _ = setup
    stranger = User.objects.create_user(username="stranger", password="x")
    now = shift.starts_at
    err = _code(attendance_check_in, actor=stranger, shift=shift, token=venue_token(shift.pk, now), now=now,
                **SITE)
    assert err.code == "service.not_enrolled"
    early = shift.starts_at - timedelta(hours=2)
    err = _code(attendance_check_in, actor=user, shift=shift, token=venue_token(shift.pk, early), now=early, **SITE)
    assert err.code == "service.checkin_closed"


def test_check_out_once_and_forgotten_ones_close_at_shift_end(setup, world):
    shift, user, _ = setup
    now = shift.starts_at
    attendance_check_in(actor=user, shift=shift, token=venue_token(shift.pk, now), now=now, **SITE)
    later = now + timedelta(hours=1)
    out = attendance_check_out(actor=user, shift=shift, token=venue_token(shift.pk, later), now=later, **SITE)
    again = attendance_check_out(actor=user, shift=shift, token=venue_token(shift.pk, later + timedelta(seconds=5)),
                                 now=later + timedelta(seconds=5), **SITE)
    assert out.check_out_at == again.check_out_at == later
    assert out.out_geofence_passed is True and out.out_distance_m is not None  # kept like the check-in's
    # a second volunteer forgets to check out
    other_user = User.objects.create_user(username="wangfang", password="x")
    world.vol_b.user = other_user
    world.vol_b.save()
    enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_b)
    attendance_check_in(actor=other_user, shift=shift, token=venue_token(shift.pk, now), now=now, **SITE)
    assert attendance_close_forgotten(now=shift.ends_at + timedelta(minutes=10)) == 0  # still in the grace period
    assert attendance_close_forgotten(now=shift.ends_at + timedelta(hours=2)) == 1
    closed = Attendance.objects.get(enrollment__volunteer=world.vol_b)
    assert closed.check_out_at == shift.ends_at and closed.auto_closed
    call_command("close_attendance")


def test_manual_check_in_by_a_leader_is_audited(setup, world):
    shift, _, enrollment = setup
    attendance = attendance_manual(actor=world.manager_a, enrollment=enrollment, check_in_at=shift.starts_at,
                                   check_out_at=shift.ends_at, reason="手机没电，队长现场补签")
    assert attendance.method == "manual" and attendance.recorded_by == world.manager_a
    entry = AuditEntry.objects.get(action="attendance.manual", actor=world.manager_a)
    assert entry.changes["reason"] == "手机没电，队长现场补签"
    err = _code(attendance_manual, actor=world.manager_a, enrollment=enrollment,
                check_in_at=shift.ends_at + timedelta(hours=5), reason="补签")
    assert err.code == "service.manual_times"
    assert _code(attendance_manual, actor=world.manager_b, enrollment=enrollment,
                 check_in_at=shift.starts_at, reason="补签").code == "not_found"
    assert _code(attendance_manual, actor=world.manager_a, enrollment=enrollment,
                 check_in_at=shift.starts_at, reason=" ").code == "service.reason_required"
    assert timezone.is_aware(attendance.check_in_at)


def test_forgotten_check_outs_close_by_the_periodic_task_not_by_a_request(setup, client):
    """Scheduled work never runs inside a user's request: a page view leaves the forgotten
    check-out open; the periodic task (sent by beat) closes it."""
    from wenming.service.models import Shift
    from wenming.service.tasks import close_forgotten_checkouts

    shift, user, _ = setup
    now = shift.starts_at
    attendance_check_in(actor=user, shift=shift, token=venue_token(shift.pk, now), now=now, **SITE)
    Shift.objects.filter(pk=shift.pk).update(starts_at=now - timedelta(hours=6), ends_at=now - timedelta(hours=3))
    Attendance.objects.update(check_in_at=now - timedelta(hours=6))  # as if checked in at the start
    client.get("/")
    assert Attendance.objects.get().check_out_at is None
    assert close_forgotten_checkouts.delay().get() == {"closed": 1}
    closed = Attendance.objects.get()
    assert closed.auto_closed and closed.check_out_at == now - timedelta(hours=3)
