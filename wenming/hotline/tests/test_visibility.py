"""Counselling records are seen by the counselor who took the call and their supervisor,
and by nobody else — not office staff with county-wide scope, not a node manager, not
another counselor of the same line, not a superuser — in the API and on the pages alike."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wenming.core.models import AuditEntry
from wenming.core.tests.api_client import PASSWORD, ApiClient

from ..models import CallLog
from .factories import build_hotline, log_call

pytestmark = pytest.mark.django_db

SUMMARY = "来电者居家隔离第十天，担心家人"
OUTSIDERS = ["office", "manager_a", "counselor2", "root"]


@pytest.fixture
def h(world):
    h = build_hotline(world)
    h.call = log_call(h.c1, is_crisis=True, summary=SUMMARY)
    h.followup = h.call.followups.get()
    return h


def page_client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _content(res) -> str:
    return res.content.decode()


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_for_a_record_in_the_api(h, username):
    api = ApiClient(username)
    cid, fid = h.call.pk, h.followup.pk
    responses = [
        api.get(f"/hotline-calls/{cid}"),
        api.patch(f"/hotline-calls/{cid}", {"duration_minutes": 1}),
        api.post(f"/hotline-calls/{cid}/reveal-phone"),
        api.post(f"/hotline-calls/{cid}/followups", {"due_on": timezone.localdate().isoformat()}),
        api.post(f"/hotline-followups/{fid}/complete", {"note": "x"}),
    ]
    for res in responses:
        assert res.status_code == 404, res.content
        assert res.json()["code"] == "not_found" and SUMMARY not in _content(res)
    for scope in ("all", "mine", "supervised"):
        assert api.get("/hotline-calls", scope=scope).json()["count"] == 0
        assert api.get("/hotline-followups", scope=scope).json() == []
    assert CallLog.objects.get(pk=cid).duration_minutes == 25
    assert not AuditEntry.objects.filter(action__startswith="hotline.call.re").exists()


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_for_a_record_on_the_pages(h, username):
    client = page_client(username)
    cid = h.call.pk
    for res in (client.get(reverse("hotline:call_detail", args=[cid])),
                client.get(reverse("hotline:call_edit", args=[cid])),
                client.post(reverse("hotline:call_phone", args=[cid])),
                client.post(reverse("hotline:followup_add", args=[cid]), {"due_on": "2030-01-01"}),
                client.post(reverse("hotline:followup_done", args=[h.followup.pk]), {"note": "x"})):
        assert res.status_code == 404 and SUMMARY not in _content(res)
    for name in ("hotline:calls", "hotline:followups", "hotline:supervision"):
        res = client.get(reverse(name))
        assert res.status_code == 200
        assert reverse("hotline:call_detail", args=[cid]) not in _content(res)
    assert h.followup.__class__.objects.get(pk=h.followup.pk).done_at is None


def test_the_author_and_their_supervisor_see_the_record_and_each_read_is_audited(h):
    for username in ("counselor1", "supervisor"):
        api = ApiClient(username)
        body = api.get(f"/hotline-calls/{h.call.pk}").json()
        assert body["summary"] == SUMMARY and body["caller_phone_masked"] == "138****5678"
        assert [f["kind"] for f in body["followups"]] == ["crisis"]
        assert "13812345678" not in str(body)
        page = page_client(username).get(reverse("hotline:call_detail", args=[h.call.pk]))
        assert page.status_code == 200 and SUMMARY in _content(page) and "13812345678" not in _content(page)
        assert "no-store" in page["Cache-Control"]
    reads = AuditEntry.objects.filter(action="hotline.call.read", object_id=str(h.call.pk))
    assert sorted(reads.values_list("actor__username", flat=True)) == ["counselor1", "counselor1", "supervisor",
                                                                       "supervisor"]
    assert ApiClient("counselor1").get("/hotline-calls", scope="mine").json()["count"] == 1
    assert ApiClient("supervisor").get("/hotline-calls", scope="supervised").json()["count"] == 1
    assert ApiClient("supervisor").get("/hotline-calls", scope="mine").json()["count"] == 0
    supervision = _content(page_client("supervisor").get(reverse("hotline:supervision")))
    assert reverse("hotline:call_detail", args=[h.call.pk]) in supervision and SUMMARY not in supervision


def test_revealing_the_phone_is_a_separate_audited_step(h):
    res = ApiClient("supervisor").post(f"/hotline-calls/{h.call.pk}/reveal-phone")
    assert res.json() == {"caller_phone": "13812345678"}
    page = page_client("counselor1").post(reverse("hotline:call_phone", args=[h.call.pk]))
    assert "13812345678" in _content(page)
    assert list(AuditEntry.objects.filter(action="hotline.call.reveal_phone").values_list(
        "actor__username", flat=True).order_by("id")) == ["supervisor", "counselor1"]


def test_the_author_logs_edits_and_follows_up_through_the_api(h):
    api = ApiClient("counselor1")
    res = api.post("/hotline-calls", {"hotline_id": h.line.pk, "started_at": (timezone.now() - timedelta(
        minutes=10)).isoformat(), "duration_minutes": 15, "caller_group": "student", "topic": "study",
        "outcome": "soothed", "summary": "考试焦虑"})
    assert res.status_code == 201, res.content
    body = res.json()
    assert "summary" not in body and body["topic_name"] == "学业压力" and body["counselor_name"] == "counselor1"
    res = api.patch(f"/hotline-calls/{body['id']}", {"is_crisis": True, "caller_phone": "0717-2881234"})
    assert res.status_code == 200 and res.json()["is_crisis"] and res.json()["caller_phone_masked"] == "071****1234"
    mine = api.get("/hotline-followups").json()
    assert {f["call_id"] for f in mine} == {h.call.pk, body["id"]}
    res = api.post(f"/hotline-followups/{mine[0]['id']}/complete", {"note": "已回访"})
    assert res.status_code == 200 and res.json()["note"] == "已回访" and res.json()["done_at"]
    assert api.post(f"/hotline-followups/{mine[0]['id']}/complete", {}).json()["code"] == "hotline.followup_done"
    # the supervisor cannot edit, another counselor cannot see it
    assert ApiClient("supervisor").patch(f"/hotline-calls/{body['id']}", {"duration_minutes": 1}).json()[
        "code"] == "hotline.not_author"
    assert ApiClient("counselor2").get(f"/hotline-calls/{body['id']}").status_code == 404


def test_the_author_logs_and_edits_through_the_pages(h):
    client = page_client("counselor1")
    now = timezone.localtime() - timedelta(minutes=5)
    data = {"hotline": h.line.pk, "started_at": now.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "20",
            "caller_group": "elderly", "topic": "insomnia", "outcome": "follow_up", "summary": "独居老人夜间失眠",
            "caller_phone": "13900001111"}
    res = client.post(reverse("hotline:call_new"), data)
    assert res.status_code == 302, _content(res)
    call = CallLog.objects.exclude(pk=h.call.pk).get()
    assert call.followups.get().kind == "agreed"
    edit = client.get(reverse("hotline:call_edit", args=[call.pk]))
    assert edit.status_code == 200 and "独居老人夜间失眠" in _content(edit) and "13900001111" not in _content(edit)
    res = client.post(reverse("hotline:call_edit", args=[call.pk]), {**data, "caller_phone": "", "duration_minutes": 30})
    assert res.status_code == 302
    call.refresh_from_db()
    assert call.duration_minutes == 30 and call.caller_phone_masked == "139****1111"  # blank phone: kept
    edit = AuditEntry.objects.filter(action="hotline.call.update", object_id=str(call.pk)).get()
    assert edit.changes == {"fields": ["duration_minutes"]}  # the time shown in minutes was not changed
    assert page_client("supervisor").get(reverse("hotline:call_edit", args=[call.pk])).status_code == 403
    res = client.post(reverse("hotline:followup_done", args=[call.followups.get().pk]), {"note": "已回访", "back": "list"})
    assert res.status_code == 302 and call.followups.get().done_at is not None


def test_someone_who_is_no_counselor_cannot_open_the_entry_form(h):
    assert page_client("office").get(reverse("hotline:call_new")).status_code == 403
    assert ApiClient("office").post("/hotline-calls", {
        "hotline_id": h.line.pk, "started_at": timezone.now().isoformat(), "duration_minutes": 1,
        "caller_group": "other", "topic": "other", "outcome": "answered"}).json()["code"] == "hotline.not_your_hotline"


def test_a_counselor_marked_as_supervisor_sees_only_their_own_supervisees(world, h):
    from ..services import counselor_add, schedule_set
    from .factories import ALL_DAY, counselor_user

    lead = counselor_add(actor=world.root, hotline=h.line, user=counselor_user("lead", world.institute),
                         is_supervisor=True)
    junior = counselor_add(actor=world.root, hotline=h.line, user=counselor_user("junior", world.station_a),
                           supervisor=lead.user)
    schedule_set(actor=world.office, counselor=junior, slots=ALL_DAY)
    theirs = log_call(junior, summary="只给督导看的摘要")
    lead_api = ApiClient("lead")
    assert lead_api.get(f"/hotline-calls/{theirs.pk}").json()["summary"] == "只给督导看的摘要"
    assert lead_api.get(f"/hotline-calls/{h.call.pk}").status_code == 404  # counselor1 is not theirs
    assert ApiClient("supervisor").get(f"/hotline-calls/{theirs.pk}").status_code == 404
    assert ApiClient("counselor1").get(f"/hotline-calls/{theirs.pk}").status_code == 404
    # a supervising counselor reads the statistics of their line
    total = lead_api.get("/hotline-stats").json()["total"]
    assert total["calls"] is None and total["suppressed"]  # 2 calls: a small cell
    log_call(junior)
    assert lead_api.get("/hotline-stats").json()["total"]["calls"] == 5  # 3, rounded to 5


def test_list_pages_show_the_right_rows_without_content(h):
    detail = reverse("hotline:call_detail", args=[h.call.pk])
    calls = _content(page_client("counselor1").get(reverse("hotline:calls")))
    assert detail in calls and "危机" in calls and "每周一 00:00–（次日）00:00" in calls and SUMMARY not in calls
    mine = _content(page_client("counselor1").get(reverse("hotline:followups")))
    assert f"{detail}#followups" in mine and "危机回访" in mine and "我督导的咨询师的" not in mine
    theirs = _content(page_client("supervisor").get(reverse("hotline:followups")))
    assert "我督导的咨询师的" in theirs and f"{detail}#followups" in theirs and "counselor1" in theirs
    sup_home = _content(page_client("supervisor").get(reverse("hotline:calls")))
    assert reverse("hotline:supervision") in sup_home and reverse("hotline:stats") in sup_home
    assert detail not in sup_home  # "my calls" lists only calls one took
    filtered = _content(page_client("supervisor").get(reverse("hotline:supervision"),
                                                      {"counselor": h.c2.pk, "crisis": "1"}))
    assert detail not in filtered


def test_the_django_admin_shows_a_superuser_no_call_record(client, h):
    client.force_login(h.world.root)
    for name in ("calllog", "followup"):
        res = client.get(reverse(f"admin:hotline_{name}_changelist"))
        assert res.status_code == 200 and "已封存" in _content(res)
        assert f"/admin/hotline/{name}/{h.call.pk}/" not in _content(res) and SUMMARY not in _content(res)
    res = client.get(reverse("admin:hotline_calllog_change", args=[h.call.pk]))
    assert res.status_code in (302, 404)  # "does not exist" → back to the admin index
    assert client.get(reverse("admin:hotline_calllog_add")).status_code == 403


def test_office_staff_cannot_make_themselves_readers_of_records(world, h):
    """The path the review found: grant oneself the counselor role, join the line as a
    supervisor, become someone's supervisor. Every step is refused."""
    from wenming.accounts.models import RoleAssignment
    from wenming.accounts.roles import Role
    from wenming.accounts.services import role_grant
    from wenming.core.errors import DomainError

    from ..services import counselor_add, counselor_update

    with pytest.raises(DomainError) as exc:
        role_grant(actor=world.office, user=world.office, role=Role.COUNSELOR, node=world.institute)
    assert exc.value.code == "accounts.self_grant"
    RoleAssignment.objects.create(user=world.office, role=Role.COUNSELOR, node=world.institute)  # even so
    with pytest.raises(DomainError) as exc:
        counselor_add(actor=world.office, hotline=h.line, user=world.office, is_supervisor=True)
    assert exc.value.code == "hotline.supervision_by_admin"
    with pytest.raises(DomainError) as exc:
        counselor_update(actor=world.office, counselor=h.c1, supervisor=world.office)
    assert exc.value.code == "hotline.supervision_by_admin"
    assert ApiClient("office").get(f"/hotline-calls/{h.call.pk}").status_code == 404
