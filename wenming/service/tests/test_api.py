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
