from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.service.enrollment_services import enrollment_cancel, enrollment_create, enrollment_mark_no_show
from wenming.service.models import Enrollment, EnrollmentStatus, Shift
from wenming.service.project_services import project_cancel, shift_set_capacity
from wenming.service.tests.factories import many_volunteers, recruiting_shift, storm
from wenming.volunteers.tests.factories import build_world


def _code(fn, **kw):
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value.code


def _assert_counters(shift):
    shift.refresh_from_db()
    held = Enrollment.objects.filter(shift=shift, status__in=["confirmed", "no_show"]).count()
    assert shift.taken == held <= shift.capacity


@pytest.mark.django_db
def test_confirmed_until_full_then_waitlisted(world):
    shift = recruiting_shift(world, capacity=2)
    people = many_volunteers(world, 4)
    statuses = [enrollment_create(actor=world.root, shift=shift, volunteer=v).status for v in people]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    _assert_counters(shift)


@pytest.mark.django_db
def test_no_waitlist_means_full_is_refused(world):
    shift = recruiting_shift(world, capacity=1, allow_waitlist=False)
    a, b = many_volunteers(world, 2)
    enrollment_create(actor=world.root, shift=shift, volunteer=a)
    assert _code(enrollment_create, actor=world.root, shift=shift, volunteer=b) == "service.full"
    _assert_counters(shift)


@pytest.mark.django_db
def test_eligibility_refusals_have_reasons(world):
    from wenming.volunteers.models import Skill

    shift = recruiting_shift(world, capacity=5, min_age=40, requires_insurance=True)
    young = many_volunteers(world, 1)[0]  # 20 years old
    assert _code(enrollment_create, actor=world.root, shift=shift, volunteer=young) == "service.too_young"
    shift.project.min_age = 14
    shift.project.save()
    assert _code(enrollment_create, actor=world.root, shift=shift, volunteer=young) == "service.insurance_required"
    young.insurance_valid_until = timezone.localdate() + timedelta(days=365)
    young.save()
    shift.project.required_skills.add(Skill.objects.get(code="medical"))
    with pytest.raises(DomainError) as exc:
        enrollment_create(actor=world.root, shift=shift, volunteer=young)
    assert exc.value.code == "service.skills_missing" and "医疗护理" in exc.value.message
    young.skills.add(Skill.objects.get(code="medical"))
    enrollment_create(actor=world.root, shift=shift, volunteer=young)
    assert _code(enrollment_create, actor=world.root, shift=shift, volunteer=young) == "service.already_enrolled"
    overlapping = recruiting_shift(world, capacity=5, starts_in=timedelta(days=2, hours=1))
    assert _code(enrollment_create, actor=world.root, shift=overlapping, volunteer=young) == "service.time_clash"


@pytest.mark.django_db
def test_sign_up_needs_a_recruiting_project_and_a_future_shift(world):
    shift = recruiting_shift(world, capacity=5)
    person = many_volunteers(world, 1)[0]
    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    assert _code(enrollment_create, actor=world.root, shift=shift, volunteer=person) == "service.shift_started"
    other = recruiting_shift(world, capacity=5, starts_in=timedelta(days=5))
    project_cancel(actor=world.root, project=other.project, reason="天气原因")
    assert _code(enrollment_create, actor=world.root, shift=other, volunteer=person) == "service.not_recruiting"


@pytest.mark.django_db
def test_out_of_scope_staff_cannot_sign_someone_up(world):
    shift = recruiting_shift(world, capacity=5)
    assert _code(enrollment_create, actor=world.manager_b, shift=shift, volunteer=world.vol_a) == "not_found"


@pytest.mark.django_db
def test_cancellations_promote_in_order(world):
    shift = recruiting_shift(world, capacity=2)
    people = many_volunteers(world, 5)
    enrollments = [enrollment_create(actor=world.root, shift=shift, volunteer=v) for v in people]
    enrollment_cancel(actor=world.root, enrollment=enrollments[0])
    enrollment_cancel(actor=world.root, enrollment=enrollments[1])
    states = {e.pk: e.status for e in Enrollment.objects.filter(shift=shift)}
    assert [states[e.pk] for e in enrollments] == ["cancelled", "cancelled", "confirmed", "confirmed", "waitlisted"]
    _assert_counters(shift)
    # a waitlisted cancellation frees nothing and promotes nobody
    enrollment_cancel(actor=world.root, enrollment=enrollments[4])
    _assert_counters(shift)
    assert _code(enrollment_cancel, actor=world.root, enrollment=enrollments[4]) == "service.not_cancellable"


@pytest.mark.django_db
def test_raising_capacity_promotes_and_lowering_below_taken_is_refused(world):
    shift = recruiting_shift(world, capacity=1)
    people = many_volunteers(world, 3)
    for v in people:
        enrollment_create(actor=world.root, shift=shift, volunteer=v)
    shift_set_capacity(actor=world.root, shift=shift, capacity=2)
    assert Enrollment.objects.filter(shift=shift, status="confirmed").count() == 2
    assert _code(shift_set_capacity, actor=world.root, shift=shift, capacity=1) == "service.capacity"
    _assert_counters(shift)


@pytest.mark.django_db
def test_volunteer_cannot_cancel_inside_the_deadline_but_staff_can(world):
    from wenming.accounts.models import User

    shift = recruiting_shift(world, capacity=2, starts_in=timedelta(minutes=90), cancel_before_minutes=120)
    member = User.objects.create_user(username="vol_a_user", password="x")
    world.vol_a.user = member
    world.vol_a.save()
    enrollment = enrollment_create(actor=member, shift=shift, volunteer=world.vol_a)
    assert _code(enrollment_cancel, actor=member, enrollment=enrollment) == "service.cancel_too_late"
    assert enrollment_cancel(actor=world.manager_a, enrollment=enrollment).status == "cancelled"


@pytest.mark.django_db
def test_no_show_only_after_start_and_keeps_the_slot(world):
    shift = recruiting_shift(world, capacity=2)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    assert _code(enrollment_mark_no_show, actor=world.root, enrollment=enrollment) == "service.no_show_too_early"
    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    enrollment.refresh_from_db()
    assert enrollment_mark_no_show(actor=world.manager_a, enrollment=enrollment).status == "no_show"
    _assert_counters(shift)


@pytest.mark.django_db
def test_cancelling_a_project_cancels_every_enrollment(world):
    shift = recruiting_shift(world, capacity=1)
    for v in many_volunteers(world, 3):
        enrollment_create(actor=world.root, shift=shift, volunteer=v)
    project_cancel(actor=world.root, project=shift.project, reason="暴雨预警")
    assert set(Enrollment.objects.filter(shift=shift).values_list("status", flat=True)) == {"cancelled"}
    _assert_counters(shift)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_signup_never_overbooks_under_concurrency():
    world = build_world()
    shift = recruiting_shift(world, capacity=5)
    people = many_volunteers(world, 200)
    jobs = [lambda v=v: enrollment_create(actor=world.root, shift=shift, volunteer=v).status for v in people]
    # every volunteer taps twice: duplicates must be refused, not booked
    jobs += [lambda v=v: enrollment_create(actor=world.root, shift=shift, volunteer=v).status for v in people[:50]]
    results = storm(jobs)
    assert results.count("confirmed") == 5
    assert results.count("waitlisted") == 195
    assert results.count("service.already_enrolled") == 50
    _assert_counters(shift)
    assert Enrollment.objects.filter(shift=shift).count() == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_cancellations_promote_exactly_the_freed_slots_in_order():
    world = build_world()
    shift = recruiting_shift(world, capacity=5)
    people = many_volunteers(world, 20)
    enrollments = [enrollment_create(actor=world.root, shift=shift, volunteer=v) for v in people]
    confirmed = enrollments[:5]
    storm([lambda e=e: enrollment_cancel(actor=world.root, enrollment=e).status for e in confirmed], threads=5)
    states = dict(Enrollment.objects.filter(shift=shift).values_list("pk", "status"))
    assert [states[e.pk] for e in enrollments[5:10]] == [EnrollmentStatus.CONFIRMED] * 5
    assert all(states[e.pk] == EnrollmentStatus.WAITLISTED for e in enrollments[10:])
    _assert_counters(shift)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_sign_ups_for_overlapping_shifts_book_only_one():
    """The clash check runs inside the sign-up transaction behind a per-volunteer lock, so
    the same people tapping two overlapping shifts at once end up on one of them."""
    world = build_world()
    first = recruiting_shift(world, capacity=50)
    second = recruiting_shift(world, capacity=50, starts_in=timedelta(days=2, hours=1))
    people = many_volunteers(world, 20)
    jobs = []
    for v in people:
        jobs += [lambda v=v: enrollment_create(actor=world.root, shift=first, volunteer=v).status,
                 lambda v=v: enrollment_create(actor=world.root, shift=second, volunteer=v).status]
    results = storm(jobs, threads=8)
    assert results.count("confirmed") == 20
    assert results.count("service.time_clash") == 20
    live = Enrollment.objects.filter(volunteer__in=people, status__in=["confirmed", "waitlisted"])
    assert sorted(live.values_list("volunteer_id", flat=True)) == sorted(v.pk for v in people)
    _assert_counters(first)
    _assert_counters(second)


@pytest.mark.django_db
def test_a_sign_up_racing_a_project_cancellation_is_refused(world, monkeypatch):
    """The cancellation commits between the eligibility check and the slot claim."""
    from wenming.service import enrollment_services

    shift = recruiting_shift(world, capacity=3)
    real_check = enrollment_services._check_requirements

    def check_then_cancel(**kwargs):
        real_check(**kwargs)
        project_cancel(actor=world.root, project=shift.project, reason="暴雨")

    monkeypatch.setattr(enrollment_services, "_check_requirements", check_then_cancel)
    assert _code(enrollment_create, actor=world.root, shift=shift, volunteer=world.vol_a) == "service.not_recruiting"
    assert not Enrollment.objects.filter(shift=shift).exists()
    _assert_counters(shift)


@pytest.mark.django_db
def test_a_freed_slot_goes_to_the_waitlist_before_any_newcomer(world):
    shift = recruiting_shift(world, capacity=1)
    first, waiting, newcomer = many_volunteers(world, 3)
    a = enrollment_create(actor=world.root, shift=shift, volunteer=first)
    b = enrollment_create(actor=world.root, shift=shift, volunteer=waiting)
    enrollment_cancel(actor=world.root, enrollment=a)
    b.refresh_from_db()
    assert b.status == "confirmed"  # handed over inside the cancelling transaction
    assert enrollment_create(actor=world.root, shift=shift, volunteer=newcomer).status == "waitlisted"
    _assert_counters(shift)


@pytest.mark.django_db
def test_no_cancelling_after_the_start_and_no_show_refused_after_check_in(world):
    from wenming.service.attendance_services import attendance_manual

    shift = recruiting_shift(world, capacity=2)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    attendance_manual(reason="现场补签", actor=world.manager_a, enrollment=enrollment, check_in_at=shift.starts_at)
    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    enrollment.refresh_from_db()
    assert _code(enrollment_cancel, actor=world.root, enrollment=enrollment) == "service.shift_started_cancel"
    assert _code(enrollment_mark_no_show, actor=world.root, enrollment=enrollment) == "service.attended"


@pytest.mark.django_db
def test_cancelling_a_project_notifies_the_enrolled(world, django_capture_on_commit_callbacks):
    from wenming.core.models import Notification

    shift = recruiting_shift(world, capacity=1)
    people = many_volunteers(world, 2)
    for v in people:
        enrollment_create(actor=world.root, shift=shift, volunteer=v)
    with django_capture_on_commit_callbacks(execute=True):
        project_cancel(actor=world.root, project=shift.project, reason="暴雨预警")
    assert Notification.objects.filter(subject__contains="项目已取消").count() == 2


@pytest.mark.django_db
def test_volunteers_hear_of_a_cancellation_by_staff_and_of_their_promotion(world):
    from wenming.core.models import Notification

    shift = recruiting_shift(world, capacity=1)
    first, waiting = many_volunteers(world, 2)
    a = enrollment_create(actor=world.root, shift=shift, volunteer=first)
    enrollment_create(actor=world.root, shift=shift, volunteer=waiting)
    enrollment_cancel(actor=world.root, enrollment=a, reason="人员调整")
    told = {n.volunteer_id: n.subject for n in Notification.objects.all()}
    assert told[first.pk].startswith("报名已取消") and told[waiting.pk].startswith("候补成功")
