"""Check-in/out, manual attendance, the roster and the venue code through /api/v1."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.tests.api_client import PASSWORD, ApiClient
from wenming.service.enrollment_services import enrollment_create
from wenming.service.models import Attendance, ProjectCategory
from wenming.service.project_services import (
    project_claim,
    project_create,
    project_open_recruiting,
    project_publish,
    shift_add,
)
from wenming.service.tests.factories import recruiting_shift
from wenming.service.venue import venue_token
from wenming.volunteers.tests.factories import build_world

pytestmark = pytest.mark.django_db
SITE = {"lat": "30.823000", "lon": "110.977000"}
NEAR = {"lat": 30.8231, "lon": 110.9771, "accuracy_m": 15}  # about 14 m from SITE


def _volunteer_user(world, username="liming"):
    user = User.objects.create_user(username=username, password=PASSWORD)
    world.vol_a.user = user
    world.vol_a.save()
    return user


@pytest.fixture
def setup(world):
    """A shift starting in 10 minutes (check-in is open) with vol_a confirmed on it."""
    shift = recruiting_shift(world, capacity=3, starts_in=timedelta(minutes=10), geofence_radius_m=200, **SITE)
    user = _volunteer_user(world)
    enrollment = enrollment_create(actor=user, shift=shift, volunteer=world.vol_a)
    return shift, enrollment


def test_volunteer_checks_in_and_out_with_the_code_the_leader_app_shows(world, setup):
    shift, enrollment = setup
    res = ApiClient("manager_a").get(f"/shifts/{shift.pk}/venue-token")
    assert res.status_code == 200 and res["Cache-Control"] == "no-store"
    code = res.json()
    assert code["checkin_url"].endswith(f"/checkin/{shift.pk}/?t={code['token']}")
    assert code["period_seconds"] == 30 and 0 < code["seconds_until_rotation"] <= 30

    me = ApiClient("liming")
    res = me.post(f"/shifts/{shift.pk}/check-in", {"token": code["token"], **NEAR})
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["enrollment_id"] == enrollment.pk and body["volunteer_id"] == world.vol_a.pk
    assert body["status"] == "checked_in" and body["method"] == "venue_code"
    assert body["geofence_passed"] is True and 5 < body["distance_m"] < 25
    # the position is used for the test, never echoed or stored
    assert "lat" not in body and "lon" not in body and "30.8231" not in res.content.decode()

    res = me.post(f"/shifts/{shift.pk}/check-out", {"token": code["token"], **NEAR})
    assert res.status_code == 200
    assert res.json()["id"] == body["id"] and res.json()["status"] == "checked_out"
    roster = ApiClient("manager_a").get(f"/shifts/{shift.pk}/attendances").json()
    assert [(a["id"], a["status"], a["verified"]) for a in roster] == [(body["id"], "checked_out", False)]


def test_a_double_tap_makes_one_attendance(setup):
    shift, _ = setup
    me = ApiClient("liming")
    token = venue_token(shift.pk)
    first = me.post(f"/shifts/{shift.pk}/check-in", {"token": token, **NEAR}).json()
    again = me.post(f"/shifts/{shift.pk}/check-in", {"token": token, **NEAR}).json()
    assert first["id"] == again["id"] and first["check_in_at"] == again["check_in_at"]
    assert Attendance.objects.count() == 1


def test_check_out_before_check_in_is_refused(setup):
    shift, _ = setup
    res = ApiClient("liming").post(f"/shifts/{shift.pk}/check-out", {"token": venue_token(shift.pk), **NEAR})
    assert res.status_code == 409 and res.json()["code"] == "service.not_checked_in"


def test_expired_forged_foreign_and_missing_tokens_are_refused(world, setup):
    shift, _ = setup
    me = ApiClient("liming")
    url = f"/shifts/{shift.pk}/check-in"
    now = timezone.now()
    expired = venue_token(shift.pk, now - timedelta(minutes=5))
    forged = venue_token(shift.pk, now)[:-2] + "AA"
    other = recruiting_shift(world, capacity=1, starts_in=timedelta(days=9))
    for token, code in ((expired, "venue.token_expired"), (forged, "venue.token_invalid"),
                        (venue_token(other.pk, now), "venue.token_wrong_shift"), ("", "venue.token_invalid")):
        res = me.post(url, {"token": token, **NEAR})
        assert (res.status_code, res.json()["code"]) == (400, code), token
    res = me.post(url, NEAR)
    assert res.status_code == 422 and res.json()["code"] == "invalid_input"
    assert Attendance.objects.count() == 0


def test_position_outside_the_fence_or_missing_is_refused(setup):
    shift, _ = setup
    me = ApiClient("liming")
    token = venue_token(shift.pk)
    res = me.post(f"/shifts/{shift.pk}/check-in", {"token": token, "lat": 30.83, "lon": 110.977})  # ~780 m
    assert res.status_code == 422 and res.json()["code"] == "venue.outside_geofence"
    assert "米" in res.json()["message"]
    res = me.post(f"/shifts/{shift.pk}/check-in", {"token": token})
    assert res.json()["code"] == "venue.location_required"
    assert Attendance.objects.count() == 0


def test_someone_not_enrolled_or_not_a_volunteer_cannot_check_in(world, setup):
    shift, _ = setup
    token = venue_token(shift.pk)
    res = ApiClient("manager_a").post(f"/shifts/{shift.pk}/check-in", {"token": token, **NEAR})
    assert res.status_code == 422 and res.json()["code"] == "service.not_a_volunteer"
    world.vol_b.user = User.objects.create_user(username="wangfang", password=PASSWORD)
    world.vol_b.save()
    res = ApiClient("wangfang").post(f"/shifts/{shift.pk}/check-in", {"token": token, **NEAR})
    assert res.status_code == 409 and res.json()["code"] == "service.not_enrolled"


def test_staff_record_an_attendance_by_hand(world, setup):
    shift, enrollment = setup
    office = ApiClient("manager_a")
    url = f"/enrollments/{enrollment.pk}/attendance"
    res = office.post(url, {"reason": "现场补签", "check_in_at": shift.starts_at.isoformat(),
                            "check_out_at": (shift.starts_at + timedelta(hours=2)).isoformat()})
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["method"] == "manual" and body["status"] == "checked_out" and body["hours"] == "2.00"
    assert body["geofence_passed"] is None and body["distance_m"] is None
    res = office.post(url, {"reason": "现场补签", "check_in_at": shift.starts_at.isoformat(),
                            "check_out_at": (shift.starts_at - timedelta(hours=1)).isoformat()})
    assert res.status_code == 422 and res.json()["code"] == "service.manual_times"


def test_the_volunteer_and_other_stations_cannot_run_the_shift(world, setup):
    shift, enrollment = setup
    me = ApiClient("liming")
    # the volunteer sees the (public) shift and their own enrollment, but may not run them
    for res in (me.get(f"/shifts/{shift.pk}/attendances"), me.get(f"/shifts/{shift.pk}/venue-token"),
                me.post(f"/enrollments/{enrollment.pk}/attendance", {"reason": "现场补签", "check_in_at": shift.starts_at.isoformat()})):
        assert res.status_code == 403 and res.json()["code"] == "forbidden"
    sibling = ApiClient("manager_b")
    res = sibling.post(f"/enrollments/{enrollment.pk}/attendance", {"reason": "现场补签", "check_in_at": shift.starts_at.isoformat()})
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    assert sibling.get(f"/shifts/{shift.pk}/attendances").status_code == 403  # public shift, not theirs
    assert not Attendance.objects.exists()


def test_the_leader_of_the_claiming_team_runs_the_shift(world):
    project = project_create(actor=world.root, node=world.station_a, title="文明交通劝导",
                             category=ProjectCategory.objects.get(code="traffic"))
    start = timezone.now() + timedelta(minutes=10)
    shift = shift_add(actor=world.root, project=project, title="早高峰", starts_at=start,
                      ends_at=start + timedelta(hours=2), capacity=2)
    project_publish(actor=world.root, project=project)
    project_claim(actor=world.root, project=project, team=world.team_a)
    project_open_recruiting(actor=world.root, project=project)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    leader = ApiClient("leader")
    assert leader.get(f"/shifts/{shift.pk}/venue-token").status_code == 200
    res = leader.post(f"/enrollments/{enrollment.pk}/attendance", {"reason": "现场补签", "check_in_at": start.isoformat()})
    assert res.status_code == 200 and res.json()["status"] == "checked_in"
    assert [a["volunteer_id"] for a in leader.get(f"/shifts/{shift.pk}/attendances").json()] == [world.vol_a.pk]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_taps_through_the_api_make_one_attendance():
    world = build_world()
    shift = recruiting_shift(world, capacity=3, starts_in=timedelta(minutes=10), geofence_radius_m=200, **SITE)
    user = _volunteer_user(world)
    enrollment_create(actor=user, shift=shift, volunteer=world.vol_a)
    clients = [ApiClient("liming") for _ in range(6)]
    token = venue_token(shift.pk)
    statuses, barrier = [], threading.Barrier(len(clients))

    def tap(client):
        barrier.wait()
        try:
            statuses.append(client.post(f"/shifts/{shift.pk}/check-in", {"token": token, **NEAR}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(clients)
    assert Attendance.objects.filter(enrollment__shift=shift).count() == 1
