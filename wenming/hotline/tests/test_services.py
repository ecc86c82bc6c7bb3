from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from wenming.accounts.models import RoleAssignment
from wenming.accounts.roles import Role
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry

from ..call_services import (
    call_log_read,
    call_log_update,
    call_phone_reveal,
    followup_complete,
    followup_create,
    on_duty,
)
from ..models import CallLog, Counselor, FollowUp, FollowUpKind
from ..services import Slot, counselor_add, counselor_update, hotline_create, schedule_set
from .factories import build_hotline, call_values, counselor_user, log_call, supervisor_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def h(world):
    return build_hotline(world)


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


# ---- setting up -----------------------------------------------------------------------------

def test_only_managers_of_the_node_open_a_line_and_names_are_unique_per_node(world, h):
    assert code_of(hotline_create, actor=world.manager_b, node=world.institute, name="另一条", number="12356") \
        == "not_found"
    assert code_of(hotline_create, actor=world.office, node=world.institute, name=h.line.name, number="1") \
        == "hotline.name_taken"
    assert code_of(hotline_create, actor=world.office, node=world.institute, name="  ", number="1") \
        == "hotline.name_required"
    line = hotline_create(actor=world.manager_a, node=world.station_a, name="九里村热线", number="12356")
    assert line.node == world.station_a


def test_a_counselor_needs_the_role_near_the_line_and_a_supervisor_with_a_basis(world, h):
    stranger = counselor_user("far_away", world.station_b)  # a sibling station: not above or below
    assert code_of(counselor_add, actor=world.root, hotline=h.line, user=world.manager_a,
                   supervisor=h.sup_user) == "hotline.not_a_counselor"
    # stations A and B are both inside the institute, where the line is: fine
    c3 = counselor_add(actor=world.root, hotline=h.line, user=stranger, supervisor=h.sup_user)
    assert c3.supervisor == h.sup_user
    c4_user = counselor_user("c4", world.institute)
    # a supervisor must hold the supervisor role over the line's node, or be a supervising counselor
    assert code_of(counselor_add, actor=world.root, hotline=h.line, user=c4_user,
                   supervisor=world.office) == "hotline.supervisor_invalid"
    assert code_of(counselor_add, actor=world.root, hotline=h.line, user=c4_user,
                   supervisor=h.c1_user) == "hotline.supervisor_invalid"
    assert code_of(counselor_add, actor=world.root, hotline=h.line, user=c4_user) == "hotline.supervisor_required"
    assert code_of(counselor_add, actor=world.root, hotline=h.line, user=h.c1_user,
                   supervisor=h.sup_user) == "hotline.already_counselor"
    lead = counselor_add(actor=world.root, hotline=h.line, user=c4_user, is_supervisor=True)
    assert lead.supervisor is None
    # a supervisor-by-role at station B does not cover the institute's line
    low = supervisor_user("low_sup", world.station_b)
    c5 = counselor_user("c5", world.institute)
    assert code_of(counselor_add, actor=world.root, hotline=h.line, user=c5, supervisor=low) \
        == "hotline.supervisor_invalid"
    c5_row = counselor_add(actor=world.root, hotline=h.line, user=c5, supervisor=c4_user)
    assert code_of(counselor_update, actor=world.root, counselor=c5_row, supervisor=c5) == "hotline.own_supervisor"
    # a node manager outside the line's node cannot add anyone
    assert code_of(counselor_add, actor=world.manager_b, hotline=h.line, user=c5,
                   supervisor=h.sup_user) == "not_found"


def test_schedule_is_replaced_whole_and_checked(world, h):
    rows = schedule_set(actor=world.office, counselor=h.c2, slots=[
        Slot(weekday=1, starts_at=time(8), ends_at=time(12)), Slot(on_date=timezone.localdate(),
                                                                  starts_at=time(22), ends_at=time(6))])
    assert len(rows) == 2 and h.c2.duty_shifts.count() == 2
    assert code_of(schedule_set, actor=world.office, counselor=h.c2,
                   slots=[Slot(starts_at=time(8), ends_at=time(9))]) == "hotline.shift_invalid"
    assert code_of(schedule_set, actor=world.office, counselor=h.c2,
                   slots=[Slot(weekday=8, starts_at=time(8), ends_at=time(9))]) == "hotline.shift_invalid"
    assert code_of(schedule_set, actor=world.manager_b, counselor=h.c2, slots=[]) == "not_found"
    assert h.c2.duty_shifts.count() == 2  # a refused schedule leaves the old one


def test_overnight_and_dated_slots_count_as_on_duty(world, h):
    today = timezone.localdate()
    schedule_set(actor=world.office, counselor=h.c2, slots=[Slot(on_date=today, starts_at=time(22), ends_at=time(6))])
    tz = timezone.get_current_timezone()
    at = lambda day, hour: timezone.make_aware(datetime.combine(day, time(hour)), tz)  # noqa: E731
    assert on_duty(h.c2, at(today, 23)) and on_duty(h.c2, at(today + timedelta(days=1), 5))
    assert not on_duty(h.c2, at(today + timedelta(days=1), 6)) and not on_duty(h.c2, at(today, 21))
    weekday = today.isoweekday()
    schedule_set(actor=world.office, counselor=h.c2, slots=[Slot(weekday=weekday, starts_at=time(8), ends_at=time(8))])
    assert on_duty(h.c2, at(today, 9)) and on_duty(h.c2, at(today + timedelta(days=1), 7))
    assert not on_duty(h.c2, at(today, 7)) and not on_duty(h.c2, at(today + timedelta(days=1), 8))


# ---- logging calls --------------------------------------------------------------------------

def test_a_call_is_logged_only_by_an_active_counselor_of_the_line_on_duty(world, h):
    assert code_of(log_call, h.c1, started_at=timezone.now() + timedelta(hours=1)) == "hotline.started_at_invalid"
    assert code_of(log_call, h.c1, started_at=timezone.now() - timedelta(days=8)) == "hotline.started_at_invalid"
    schedule_set(actor=world.office, counselor=h.c2, slots=[])
    assert code_of(log_call, h.c2) == "hotline.not_on_duty"
    from ..call_services import call_log_create

    assert code_of(call_log_create, actor=world.office, hotline=h.line, values=call_values()) \
        == "hotline.not_your_hotline"
    counselor_update(actor=world.office, counselor=h.c1, active=False)
    assert code_of(log_call, h.c1) == "hotline.not_your_hotline"
    assert not CallLog.objects.exists()


def test_summary_and_phone_are_encrypted_at_rest_and_the_phone_masked(h):
    call = log_call(h.c1)
    with connection.cursor() as cur:
        cur.execute("SELECT summary_enc, caller_phone_enc, caller_phone_masked FROM hotline_calllog WHERE id = %s",
                    [call.pk])
        summary_enc, phone_enc, masked = cur.fetchone()
    assert "隔离" not in summary_enc and "13812345678" not in phone_enc
    assert masked == "138****5678"
    assert call_log_read(actor=h.c1_user, call=call).summary.startswith("来电者居家隔离")


def test_a_crisis_call_gets_a_follow_up_due_tomorrow_for_its_author(h):
    call = log_call(h.c1, is_crisis=True, outcome="referred", referral="mental_health_center")
    followup = FollowUp.objects.get(call=call)
    assert followup.kind == FollowUpKind.CRISIS and followup.assigned_to == h.c1
    assert followup.due_on == timezone.localdate() + timedelta(days=1) and followup.done_at is None
    calm = log_call(h.c1)
    assert not calm.followups.exists()
    agreed = log_call(h.c1, outcome="follow_up")
    assert agreed.followups.get().kind == FollowUpKind.AGREED


def test_turning_crisis_on_later_adds_exactly_one_open_follow_up(h):
    call = log_call(h.c1)
    call_log_update(actor=h.c1_user, call=call, values={"is_crisis": True})
    call_log_update(actor=h.c1_user, call=call, values={"is_crisis": True, "outcome": "follow_up"})
    assert call.followups.filter(done_at__isnull=True).count() == 1


def test_only_the_author_updates_and_only_within_24_hours(world, h):
    call = log_call(h.c1)
    assert code_of(call_log_update, actor=h.sup_user, call=call, values={"duration_minutes": 5}) == "hotline.not_author"
    assert code_of(call_log_update, actor=h.c2_user, call=call, values={"duration_minutes": 5}) == "hotline.not_author"
    updated = call_log_update(actor=h.c1_user, call=call, values={"duration_minutes": 40, "summary": "补充：已约定明日回访"})
    assert updated.duration_minutes == 40
    entry = AuditEntry.objects.filter(action="hotline.call.update").get()
    assert entry.changes == {"fields": ["duration_minutes", "summary"]} and "回访" not in str(entry.changes)
    CallLog.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(hours=25))
    call.refresh_from_db()
    assert code_of(call_log_update, actor=h.c1_user, call=call, values={"duration_minutes": 5}) == "hotline.edit_window"
    call.refresh_from_db()
    assert call.duration_minutes == 40


def test_a_referred_outcome_needs_a_referral(h):
    assert code_of(log_call, h.c1, outcome="referred") == "hotline.referral_required"
    call = log_call(h.c1)
    assert code_of(call_log_update, actor=h.c1_user, call=call, values={"outcome": "referred"}) \
        == "hotline.referral_required"


# ---- follow-ups and audited reads -----------------------------------------------------------

def test_a_follow_up_completes_once_with_an_encrypted_note(h):
    call = log_call(h.c1, is_crisis=True)
    followup = call.followups.get()
    done = followup_complete(actor=h.c1_user, followup=followup, note="已回访，情绪平稳")
    assert done.done_at is not None and done.done_by == h.c1_user and "情绪" not in done.note_enc
    assert code_of(followup_complete, actor=h.sup_user, followup=followup, note="") == "hotline.followup_done"
    # the supervisor may add and complete one too; another counselor may not even see it
    extra = followup_create(actor=h.sup_user, call=call, due_on=timezone.localdate() + timedelta(days=3))
    assert extra.assigned_to == h.c1
    assert code_of(followup_complete, actor=h.c2_user, followup=extra, note="") == "not_found"
    assert code_of(followup_create, actor=h.c1_user, call=call, due_on=timezone.localdate() - timedelta(days=1)) \
        == "hotline.due_invalid"
    followup_complete(actor=h.sup_user, followup=extra, note="")
    notes = [f.note for f in call_log_read(actor=h.sup_user, call=call).followups]
    assert notes == ["已回访，情绪平稳", ""]


def test_every_decrypting_read_is_audited_with_who_and_which_record(h):
    call = log_call(h.c1, is_crisis=True)
    before = AuditEntry.objects.count()
    call_log_read(actor=h.c1_user, call=call)
    call_log_read(actor=h.sup_user, call=call)
    assert call_phone_reveal(actor=h.sup_user, call=call) == "13812345678"
    reads = list(AuditEntry.objects.order_by("id")[before:].values_list("actor_id", "action", "object_type",
                                                                         "object_id"))
    assert reads == [
        (h.c1_user.pk, "hotline.call.read", "hotline.calllog", str(call.pk)),
        (h.sup_user.pk, "hotline.call.read", "hotline.calllog", str(call.pk)),
        (h.sup_user.pk, "hotline.call.reveal_phone", "hotline.calllog", str(call.pk)),
    ]
    for entry in AuditEntry.objects.filter(object_type__startswith="hotline."):
        text = str(entry.changes)
        assert "13812345678" not in text and "隔离" not in text
    # the services refuse anyone else even when handed the object directly
    assert code_of(call_log_read, actor=h.c2_user, call=call) == "not_found"
    assert code_of(call_phone_reveal, actor=h.world.root, call=call) == "not_found"
    assert AuditEntry.objects.filter(action__startswith="hotline.call.r", actor=h.c2_user).count() == 0


def test_visibility_follows_the_current_supervisor_and_the_basis_for_it(world, h):
    from ..selectors import call_list_for_actor

    call = log_call(h.c1)
    assert list(call_list_for_actor(actor=h.sup_user)) == [call]
    # the supervisor role revoked: the record disappears for them
    RoleAssignment.objects.filter(user=h.sup_user, role=Role.HOTLINE_SUPERVISOR).delete()
    h.sup_user = type(h.sup_user).objects.get(pk=h.sup_user.pk)
    assert not call_list_for_actor(actor=h.sup_user).exists()
    # a supervising counselor of the line takes over and sees the history
    lead_user = counselor_user("lead", world.institute)
    counselor_add(actor=world.root, hotline=h.line, user=lead_user, is_supervisor=True)
    counselor_update(actor=world.root, counselor=Counselor.objects.get(pk=h.c1.pk), supervisor=lead_user)
    assert list(call_list_for_actor(actor=lead_user)) == [call]
    # a deactivated author no longer sees their own records; the supervisor still does
    counselor_update(actor=world.root, counselor=Counselor.objects.get(pk=h.c1.pk), active=False)
    assert not call_list_for_actor(actor=h.c1_user).exists()
    assert list(call_list_for_actor(actor=lead_user)) == [call]
