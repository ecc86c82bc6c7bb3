from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


def _iso(delta):
    return (timezone.now() + delta).isoformat()


def test_publish_claim_recruit_and_sign_up_through_the_api(world):
    office = ApiClient("office")
    res = office.post("/projects", {"node_id": world.station_a.pk, "title": "九里村文明交通劝导",
                                    "category": "traffic", "required_skills": [], "lat": "30.823", "lon": "110.977"})
    assert res.status_code == 201, res.content
    pid = res.json()["id"]
    assert office.post(f"/projects/{pid}/publish").json()["code"] == "service.no_shifts"
    res = office.post(f"/projects/{pid}/shifts", {"title": "早高峰", "starts_at": _iso(timedelta(days=1)),
                                                  "ends_at": _iso(timedelta(days=1, hours=2)), "capacity": 1})
    sid = res.json()["id"]
    assert office.post(f"/projects/{pid}/publish").json()["status"] == "published"
    # a team leader claims it for their team
    res = ApiClient("leader").post(f"/projects/{pid}/claim", {"team_id": world.team_a.pk})
    assert res.status_code == 200 and res.json()["claimed_by_id"] == world.team_a.pk
    assert ApiClient("leader").post(f"/projects/{pid}/recruit").json()["status"] == "recruiting"
    # the volunteer signs themself up; a second person is waitlisted
    user = User.objects.create_user(username="liming", password="Wenming!2024")
    world.vol_a.user = user
    world.vol_a.save()
    me = ApiClient("liming")
    res = me.post(f"/shifts/{sid}/enrollments", {})
    assert res.status_code == 201 and res.json()["status"] == "confirmed"
    assert me.post(f"/shifts/{sid}/enrollments", {}).json()["code"] == "service.already_enrolled"
    res = office.post(f"/shifts/{sid}/enrollments", {"volunteer_id": world.vol_b.pk})
    assert res.json()["status"] == "waitlisted" and res.json()["source"] == "staff"
    assert [e["status"] for e in me.get("/me/enrollments").json()] == ["confirmed"]
    eid = me.get("/me/enrollments").json()[0]["id"]
    assert me.post(f"/enrollments/{eid}/cancel", {"reason": "临时有事"}).json()["status"] == "cancelled"
    roster = office.get(f"/shifts/{sid}/enrollments").json()
    assert {e["volunteer_id"]: e["status"] for e in roster}[world.vol_b.pk] == "confirmed"
    # the public sees the recruiting project, not a draft
    draft = office.post("/projects", {"node_id": world.station_a.pk, "title": "草稿", "category": "arts"}).json()
    anyone = ApiClient("manager_b")
    assert anyone.get(f"/projects/{pid}").status_code == 200
    assert anyone.get(f"/projects/{draft['id']}").status_code == 404


def test_unknown_category_and_bad_shift_times(world):
    office = ApiClient("office")
    res = office.post("/projects", {"node_id": world.station_a.pk, "title": "x", "category": "nope"})
    assert res.json()["code"] == "service.category_unknown"
    pid = office.post("/projects", {"node_id": world.station_a.pk, "title": "x", "category": "arts"}).json()["id"]
    res = office.post(f"/projects/{pid}/shifts", {"title": "反了", "starts_at": _iso(timedelta(days=2)),
                                                  "ends_at": _iso(timedelta(days=1)), "capacity": 3})
    assert res.json()["code"] == "service.shift_times"


def test_a_team_claims_only_in_its_own_area_and_shifts_only_in_the_future(world):
    office = ApiClient("office")
    res = office.post("/projects", {"node_id": world.station_b.pk, "title": "杨贵店村环境整治", "category": "environment",
                                    "required_skills": []})
    pid = res.json()["id"]
    past = office.post(f"/projects/{pid}/shifts", {"title": "昨天", "starts_at": _iso(timedelta(days=-1)),
                                                   "ends_at": _iso(timedelta(days=-1, hours=2)), "capacity": 3})
    assert past.status_code == 422 and past.json()["code"] == "service.shift_in_past"
    office.post(f"/projects/{pid}/shifts", {"title": "上午", "starts_at": _iso(timedelta(days=2)),
                                            "ends_at": _iso(timedelta(days=2, hours=2)), "capacity": 3})
    office.post(f"/projects/{pid}/publish")
    # team A (station A) may not claim a project of the sibling station B
    res = ApiClient("leader").post(f"/projects/{pid}/claim", {"team_id": world.team_a.pk})
    assert res.status_code == 403 and res.json()["code"] == "service.claim_area"
    assert office.get(f"/projects/{pid}").json()["status"] == "published"
    office.post(f"/projects/{pid}/cancel", {"reason": "改期"})
    res = office.post(f"/projects/{pid}/shifts", {"title": "再加", "starts_at": _iso(timedelta(days=3)),
                                                  "ends_at": _iso(timedelta(days=3, hours=2)), "capacity": 3})
    assert res.json()["code"] == "service.bad_status"


def test_manual_attendance_accepts_local_times_without_a_zone(world):
    from wenming.service.enrollment_services import enrollment_create
    from wenming.service.models import Shift
    from wenming.service.tests.factories import recruiting_shift

    shift = recruiting_shift(world, capacity=3)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - timedelta(hours=1),
                                             ends_at=timezone.now() + timedelta(hours=2))
    local = timezone.localtime(timezone.now() - timedelta(minutes=30)).replace(tzinfo=None, microsecond=0)
    res = ApiClient("manager_a").post(f"/enrollments/{enrollment.pk}/attendance",
                                      {"check_in_at": local.isoformat(), "reason": "手机没电"})
    assert res.status_code == 200, res.content
    assert ApiClient("manager_a").post(f"/enrollments/{enrollment.pk}/attendance",
                                       {"check_in_at": local.isoformat()}).status_code == 422  # reason required
