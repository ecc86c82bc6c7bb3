"""Scope through the API: a station manager sees nothing of a sibling station, on every endpoint."""

import json
import re

import pytest

from wenming.api import api
from wenming.campaigns.tests.factories import CAMPAIGNS_BODIES, sibling_campaigns
from wenming.core.tests.api_client import ApiClient
from wenming.evaluation.tests.factories import EVALUATION_BODIES, sibling_evaluation
from wenming.grids.tests.factories import GRIDS_BODIES, sibling_grids
from wenming.orgs.services import unit_create
from wenming.reporting.tests.factories import REPORTING_BODIES, sibling_reporting
from wenming.supplies.tests.factories import sibling_supplies
from wenming.volunteers.services import certificate_add
from wenming.volunteers.team_services import team_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def sibling(world):
    """Objects of station B that manager_a must never reach."""
    root = world.root
    team_id = team_create(actor=root, name="杨贵店村小队", level="squad", node=world.station_b).pk
    unit_id = unit_create(actor=root, node=world.station_b, name="杨贵店村委会", unit_type="village", level="county").pk
    return {
        "volunteer_id": world.vol_b.pk,
        "node_id": world.station_b.pk,
        "team_id": team_id,
        "unit_id": unit_id,
        "certificate_id": certificate_add(actor=root, volunteer=world.vol_b, name="红十字救护员证").pk,
        "user_id": world.manager_b.pk,
        "assignment_id": world.manager_b.assignments.get().pk,
        **_sibling_service(world),
        **_sibling_mobilization(world),
        **_sibling_demands(world),
        **_sibling_hotline(world),
        **sibling_supplies(world),
        **_sibling_delivery(world),
        **sibling_reporting(world),
        **sibling_campaigns(world),
        **sibling_grids(world),
        **sibling_evaluation(world, unit_id, team_id),
        **_sibling_honours(world),
        "job_id": _sibling_job(world),
        "closing_id": _sibling_closing(world),
    }


def _sibling_job(world) -> str:
    """A finished background job of station B's manager, with a result file (core/jobs)."""
    from wenming.core.models import BackgroundJob, JobStatus

    return str(BackgroundJob.objects.create(
        kind="volunteers.export", actor=world.manager_b, node_path=world.station_b.path, perm="volunteer.view",
        status=JobStatus.DONE, result_name="jobs/x/result.xlsx", result_filename="志愿者名单.xlsx").public_id)


def _sibling_honours(world) -> dict:
    """A 身边好人 campaign of another county (巴东县) taken through its vote and notice, then
    cancelled, with a nomination, a vote and an objection: out of scope on the staff routes,
    and off the portal (cancelled) on the public ones."""
    from datetime import timedelta

    from django.utils import timezone

    from wenming.core.models import Notification
    from wenming.honours.models import HonourCategory
    from wenming.honours.services import campaigns, nominations, notice, reviews, votes
    from wenming.orgs.services import node_create
    from wenming.volunteers.tests.factories import volunteer

    root = world.root
    county = node_create(actor=root, parent=None, name="巴东县文明办", kind="county", code="422823")
    station = node_create(actor=root, parent=county, name="信陵镇实践站", kind="station", code="BD-S1")
    today = timezone.localdate()
    camp = campaigns.campaign_create(actor=root, node=county, category=HonourCategory.objects.get(code="good_people"),
                                     name="巴东县身边好人评选", year=2024, nominate_from=today,
                                     nominate_until=today + timedelta(days=5), places=1,
                                     vote_until=timezone.now() + timedelta(days=3))
    campaigns.stage_advance(actor=root, campaign=camp, to="nominating")
    nom = nominations.nomination_create(
        actor=root, campaign=camp, kind="volunteer", nominated_by="node", nominating_node=station, consent=True,
        volunteer=volunteer(root, station, name="谭大姐", male=False, phone="13900000088"), title="守护乡邻",
        story="疫情期间连续值守卡点六十天，为村民代购药品和生活物资三百余次。")
    campaigns.stage_advance(actor=root, campaign=camp, to="initial_review")
    reviews.review_submit(actor=root, nomination=nom, decision="pass")
    campaigns.stage_advance(actor=root, campaign=camp, to="voting")
    votes.vote_code_send(campaign=camp, phone="13800000088")
    code = Notification.objects.latest("id").body.split("验证码是 ")[1][:6]  # not sent yet: still there
    token = votes.vote_verify(campaign=camp, phone="13800000088", code=code)
    vote, _ = votes.vote_cast(campaign=camp, nomination=nom, token=token)
    campaigns.stage_advance(actor=root, campaign=camp, to="final_review")
    reviews.selection_set(actor=root, nomination=nom, selected=True)
    campaigns.stage_advance(actor=root, campaign=camp, to="notice")
    objection = notice.objection_submit(nomination=nom, text="事迹材料与实际情况不符，请核实。")
    campaigns.campaign_cancel(actor=root, campaign=camp, reason="上级通知暂停")
    return {"honour_campaign_id": camp.pk, "nomination_id": nom.pk, "vote_id": vote.pk, "objection_id": objection.pk}


def _sibling_demands(world) -> dict:
    """A request of station B, dispatched to station B's volunteer."""
    from wenming.accounts.models import User
    from wenming.demands import workflow
    from wenming.demands.tests.factories import entered

    world.vol_b.user = User.objects.create_user(username="wangfang", password="x")  # candidates can log in
    world.vol_b.save(update_fields=["user"])
    demand, _ = entered(world, node=world.station_b, actor=world.manager_b, address="杨贵店村一组 3 号")
    workflow.demand_review(actor=world.manager_b, demand=demand)
    workflow.demand_dispatch(actor=world.manager_b, demand=demand, volunteers=[world.vol_b])
    return {"demand_id": demand.pk, "offer_id": demand.offers.get().pk, "photo_id": 1}


def _sibling_delivery(world) -> dict:
    """A delivery run of station B, buying, with a household and a receipt."""
    from wenming.deliveries import services
    from wenming.demands import workflow
    from wenming.demands.tests.factories import entered

    demand, _ = entered(world, node=world.station_b, actor=world.manager_b, address="杨贵店村二组 8 号",
                        phone="13800000099")
    workflow.demand_review(actor=world.manager_b, demand=demand)
    run = services.run_create(actor=world.manager_b, node=world.station_b, title="杨贵店村代购")
    stop = services.run_add_demands(actor=world.manager_b, run=run, demands=[demand])[0]
    services.run_assign(actor=world.manager_b, run=run, volunteers=[world.vol_b])
    services.run_start_purchase(actor=world.manager_b, run=run)
    receipt = services.receipt_add(actor=world.manager_b, run=run, amount="12", shop="超市")
    return {"run_id": run.pk, "stop_id": stop.pk, "receipt_id": receipt.pk}


def _sibling_hotline(world) -> dict:
    """A hotline of station B with a counselor and a crisis call (and its follow-up)."""
    from wenming.hotline.services import counselor_add, hotline_create, schedule_set
    from wenming.hotline.tests.factories import ALL_DAY, counselor_user, log_call, supervisor_user

    line = hotline_create(actor=world.office, node=world.station_b, name="杨贵店村心理热线", number="0717-2880000")
    sup = supervisor_user("supervisor_b", world.station_b)
    counselor = counselor_add(actor=world.office, hotline=line, user=counselor_user("counselor_b", world.station_b),
                              supervisor=sup)
    schedule_set(actor=world.office, counselor=counselor, slots=ALL_DAY)
    call = log_call(counselor, is_crisis=True)
    return {"hotline_id": line.pk, "counselor_id": counselor.pk, "followup_id": call.followups.get().pk}


def _sibling_mobilization(world) -> dict:
    """A 招募令 and a training course of station B."""
    from datetime import timedelta

    from django.utils import timezone

    from wenming.mobilization.services import call_create, course_create
    from wenming.service.models import ProjectCategory
    from wenming.service.project_services import project_create, shift_add

    project = project_create(actor=world.root, node=world.station_b, title="杨贵店村集结",
                             category=ProjectCategory.objects.get(code="arts"))
    start = timezone.now() + timedelta(days=3)
    shift = shift_add(actor=world.root, project=project, title="集结", starts_at=start,
                      ends_at=start + timedelta(hours=2), capacity=2)
    call = call_create(actor=world.root, node=world.station_b, shift=shift, title="集结号", needed=2,
                       deadline=start - timedelta(days=1))
    course = course_create(actor=world.root, node=world.station_b, title="岗前培训")
    return {"call_id": call.pk, "course_id": course.pk}


def _sibling_service(world) -> dict:
    """A draft project of station B (drafts are not public), a shift and an enrollment."""
    from datetime import timedelta

    from django.utils import timezone

    from wenming.service.models import Enrollment, ProjectCategory
    from wenming.service.project_services import project_create, shift_add

    project = project_create(actor=world.root, node=world.station_b, title="杨贵店村项目",
                             category=ProjectCategory.objects.get(code="arts"))
    start = timezone.now() + timedelta(days=3)
    shift = shift_add(actor=world.root, project=project, title="岗", starts_at=start,
                      ends_at=start + timedelta(hours=2), capacity=2)
    enrollment = Enrollment.objects.create(shift=shift, volunteer=world.vol_b, status="waitlisted")
    from wenming.service.attendance_services import attendance_manual

    later = shift_add(actor=world.root, project=project, title="岗二", starts_at=start + timedelta(hours=3),
                      ends_at=start + timedelta(hours=5), capacity=2)
    attended = Enrollment.objects.create(shift=later, volunteer=world.vol_b, status="confirmed")
    attendance = attendance_manual(reason="现场补签", actor=world.root, enrollment=attended, check_in_at=later.starts_at)
    from wenming.service.rewards_services import reward_item_create

    reward = reward_item_create(actor=world.root, node=world.station_b, name="大米", points_cost=10, stock=3)
    return {"project_id": project.pk, "shift_id": shift.pk, "enrollment_id": enrollment.pk,
            "attendance_id": attendance.pk, "reward_id": reward.pk, **_sibling_service_certificate(world)}


def _sibling_service_certificate(world) -> dict:
    """A 志愿服务记录证明 issued by station B."""
    from datetime import date
    from decimal import Decimal

    from wenming.service.certificate_services import certificate_issue
    from wenming.service.hours_services import hours_makeup

    record = hours_makeup(actor=world.root, volunteer=world.vol_b, hours=Decimal(2), service_date=date(2025, 3, 1),
                          reason="补录", node=world.station_b)
    return {"service_certificate_id": certificate_issue(actor=world.root, volunteer=world.vol_b).pk,
            "record_id": record.pk}


def _sibling_closing(world) -> int:
    from wenming.orgs.closing import period_close

    return period_close(actor=world.root, node=world.station_b, since="2020-02", until="2020-02").pk


# A body that passes validation for each write endpoint, so the answer is about scope, not input.
BODIES = {
    ("post", "/closings/{closing_id}/reopen"): lambda w: {"reason": "漏录"},
    ("post", "/nodes/{node_id}/move"): lambda w: {"parent_id": w.institute.pk},
    ("patch", "/nodes/{node_id}"): lambda w: {"name": "改名"},
    ("patch", "/units/{unit_id}"): lambda w: {"name": "改名"},
    ("patch", "/volunteers/{volunteer_id}"): lambda w: {"name": "改名"},
    ("post", "/volunteers/{volunteer_id}/reveal"): lambda w: {"fields": ["id_number"]},
    ("post", "/volunteers/{volunteer_id}/status"): lambda w: {"status": "suspended"},
    ("post", "/volunteers/{volunteer_id}/certificates"): lambda w: {"name": "证书"},
    ("patch", "/teams/{team_id}"): lambda w: {"name": "改名"},
    ("post", "/teams/{team_id}/members"): lambda w: {"volunteer_id": w.vol_a.pk},
    ("patch", "/teams/{team_id}/members/{volunteer_id}"): lambda w: {"role": "member"},
    ("post", "/shifts/{shift_id}/capacity"): lambda w: {"capacity": 3},
    ("post", "/rewards/{reward_id}/restock"): lambda w: {"add": 1},
    ("post", "/projects/{project_id}/claim"): lambda w: {"team_id": w.team_a.pk},
    ("post", "/projects/{project_id}/shifts"): lambda w: {"title": "岗", "starts_at": "2030-01-01T08:00:00+08:00",
                                                          "ends_at": "2030-01-01T10:00:00+08:00", "capacity": 2},
    ("post", "/calls/{call_id}/answer"): lambda w: {"answer": "yes"},
    ("post", "/courses/{course_id}/projects"): lambda w: {"project_id": 1},
    ("post", "/users/{user_id}/assignments"): lambda w: {"role": "volunteer", "node_id": w.station_a.pk},
    ("post", "/shifts/{shift_id}/check-in"): lambda w: {"token": "x"},
    ("post", "/shifts/{shift_id}/check-out"): lambda w: {"token": "x"},
    ("post", "/enrollments/{enrollment_id}/attendance"): lambda w: {"reason": "现场补签", "check_in_at": "2030-01-01T08:00:00+08:00"},
    ("post", "/service-records/{record_id}/correct"): lambda w: {"delta": "1", "reason": "更正"},
    ("post", "/demands/{demand_id}/reject"): lambda w: {"reason": "重复"},
    ("post", "/demands/{demand_id}/dispatch"): lambda w: {"volunteer_ids": [w.vol_a.pk]},
    ("post", "/demands/{demand_id}/complete"): lambda w: {"note": "完成"},
    ("post", "/offers/{offer_id}/decline"): lambda w: {"reason": "没空"},
    ("post", "/delivery-runs/{run_id}/stops"): lambda w: {"demand_ids": [1]},
    ("post", "/delivery-runs/{run_id}/volunteers"): lambda w: {"volunteer_ids": [w.vol_a.pk]},
    ("post", "/delivery-runs/{run_id}/volunteers/{volunteer_id}/leave"): lambda w: {"reason": "有事"},
    ("post", "/delivery-runs/{run_id}/cancel"): lambda w: {"reason": "取消"},
    ("post", "/delivery-stops/{stop_id}/confirm"): lambda w: {"code": "123456"},
    ("post", "/delivery-stops/{stop_id}/mark"): lambda w: {"reason": "无人"},
    ("post", "/delivery-stops/{stop_id}/amount"): lambda w: {"amount": "1"},
    ("post", "/hotlines/{hotline_id}/counselors"): lambda w: {"user_id": w.manager_a.pk},
    ("post", "/hotlines/{hotline_id}/tallies"): lambda w: {"period": "2020-02", "calls": 1, "reason": "补录"},
    ("patch", "/hotline-counselors/{counselor_id}"): lambda w: {"active": True},
    ("put", "/hotline-counselors/{counselor_id}/schedule"): lambda w: {"shifts": []},
    ("patch", "/hotline-calls/{call_id}"): lambda w: {"duration_minutes": 1},
    ("post", "/hotline-calls/{call_id}/followups"): lambda w: {"due_on": "2030-01-01"},
}


HONOURS_BODIES = {
    ("post", "/honours/campaigns/{honour_campaign_id}/criteria"): lambda w: {"name": "事迹突出", "points": 5},
    ("post", "/honours/campaigns/{honour_campaign_id}/stage"): lambda w: {"to": "announced"},
    ("post", "/honours/campaigns/{honour_campaign_id}/nominations"):
        lambda w: {"kind": "volunteer", "nominated_by": "node", "volunteer_id": w.vol_a.pk},
    ("post", "/honours/campaigns/{honour_campaign_id}/votes/void"): lambda w: {"vote_ids": [1], "reason": "x"},
    ("post", "/honours/nominations/{nomination_id}/reviews"): lambda w: {"decision": "pass"},
    ("post", "/honours/nominations/{nomination_id}/selection"): lambda w: {"selected": True},
    ("post", "/honours/objections/{objection_id}/answer"): lambda w: {"answer": "x"},
    ("post", "/honours/public/campaigns/{honour_campaign_id}/vote-code"): lambda w: {"phone": "13800000000"},
    ("post", "/honours/public/campaigns/{honour_campaign_id}/voter-pass"):
        lambda w: {"phone": "13800000000", "code": "123456"},
    ("post", "/honours/public/campaigns/{honour_campaign_id}/votes"): lambda w: {"nomination_id": 1},
    ("post", "/honours/public/campaigns/{honour_campaign_id}/objections"):
        lambda w: {"nomination_id": 1, "text": "x"},
}


BODIES |= REPORTING_BODIES | CAMPAIGNS_BODIES | GRIDS_BODIES | EVALUATION_BODIES | HONOURS_BODIES


def _object_routes():
    """Every API operation whose path names an object by id (read from the OpenAPI document)."""
    for path, ops in api.get_openapi_schema()["paths"].items():
        for method in ops:
            if "{" in path and "verify" not in path:  # public verification by code: not an object id
                yield method, path.removeprefix("/api/v1")


def test_every_object_endpoint_answers_404_for_a_sibling_station(world, sibling):
    client = ApiClient("manager_a")
    checked = 0
    for method, path in _object_routes():
        url = re.sub(r"\{(\w+)\}", lambda m: str(sibling[m.group(1)]), path)
        body = BODIES.get((method, path), lambda w: {})(world)
        res = client.call(method, url, body)
        assert res.status_code == 404, f"{method.upper()} {url}: {res.status_code} {res.content[:200]}"
        assert res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}
        checked += 1
    assert checked >= 15


def test_member_add_with_sibling_volunteer_is_not_found(world):
    res = ApiClient("manager_a").post(f"/teams/{world.team_a.pk}/members", {"volunteer_id": world.vol_b.pk})
    assert res.status_code == 404


def test_lists_of_a_station_manager_hold_nothing_of_the_sibling(world, sibling):
    client = ApiClient("manager_a")
    vols = client.get("/volunteers", page_size=200).json()
    assert [v["id"] for v in vols["items"]] == [world.vol_a.pk]
    assert client.get("/volunteers", search="王芳").json()["count"] == 0
    assert client.get("/volunteers", search="wf").json()["count"] == 0
    assert client.get("/volunteers", node_id=world.station_b.pk).json()["count"] == 0
    assert client.get("/volunteers", team_id=sibling["team_id"]).json()["count"] == 0
    assert client.get("/volunteers", search=world.vol_b.reveal_phone()).json()["count"] == 0
    nodes = {n["id"] for n in client.get("/nodes", page_size=200).json()["items"]}
    assert world.station_a.pk in nodes and world.station_b.pk not in nodes and world.institute.pk not in nodes
    assert sibling["team_id"] not in {t["id"] for t in client.get("/teams").json()["items"]}
    assert sibling["unit_id"] not in {u["id"] for u in client.get("/units").json()["items"]}


def test_create_under_a_sibling_station_is_refused(world):
    client = ApiClient("manager_a")
    res = client.post("/nodes", {"parent_id": world.station_b.pk, "name": "新点", "kind": "point"})
    assert res.status_code == 404
    res = client.post("/teams", {"name": "越权队", "level": "squad", "node_id": world.station_b.pk})
    assert res.status_code == 404
    from wenming.volunteers.tests.factories import volunteer_input

    body = volunteer_input(world.station_b)
    body["home_node_id"] = body.pop("home_node")
    res = client.post("/volunteers", body)
    assert res.status_code == 422 and res.json()["code"] == "volunteer.node_unknown"


@pytest.mark.parametrize("username", ["office", "root"])
def test_wider_scopes_see_both_stations(world, sibling, username):
    client = ApiClient(username)
    ids = {v["id"] for v in client.get("/volunteers").json()["items"]}
    assert {world.vol_a.pk, world.vol_b.pk} <= ids
    assert client.get(f"/volunteers/{world.vol_b.pk}").status_code == 200
    assert sibling["team_id"] in {t["id"] for t in client.get("/teams").json()["items"]}
    assert sibling["unit_id"] in {u["id"] for u in client.get("/units").json()["items"]}
    assert client.get(f"/nodes/{world.station_b.pk}").status_code == 200


def test_team_leader_sees_members_only(world):
    from wenming.volunteers.team_services import team_member_add

    team_member_add(actor=world.root, team=world.team_a, volunteer=world.vol_a)
    client = ApiClient("leader")
    assert [v["id"] for v in client.get("/volunteers").json()["items"]] == [world.vol_a.pk]
    assert client.get(f"/volunteers/{world.vol_b.pk}").status_code == 404
    # a leader reads the roster but cannot edit volunteers
    assert client.patch(f"/volunteers/{world.vol_a.pk}", {"name": "改名"}).status_code == 403


def test_anonymous_gets_401_with_code(world):
    res = ApiClient().get("/volunteers")
    assert res.status_code == 401
    assert res.json()["code"] == "unauthenticated"


def test_api_answers_never_hold_raw_id_numbers_or_phones(world, sibling):
    # Birth dates too: the masked ID's hidden middle is exactly the birth date.
    secrets = [world.vol_a.reveal_id_number(), world.vol_b.reveal_id_number(), world.vol_a.reveal_phone(),
               world.vol_b.reveal_phone(), world.vol_a.birth_date.isoformat(), world.vol_b.birth_date.isoformat()]
    for username in ("manager_a", "office", "leader"):
        client = ApiClient(username)
        bodies = [client.get("/volunteers", page_size=200).content,
                  client.get(f"/volunteers/{world.vol_a.pk}").content,
                  client.get(f"/volunteers/{world.vol_b.pk}").content,
                  client.get(f"/teams/{world.team_a.pk}/members").content,
                  client.patch(f"/volunteers/{world.vol_a.pk}", {"name": "李明"}).content]
        text = b"".join(bodies).decode()
        for secret in secrets:
            assert secret not in text, username
    detail = json.loads(ApiClient("office").get(f"/volunteers/{world.vol_a.pk}").content)
    assert detail["id_number_masked"].startswith("420527********")
    assert detail["phone_masked"] == "139****0001"


def test_office_manages_assignments_within_its_county(world):
    client = ApiClient("office")
    res = client.post("/users", {"username": "new_mgr", "password": "Str0ng!pass", "phone": "13566667777"})
    assert res.status_code == 201 and res.json()["phone_masked"] == "135****7777"
    uid = res.json()["id"]
    res = client.post(f"/users/{uid}/assignments", {"role": "node_manager", "node_id": world.station_b.pk})
    assert res.status_code == 201, res.content
    assert ApiClient("new_mgr", "Str0ng!pass").get(f"/volunteers/{world.vol_b.pk}").status_code == 200
    res = client.post(f"/users/{uid}/assignments", {"role": "platform_admin", "node_id": world.county.pk})
    assert res.status_code == 403 and res.json()["code"] == "accounts.role_not_grantable"
    assert client.delete(f"/assignments/{res_id(client, uid)}").status_code == 204
    assert ApiClient("new_mgr", "Str0ng!pass").get(f"/volunteers/{world.vol_b.pk}").status_code == 404
    assert ApiClient("manager_a").post("/users", {"username": "x", "password": "Str0ng!pass"}).status_code == 403


def res_id(client, uid):
    return client.get(f"/users/{uid}/assignments").json()[0]["id"]
