"""Online activities (云上活动): create and edit them; count views, shares and participations
once per person per day.

The person is never stored: `person_key` is a keyed blind index (HMAC with the project's
blind-index key) of a logged-in user's id, a phone number, a WeChat openid or the visitor
token the public page sets. Counting once is the database's job: the engagement row is
inserted in a savepoint and the unique (activity, person, day, kind) constraint turns a
double tap or a concurrent request into an IntegrityError, which answers "already counted".
The figure (online_views/_shares/_participants) is recorded only when the row was inserted,
in the same transaction — a duplicate can never add to it.
"""

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.crypto import blind_index
from wenming.core.errors import CoreError
from wenming.core.ratelimit import allow
from wenming.orgs.models import Node

from . import access, figures
from .errors import CampaignError as E
from .models import ActivityEngagement, EngagementKind, OnlineActivity

PERSON_PURPOSE = "campaigns.engagement"
EDITABLE = ("title", "description", "link", "starts_at", "ends_at")
_PHONE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
PERSON_TOKEN = re.compile(r"[A-Za-z0-9_\-.:=]{8,128}")
_URL = URLValidator(schemes=["http", "https"])
# A client address may register this many engagements a minute: a page has three buttons
# and many visitors share one carrier NAT address. Repeats by one person need no limit of
# their own — they are answered from the unique constraint and never count.
PER_CLIENT_MINUTE = 120


def _text(value) -> str:
    return (value or "").strip()


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _link(value) -> str:
    link = _text(value)
    if link:
        try:
            _URL(link)
        except ValidationError:
            raise E.LINK_INVALID.error("link") from None
    return link[:500]


def _checked(title, description, link, starts_at, ends_at) -> dict:
    title = _text(title)
    if not title:
        raise E.TITLE_REQUIRED.error("title")
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise E.TIME_ORDER.error("ends_at")
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    if ends_at <= starts_at:
        raise E.TIME_ORDER.error("ends_at")
    return {"title": title[:100], "description": _text(description)[:500], "link": _link(link),
            "starts_at": starts_at, "ends_at": ends_at}


def activity_create(*, actor, node: Node, title: str, starts_at: datetime, ends_at: datetime, link: str = "",
                    description: str = "") -> OnlineActivity:
    access.check_node_edit(actor, node)
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=node.name)
    values = _checked(title, description, link, starts_at, ends_at)
    with transaction.atomic():
        activity = OnlineActivity.objects.create(node=node, created_by=actor, **values)
        audit_record(actor=actor, action="campaigns.activity_create", obj=activity, node_path=node.path,
                     changes={"title": activity.title})
    return activity


def activity_update(*, actor, activity: OnlineActivity, **changes) -> OnlineActivity:
    """Edit title, description, link or times. What was counted stays counted."""
    access.check_node_edit(actor, activity.node)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    merged = {k: getattr(activity, k) for k in EDITABLE}
    merged.update({k: v for k, v in changes.items() if v is not None})
    values = _checked(**merged)
    diff = {k: v for k, v in values.items() if getattr(activity, k) != v}
    if not diff:
        return activity
    with transaction.atomic():
        for key, value in diff.items():
            setattr(activity, key, value)
        activity.save(update_fields=list(diff))
        audit_record(actor=actor, action="campaigns.activity_update", obj=activity, node_path=activity.node.path,
                     changes={k: str(v) for k, v in diff.items()})
    return activity


def person_key_for(*, user=None, person: str = "") -> str:
    """The blind index of the person behind an engagement: a logged-in user, else a phone
    number, an openid or a visitor token. Case is kept (openids are case-sensitive)."""
    if user is not None and getattr(user, "is_authenticated", False):
        ident = f"user:{user.pk}"
    else:
        raw = _text(person)
        phone = _PHONE.fullmatch(re.sub(r"[\s\-()]", "", raw))
        if phone:
            ident = f"phone:{phone.group(1)}"
        elif PERSON_TOKEN.fullmatch(raw):
            ident = f"id:{raw}"
        else:
            raise E.PERSON_INVALID.error("person")
    return blind_index(ident.encode().hex(), PERSON_PURPOSE)


def _open_state(activity: OnlineActivity, now: datetime) -> str | None:
    if now < activity.starts_at:
        return "尚未开始"
    if now > activity.ends_at:
        return "已结束"
    return None


def engagement_register(*, activity: OnlineActivity, kind: str, person_key: str, client: str = "",
                        now: datetime | None = None) -> bool:
    """Count one view/share/participation of the person today. True when it was counted now,
    False when it had already been counted today (a double tap, a second request)."""
    if kind not in EngagementKind.values:
        raise E.ENGAGEMENT_KIND.error("kind", value=str(kind)[:20])
    if client and not allow("campaigns-engage", client, limit=PER_CLIENT_MINUTE, window=60):
        raise CoreError.RATE_LIMITED.error()
    now = now or timezone.now()
    state = _open_state(activity, now)
    if state:
        raise E.ACTIVITY_NOT_OPEN.error(state=state)
    day = timezone.localdate(now)
    with transaction.atomic():
        try:
            with transaction.atomic():  # the savepoint the duplicate rolls back to
                ActivityEngagement.objects.create(activity=activity, person_key=person_key, day=day, kind=kind)
        except IntegrityError:
            return False
        figures.engagement_recorded(node_id=activity.node_id, kind=kind, day=day)
    return True
