"""The 招募令与培训 API: scope, answering by link without login, and what answers reveal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.core.models import Notification
from wenming.core.tests.api_client import ApiClient
from wenming.mobilization import services
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.models import Volunteer
from wenming.volunteers.tests.factories import user

from .helpers import reserve

pytestmark = pytest.mark.django_db


def _call_body(world, shift, **extra):
    return {"node_id": world.station_a.pk, "shift_id": shift.pk, "title": "防汛集结", "needed": 2,
            "skills": ["medical"], "deadline": (timezone.now() + timedelta(hours=12)).isoformat(), **extra}


def test_staff_create_target_and_follow_the_tally(world, django_capture_on_commit_callbacks):
    shift = recruiting_shift(world, capacity=1)
    vols = [reserve(world) for _ in range(2)]
    client = ApiClient("manager_a")
    res = client.post("/calls", _call_body(world, shift))
    assert res.status_code == 201, res.content
    call_id = res.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        res = client.post(f"/calls/{call_id}/target")
    assert res.json() == {"added": 2, "tally": {"needed": 2, "targeted": 2, "yes": 0, "no": 0, "pending": 2,
                                                "confirmed": 0, "waitlisted": 0}}

    anonymous = ApiClient()
    links = {n.volunteer_id: n.link for n in Notification.objects.all()}
    token = links[vols[0].pk].split("token=", 1)[1]
    seen = anonymous.post("/call-answers/view", {"token": token}).json()
    assert seen["call_title"] == "防汛集结" and seen["answer"] == "none"
    assert vols[0].name not in str(seen)
    res = anonymous.post("/call-answers", {"token": token, "answer": "yes"})
    assert res.status_code == 200, res.content
    assert res.json()["enrollment_status"] == "confirmed"
    res = anonymous.post("/call-answers", {"token": links[vols[1].pk].split("token=", 1)[1], "answer": "yes"})
    assert res.json()["enrollment_status"] == "waitlisted"
    tally = client.get(f"/calls/{call_id}/tally").json()
    assert (tally["yes"], tally["pending"], tally["confirmed"], tally["waitlisted"]) == (2, 0, 1, 1)

    assert anonymous.post("/call-answers", {"token": "forged:token", "answer": "yes"}).status_code == 404


def test_a_sibling_station_sees_nothing_of_the_call(world):
    shift = recruiting_shift(world)
    call = ApiClient("manager_a").post("/calls", _call_body(world, shift)).json()
    other = ApiClient("manager_b")
    assert other.get(f"/calls/{call['id']}").status_code == 404
    assert other.get(f"/calls/{call['id']}/tally").status_code == 404
    assert other.post(f"/calls/{call['id']}/target").status_code == 404
    assert other.get("/calls").json()["count"] == 0
    assert other.post("/calls", _call_body(world, shift, node_id=world.station_b.pk)).status_code == 404


def test_a_logged_in_volunteer_answers_their_own_call(world, django_capture_on_commit_callbacks):
    shift = recruiting_shift(world)
    vol = reserve(world)
    account = user("vol_user")
    Volunteer.objects.filter(pk=vol.pk).update(user=account)
    call = ApiClient("manager_a").post("/calls", _call_body(world, shift)).json()
    with django_capture_on_commit_callbacks(execute=True):
        ApiClient("manager_a").post(f"/calls/{call['id']}/target")
    me = ApiClient("vol_user")
    assert [c["id"] for c in me.get("/calls").json()["items"]] == [call["id"]]
    assert me.get(f"/calls/{call['id']}/tally").status_code == 404  # tallies are for staff
    res = me.post(f"/calls/{call['id']}/answer", {"answer": "yes"})
    assert res.status_code == 200 and res.json()["enrollment_status"] == "confirmed"
    assert Notification.objects.get(volunteer=vol).recipient_id == account.pk


def test_courses_hide_the_answers_and_score_the_quiz(world):
    shift = recruiting_shift(world)
    client = ApiClient("manager_a")
    res = client.post("/courses", {"node_id": world.station_a.pk, "title": "安全须知", "pass_score": 50,
                                   "quiz": [{"question": "第一步？", "options": ["报告", "拍照"], "answer": 0}]})
    assert res.status_code == 201, res.content
    course = res.json()
    assert course["questions"] == [{"question": "第一步？", "options": ["报告", "拍照"]}]
    assert client.post(f"/courses/{course['id']}/projects", {"project_id": shift.project_id}).status_code == 201
    res = client.post(f"/shifts/{shift.pk}/enrollments", {"volunteer_id": world.vol_a.pk})
    assert res.status_code == 422 and res.json()["code"] == "mobilization.course_required"
    res = client.post(f"/courses/{course['id']}/complete", {"volunteer_id": world.vol_a.pk, "answers": [0]})
    assert res.json()["passed"] is True
    assert client.post(f"/shifts/{shift.pk}/enrollments", {"volunteer_id": world.vol_a.pk}).status_code == 201
    # required by a recruiting project: open to anyone who may sign up, also from station B
    assert ApiClient("manager_b").get(f"/courses/{course['id']}").status_code == 200
    other = ApiClient("manager_a").post("/courses", {"node_id": world.station_a.pk, "title": "站内培训"}).json()
    assert ApiClient("manager_b").get(f"/courses/{other['id']}").status_code == 404


def test_token_answers_need_no_personal_data(world, django_capture_on_commit_callbacks):
    shift = recruiting_shift(world)
    vol = reserve(world)
    call = services.call_create(actor=world.manager_a, node=world.station_a, shift=shift, title="集结", needed=1,
                                deadline=timezone.now() + timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        services.call_target(actor=world.manager_a, call=call)
    link = Notification.objects.get(volunteer=vol).link
    assert link.startswith("/mobilization/answer/?token=")
    assert vol.volunteer_no not in link and vol.name not in link
