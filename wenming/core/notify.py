"""Notifications: one adapter, backends chosen by the `WENMING_NOTIFY_BACKEND` setting.

Services call `notify(...)` inside their transaction; nothing is sent unless and until
it commits (`transaction.on_commit`). Backends:

- ``"outbox"`` (default): a `core.Notification` row per recipient (站内消息); a worker or
  the volunteer's inbox page reads them.
- ``"console"``: a log line per recipient with the user/volunteer id only, never personal data.
- a dotted path to an `SmsBackend` subclass: the outside SMS gateway. `send_sms(phone, text)`
  is the only part a gateway implements; the row is written (channel ``sms``) either way.

Recipients without an account are kept by volunteer, so nothing is lost.
"""

import logging
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification, NotificationChannel

logger = logging.getLogger("wenming.notify")


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
    """Queue one message per recipient; delivered when the current transaction commits."""
    seen: set[tuple] = set()
    messages = []
    for obj in users_or_volunteers:
        key = _recipient(obj)
        if key in seen:
            continue
        seen.add(key)
        messages.append(Message(key[0], key[1], subject[:200], body, link[:500]))
    if messages:
        transaction.on_commit(partial(_deliver, messages))


def notify_each(messages: list[Message]) -> None:
    """Queue messages that differ per recipient (e.g. a personal answer link)."""
    if messages:
        transaction.on_commit(partial(_deliver, list(messages)))


def get_backend() -> "Backend":
    name = getattr(settings, "WENMING_NOTIFY_BACKEND", None) or os.environ.get("WENMING_NOTIFY_BACKEND", "outbox")
    if name in BACKENDS:
        return BACKENDS[name]()
    return import_string(name)()


def _deliver(messages: list[Message]) -> None:
    get_backend().send(messages)


class Backend(ABC):
    @abstractmethod
    def send(self, messages: list[Message]) -> None: ...


class OutboxBackend(Backend):
    channel = NotificationChannel.INBOX

    def rows(self, messages: list[Message], sent_at=None) -> list[Notification]:
        return Notification.objects.bulk_create(
            Notification(recipient_id=m.user_id, volunteer_id=m.volunteer_id, channel=self.channel,
                         subject=m.subject, body=m.body, link=m.link, sent_at=sent_at)
            for m in messages
        )

    def send(self, messages: list[Message]) -> None:
        self.rows(messages)


class ConsoleBackend(Backend):
    def send(self, messages: list[Message]) -> None:
        for m in messages:
            logger.info("notification user=%s volunteer=%s", m.user_id, m.volunteer_id)


class SmsBackend(OutboxBackend):
    """Sends each message as an SMS and keeps the row (channel sms). Subclasses implement
    `send_sms` against the real gateway; a recipient with no phone keeps an unsent row."""

    channel = NotificationChannel.SMS

    @abstractmethod
    def send_sms(self, phone: str, text: str) -> None: ...

    def send(self, messages: list[Message]) -> None:
        from wenming.accounts.models import User
        from wenming.volunteers.models import Volunteer

        vols = Volunteer.objects.in_bulk([m.volunteer_id for m in messages if m.volunteer_id])
        users = User.objects.in_bulk([m.user_id for m in messages if m.user_id and not m.volunteer_id])
        sent, unsent = [], []
        for m in messages:
            holder = vols.get(m.volunteer_id) if m.volunteer_id else users.get(m.user_id)
            phone = holder.reveal_phone() if holder is not None and holder.phone_enc else ""
            if not phone:
                unsent.append(m)
                continue
            link = f"{settings.SITE_URL}{m.link}" if m.link.startswith("/") else m.link  # a text needs a full URL
            text = f"【{settings.SITE_NAME}】{m.subject}：{m.body}" + (f" {link}" if link else "")
            try:
                self.send_sms(phone, text)
            except Exception as exc:
                # Only the class: a gateway's message may quote the phone number (rule 7).
                logger.error("sms failed user=%s volunteer=%s error=%s", m.user_id, m.volunteer_id,
                             type(exc).__name__)
                unsent.append(m)
            else:
                sent.append(m)
        self.rows(sent, sent_at=timezone.now())
        self.rows(unsent)


class FakeSmsGateway(SmsBackend):
    """The outside gateway replaced for tests and demos: remembers what it was asked to send."""

    sent: list[tuple[str, str]] = []

    def send_sms(self, phone: str, text: str) -> None:
        FakeSmsGateway.sent.append((phone, text))


BACKENDS = {"outbox": OutboxBackend, "console": ConsoleBackend}
