"""The transactional outbox: rows exist exactly when the cause committed; the sender
delivers each row once, retries failures with back-off and picks up what a crash missed."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from wenming.core.models import Notification
from wenming.core.notify import MAX_ATTEMPTS, FakeSmsGateway, deliver_pending, notify
from wenming.volunteers.tests.factories import build_world

SMS = "wenming.core.notify.FakeSmsGateway"


@pytest.fixture
def gateway(settings):
    settings.WENMING_NOTIFY_BACKEND = SMS
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    yield FakeSmsGateway
    FakeSmsGateway.failing = False


@pytest.mark.django_db
def test_a_rolled_back_transaction_leaves_no_message(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(users_or_volunteers=[world.vol_a], subject="班次调整", body="集合时间改为 8:30")
        raise RuntimeError("the change that caused the message failed")
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_inbox_messages_are_written_in_the_transaction_as_delivered(world):
    with transaction.atomic():
        notify(users_or_volunteers=[world.vol_a, world.vol_a], subject="班次调整", body="改为 8:30")
        assert Notification.objects.filter(volunteer=world.vol_a).count() == 1  # same transaction, once
    row = Notification.objects.get()
    assert row.channel == "inbox" and row.sent_at is not None


@pytest.mark.django_db
def test_messages_left_behind_by_a_crash_are_sent_by_the_periodic_sender(world, gateway,
                                                                          django_capture_on_commit_callbacks):
    # The process "dies" right after the commit: the immediate send never runs.
    with django_capture_on_commit_callbacks(execute=False):
        notify(users_or_volunteers=[world.vol_a], subject="防汛集结", body="请于 8:00 到村委会集合")
    row = Notification.objects.get()
    assert row.channel == "sms" and row.sent_at is None and gateway.sent == []
    assert deliver_pending() == 1
    assert deliver_pending() == 0  # never twice
    assert [phone for phone, _ in gateway.sent] == ["13900000001"]
    assert "防汛集结" in gateway.sent[0][1]
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1 and row.lease == ""


@pytest.mark.django_db
def test_a_failed_send_is_retried_after_its_back_off(world, gateway, django_capture_on_commit_callbacks):
    gateway.failing = True
    with django_capture_on_commit_callbacks(execute=True):
        notify(users_or_volunteers=[world.vol_a], subject="防汛集结", body="8:00 集合")
    row = Notification.objects.get()
    assert row.sent_at is None and row.attempts == 1 and row.error == "ConnectionError"
    assert row.next_attempt_at > timezone.now()
    gateway.failing = False
    assert deliver_pending() == 0  # not before its time
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert deliver_pending() == 1
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2 and row.error == ""


@pytest.mark.django_db
def test_gives_up_after_the_last_attempt_and_at_once_without_a_phone(world, gateway,
                                                                     django_capture_on_commit_callbacks):
    world.vol_a.phone_enc = ""
    world.vol_a.save(update_fields=["phone_enc"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(users_or_volunteers=[world.vol_a], subject="防汛集结", body="8:00 集合")
    row = Notification.objects.get()
    assert row.attempts == MAX_ATTEMPTS and row.error == "NoPhone" and row.sent_at is None
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert deliver_pending() == 0 and gateway.sent == []


class DedupingGateway(FakeSmsGateway):
    """A gateway that drops a second message with a client id it has seen (as some do)."""

    ids: list[str] = []

    def send_sms_once(self, phone, text, *, message_id):
        DedupingGateway.ids.append(message_id)
        if DedupingGateway.ids.count(message_id) == 1:
            self.send_sms(phone, text)


@pytest.mark.django_db
def test_a_resend_after_a_crash_carries_the_same_message_id(world, gateway, settings,
                                                             django_capture_on_commit_callbacks):
    """The sender died after the gateway took the text, before the row was marked sent: when
    the lease runs out the row is sent again, with the same client id, so a deduplicating
    gateway delivers it once."""
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.tests.test_notify.DedupingGateway"
    DedupingGateway.ids.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(users_or_volunteers=[world.vol_a], subject="防汛集结", body="8:00 集合")
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(sent_at=None, next_attempt_at=timezone.now())  # the crash
    assert deliver_pending() == 1
    assert DedupingGateway.ids == [f"wenming-{row.pk}"] * 2 and len(gateway.sent) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_senders_send_each_message_once(gateway):
    world = build_world()
    with transaction.atomic():
        for i in range(30):
            notify(users_or_volunteers=[world.vol_a], subject=f"通知 {i}", body="内容")
    # The immediate sends ran at commit; put the rows back as a crash would have left them.
    Notification.objects.update(sent_at=None, attempts=0, next_attempt_at=None)
    gateway.sent.clear()
    barrier = threading.Barrier(4)

    def sender():
        barrier.wait()
        try:
            while deliver_pending(limit=5):
                pass
        finally:
            connection.close()

    pool = [threading.Thread(target=sender) for _ in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    subjects = sorted(text.split("：")[0] for _, text in gateway.sent)
    assert len(subjects) == 30 and len(set(subjects)) == 30
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_send_notifications_command(world, gateway, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=False):
        notify(users_or_volunteers=[world.vol_a], subject="防汛集结", body="8:00 集合")
    call_command("send_notifications")
    assert "已发送 1 条" in capsys.readouterr().out
    assert len(gateway.sent) == 1


@pytest.mark.django_db
def test_a_large_call_is_sent_in_full_right_after_the_commit(world, gateway, django_capture_on_commit_callbacks):
    from wenming.core.notify import BATCH

    with django_capture_on_commit_callbacks(execute=True):
        notify_each_count = BATCH * 3 + 5
        for i in range(notify_each_count):
            notify(users_or_volunteers=[world.vol_a], subject=f"通知 {i}", body="内容")
    assert len(gateway.sent) == notify_each_count  # batch after batch, not only the first
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
