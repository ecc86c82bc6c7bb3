"""Hour verification, make-up, corrections and my certificates through real requests."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.models import User
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.service.attendance_services import attendance_manual
from wenming.service.certificate_services import certificate_issue
from wenming.service.enrollment_services import enrollment_create
from wenming.service.hours_services import hours_makeup
from wenming.service.models import Certificate, ProjectCategory, ServiceRecord, VolunteerStats
from wenming.service.project_services import (
    project_claim,
    project_create,
    project_open_recruiting,
    project_publish,
    shift_add,
)
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.team_services import team_member_add

pytestmark = pytest.mark.django_db

HOURS = reverse("service_records:hours")


def _login(client, user):
    c = client.__class__()
    c.force_login(user)
    return c


def _attend(world, shift, vol, actor=None):
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=vol)
    return attendance_manual(reason="现场补签", actor=actor or world.manager_a, enrollment=enrollment, check_in_at=shift.starts_at,
                             check_out_at=shift.ends_at)


def _claimed_shift(world):
    """A station-A project claimed by the leader's team, recruiting, with a 2-hour shift."""
    category = ProjectCategory.objects.get(code="civility")
    project = project_create(actor=world.root, node=world.station_a, title="敬老院义诊", category=category)
    start = timezone.now() + timedelta(days=1)
    shift = shift_add(actor=world.root, project=project, title="下午岗", starts_at=start,
                      ends_at=start + timedelta(hours=2), capacity=5)
    project_publish(actor=world.root, project=project)
    project_claim(actor=world.leader, project=project, team=world.team_a)
    project_open_recruiting(actor=world.leader, project=project)
    return shift


def _assert_totals_equal_ledger(vol):
    stats = VolunteerStats.objects.get(pk=vol.pk)
    ledger = ServiceRecord.objects.filter(volunteer=vol).aggregate(s=Sum("hours"))["s"] or Decimal(0)
    assert stats.total_hours == ledger
    for bucket, total in (("auto", stats.auto_hours), ("makeup", stats.makeup_hours)):
        assert total == (ServiceRecord.objects.filter(volunteer=vol, bucket=bucket).aggregate(s=Sum("hours"))["s"]
                         or Decimal(0))


def test_a_volunteer_verifies_nothing(client, world):
    attendance = _attend(world, recruiting_shift(world), world.vol_b)
    user = User.objects.create_user(username="wangfang", password="Wenming!2024")
    world.vol_b.user = user
    world.vol_b.save()
    vol_client = _login(client, user)
    assert vol_client.get(HOURS).status_code == 403
    res = vol_client.post(reverse("service_records:verify", args=[attendance.pk]))
    assert res.status_code == 403 and "没有执行此操作的权限" in res.content.decode()
    assert vol_client.post(reverse("service_records:makeup"), {}).status_code == 403
    assert not ServiceRecord.objects.exists()


def test_leader_verifies_an_attendance_of_the_claimed_project(client, world):
    claimed = _attend(world, _claimed_shift(world), world.vol_a, actor=world.leader)
    unclaimed = _attend(world, recruiting_shift(world), world.vol_b)
    leader = _login(client, world.leader)

    page = leader.get(HOURS).content.decode()
    assert f"attendance-{claimed.pk}" in page and f"attendance-{unclaimed.pk}" not in page
    assert "李*" in page and "李明" not in page and "2.00" in page

    res = leader.post(reverse("service_records:verify", args=[claimed.pk]), follow=True)
    assert "已核定 李* 的服务时长 2.00 小时" in res.content.decode()
    record = ServiceRecord.objects.get(attendance=claimed)
    assert (record.kind, record.hours, record.recorded_by) == ("auto", Decimal("2.00"), world.leader)
    assert f"attendance-{claimed.pk}" not in res.content.decode()  # no longer waiting

    again = leader.post(reverse("service_records:verify", args=[claimed.pk]), follow=True)
    assert "该签到的时长已核定" in again.content.decode()
    assert ServiceRecord.objects.filter(attendance=claimed).count() == 1
    # Not their team's project: the same 404 as a missing one.
    assert leader.post(reverse("service_records:verify", args=[unclaimed.pk])).status_code == 404
    assert leader.get(reverse("service_records:makeup")).status_code == 403  # staff only
    _assert_totals_equal_ledger(world.vol_a)


def test_out_of_scope_staff_get_404(client, world):
    attendance = _attend(world, recruiting_shift(world), world.vol_a)
    record = hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("1"),
                          service_date=date(2026, 3, 1), reason="补录", node=world.station_a)
    other = _login(client, world.manager_b)
    assert f"attendance-{attendance.pk}" not in other.get(HOURS).content.decode()
    res = other.post(reverse("service_records:verify", args=[attendance.pk]))
    assert res.status_code == 404 and "未找到该对象或无权访问" in res.content.decode()
    assert other.get(reverse("service_records:correct", args=[record.pk])).status_code == 404
    other.post(reverse("service_records:verify_page"), {"attendance": [attendance.pk]})
    assert not ServiceRecord.objects.filter(attendance=attendance).exists()


def test_verify_all_on_this_page(client, world):
    shift = recruiting_shift(world)
    attendances = [_attend(world, shift, world.vol_a), _attend(world, shift, world.vol_b)]
    staff = _login(client, world.office)
    page = staff.get(HOURS).content.decode()
    assert all(f'name="attendance" value="{a.pk}"' in page for a in attendances)
    res = staff.post(reverse("service_records:verify_page"), {"attendance": [a.pk for a in attendances]},
                     follow=True)
    assert "已核定 2 条签到记录的服务时长" in res.content.decode()
    assert ServiceRecord.objects.filter(kind="auto").count() == 2
    assert "没有待核定的签到记录" in res.content.decode()


def test_makeup_and_correction_land_in_the_ledger(client, world):
    staff = _login(client, world.manager_a)
    data = {"volunteer_no": world.vol_a.volunteer_no, "hours": "2.5", "service_date": "2026-03-01",
            "reason": "疫情期间卡口值守补录", "node": world.station_a.pk}
    too_many = staff.post(reverse("service_records:makeup"), {**data, "hours": "30"})
    assert too_many.status_code == 422 and "时长必须大于 0 且不超过 24 小时" in too_many.content.decode()
    not_mine = staff.post(reverse("service_records:makeup"), {**data, "volunteer_no": world.vol_b.volunteer_no})
    assert "未找到该编号的志愿者" in not_mine.content.decode()
    assert not ServiceRecord.objects.exists()

    res = staff.post(reverse("service_records:makeup"), data)
    assert res.status_code == 302
    record = ServiceRecord.objects.get()
    assert (record.kind, record.bucket, record.hours, record.node) == ("makeup", "makeup", Decimal("2.5"),
                                                                      world.station_a)
    ledger = staff.get(res.url).content.decode()
    assert f"record-{record.pk}" in ledger and "疫情期间卡口值守补录" in ledger

    url = reverse("service_records:correct", args=[record.pk])
    assert "2.50 小时" in staff.get(url).content.decode()
    negative = staff.post(url, {"delta": "-5", "reason": "多记"})
    assert negative.status_code == 422 and "更正后累计时长不能为负" in negative.content.decode()
    assert staff.post(url, {"delta": "-0.5", "reason": "提前离岗"}).status_code == 302
    correction = ServiceRecord.objects.get(kind="correction")
    assert (correction.corrects, correction.hours, correction.bucket) == (record, Decimal("-0.5"), "makeup")
    record.refresh_from_db()
    assert record.hours == Decimal("2.5")  # the original entry stays as it was
    assert VolunteerStats.objects.get(pk=world.vol_a.pk).total_hours == Decimal("2.0")
    _assert_totals_equal_ledger(world.vol_a)


def test_my_certificates_lists_only_my_own_and_downloads_a_pdf(client, world):
    for vol in (world.vol_a, world.vol_b):
        hours_makeup(actor=world.office, volunteer=vol, hours=Decimal("3"), service_date=date(2026, 3, 1),
                     reason="补录", node=world.station_a)
    others = certificate_issue(actor=world.office, volunteer=world.vol_b)
    # An office worker who is also a volunteer: staff see every certificate, this page only theirs.
    world.vol_a.user = world.office
    world.vol_a.save()
    me = _login(client, world.office)

    page = me.get(reverse("service_records:my_certificates")).content.decode()
    assert "出具证明" in page and others.number not in page
    res = me.post(reverse("service_records:my_certificate_issue"), follow=True)
    mine = Certificate.objects.get(volunteer=world.vol_a)
    html = res.content.decode()
    assert f"已出具志愿服务记录证明 {mine.number}" in html and others.number not in html
    assert mine.node == world.station_a and mine.total_hours == Decimal("3")

    again = me.post(reverse("service_records:my_certificate_issue"), follow=True).content.decode()
    assert "已包含您全部的服务时长" in again and Certificate.objects.filter(volunteer=world.vol_a).count() == 1

    pdf_url = reverse("service:certificate_pdf", args=[mine.pk])
    assert pdf_url in html
    pdf = me.get(pdf_url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    shifts = me.get(reverse("service_pages:my_shifts")).content.decode()
    assert reverse("service_records:my_certificates") in shifts and pdf_url in shifts


def test_a_volunteer_without_hours_is_told_to_ask_the_station(client, world):
    user = User.objects.create_user(username="newbie", password="Wenming!2024")
    vol = world.vol_b
    vol.user = user
    vol.save()
    page = _login(client, user).get(reverse("service_records:my_certificates")).content.decode()
    assert "暂不能出具证明" in page and "联系所在的实践站" in page and "出具证明</button>" not in page


# ---- bad ids and who may correct -----------------------------------------------------------


@pytest.mark.parametrize("bad", ["²", "abc", "99999999999999999999999"])
def test_bad_ids_on_the_record_pages_are_form_errors_never_a_500(client, world, bad):
    attendance = _attend(world, recruiting_shift(world), world.vol_a)
    staff = _login(client, world.manager_a)
    res = staff.post(reverse("service_records:verify_page"), {"attendance": [bad], "page": bad}, follow=True)
    assert res.redirect_chain[-1][0] == HOURS and "没有需要核定的记录" in res.content.decode()
    # A bad id next to a good one: the good one is still verified.
    res = staff.post(reverse("service_records:verify_page"), {"attendance": [bad, attendance.pk]}, follow=True)
    assert "已核定 1 条签到记录的服务时长" in res.content.decode()
    res = staff.post(reverse("service_records:verify", args=[attendance.pk]), {"page": bad})
    assert res.status_code == 302 and res.url == HOURS

    data = {"volunteer_no": world.vol_a.volunteer_no, "hours": "2", "service_date": "2026-03-01",
            "reason": "补录", "node": bad}
    res = staff.post(reverse("service_records:makeup"), data)
    assert res.status_code == 422 and "选择一个有效的选项" in res.content.decode()
    assert not ServiceRecord.objects.filter(kind="makeup").exists()


def test_makeup_offers_only_nodes_where_the_actor_runs_projects(client, world):
    page = _login(client, world.manager_a).get(reverse("service_records:makeup")).content.decode()
    assert f'<option value="{world.station_a.pk}"' in page and f'<option value="{world.point_a.pk}"' in page
    assert f'<option value="{world.grid_a.pk}"' not in page and f'<option value="{world.station_b.pk}"' not in page
    data = {"volunteer_no": world.vol_a.volunteer_no, "hours": "2", "service_date": "2026-03-01",
            "reason": "补录", "node": world.station_b.pk}
    res = _login(client, world.manager_a).post(reverse("service_records:makeup"), data)
    assert res.status_code == 422 and not ServiceRecord.objects.exists()


def test_correction_page_is_403_for_who_sees_the_volunteer_but_may_not_edit_them(client, world):
    team_member_add(actor=world.root, team=world.team_a, volunteer=world.vol_a)
    # The leader sees their member's ledger; managing station B gives volunteer.edit, but not over A.
    role_grant(actor=world.root, user=world.leader, role=Role.NODE_MANAGER, node=world.station_b)
    record = hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("1"),
                          service_date=date(2026, 3, 1), reason="补录", node=world.station_a)
    leader = _login(client, world.leader)
    url = reverse("service_records:correct", args=[record.pk])
    res = leader.get(url)
    assert res.status_code == 403 and "没有执行此操作的权限" in res.content.decode()
    assert leader.post(url, {"delta": "1", "reason": "漏记"}).status_code == 403
    assert not ServiceRecord.objects.filter(kind="correction").exists()
    # Out of sight stays 404; the manager of A may open it.
    assert _login(client, world.manager_b).get(url).status_code == 404
    assert _login(client, world.manager_a).get(url).status_code == 200
