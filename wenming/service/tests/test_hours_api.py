"""The hours ledger, stars and points through /api/v1, and the scope of every new endpoint."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from wenming.accounts.models import User
from wenming.api import api
from wenming.core.tests.api_client import PASSWORD, ApiClient
from wenming.service.attendance_services import attendance_manual
from wenming.service.enrollment_services import enrollment_create
from wenming.service.hours_services import hours_makeup
from wenming.service.models import Enrollment, PointsEntry, ProjectCategory, ServiceRecord, VolunteerStats
from wenming.service.project_services import project_create, shift_add
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.team_services import team_member_add

pytestmark = pytest.mark.django_db


def _attended(world, hours=3):
    """vol_a attended a whole shift of station A (recorded by hand, not yet verified)."""
    shift = recruiting_shift(world, capacity=5, hours=hours)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    return attendance_manual(reason="现场补签", actor=world.manager_a, enrollment=enrollment, check_in_at=shift.starts_at,
                             check_out_at=shift.ends_at)


@pytest.fixture
def me(world):
    world.vol_a.user = User.objects.create_user(username="liming", password=PASSWORD)
    world.vol_a.save()
    return ApiClient("liming")


def _sums(volunteer) -> dict:
    def total(bucket):
        return ServiceRecord.objects.filter(volunteer=volunteer, bucket=bucket).aggregate(s=Sum("hours"))["s"] or 0
    return {"auto": total("auto"), "makeup": total("makeup"),
            "points": PointsEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"] or 0}


def test_leader_verifies_hours_once_and_the_volunteer_sees_them(world, me):
    attendance = _attended(world)
    staff = ApiClient("manager_a")
    res = staff.post(f"/attendances/{attendance.pk}/verify")
    assert res.status_code == 201, res.content
    record = res.json()
    assert (record["kind"], record["bucket"], record["hours"]) == ("auto", "auto", "3.00")
    assert record["attendance_id"] == attendance.pk and record["project_title"] == "文明劝导进社区"
    res = staff.post(f"/attendances/{attendance.pk}/verify")
    assert res.status_code == 409 and res.json()["code"] == "service.already_verified"

    ledger = me.get("/me/service-records").json()
    assert ledger["count"] == 1 and ledger["items"][0]["id"] == record["id"]
    stats = me.get("/me/stats").json()
    assert (stats["total_hours"], stats["auto_hours"], stats["makeup_hours"]) == ("3.00", "3.00", "0.00")
    assert stats["points"] == 30 and stats["star_level"] == 0 and stats["next_star_hours"] == 100
    points = me.get("/me/points").json()
    assert [(p["points"], p["service_record_id"]) for p in points["items"]] == [(30, record["id"])]
    roster = staff.get(f"/shifts/{attendance.enrollment.shift_id}/attendances").json()
    assert roster[0]["verified"] is True


def test_a_volunteer_cannot_verify_their_own_hours(world, me):
    attendance = _attended(world)
    res = me.post(f"/attendances/{attendance.pk}/verify")
    assert res.status_code == 403 and res.json()["code"] == "forbidden"
    res = ApiClient("manager_b").post(f"/attendances/{attendance.pk}/verify")
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    assert not ServiceRecord.objects.exists()


def test_make_up_and_corrections_through_the_api_keep_totals_equal_to_the_ledger(world):
    staff = ApiClient("manager_a")
    auto = staff.post(f"/attendances/{_attended(world).pk}/verify").json()
    res = staff.post("/service-records/makeup", {"volunteer_id": world.vol_a.pk, "hours": "2", "reason": "卡口值守补录",
                                                 "service_date": "2026-03-01", "node_id": world.station_a.pk})
    assert res.status_code == 201 and res.json()["kind"] == "makeup" and res.json()["project_id"] is None
    res = staff.post(f"/service-records/{auto['id']}/correct", {"delta": "-0.5", "reason": "提前离岗"})
    assert res.status_code == 201, res.content
    fix = res.json()
    assert (fix["kind"], fix["bucket"], fix["hours"], fix["corrects_id"]) == ("correction", "auto", "-0.50",
                                                                              auto["id"])
    # refusals change nothing
    too_much = staff.post(f"/service-records/{auto['id']}/correct", {"delta": "-5", "reason": "错误"})
    assert too_much.status_code == 409 and too_much.json()["code"] == "service.correction_negative"
    assert staff.post(f"/service-records/{auto['id']}/correct", {"delta": "0", "reason": "x"}).json()["code"] == \
        "service.hours_invalid"
    assert staff.post(f"/service-records/{auto['id']}/correct", {"delta": "1", "reason": " "}).json()["code"] == \
        "service.reason_required"

    stats = staff.get(f"/volunteers/{world.vol_a.pk}/stats").json()
    assert (stats["auto_hours"], stats["makeup_hours"], stats["total_hours"]) == ("2.50", "2.00", "4.50")
    sums = _sums(world.vol_a)
    assert (Decimal(stats["auto_hours"]), Decimal(stats["makeup_hours"]), stats["points"]) == (
        sums["auto"], sums["makeup"], sums["points"])
    ledger = staff.get(f"/volunteers/{world.vol_a.pk}/service-records").json()
    assert ledger["count"] == 3
    assert sum(Decimal(r["hours"]) for r in ledger["items"]) == Decimal(stats["total_hours"])
    assert [r["id"] for r in staff.get(f"/volunteers/{world.vol_a.pk}/service-records", page_size=1,
                                       page=3).json()["items"]] == [ledger["items"][2]["id"]]


def test_make_up_is_for_staff_over_the_volunteer(world):
    team_member_add(actor=world.root, team=world.team_a, volunteer=world.vol_a)
    body = {"volunteer_id": world.vol_a.pk, "hours": "2", "reason": "补录", "service_date": "2026-03-01",
            "node_id": world.station_a.pk}
    leader = ApiClient("leader")  # sees the member and their ledger, may not write it
    res = leader.post("/service-records/makeup", body)
    assert res.status_code == 403 and res.json()["code"] == "forbidden"
    record = hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal(1), service_date=date(2026, 3, 2),
                          reason="补录", node=world.station_a)
    assert leader.get(f"/volunteers/{world.vol_a.pk}/service-records").json()["count"] == 1
    res = leader.post(f"/service-records/{record.pk}/correct", {"delta": "1", "reason": "漏记"})
    assert res.status_code == 403 and res.json()["code"] == "forbidden"
    res = ApiClient("manager_b").post("/service-records/makeup", body)
    assert res.status_code == 404 and res.json()["code"] == "not_found"
    staff = ApiClient("manager_a")
    res = staff.post("/service-records/makeup", dict(body, hours="25"))
    assert res.status_code == 422 and res.json()["code"] == "service.hours_invalid"
    res = staff.post("/service-records/makeup", dict(body, hours="0.004"))  # the ledger keeps 2 places
    assert res.status_code == 422 and res.json()["code"] == "invalid_input"
    assert ServiceRecord.objects.count() == 1


def test_stars_carry_the_date_they_were_reached(world, me, settings):
    settings.STAR_THRESHOLDS = [2, 5]
    staff = ApiClient("manager_a")
    staff.post("/service-records/makeup", {"volunteer_id": world.vol_a.pk, "hours": "3", "reason": "补录",
                                           "service_date": "2026-03-01", "node_id": world.station_a.pk})
    stats = me.get("/me/stats").json()
    assert stats["star_level"] == 1 and stats["next_star_hours"] == 5
    assert stats["stars"] == [{"level": 1, "threshold_hours": 2, "reached_on": timezone.localdate().isoformat()}]
    staff.post("/service-records/makeup", {"volunteer_id": world.vol_a.pk, "hours": "3", "reason": "补录",
                                           "service_date": "2026-03-02", "node_id": world.station_a.pk})
    stats = staff.get(f"/volunteers/{world.vol_a.pk}/stats").json()
    assert stats["star_level"] == 2 and stats["next_star_hours"] is None and len(stats["stars"]) == 2


def test_stats_before_any_hours_and_me_without_a_volunteer(world, me):
    stats = me.get("/me/stats").json()
    assert stats == {"volunteer_id": world.vol_a.pk, "total_hours": "0.00", "auto_hours": "0.00", "makeup_hours": "0.00",
                     "points": 0, "star_level": 0, "next_star_hours": 100, "stars": []}
    assert not VolunteerStats.objects.exists()  # reading does not create the row
    staff = ApiClient("manager_a")
    for path in ("/me/stats", "/me/points", "/me/service-records"):
        res = staff.get(path)
        assert res.status_code == 422 and res.json()["code"] == "service.not_a_volunteer"
    assert ApiClient().get("/me/stats").status_code == 401


def test_other_stations_see_no_ledger(world):
    hours_makeup(actor=world.root, volunteer=world.vol_b, hours=Decimal(2), service_date=date(2026, 3, 1),
                 reason="补录", node=world.station_b)
    sibling = ApiClient("manager_a")
    for path in (f"/volunteers/{world.vol_b.pk}/stats", f"/volunteers/{world.vol_b.pk}/service-records"):
        res = sibling.get(path)
        assert res.status_code == 404 and res.json()["code"] == "not_found"
    assert ApiClient("manager_b").get(f"/volunteers/{world.vol_b.pk}/stats").json()["total_hours"] == "2.00"


# --- every endpoint added by attendance_api / hours_api, against a sibling station ---------

NEW_TAGS = {"签到签退", "服务时长"}
BODIES = {
    ("post", "/shifts/{shift_id}/check-in"): {"token": "x"},
    ("post", "/shifts/{shift_id}/check-out"): {"token": "x"},
    ("post", "/enrollments/{enrollment_id}/attendance"): {"reason": "现场补签", "check_in_at": "2030-01-01T08:00:00+08:00"},
    ("post", "/service-records/{record_id}/correct"): {"delta": "1", "reason": "更正"},
}


@pytest.fixture
def sibling(world):
    """Station B objects manager_a must never reach: a draft project (drafts are not public),
    its shift, an enrollment with an attendance, and a ledger row."""
    project = project_create(actor=world.root, node=world.station_b, title="杨贵店村项目",
                             category=ProjectCategory.objects.get(code="arts"))
    start = timezone.now() + timedelta(days=3)
    shift = shift_add(actor=world.root, project=project, title="岗", starts_at=start,
                      ends_at=start + timedelta(hours=2), capacity=2)
    enrollment = Enrollment.objects.create(shift=shift, volunteer=world.vol_b, status="confirmed")
    attendance = attendance_manual(reason="现场补签", actor=world.root, enrollment=enrollment, check_in_at=start,
                                   check_out_at=start + timedelta(hours=2))
    record = hours_makeup(actor=world.root, volunteer=world.vol_b, hours=Decimal(2), service_date=date(2026, 3, 1),
                          reason="补录", node=world.station_b)
    return {"shift_id": shift.pk, "enrollment_id": enrollment.pk, "attendance_id": attendance.pk,
            "record_id": record.pk, "volunteer_id": world.vol_b.pk}


def test_every_new_object_endpoint_answers_404_for_a_sibling_station(world, sibling):
    client = ApiClient("manager_a")
    checked = 0
    for path, ops in api.get_openapi_schema()["paths"].items():
        for method, op in ops.items():
            if "{" not in path or not NEW_TAGS & set(op.get("tags", [])):
                continue
            path = path.removeprefix("/api/v1")
            url = re.sub(r"\{(\w+)\}", lambda m: str(sibling[m.group(1)]), path)
            res = client.call(method, url, BODIES.get((method, path), {}))
            assert res.status_code == 404, f"{method.upper()} {url}: {res.status_code} {res.content[:200]}"
            assert res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}
            checked += 1
    assert checked == 9
