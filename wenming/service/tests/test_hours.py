import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.service.attendance_services import attendance_manual
from wenming.service.enrollment_services import enrollment_create
from wenming.service.hours_services import attendance_hours, hours_correct, hours_makeup, hours_verify
from wenming.service.models import PointsEntry, ServiceRecord, StarAward, VolunteerStats
from wenming.service.tests.factories import recruiting_shift

pytestmark = pytest.mark.django_db


def _attended(world, *, minutes_before=0, minutes_after=0, hours=3):
    shift = recruiting_shift(world, capacity=5, hours=hours)
    enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=world.vol_a)
    return attendance_manual(reason="现场补签", actor=world.manager_a, enrollment=enrollment,
                             check_in_at=shift.starts_at - timedelta(minutes=minutes_before),
                             check_out_at=shift.ends_at + timedelta(minutes=minutes_after))


def _err(fn, **kw) -> str:
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value.code


def _assert_totals_match_ledgers(volunteer):
    stats = VolunteerStats.objects.get(pk=volunteer.pk)
    def total(bucket):
        return ServiceRecord.objects.filter(volunteer=volunteer, bucket=bucket).aggregate(s=Sum("hours"))["s"] or 0
    assert stats.auto_hours == total("auto")
    assert stats.makeup_hours == total("makeup")
    assert stats.points == (PointsEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"] or 0)


def test_hours_are_clipped_to_the_shift_and_rounded(world, settings):
    settings.HOURS_ROUNDING_MINUTES = 15
    attendance = _attended(world, minutes_before=25, minutes_after=40)  # early and late: clipped
    assert attendance_hours(attendance) == Decimal("3.00")
    attendance.check_out_at = attendance.enrollment.shift.starts_at + timedelta(minutes=100)
    assert attendance_hours(attendance) == Decimal("1.50")  # 100 min → 90 min
    settings.HOURS_ROUNDING_MINUTES = 0
    assert attendance_hours(attendance) == Decimal("1.66")


def test_verify_once_then_corrections_are_new_entries(world):
    attendance = _attended(world)
    record = hours_verify(actor=world.manager_a, attendance=attendance)
    assert record.hours == Decimal("3.00") and record.kind == "auto"
    with pytest.raises(DomainError) as exc:
        hours_verify(actor=world.manager_a, attendance=attendance)
    assert exc.value.code == "service.already_verified"
    hours_correct(actor=world.manager_a, record=record, delta=Decimal("-0.5"), reason="提前离岗")
    assert ServiceRecord.objects.filter(volunteer=world.vol_a).count() == 2
    record.refresh_from_db()
    assert record.hours == Decimal("3.00")  # the original entry is untouched
    stats = VolunteerStats.objects.get(pk=world.vol_a.pk)
    assert stats.auto_hours == Decimal("2.50") and stats.points == 25
    with pytest.raises(DomainError) as exc:
        hours_correct(actor=world.manager_a, record=record, delta=Decimal("-5"), reason="错误")
    assert exc.value.code == "service.correction_negative"
    _assert_totals_match_ledgers(world.vol_a)


def test_only_leaders_or_staff_of_the_project_verify(world):
    attendance = _attended(world)
    with pytest.raises(DomainError) as exc:
        hours_verify(actor=world.manager_b, attendance=attendance)
    assert exc.value.code == "not_found"


def test_makeup_hours_are_kept_apart_and_need_a_reason(world):
    with pytest.raises(DomainError):
        hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("2"), service_date=date(2026, 3, 1),
                     reason=" ", node=world.station_a)
    hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("2"), service_date=date(2026, 3, 1),
                 reason="疫情期间卡口值守补录", node=world.station_a)
    hours_verify(actor=world.manager_a, attendance=_attended(world))
    stats = VolunteerStats.objects.get(pk=world.vol_a.pk)
    assert (stats.auto_hours, stats.makeup_hours, stats.total_hours) == (Decimal("3"), Decimal("2"), Decimal("5"))
    with pytest.raises(DomainError):
        hours_makeup(actor=world.manager_b, volunteer=world.vol_a, hours=Decimal("1"), service_date=date(2026, 3, 1),
                     reason="越权", node=world.station_b)


def test_stars_follow_configured_thresholds_and_keep_the_date(world, settings):
    settings.STAR_THRESHOLDS = [2, 4, 6]
    record = hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("4.5"),
                          service_date=date(2026, 3, 1), reason="补录", node=world.station_a)
    assert VolunteerStats.objects.get(pk=world.vol_a.pk).star_level == 2
    assert list(StarAward.objects.filter(volunteer=world.vol_a).values_list("level", "threshold_hours")) == [
        (1, 2), (2, 4)]
    hours_correct(actor=world.manager_a, record=record, delta=Decimal("-1"), reason="更正")
    assert VolunteerStats.objects.get(pk=world.vol_a.pk).star_level == 1  # current level follows the hours
    assert StarAward.objects.filter(volunteer=world.vol_a).count() == 2  # the dates reached stay on record


def test_default_thresholds_and_points():
    from wenming.service.hours_services import star_level_for

    assert [star_level_for(Decimal(h)) for h in (99, 100, 299.99, 300, 600, 1000, 1500, 5000)] == [
        0, 1, 1, 2, 3, 4, 5, 5]


def test_ledger_sums_equal_totals_after_a_random_mix(world):
    rng = random.Random(7)
    records = []
    for step in range(40):
        action = rng.choice(["makeup", "makeup", "correct"])
        if action == "makeup" or not records:
            records.append(hours_makeup(actor=world.manager_a, volunteer=world.vol_a,
                                        hours=Decimal(rng.randint(1, 16)) / 4, service_date=date(2026, 5, 1),
                                        reason=f"补录 {step}", node=world.station_a))
        else:
            try:
                hours_correct(actor=world.manager_a, record=rng.choice(records),
                              delta=Decimal(rng.randint(-12, 12) or 1) / 4, reason=f"更正 {step}")
            except DomainError as exc:
                assert exc.code == "service.correction_negative"
        _assert_totals_match_ledgers(world.vol_a)


def test_a_verified_attendance_cannot_be_rewritten_by_hand(world):
    attendance = _attended(world)
    hours_verify(actor=world.manager_a, attendance=attendance)
    with pytest.raises(DomainError) as exc:
        attendance_manual(reason="现场补签", actor=world.manager_a, enrollment=attendance.enrollment,
                          check_in_at=attendance.enrollment.shift.starts_at)
    assert exc.value.code == "service.already_verified"


def test_makeup_hours_only_for_nodes_in_scope(world):
    with pytest.raises(DomainError) as exc:
        hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("1"), service_date=date(2026, 3, 1),
                     reason="记到别的站", node=world.station_b)
    assert exc.value.code == "not_found"


def test_make_up_and_corrections_are_kept_to_two_decimals(world):
    node = world.station_a
    assert _err(hours_makeup, actor=world.manager_a, volunteer=world.vol_a, hours="0.004",
                service_date=date(2026, 3, 1), reason="补录", node=node) == "service.hours_invalid"
    assert _err(hours_makeup, actor=world.manager_a, volunteer=world.vol_a, hours="abc",
                service_date=date(2026, 3, 1), reason="补录", node=node) == "service.hours_invalid"
    record = hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours="0.999",
                          service_date=date(2026, 3, 1), reason="补录", node=node)
    assert record.hours == Decimal("1.00")
    assert VolunteerStats.objects.get(pk=world.vol_a.pk).points == 10  # 10 per stored hour, not per 0.999
    _assert_totals_match_ledgers(world.vol_a)


def test_a_correction_cannot_take_more_than_its_entry_had(world):
    node = world.station_a
    first = hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("2"),
                         service_date=date(2026, 3, 1), reason="补录", node=node)
    hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("5"),
                 service_date=date(2026, 3, 2), reason="补录", node=node)
    # 7 hours in the bucket, but this entry only had 2
    assert _err(hours_correct, actor=world.manager_a, record=first, delta=Decimal("-3"),
                reason="多记") == "service.correction_negative"
    fix = hours_correct(actor=world.manager_a, record=first, delta=Decimal("-1.5"), reason="多记")
    # correcting the correction corrects the original entry: 0.5 left, so -1 is refused
    assert _err(hours_correct, actor=world.manager_a, record=fix, delta=Decimal("-1"),
                reason="再减") == "service.correction_negative"
    again = hours_correct(actor=world.manager_a, record=fix, delta=Decimal("-0.5"), reason="再减")
    assert again.corrects_id == first.pk
    _assert_totals_match_ledgers(world.vol_a)


def test_no_one_records_their_own_hours_and_no_future_or_repeated_make_up(world):
    from wenming.accounts.models import User

    node = world.station_a
    world.vol_a.user = User.objects.get(pk=world.manager_a.pk)  # the manager also volunteers
    world.vol_a.save(update_fields=["user"])
    assert _err(hours_makeup, actor=world.manager_a, volunteer=world.vol_a, hours="2", service_date=date(2026, 3, 1),
                reason="补录", node=node) == "service.self_hours"
    world.vol_a.user = None
    world.vol_a.save(update_fields=["user"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert _err(hours_makeup, actor=world.manager_a, volunteer=world.vol_a, hours="2", service_date=tomorrow,
                reason="补录", node=node) == "service.date_future"
    hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours="2", service_date=date(2026, 3, 1),
                 reason="春节走访", node=node)
    assert _err(hours_makeup, actor=world.manager_a, volunteer=world.vol_a, hours="2", service_date=date(2026, 3, 1),
                reason="春节走访", node=node) == "service.duplicate_entry"  # a double submit
    assert ServiceRecord.objects.filter(volunteer=world.vol_a).count() == 1
    _assert_totals_match_ledgers(world.vol_a)


def test_a_leader_cannot_verify_their_own_attendance(world):
    attendance = _attended(world)
    world.vol_a.user = world.manager_a
    world.vol_a.save(update_fields=["user"])
    attendance.enrollment.volunteer.refresh_from_db()
    assert _err(hours_verify, actor=world.manager_a, attendance=attendance) == "service.self_hours"
