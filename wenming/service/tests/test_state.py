"""State everywhere (issue 15): what a volunteer sees of each shift and of their own
sign-ups — 已报名 / 候补第 N 位 / 已满 / 已开始 / 已结束 / 已取消, the cancel rule — computed in
the selectors in a constant number of queries, and refusals that link to where they can be
fixed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.models import User
from wenming.service.attendance_services import attendance_manual
from wenming.service.enrollment_services import enrollment_cancel, enrollment_create, enrollment_mark_no_show
from wenming.service.hours_services import hours_verify
from wenming.service.models import Enrollment, Shift
from wenming.service.project_services import shift_add
from wenming.service.state_selectors import describe_shift, my_enrollments, shifts_with_state
from wenming.service.tests.factories import many_volunteers, recruiting_shift

pytestmark = pytest.mark.django_db


def _states(project, volunteer):
    return {s.pk: s.state for s in shifts_with_state(project=project, volunteer=volunteer)}


def _move(shift, *, starts_in: timedelta, hours: int = 3):
    """Shifts cannot be created in the past: move one after its sign-ups (as the demo does)."""
    start = timezone.now() + starts_in
    Shift.objects.filter(pk=shift.pk).update(starts_at=start, ends_at=start + timedelta(hours=hours))
    shift.refresh_from_db()


def test_open_shift_offers_sign_up_with_the_free_places(world):
    shift = recruiting_shift(world, capacity=3)
    state = _states(shift.project, world.vol_a)[shift.pk]
    assert (state.key, state.label, state.sign_up, state.cancel) == ("open", "可报名", "报名", False)
    assert _states(shift.project, None)[shift.pk].sign_up == "报名"  # anonymous: same offer, login asked later


def test_signed_up_shift_shows_enrolled_with_cancel_not_sign_up(world):
    shift = recruiting_shift(world, capacity=3)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    state = _states(shift.project, world.vol_a)[shift.pk]
    assert (state.key, state.label, state.sign_up, state.cancel) == ("enrolled", "已报名", "", True)
    assert state.enrollment_id == enrollment.pk
    # someone else still sees a free place
    assert _states(shift.project, world.vol_b)[shift.pk].label == "可报名"


def test_waitlisted_shows_the_place_in_the_queue(world):
    shift = recruiting_shift(world, capacity=1)
    first, second, third = many_volunteers(world, 3)
    enrollment_create(actor=world.root, shift=shift, volunteer=first)
    enrollment_create(actor=world.root, shift=shift, volunteer=second)
    enrollment_create(actor=world.root, shift=shift, volunteer=third)
    assert _states(shift.project, second)[shift.pk].label == "候补第 1 位"
    third_state = _states(shift.project, third)[shift.pk]
    assert (third_state.key, third_state.label, third_state.cancel, third_state.sign_up) == (
        "waitlisted", "候补第 2 位", True, "")
    # the first confirmed one cancels: the head of the queue is promoted, the next moves up
    enrollment_cancel(actor=world.root, enrollment=Enrollment.objects.get(shift=shift, volunteer=first))
    assert _states(shift.project, second)[shift.pk].label == "已报名"
    assert _states(shift.project, third)[shift.pk].label == "候补第 1 位"


def test_full_shift_offers_waitlist_or_nothing(world):
    shift = recruiting_shift(world, capacity=1)
    enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_b)
    state = _states(shift.project, world.vol_a)[shift.pk]
    assert (state.key, state.label, state.sign_up) == ("full", "已满", "候补报名")
    shift.project.allow_waitlist = False
    shift.project.save()
    state = _states(shift.project, world.vol_a)[shift.pk]
    assert (state.key, state.label, state.sign_up) == ("full", "已满", "")


def test_started_and_ended_shifts_offer_neither_sign_up_nor_cancel(world):
    shift = recruiting_shift(world, capacity=3)
    enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    _move(shift, starts_in=timedelta(minutes=-30))
    mine, other = _states(shift.project, world.vol_a)[shift.pk], _states(shift.project, world.vol_b)[shift.pk]
    assert (mine.label, mine.sign_up, mine.cancel) == ("已报名 · 进行中", "", False)
    assert (other.key, other.label, other.sign_up) == ("started", "已开始", "")
    _move(shift, starts_in=timedelta(hours=-5))
    mine, other = _states(shift.project, world.vol_a)[shift.pk], _states(shift.project, world.vol_b)[shift.pk]
    assert (mine.key, mine.label, mine.cancel) == ("past", "已报名 · 已结束", False)
    assert (other.key, other.label, other.sign_up) == ("past", "已结束", "")


def test_cancel_is_offered_only_before_the_projects_deadline(world):
    shift = recruiting_shift(world, capacity=3, cancel_before_minutes=120)
    enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    _move(shift, starts_in=timedelta(minutes=90))
    state = _states(shift.project, world.vol_a)[shift.pk]
    assert (state.label, state.cancel) == ("已报名", False)
    assert "开始前 120 分钟内不能自行取消" in state.note


def test_cancelled_sign_up_offers_sign_up_again(world):
    shift = recruiting_shift(world, capacity=3)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    enrollment_cancel(actor=world.root, enrollment=enrollment)
    assert _states(shift.project, world.vol_a)[shift.pk].sign_up == "报名"
    [row] = my_enrollments(volunteer=world.vol_a)
    assert (row.state.key, row.state.label, row.state.cancel) == ("cancelled", "已取消", False)


def test_not_recruiting_project_offers_no_sign_up(world):
    shift = recruiting_shift(world, capacity=3)
    shift.project.status = "published"
    shift.project.save()
    state = describe_shift(shift, shift.project)
    assert (state.key, state.sign_up) == ("closed", "")


def test_project_page_state_costs_the_same_queries_for_many_shifts(world):
    shift = recruiting_shift(world, capacity=1)
    project = shift.project
    enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    with CaptureQueriesContext(connection) as one:
        shifts_with_state(project=project, volunteer=world.vol_a)
    start = shift.starts_at
    for n in range(12):
        extra = shift_add(actor=world.root, project=project, title=f"加开{n}", starts_at=start + timedelta(days=n + 1),
                          ends_at=start + timedelta(days=n + 1, hours=2), capacity=1)
        if n % 3 == 0:
            enrollment_create(actor=world.root, shift=extra, volunteer=world.vol_a)
    with CaptureQueriesContext(connection) as many:
        states = shifts_with_state(project=project, volunteer=world.vol_a)
    assert len(states) == 13 and len(many) == len(one) == 1
    assert sum(s.state.key == "enrolled" for s in states) == 5


def test_my_enrollments_past_shifts_say_what_happened_and_offer_nothing(world):
    """已完成 with verified hours, 已签到 (hours to verify), 未签到, 未到岗, 候补未递补."""
    people = many_volunteers(world, 1)
    waiting = people[0]
    done, checked, absent, marked = (recruiting_shift(world, capacity=1, starts_in=timedelta(days=d)) for d in (2, 3, 4, 5))
    for shift in (done, checked, absent, marked):
        enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    enrollment_create(actor=world.root, shift=done, volunteer=waiting)  # waitlisted behind vol_a
    for n, shift in enumerate((done, checked, absent, marked)):
        _move(shift, starts_in=timedelta(days=-(n + 2)), hours=4)
    e_done, e_checked = (Enrollment.objects.get(shift=s, volunteer=world.vol_a) for s in (done, checked))
    a = attendance_manual(actor=world.manager_a, enrollment=e_done, check_in_at=done.starts_at,
                          check_out_at=done.ends_at, reason="纸质签到表")
    hours_verify(actor=world.manager_a, attendance=a)
    attendance_manual(actor=world.manager_a, enrollment=e_checked, check_in_at=checked.starts_at,
                      check_out_at=checked.ends_at, reason="纸质签到表")
    enrollment_mark_no_show(actor=world.manager_a, enrollment=Enrollment.objects.get(shift=marked, volunteer=world.vol_a))

    with CaptureQueriesContext(connection) as queries:
        rows = {e.shift_id: e.state for e in my_enrollments(volunteer=world.vol_a)}
    assert len(queries) == 1
    assert rows[done.pk].key == "done" and rows[done.pk].label == "已完成 · 4 小时"
    assert (rows[checked.pk].key, rows[checked.pk].label) == ("checked-in", "已签到")
    assert "时长待队长核定" in rows[checked.pk].note
    assert (rows[absent.pk].key, rows[absent.pk].label) == ("absent", "未签到")
    assert (rows[marked.pk].key, rows[marked.pk].label) == ("absent", "未到岗")
    assert not any(s.cancel for s in rows.values())
    [behind] = my_enrollments(volunteer=waiting)
    assert (behind.state.label, behind.state.cancel) == ("候补未递补", False)


def test_my_enrollments_hours_include_corrections(world):
    from wenming.service.hours_services import hours_correct

    shift = recruiting_shift(world, capacity=1)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    _move(shift, starts_in=timedelta(days=-1), hours=4)
    a = attendance_manual(actor=world.manager_a, enrollment=enrollment, check_in_at=shift.starts_at,
                          check_out_at=shift.ends_at, reason="纸质签到表")
    record = hours_verify(actor=world.manager_a, attendance=a)
    hours_correct(actor=world.manager_a, record=record, delta=Decimal("-1.5"), reason="提前离开")
    [row] = my_enrollments(volunteer=world.vol_a)
    assert row.state.label == "已完成 · 2.5 小时"


# ---- pages ------------------------------------------------------------------------------


@pytest.fixture
def volunteer_client(client, world):
    user = User.objects.create_user(username="liming", password="Wenming!2024")
    world.vol_a.user = user
    world.vol_a.save()
    client.force_login(user)
    return client


def test_project_page_after_sign_up_shows_enrolled_and_cancel_back_to_sign_up(volunteer_client, world):
    shift = recruiting_shift(world, capacity=2)
    url = reverse("service_pages:project", args=[shift.project_id])
    page = volunteer_client.get(url).content.decode()
    assert ">报名</button>" in page and "取消报名" not in page
    volunteer_client.post(reverse("service_pages:sign_up", args=[shift.pk]))
    page = volunteer_client.get(url).content.decode()
    assert "已报名" in page and "取消报名" in page and ">报名</button>" not in page
    enrollment = Enrollment.objects.get(shift=shift)
    res = volunteer_client.post(reverse("service_pages:cancel", args=[enrollment.pk]), {"back": "project"})
    assert res.status_code == 302 and res["Location"].startswith(url)
    page = volunteer_client.get(url).content.decode()
    assert ">报名</button>" in page and "已报名" not in page


def test_my_shifts_page_offers_cancel_only_for_future_sign_ups(volunteer_client, world):
    future = recruiting_shift(world, capacity=2, starts_in=timedelta(days=3))
    past = recruiting_shift(world, capacity=2, starts_in=timedelta(days=4))
    enrollment_create(actor=world.root, shift=future, volunteer=world.vol_a)
    old = enrollment_create(actor=world.root, shift=past, volunteer=world.vol_a)
    _move(past, starts_in=timedelta(days=-2))
    page = volunteer_client.get(reverse("service_pages:my_shifts")).content.decode()
    mine = page[page.index(f'id="enrollment-{old.pk}"'):]
    mine = mine[:mine.index("</article>")]
    assert "未签到" in mine and "取消报名" not in mine
    upcoming = page[page.index("即将开始与进行中"):page.index("往期记录")]
    assert "已报名" in upcoming and "取消报名" in upcoming


def test_insurance_refusal_links_to_the_insurance_page(volunteer_client, world):
    shift = recruiting_shift(world, capacity=2, requires_insurance=True)
    res = volunteer_client.post(reverse("service_pages:sign_up", args=[shift.pk]), follow=True)
    page = res.content.decode()
    assert "请先更新保险信息" in page
    link = f'href="{reverse("volunteers:my_insurance")}?next=%2Fprojects%2F{shift.project_id}%2F"'
    assert link in page and "去更新保险信息" in page
    # the project page says so before the tap too
    assert "更新保险信息" in page and 'id="req-insurance"' in page


def test_skills_and_clash_refusals_link_to_where_they_are_fixed(volunteer_client, world):
    from wenming.volunteers.models import Skill

    shift = recruiting_shift(world, capacity=2)
    shift.project.required_skills.add(Skill.objects.get(code="medical"))
    page = volunteer_client.post(reverse("service_pages:sign_up", args=[shift.pk]), follow=True).content.decode()
    assert "该项目要求具备技能" in page and reverse("volunteers:my_skills") in page and "去更新技能特长" in page

    a = recruiting_shift(world, capacity=2, starts_in=timedelta(days=5))
    b = recruiting_shift(world, capacity=2, starts_in=timedelta(days=5, hours=1))
    enrollment_create(actor=world.root, shift=a, volunteer=world.vol_a)
    page = volunteer_client.post(reverse("service_pages:sign_up", args=[b.pk]), follow=True).content.decode()
    assert "时间冲突" in page and f'href="{reverse("service_pages:my_shifts")}"' in page


def test_course_refusal_links_to_the_missing_course(volunteer_client, world):
    from wenming.mobilization.services import course_create, project_course_require

    shift = recruiting_shift(world, capacity=2)
    course = course_create(actor=world.root, node=world.station_a, title="岗前安全培训", material="注意安全")
    project_course_require(actor=world.root, project=shift.project, course=course)
    page = volunteer_client.post(reverse("service_pages:sign_up", args=[shift.pk]), follow=True).content.decode()
    assert "须先完成岗前培训" in page
    assert f'{reverse("mobilization:course", args=[course.pk])}?next=' in page


def test_account_without_volunteer_record_is_sent_to_registration(client, world):
    shift = recruiting_shift(world, capacity=2)
    user = User.objects.create_user(username="resident1", password="Wenming!2024")
    client.force_login(user)
    page = client.post(reverse("service_pages:sign_up", args=[shift.pk]), follow=True).content.decode()
    assert "尚未登记为志愿者" in page and f'href="{reverse("volunteers:register")}"' in page


def test_project_list_shows_my_state_per_shift(volunteer_client, world):
    shift = recruiting_shift(world, capacity=2)
    enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    page = volunteer_client.get(reverse("service_pages:projects")).content.decode()
    line = page[page.index(f'id="list-shift-{shift.pk}"'):]
    assert "已报名" in line[:line.index("</li>")]
