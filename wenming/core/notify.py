"""Notifications through a transactional outbox.

`notify(...)` writes one `core.Notification` row per recipient inside the caller's
transaction: a message exists exactly when the change that caused it committed, and a
crash right after the commit loses nothing. Delivery to the outside (SMS) happens after
the commit, by `deliver_pending()`:

- right after the commit, by a Celery task queued with `transaction.on_commit` (never in
  the web request itself), and
- by the periodic sender (`core.deliver_notifications`, once a minute on Celery beat; or
  `wenming manage send_notifications`), which picks up anything the first attempt missed —
  a crash, a gateway outage, a broker that was down.

A sender leases the rows it takes (`lease` + `next_attempt_at`), so two senders never send
the same row at once; a failed send is retried with back-off up to `MAX_ATTEMPTS`. Delivery is
at least once: a sender that dies between the gateway's answer and marking the row sent
sends it again after the lease expires.

Backends, chosen by `WENMING_NOTIFY_BACKEND` (setting or environment variable):

- ``"outbox"`` (default): the row is the message (站内消息); it counts as delivered when written.
- ``"console"``: each row is delivered as a log line with the user/volunteer id only.
- a dotted path to an `SmsBackend` subclass: the outside SMS gateway. `send_sms(phone, text)`
  is the only part a gateway implements; rows have channel ``sms``.

Recipients without an account are kept by volunteer, so nothing is lost.
"""

import logging
import os
import secrets
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .crypto import decrypt, encrypt, mask_phone
from .models import Notification, NotificationChannel

logger = logging.getLogger("wenming.notify")

MAX_ATTEMPTS = 5
BATCH = 20  # rows per lease: even 20 gateway time-outs of 10 s end well inside the lease
LEASE = timedelta(minutes=5)
IMMEDIATE_BUDGET_S = 10  # the task queued after the commit that wrote the rows
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]


@dataclass(frozen=True)
class Message:
    user_id: int | None
    volunteer_id: int | None
    subject: str
    body: str
    link: str


def _recipient(obj) -> tuple[int | None, int | None]:
    """(user id, volunteer id) of a User or a Volunteer."""
    if obj._meta.label_lower == "volunteers.volunteer":
        return obj.user_id, obj.pk
    return obj.pk, None


def notify(*, users_or_volunteers, subject: str, body: str, link: str = "") -> None:
    """One message per distinct recipient, written in the current transaction."""
    seen: set[tuple] = set()
    messages = []
    for obj in users_or_volunteers:
        key = _recipient(obj)
        if key in seen:
            continue
        seen.add(key)
        messages.append(Message(key[0], key[1], subject, body, link))
    notify_each(messages)


def notify_each(messages: list[Message]) -> None:
    """Messages that differ per recipient (e.g. a personal answer link), written in the
    current transaction; sent after it commits."""
    if not messages:
        return
    backend = get_backend()
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(recipient_id=m.user_id, volunteer_id=m.volunteer_id, channel=backend.channel,
                     subject=m.subject[:200], body=m.body, link=m.link[:500],
                     sent_at=now if backend.delivered_on_write else None)
        for m in messages
    )
    if not backend.delivered_on_write:
        ids = [r.pk for r in rows]
        _queue_delivery(ids)


@dataclass(frozen=True)
class PhoneMessage:
    phone: str
    subject: str
    body: str


def notify_phone(*, phone: str, subject: str, body: str) -> None:
    """A message to someone known only by a phone number (a resident's one-time code),
    written in the current transaction like any other and sent after it commits."""
    notify_phones([PhoneMessage(phone, subject, body)])


def notify_phones(messages: list[PhoneMessage]) -> None:
    """Several phone messages (a run's receipt codes): one batch of rows, one send after
    commit. Such bodies may hold one-time codes: they are blanked once sent or given up."""
    if not messages:
        return
    backend = get_backend()
    sent_at = timezone.now() if backend.delivered_on_write else None
    rows = Notification.objects.bulk_create(
        Notification(phone_enc=encrypt(m.phone), phone_masked=mask_phone(m.phone), channel=backend.channel,
                     subject=m.subject[:200], body=m.body, sent_at=sent_at) for m in messages)
    if not backend.delivered_on_write:
        ids = [r.pk for r in rows]
        _queue_delivery(ids)


def _queue_delivery(ids: list[int]) -> None:
    from .periodic import on_commit_send
    from .tasks import deliver_notifications_now

    on_commit_send(deliver_notifications_now, ids)


def deliver_all(*, ids: list[int] | None = None, budget_s: float = IMMEDIATE_BUDGET_S) -> int:
    """Deliver batch after batch until nothing is due or the time budget is spent (the rest
    waits for the next run); returns how many were sent. The periodic task."""
    deadline = time.monotonic() + budget_s
    sent = 0
    while time.monotonic() < deadline:
        taken, ok = _deliver_batch(ids=ids, limit=BATCH)
        sent += ok
        if not taken:
            break
    return sent


def get_backend() -> "Backend":
    name = getattr(settings, "WENMING_NOTIFY_BACKEND", None) or os.environ.get("WENMING_NOTIFY_BACKEND", "outbox")
    if name in BACKENDS:
        return BACKENDS[name]()
    return import_string(name)()


def real_sms_configured() -> bool:
    """Whether texts leave the building: the backend is an SMS gateway (not the outbox or the
    console). Without one, a text code reaches nobody but the 演示短信 inbox (core/demo_sms.py)."""
    name = getattr(settings, "WENMING_NOTIFY_BACKEND", None) or os.environ.get("WENMING_NOTIFY_BACKEND", "outbox")
    backend = BACKENDS[name] if name in BACKENDS else import_string(name)
    return isinstance(backend, type) and issubclass(backend, SmsBackend)


def _pending_q(now) -> Q:
    return (Q(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)))


def _lease(*, ids: list[int] | None, limit: int) -> list[Notification]:
    """Take up to `limit` due rows for this sender: a conditional UPDATE marks them with a
    fresh lease token (so a row taken by another sender in between is skipped) and counts the
    attempt now, so a sender that crashes mid-batch still uses one up."""
    now = timezone.now()
    due = Notification.objects.filter(_pending_q(now))
    if ids is not None:
        due = due.filter(pk__in=ids)
    candidates = list(due.order_by("id").values_list("pk", flat=True)[:limit])
    if not candidates:
        return []
    token = secrets.token_hex(8)
    Notification.objects.filter(_pending_q(now), pk__in=candidates).update(
        lease=token, next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    return list(Notification.objects.filter(lease=token).select_related("volunteer", "recipient").order_by("id"))


def deliver_pending(*, ids: list[int] | None = None, limit: int = BATCH) -> int:
    """Send one batch of due rows; returns how many were sent."""
    return _deliver_batch(ids=ids, limit=limit)[1]


def _deliver_batch(*, ids: list[int] | None, limit: int) -> tuple[int, int]:
    """(rows taken, rows sent). Each row is marked sent, or scheduled for another attempt
    with its error class (never the gateway's text, which may quote the phone number)."""
    backend = get_backend()
    rows = _lease(ids=ids, limit=limit)
    sent = 0
    for row in rows:
        attempts = row.attempts
        try:
            backend.deliver(row)
        except NoPhone:
            Notification.objects.filter(pk=row.pk, lease=row.lease).update(
                attempts=MAX_ATTEMPTS, error="NoPhone", lease="", **_forget(row))  # retrying cannot help
        except Exception as exc:
            logger.error("notification %s attempt %s failed: %s", row.pk, attempts, type(exc).__name__)
            retry_at = timezone.now() + BACKOFF[min(attempts, len(BACKOFF)) - 1]
            given_up = _forget(row) if attempts >= MAX_ATTEMPTS else {}
            Notification.objects.filter(pk=row.pk, lease=row.lease).update(
                error=type(exc).__name__[:100], next_attempt_at=retry_at, lease="", **given_up)
        else:
            done = {"sent_at": timezone.now(), "error": "", "lease": ""}
            done |= _forget(row, "（已发送，内容不保留）")  # a one-time code must not outlive its sending
            Notification.objects.filter(pk=row.pk, lease=row.lease).update(**done)
            sent += 1
    return len(rows), sent


def _forget(row: Notification, text: str = "（未能发送，内容不保留）") -> dict:
    """A phone-only message (a resident's one-time or receipt code) keeps no body once it is
    sent or given up."""
    return {"body": text} if row.recipient_id is None and row.volunteer_id is None else {}


class NoPhone(Exception):
    """The recipient has no phone number on record: no SMS can reach them."""


class Backend(ABC):
    channel = NotificationChannel.INBOX
    delivered_on_write = False  # True when the outbox row itself is the delivery

    @abstractmethod
    def deliver(self, row: Notification) -> None:
        """Send one row; raise to have it retried."""


class OutboxBackend(Backend):
    delivered_on_write = True

    def deliver(self, row: Notification) -> None:  # pragma: no cover - rows are written as sent
        pass


class ConsoleBackend(Backend):
    def deliver(self, row: Notification) -> None:
        logger.info("notification user=%s volunteer=%s phone=%s", row.recipient_id, row.volunteer_id,
                    row.phone_masked or "-")


class SmsBackend(Backend):
    """Sends each row as an SMS. Subclasses implement `send_sms` against the real gateway."""

    channel = NotificationChannel.SMS

    @abstractmethod
    def send_sms(self, phone: str, text: str) -> None: ...

    def send_sms_once(self, phone: str, text: str, *, message_id: str) -> None:
        """Send with a client message id that is the same on every attempt for one row. A
        sender killed after the gateway took a text but before the row was marked sent sends
        it again when the lease runs out (at least once); a gateway that drops a second
        message with the same client id makes that exactly once. Adapters for such gateways
        override this and pass `message_id`; the default cannot, and just sends."""
        self.send_sms(phone, text)

    def deliver(self, row: Notification) -> None:
        holder = row.volunteer if row.volunteer_id else row.recipient
        if holder is not None:
            phone = holder.reveal_phone() if holder.phone_enc else ""
        else:
            phone = decrypt(row.phone_enc) if row.phone_enc else ""
        if not phone:
            raise NoPhone()
        link = f"{settings.SITE_URL}{row.link}" if row.link.startswith("/") else row.link  # a text needs a full URL
        text = f"【{settings.SITE_NAME}】{row.subject}：{row.body}" + (f" {link}" if link else "")
        self.send_sms_once(phone, text, message_id=message_id_of(row))


def message_id_of(row: Notification) -> str:
    """The client message id of a row: stable across attempts, unique per installation's rows."""
    return f"wenming-{row.pk}"


class FakeSmsGateway(SmsBackend):
    """The outside gateway replaced for tests and demos: remembers what it was asked to
    send, and fails while `failing` is set."""

    sent: list[tuple[str, str]] = []
    failing = False

    def send_sms(self, phone: str, text: str) -> None:
        if FakeSmsGateway.failing:
            raise ConnectionError("gateway unavailable")
        FakeSmsGateway.sent.append((phone, text))


BACKENDS = {"outbox": OutboxBackend, "console": ConsoleBackend}
