"""Staff pages for projects, rosters and the claim board, and the “nearby” public list,
through real requests."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.models import AuditEntry
from wenming.service.enrollment_services import enrollment_create
from wenming.service.models import Enrollment, Project, ProjectCategory, ProjectStatus, Shift
from wenming.service.project_services import project_create, project_publish, project_update, shift_add
from wenming.service.tests.factories import many_volunteers, recruiting_shift
from wenming.volunteers.team_services import team_create
from wenming.volunteers.tests.factories import user

pytestmark = pytest.mark.django_db


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def html(response) -> str:
    return response.content.decode()


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def draft(world, *, title="秩序维护志愿服务", node=None, shift=True) -> Project:
    category = ProjectCategory.objects.get(code="civility")
    project = project_create(actor=world.root, node=node or world.station_a, title=title, category=category)
    if shift:
        start = timezone.now() + timedelta(days=3)
        shift_add(actor=world.root, project=project, title="下午岗", starts_at=start,
                  ends_at=start + timedelta(hours=2), capacity=5)
    return project


def published(world, **kwargs) -> Project:
    project = draft(world, **kwargs)
    return project_publish(actor=world.root, project=project)


def messages_of(response) -> str:
    return " ".join(re.findall(r'<ul class="messages">(.*?)</ul>', html(response), re.S))


# ---- editor, shifts and workflow ---------------------------------------------------------

def test_staff_creates_a_project_adds_a_shift_publishes_and_opens_recruiting(world):
    staff = login(world.manager_a)
    assert staff.get(reverse("service_staff:project_new")).status_code == 200
    form = {"node": world.station_a.pk, "title": "", "category": "civility", "min_age": 16, "lat": "30.82",
            "geofence_radius_m": 300, "cancel_before_minutes": 120, "allow_waitlist": "on"}
    bad = staff.post(reverse("service_staff:project_new"), form)
    assert bad.status_code == 422
    assert "这个字段是必填项。" in html(bad) and "经度和纬度须同时填写" in html(bad)
    assert not Project.objects.exists()

    form |= {"title": "文明交通劝导", "lon": "110.97", "skills": ["driving"], "description": "早高峰路口劝导"}
    res = staff.post(reverse("service_staff:project_new"), form)
    project = Project.objects.get()
    assert res.status_code == 302 and res.url == reverse("service_staff:project", args=[project.pk])
    assert project.status == ProjectStatus.DRAFT and project.node == world.station_a and project.min_age == 16
    assert list(project.required_skills.values_list("code", flat=True)) == ["driving"]
    assert AuditEntry.objects.filter(action="project.create", object_id=str(project.pk)).exists()

    start = timezone.now() + timedelta(days=2)
    shift_url = reverse("service_staff:shift_new", args=[project.pk])
    bad = staff.post(shift_url, {"title": "早班", "starts_at": local(start), "ends_at": local(start), "capacity": 3})
    assert bad.status_code == 422 and "班次结束时间必须晚于开始时间" in html(bad)
    res = staff.post(shift_url, {"title": "早班", "starts_at": local(start),
                                 "ends_at": local(start + timedelta(hours=2)), "capacity": 3}, follow=True)
    assert "已添加岗位班次“早班”" in html(res)
    shift = Shift.objects.get(project=project)
    staff.post(reverse("service_staff:shift_capacity", args=[shift.pk]), {"capacity": 8})
    shift.refresh_from_db()
    assert shift.capacity == 8

    page = html(staff.get(reverse("service_staff:project", args=[project.pk])))
    assert reverse("service_staff:roster", args=[shift.pk]) in page
    assert reverse("service_pages:venue", args=[shift.pk]) in page
    assert reverse("service_staff:project_move", args=[project.pk, "publish"]) in page
    assert reverse("service_staff:project_move", args=[project.pk, "start"]) not in page

    res = staff.post(reverse("service_staff:project_move", args=[project.pk, "publish"]), follow=True)
    assert "项目状态已改为“已发布”" in html(res)
    staff.post(reverse("service_staff:project_move", args=[project.pk, "recruit"]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.RECRUITING

    listing = html(staff.get(reverse("service_staff:projects"), {"status": "recruiting"}))
    assert "文明交通劝导" in listing and "招募中" in listing and "0/8" in listing
    assert "文明交通劝导" not in html(staff.get(reverse("service_staff:projects"), {"status": "draft"}))


def test_editing_a_project_keeps_its_node_and_saves_through_the_service(world):
    project = draft(world)
    staff = login(world.manager_a)
    page = staff.get(reverse("service_staff:project_edit", args=[project.pk]))
    assert page.status_code == 200 and "秩序维护志愿服务" in html(page)
    res = staff.post(reverse("service_staff:project_edit", args=[project.pk]), {
        "node": world.station_b.pk, "title": "秩序维护（周末）", "category": "civility", "min_age": 18,
        "geofence_radius_m": 500, "cancel_before_minutes": 60})
    assert res.status_code == 302
    project.refresh_from_db()
    assert project.title == "秩序维护（周末）" and project.min_age == 18 and project.node == world.station_a
    assert project.allow_waitlist is False


def test_workflow_buttons_refuse_wrong_states_in_chinese(world):
    project = draft(world, shift=False)
    staff = login(world.manager_a)
    res = staff.post(reverse("service_staff:project_move", args=[project.pk, "start"]), follow=True)
    assert "项目当前为“草稿”，不能开始" in messages_of(res)
    res = staff.post(reverse("service_staff:project_move", args=[project.pk, "publish"]), follow=True)
    assert "项目至少需要一个岗位班次才能发布" in messages_of(res)
    res = staff.post(reverse("service_staff:project_move", args=[project.pk, "cancel"]), {"reason": ""})
    assert res.status_code == 422 and "这个字段是必填项。" in html(res)
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT

    staff.post(reverse("service_staff:project_move", args=[project.pk, "cancel"]), {"reason": "天气原因"})
    project.refresh_from_db()
    assert project.status == ProjectStatus.CANCELLED and project.cancel_reason == "天气原因"
    page = html(staff.get(reverse("service_staff:project", args=[project.pk])))
    assert "天气原因" in page
    assert not [a for a in ("publish", "recruit", "start", "finish", "cancel")
                if reverse("service_staff:project_move", args=[project.pk, a]) in page]
    res = staff.post(reverse("service_staff:project_move", args=[project.pk, "start"]), follow=True)
    assert "项目当前为“已取消”，不能开始" in messages_of(res)


# ---- claim board -------------------------------------------------------------------------

def test_a_team_leader_claims_on_the_board_and_then_opens_recruiting(world):
    project = published(world, title="关爱留守儿童")
    elsewhere = published(world, title="杨贵店村环境整治", node=world.station_b)
    leader = login(world.leader)
    board = html(leader.get(reverse("service_staff:claims")))
    assert "关爱留守儿童" in board and "杨贵店村环境整治" not in board
    assert world.team_a.name in board

    # A team cannot claim a project outside its area, even by a hand-made request.
    res = leader.post(reverse("service_staff:claim", args=[elsewhere.pk]), {"team": world.team_a.pk})
    assert res.status_code == 404

    res = leader.post(reverse("service_staff:claim", args=[project.pk]), {"team": world.team_a.pk}, follow=True)
    assert "已认领" in messages_of(res)
    project.refresh_from_db()
    assert project.status == ProjectStatus.CLAIMED and project.claimed_by == world.team_a
    assert f"已由 <strong>{world.team_a.name}</strong> 认领" in html(res)
    res = leader.post(reverse("service_staff:claim", args=[project.pk]), {"team": world.team_a.pk}, follow=True)
    assert "项目当前为“已认领”，不能认领" in messages_of(res)

    # The claiming team's leader runs it: sees it in 项目管理, may open recruiting, not finish.
    assert "关爱留守儿童" in html(leader.get(reverse("service_staff:projects")))
    page = html(leader.get(reverse("service_staff:project", args=[project.pk])))
    assert reverse("service_staff:project_move", args=[project.pk, "recruit"]) in page
    assert reverse("service_staff:project_move", args=[project.pk, "cancel"]) not in page
    assert leader.post(reverse("service_staff:project_move", args=[project.pk, "finish"])).status_code == 404
    leader.post(reverse("service_staff:project_move", args=[project.pk, "recruit"]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.RECRUITING


def test_a_leader_of_another_station_cannot_claim_for_a_team_they_do_not_lead(world):
    project = published(world)
    team_b = team_create(actor=world.root, name="杨贵店村志愿服务小队", level="squad", node=world.station_b)
    leader_b = user("leader_b")
    role_grant(actor=world.root, user=leader_b, role=Role.TEAM_LEADER, node=world.station_b, team=team_b)
    client = login(leader_b)
    assert "秩序维护志愿服务" not in html(client.get(reverse("service_staff:claims")))
    assert client.post(reverse("service_staff:claim", args=[project.pk]), {"team": team_b.pk}).status_code == 404
    res = login(world.leader).post(reverse("service_staff:claim", args=[project.pk]), {"team": team_b.pk},
                                   follow=True)
    assert "请选择您带领或管理的队伍" in messages_of(res)
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED


# ---- roster and export -------------------------------------------------------------------

def _signed_up(world, capacity=1):
    shift = recruiting_shift(world, capacity=capacity)
    first = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    others = many_volunteers(world, 2)
    for vol in others:
        enrollment_create(actor=world.root, shift=shift, volunteer=vol)
    return shift, first, others


def test_roster_shows_masked_phones_and_waitlist_places_never_raw_numbers(world):
    shift, first, others = _signed_up(world)
    page = html(login(world.manager_a).get(reverse("service_staff:roster", args=[shift.pk])))
    vol = world.vol_a
    assert vol.name in page and vol.volunteer_no in page and vol.phone_masked in page
    assert vol.reveal_phone() not in page and vol.reveal_id_number() not in page
    for other in others:
        assert other.reveal_phone() not in page and other.reveal_id_number() not in page
    assert "候补（第 1 位）" in page and "候补（第 2 位）" in page and "未签到" in page


def test_staff_cancels_on_the_roster_and_the_waitlist_moves_up(world):
    shift, first, others = _signed_up(world)
    staff = login(world.manager_a)
    res = staff.post(reverse("service_staff:no_show", args=[first.pk]), follow=True)
    assert "班次开始后才能标记未到岗" in messages_of(res)
    res = staff.post(reverse("service_staff:enrollment_cancel", args=[first.pk]), follow=True)
    assert f"已取消 {world.vol_a.name} 的报名" in messages_of(res)
    assert Enrollment.objects.get(volunteer=others[0], shift=shift).status == "confirmed"
    assert "候补（第 1 位）" in html(res) and "候补（第 2 位）" not in html(res)


def test_roster_export_is_a_masked_and_audited_workbook(world):
    shift, first, others = _signed_up(world)
    res = login(world.manager_a).get(reverse("service_staff:roster_export", args=[shift.pk]))
    assert res.status_code == 200 and res["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(b"".join(res.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "志愿者编号", "姓名", "证件号码（脱敏）", "手机号码（脱敏）")
    assert len(rows) == 4
    assert rows[1][2:7] == (world.vol_a.name, world.vol_a.id_number_masked, world.vol_a.phone_masked, "已确认",
                            None)
    assert rows[3][5:7] == ("候补", 2)
    cells = " ".join(str(c) for row in rows for c in row if c is not None)
    for vol in [world.vol_a, *others]:
        assert vol.reveal_phone() not in cells and vol.reveal_id_number() not in cells
    entry = AuditEntry.objects.get(action="enrollment.export")
    assert entry.actor == world.manager_a and entry.changes == {"rows": 3} and entry.object_id == str(shift.pk)


# ---- who may open what -------------------------------------------------------------------

def test_out_of_scope_staff_get_404_even_for_a_public_project(world):
    shift, first, _ = _signed_up(world)
    project = shift.project
    outsider = login(world.manager_b)
    for url in (reverse("service_staff:project", args=[project.pk]),
                reverse("service_staff:project_edit", args=[project.pk]),
                reverse("service_staff:roster", args=[shift.pk]),
                reverse("service_staff:roster_export", args=[shift.pk])):
        res = outsider.get(url)
        assert res.status_code == 404 and "未找到该对象或无权访问" in html(res), url
    for url in (reverse("service_staff:project_move", args=[project.pk, "finish"]),
                reverse("service_staff:shift_capacity", args=[shift.pk]),
                reverse("service_staff:enrollment_cancel", args=[first.pk])):
        assert outsider.post(url, {"capacity": 9}).status_code == 404, url
    assert project.title not in html(outsider.get(reverse("service_staff:projects")))
    project.refresh_from_db()
    assert project.status == ProjectStatus.RECRUITING
    assert not AuditEntry.objects.filter(action="enrollment.export").exists()


def test_a_plain_volunteer_gets_403_and_strangers_are_sent_to_login(world):
    shift = recruiting_shift(world)
    person = user("liming")
    world.vol_a.user = person
    world.vol_a.save()
    role_grant(actor=world.root, user=person, role=Role.VOLUNTEER, node=world.station_a)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    urls = [reverse("service_staff:projects"), reverse("service_staff:project_new"), reverse("service_staff:claims"),
            reverse("service_staff:project", args=[shift.project_id]),
            reverse("service_staff:roster", args=[shift.pk]),
            reverse("service_staff:roster_export", args=[shift.pk])]
    volunteer = login(person)
    for url in urls:
        res = volunteer.get(url)
        assert res.status_code == 403 and "没有执行此操作的权限" in html(res), url
    # Their own enrollment is theirs to cancel on their own page, not through the staff roster.
    assert volunteer.post(reverse("service_staff:enrollment_cancel", args=[enrollment.pk])).status_code == 403
    for url in urls:
        res = Client().get(url)
        assert res.status_code == 302 and res.url.startswith(reverse("accounts:login")), url


def test_menu_offers_the_service_pages_by_role(world):
    def links(client) -> str:
        return html(client.get(reverse("home")))

    anonymous = links(Client())
    assert f'href="{reverse("service_pages:projects")}"' in anonymous
    assert reverse("service_staff:projects") not in anonymous
    manager = links(login(world.manager_a))
    assert reverse("service_staff:projects") in manager and reverse("service_staff:claims") in manager
    leader = links(login(world.leader))
    assert reverse("service_staff:projects") in leader and reverse("service_staff:claims") in leader
    assert reverse("service_staff:project_new") not in leader


# ---- nearby ------------------------------------------------------------------------------

def test_nearby_sorts_recruiting_projects_by_distance(client, world):
    here = (30.800, 110.900)
    spots = {"远处的项目": ("31.300", "110.900"), "近处的项目": ("30.810", "110.900"),
             "中间的项目": ("30.900", "110.900")}
    for title, (lat, lon) in spots.items():
        shift = recruiting_shift(world, lat=lat, lon=lon)
        project_update(actor=world.root, project=shift.project, title=title)
    unplaced = recruiting_shift(world)
    project_update(actor=world.root, project=unplaced.project, title="没有坐标的项目")

    page = html(client.get(reverse("service_pages:projects"), {"lat": here[0], "lon": here[1]}))
    order = [page.index(t) for t in ("近处的项目", "中间的项目")]
    assert order == sorted(order)
    assert "约 1.1 公里" in page and "约 11.1 公里" in page
    # beyond 50 km, or with no place given, a project is not "nearby"
    assert "远处的项目" not in page and "没有坐标的项目" not in page
    assert "重新定位" in page and "取消按距离排序" in page

    plain = html(client.get(reverse("service_pages:projects"), {"lat": "abc", "lon": "110.9"}))
    assert "公里" not in plain and plain.index("没有坐标的项目") < plain.index("近处的项目")  # newest first
    other = html(client.get(reverse("service_pages:projects"), {"category": "disinfection", "lat": here[0],
                                                                "lon": here[1]}))
    assert "近处的项目" not in other


# ---- bad ids and bad numbers ---------------------------------------------------------------

BAD_IDS = ["²", "abc", "99999999999999999999999"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_node_ids_are_not_found_or_a_form_error_never_a_500(world, bad):
    draft(world)
    staff = login(world.manager_a)
    listing = staff.get(reverse("service_staff:projects"), {"node": bad})
    assert listing.status_code == 200 and "秩序维护志愿服务" not in html(listing)  # nothing, not everything
    assert staff.get(reverse("service_staff:project_new"), {"node": bad}).status_code == 200
    res = staff.post(reverse("service_staff:project_new"), {
        "node": bad, "title": "文明交通劝导", "category": "civility", "min_age": 16, "geofence_radius_m": 300,
        "cancel_before_minutes": 120})
    assert res.status_code == 422 and "选择一个有效的选项" in html(res)
    assert Project.objects.count() == 1


@pytest.mark.parametrize("bad", ["", "abc", "²", "0", "-3", "99999999999999999999999"])
def test_a_bad_capacity_asks_for_a_positive_whole_number(world, bad):
    shift = recruiting_shift(world, capacity=3)
    for vol in (world.vol_a, *many_volunteers(world, 1)):
        enrollment_create(actor=world.root, shift=shift, volunteer=vol)
    staff = login(world.manager_a)
    res = staff.post(reverse("service_staff:shift_capacity", args=[shift.pk]), {"capacity": bad}, follow=True)
    assert res.status_code == 200
    assert "请填写正确的名额（正整数）" in messages_of(res) and "不少于已报名人数" not in messages_of(res)
    shift.refresh_from_db()
    assert shift.capacity == 3
    # A number below the confirmed count is the service's refusal, with its own message.
    res = staff.post(reverse("service_staff:shift_capacity", args=[shift.pk]), {"capacity": 1}, follow=True)
    assert "不少于已报名人数（2）" in messages_of(res) and "请填写正确的名额" not in messages_of(res)
