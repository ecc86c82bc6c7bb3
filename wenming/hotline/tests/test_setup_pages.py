"""Set-up pages: lines, counselors and duty schedules, for the people the API lets set a line
up (node.edit over its node, or the hotline-supervisor role over it) and nobody else; a
create and edit round trip; bad input answers in Chinese."""

from datetime import date, time

import pytest
from django.urls import reverse

from wenming.core.models import AuditEntry

from ..models import Counselor, DutyShift, Hotline
from ..services import hotline_create
from .factories import build_hotline, counselor_user, log_call, supervisor_user
from .test_visibility import page_client

pytestmark = pytest.mark.django_db

SUMMARY = "只在摘要里出现的句子"


@pytest.fixture
def h(world):
    h = build_hotline(world)
    log_call(h.c1, summary=SUMMARY)
    return h


def _text(res) -> str:
    return res.content.decode()


def _slots(*rows) -> dict:
    """Schedule formset data: rows of (weekday, on_date, starts_at, ends_at) as strings."""
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000"}
    for i, (weekday, on_date, starts, ends) in enumerate(rows):
        data.update({f"form-{i}-weekday": weekday, f"form-{i}-on_date": on_date, f"form-{i}-starts_at": starts,
                     f"form-{i}-ends_at": ends})
    return data


@pytest.mark.parametrize("username", ["office", "supervisor", "root"])
def test_people_who_may_set_the_line_up_reach_every_page(h, username):
    client = page_client(username)
    line, counselor = h.line.pk, h.c1.pk
    listing = client.get(reverse("hotline:lines"))
    assert listing.status_code == 200 and reverse("hotline:line_detail", args=[line]) in _text(listing)
    for url in (reverse("hotline:line_new"), reverse("hotline:line_detail", args=[line]),
                reverse("hotline:line_edit", args=[line]), reverse("hotline:counselor_edit", args=[counselor]),
                reverse("hotline:schedule", args=[counselor])):
        res = client.get(url)
        assert res.status_code == 200, url
        assert SUMMARY not in _text(res) and "13812345678" not in _text(res)  # set-up shows no record
    detail = _text(client.get(reverse("hotline:line_detail", args=[line])))
    assert "counselor1" in detail and "每周一 00:00–（次日）00:00" in detail


@pytest.mark.parametrize("username", ["counselor1", "leader"])
def test_people_who_may_not_set_lines_up_get_403_or_404(h, username):
    client = page_client(username)
    for url in (reverse("hotline:lines"), reverse("hotline:line_new")):
        res = client.get(url)
        assert res.status_code == 403 and "您没有设置心理热线的权限" in _text(res)
    for url in (reverse("hotline:line_detail", args=[h.line.pk]), reverse("hotline:line_edit", args=[h.line.pk]),
                reverse("hotline:counselor_edit", args=[h.c1.pk]), reverse("hotline:schedule", args=[h.c1.pk])):
        assert client.get(url).status_code == 404, url
    res = client.post(reverse("hotline:counselor_active", args=[h.c1.pk]), {"active": "0"})
    assert res.status_code == 404 and Counselor.objects.get(pk=h.c1.pk).active
    res = client.post(reverse("hotline:schedule", args=[h.c1.pk]), _slots())
    assert res.status_code == 404 and DutyShift.objects.filter(counselor=h.c1).count() == 7


def test_a_station_manager_sets_up_lines_of_their_station_only(h, world):
    client = page_client("manager_a")
    listing = client.get(reverse("hotline:lines"))
    assert listing.status_code == 200 and h.line.name not in _text(listing)  # the institute's line
    for url in (reverse("hotline:line_detail", args=[h.line.pk]), reverse("hotline:schedule", args=[h.c1.pk])):
        assert client.get(url).status_code == 404
    form = _text(client.get(reverse("hotline:line_new")))
    assert world.station_a.name in form and world.station_b.name not in form and world.grid_a.name not in form
    res = client.post(reverse("hotline:line_new"), {"node": world.station_b.pk, "name": "越权热线", "number": "1"})
    assert res.status_code == 422 and not Hotline.objects.filter(name="越权热线").exists()


def test_anonymous_visitors_are_sent_to_log_in(h, client):
    res = client.get(reverse("hotline:lines"))
    assert res.status_code == 302 and reverse("accounts:login") in res.url


def test_ids_that_are_not_ids_are_404(h):
    client = page_client("office")
    for bad in ("abc", "²", "-1", "9" * 23):
        assert client.get(reverse("hotline:line_detail", args=[bad])).status_code == 404
        assert client.get(reverse("hotline:schedule", args=[bad])).status_code == 404


def test_office_creates_and_edits_a_line_adds_a_counselor_and_sets_the_schedule(h, world):
    client = page_client("office")
    res = client.post(reverse("hotline:line_new"), {"node": world.station_b.pk, "name": "杨贵店村心理热线",
                                                    "number": "0717-2880000", "hours": "每日 9:00–21:00"})
    assert res.status_code == 302, _text(res)
    line = Hotline.objects.get(name="杨贵店村心理热线")
    assert (line.node, line.number, line.hours, line.active) == (world.station_b, "0717-2880000", "每日 9:00–21:00", True)
    assert res.url == reverse("hotline:line_detail", args=[line.pk])

    edit = client.get(reverse("hotline:line_edit", args=[line.pk]))
    assert 'value="0717-2880000"' in _text(edit)
    res = client.post(reverse("hotline:line_edit", args=[line.pk]), {"name": "杨贵店村心理援助热线",
                                                                     "number": "0717-2880001", "hours": ""})
    assert res.status_code == 302
    line.refresh_from_db()
    assert (line.name, line.number, line.hours, line.active) == ("杨贵店村心理援助热线", "0717-2880001", "", False)
    assert list(AuditEntry.objects.filter(object_id=str(line.pk), action__in=["hotline.create", "hotline.update"])
                .values_list("action", flat=True).order_by("id")) == ["hotline.create", "hotline.update"]

    newcomer = counselor_user("counselor_b", world.station_b)
    page = _text(client.get(reverse("hotline:line_detail", args=[line.pk])))
    assert "counselor_b" in page and "counselor1" not in page  # station A's counselors do not serve B's line
    res = client.post(reverse("hotline:counselor_add", args=[line.pk]),
                      {"user": newcomer.pk, "supervisor": h.sup_user.pk})
    assert res.status_code == 302, _text(res)
    row = Counselor.objects.get(hotline=line)
    assert (row.user, row.supervisor, row.is_supervisor, row.active) == (newcomer, h.sup_user, False, True)

    res = client.post(reverse("hotline:schedule", args=[row.pk]), _slots(
        ("1", "", "08:00", "12:00"), ("", "2030-01-01", "22:00", "06:00"), ("", "", "", "")))
    assert res.status_code == 302, _text(res)
    slots = {(s.weekday, s.on_date, s.starts_at, s.ends_at) for s in DutyShift.objects.filter(counselor=row)}
    assert slots == {(1, None, time(8), time(12)), (None, date(2030, 1, 1), time(22), time(6))}
    shown = _text(client.get(reverse("hotline:schedule", args=[row.pk])))
    assert 'value="08:00"' in shown and 'value="2030-01-01"' in shown
    # clearing a row removes that slot
    res = client.post(reverse("hotline:schedule", args=[row.pk]), _slots(
        ("", "", "", ""), ("", "2030-01-01", "22:00", "06:00")))
    assert res.status_code == 302 and DutyShift.objects.filter(counselor=row).count() == 1

    other = supervisor_user("supervisor2", world.institute)
    res = client.post(reverse("hotline:counselor_edit", args=[row.pk]), {"supervisor": other.pk, "active": "on"})
    assert res.status_code == 302, _text(res)
    res = client.post(reverse("hotline:counselor_active", args=[row.pk]), {"active": "0"})
    assert res.status_code == 302
    row.refresh_from_db()
    assert (row.supervisor, row.active) == (other, False)
    assert "已离岗" in _text(client.get(reverse("hotline:line_detail", args=[line.pk])))


def test_bad_input_on_the_line_forms_is_answered_in_chinese(h, world):
    client = page_client("office")
    res = client.post(reverse("hotline:line_new"), {"node": world.institute.pk, "name": "", "number": ""})
    assert res.status_code == 422 and "这个字段是必填项" in _text(res)
    res = client.post(reverse("hotline:line_new"), {"node": world.institute.pk, "name": h.line.name, "number": "1"})
    assert res.status_code == 422 and "该阵地已有同名热线" in _text(res)
    res = client.post(reverse("hotline:line_new"), {"node": world.institute.pk, "name": "热线\x07", "number": "1"})
    assert res.status_code == 422 and "包含无效字符" in _text(res)
    res = client.post(reverse("hotline:line_new"), {"node": "abc", "name": "新热线", "number": "1"})
    assert res.status_code == 422 and "选择一个有效的选项" in _text(res)
    assert Hotline.objects.count() == 1
    second = hotline_create(actor=world.office, node=world.institute, name="第二条热线", number="2")
    res = client.post(reverse("hotline:line_edit", args=[second.pk]), {"name": h.line.name, "number": "2",
                                                                       "active": "on"})
    assert res.status_code == 422 and "该阵地已有同名热线" in _text(res)
    res = client.post(reverse("hotline:line_edit", args=[second.pk]), {"name": "  ", "number": "2", "active": "on"})
    assert res.status_code == 422 and "这个字段是必填项" in _text(res)
    assert Hotline.objects.get(pk=second.pk).name == "第二条热线"


def test_bad_schedules_are_answered_in_chinese_and_change_nothing(h):
    client = page_client("office")
    url = reverse("hotline:schedule", args=[h.c1.pk])
    for rows, message in (
        ([("1", "2030-01-01", "08:00", "12:00")], "请在“每周”与“具体日期”中选一项"),
        ([("1", "", "08:00", "")], "请填写开始和结束时间"),
        ([("1", "", "25:00", "12:00")], "输入一个有效的时间"),
        ([("9", "", "08:00", "12:00")], "选择一个有效的选项"),
        ([("1", "", "08:00", "12:00"), ("1", "", "08:00", "10:00")], "与前面的值班安排重复"),
    ):
        res = client.post(url, _slots(*rows))
        assert res.status_code == 422 and message in _text(res), message
    res = client.post(url, _slots(*[(str(d % 7 + 1), "", f"{d // 7 % 24:02d}:{d % 60:02d}", "23:59")
                                   for d in range(101)]))
    assert res.status_code == 422 and "值班安排最多 100 条" in _text(res)
    assert DutyShift.objects.filter(counselor=h.c1).count() == 7


def test_supervision_rules_of_the_services_hold_on_the_pages(h, world):
    """Office staff manage lines but do not decide who reads records: marking a counselor as
    supervisor is a platform admin's act, and a supervisor by role does not name themself."""
    res = page_client("office").post(reverse("hotline:counselor_edit", args=[h.c1.pk]),
                                     {"supervisor": h.sup_user.pk, "is_supervisor": "on", "active": "on"})
    assert res.status_code == 422 and "督导关系只能由系统管理员设定" in _text(res)
    assert not Counselor.objects.get(pk=h.c1.pk).is_supervisor
    newcomer = counselor_user("counselor3", world.station_a)
    res = page_client("supervisor").post(reverse("hotline:counselor_add", args=[h.line.pk]),
                                         {"user": newcomer.pk, "supervisor": h.sup_user.pk})
    assert res.status_code == 422 and "督导关系只能由系统管理员设定" in _text(res)
    res = page_client("office").post(reverse("hotline:counselor_add", args=[h.line.pk]), {"user": newcomer.pk})
    assert res.status_code == 422 and "请指定督导" in _text(res)
    res = page_client("office").post(reverse("hotline:counselor_add", args=[h.line.pk]), {"user": h.c1_user.pk})
    assert res.status_code == 422 and "选择一个有效的选项" in _text(res)  # already on the line
    assert not Counselor.objects.filter(user=newcomer).exists()
    # a platform admin may mark a counselor as supervisor
    res = page_client("root").post(reverse("hotline:counselor_edit", args=[h.c1.pk]),
                                   {"supervisor": h.sup_user.pk, "is_supervisor": "on", "active": "on"})
    assert res.status_code == 302 and Counselor.objects.get(pk=h.c1.pk).is_supervisor


def test_the_counselor_page_links_to_set_up_only_for_managers(h):
    assert reverse("hotline:lines") not in _text(page_client("counselor1").get(reverse("hotline:calls")))
    assert reverse("hotline:lines") in _text(page_client("office").get(reverse("hotline:calls")))
