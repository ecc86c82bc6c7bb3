"""Writes (and audited reads) of counselling records: call logs and follow-ups.

- A call is logged by a counselor of that hotline who was on duty when it came in.
- Only its author changes it, and only within EDIT_WINDOW of entering it.
- A crisis call, or one whose outcome is 需回访, gets a follow-up for its author at once.
- Decrypting a record (summary, notes, the caller's full number) is a service too: it
  writes an audit row naming who read which record, never what it says.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.crypto import decrypt, encrypt, mask_phone
from wenming.core.errors import CoreError
from wenming.orgs.closing import period_check_open

from .access import call_visibility_q
from .errors import HotlineError as E
from .figures import call_changed
from .models import (
    MAX_DURATION_MINUTES,
    CallerGroup,
    CallLog,
    Counselor,
    FollowUp,
    FollowUpKind,
    Hotline,
    Outcome,
    Referral,
    Topic,
)
from .tally_services import call_tallies_settle
from .text import clean_phone, clean_text

EDIT_WINDOW = timedelta(hours=24)
LOG_WINDOW_DAYS = 7  # a call may be logged up to a week after it came in
CLOCK_SKEW = timedelta(minutes=5)
CRISIS_DUE_DAYS = 1
AGREED_DUE_DAYS = 7
MAX_FOLLOWUP_DAYS = 90
SUMMARY_LIMIT = 4000
NOTE_LIMIT = 2000
FIELDS = ("started_at", "duration_minutes", "caller_group", "topic", "outcome", "referral", "is_crisis",
          "summary", "caller_phone")


# ---- checks -------------------------------------------------------------------------------

def on_duty(counselor: Counselor, at: datetime) -> bool:
    """Was `at` inside one of the counselor's duty slots (weekly or dated, overnight ones too)?"""
    local = timezone.localtime(at)
    for slot in counselor.duty_shifts.all():
        for day in (local.date(), local.date() - timedelta(days=1)):
            if slot.applies_on(day):
                start = timezone.make_aware(datetime.combine(day, slot.starts_at), local.tzinfo)
                if start <= local < start + slot.length:
                    return True
    return False


def _started_at(value) -> datetime:
    if not isinstance(value, datetime):
        raise E.STARTED_AT_INVALID.error("started_at", days=LOG_WINDOW_DAYS)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    now = timezone.now()
    if not (now - timedelta(days=LOG_WINDOW_DAYS) <= value <= now + CLOCK_SKEW):
        raise E.STARTED_AT_INVALID.error("started_at", days=LOG_WINDOW_DAYS)
    return value


def _duration(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DURATION_MINUTES:
        raise E.DURATION_INVALID.error("duration_minutes", limit=MAX_DURATION_MINUTES)
    return value


def _choice(value, choices, code) -> str:
    value = "" if value is None else str(value).strip()
    if value not in choices.values:
        raise code.error(value=value[:20])
    return value


def _topic(value) -> Topic:
    code = "" if value is None else str(value).strip()
    topic = Topic.objects.filter(code=code, active=True).first() if code else None
    if topic is None:
        raise E.TOPIC_UNKNOWN.error("topic", value=code[:20])
    return topic


def _model_values(values: dict) -> dict:
    """Checked column values for the keys present in `values` (a create passes them all)."""
    out: dict = {}
    if "started_at" in values:
        out["started_at"] = _started_at(values["started_at"])
    if "duration_minutes" in values:
        out["duration_minutes"] = _duration(values["duration_minutes"])
    if "caller_group" in values:
        out["caller_group"] = _choice(values["caller_group"], CallerGroup, E.CALLER_GROUP_UNKNOWN)
    if "topic" in values:
        out["topic"] = _topic(values["topic"])
    if "outcome" in values:
        out["outcome"] = _choice(values["outcome"], Outcome, E.OUTCOME_UNKNOWN)
    if "referral" in values:
        out["referral"] = _choice(values["referral"], Referral, E.REFERRAL_UNKNOWN)
    if "is_crisis" in values:
        out["is_crisis"] = bool(values["is_crisis"])
    if "summary" in values:
        out["summary_enc"] = encrypt(clean_text(values["summary"], label="通话摘要", limit=SUMMARY_LIMIT))
    if "caller_phone" in values:
        phone = clean_phone(values["caller_phone"])
        out["caller_phone_enc"] = encrypt(phone)
        out["caller_phone_masked"] = mask_phone(phone) if phone else ""
    return out


def _needs_followup(call: CallLog) -> str | None:
    if call.is_crisis:
        return FollowUpKind.CRISIS
    return FollowUpKind.AGREED if call.outcome == Outcome.FOLLOW_UP else None


def _auto_followup(actor, call: CallLog) -> FollowUp | None:
    """Inside the caller's transaction: one open automatic follow-up per call (a partial
    unique index keeps it so)."""
    kind = _needs_followup(call)
    if kind is None or call.followups.filter(done_at__isnull=True).exclude(kind=FollowUpKind.MANUAL).exists():
        return None
    days = CRISIS_DUE_DAYS if kind == FollowUpKind.CRISIS else AGREED_DUE_DAYS
    followup = FollowUp.objects.create(call=call, kind=kind, assigned_to=call.counselor, created_by=actor,
                                       due_on=timezone.localdate() + timedelta(days=days))
    audit_record(actor=actor, action="hotline.followup.create", obj=followup, node_path=call.hotline.node.path,
                 changes={"call": call.pk})
    return followup


# ---- call logs ----------------------------------------------------------------------------

def call_log_create(*, actor, hotline: Hotline, values: dict) -> CallLog:
    """Log a call as the counselor who took it. `values` holds FIELDS (summary and
    caller_phone optional; topic by code)."""
    counselor = Counselor.objects.filter(user_id=getattr(actor, "pk", None), hotline=hotline, active=True,
                                         hotline__active=True).first()
    if counselor is None or not actor.is_active:
        raise E.NOT_YOUR_HOTLINE.error()
    data = _model_values({"referral": "", "is_crisis": False, "summary": "", "caller_phone": "", **values})
    missing = [f for f in ("started_at", "duration_minutes", "caller_group", "topic", "outcome") if f not in data]
    if missing:
        raise CoreError.INVALID_INPUT.error(missing[0], detail=f"缺少 {missing[0]}")
    if data["outcome"] == Outcome.REFERRED and not data["referral"]:
        raise E.REFERRAL_REQUIRED.error("referral")
    if not on_duty(counselor, data["started_at"]):
        raise E.NOT_ON_DUTY.error("started_at")
    with transaction.atomic():
        period_check_open(node=hotline.node, day=timezone.localdate(data["started_at"]))
        call = CallLog.objects.create(hotline=hotline, counselor=counselor, **data)
        call_changed(None, call)
        call_tallies_settle(hotline, call.started_at)  # a month back-entered from paper: never twice
        audit_record(actor=actor, action="hotline.call.create", obj=call, node_path=hotline.node.path)
        _auto_followup(actor, call)
    return call


def call_log_update(*, actor, call: CallLog, values: dict) -> CallLog:
    """The author changes their own log within EDIT_WINDOW; only the keys given change."""
    if call.counselor.user_id != getattr(actor, "pk", None) or not call.counselor.active:
        raise E.NOT_AUTHOR.error()
    data = _model_values({k: v for k, v in values.items() if k in FIELDS})
    with transaction.atomic():
        call = CallLog.objects.select_for_update().select_related("counselor", "hotline__node").get(pk=call.pk)
        if timezone.now() - call.created_at > EDIT_WINDOW:
            raise E.EDIT_WINDOW.error(hours=int(EDIT_WINDOW.total_seconds() // 3600))
        for moment in {call.started_at, data.get("started_at", call.started_at)}:
            period_check_open(node=call.hotline.node, day=timezone.localdate(moment))
        changed = _changed_fields(call, data)
        stored = (call.started_at, call.is_crisis)
        for key, value in data.items():
            setattr(call, key, value)
        if call.outcome == Outcome.REFERRED and not call.referral:
            raise E.REFERRAL_REQUIRED.error("referral")
        if "started_at" in changed and not on_duty(call.counselor, call.started_at):
            raise E.NOT_ON_DUTY.error("started_at")
        if changed:
            call.save()
            if stored != (call.started_at, call.is_crisis):
                call_changed(stored, call)
                for when in sorted({stored[0], call.started_at}):  # a fixed order: no crosswise locks
                    call_tallies_settle(call.hotline, when)
            audit_record(actor=actor, action="hotline.call.update", obj=call, node_path=call.hotline.node.path,
                         changes={"fields": changed})
            _auto_followup(actor, call)
    return call


def _changed_fields(call: CallLog, data: dict) -> list[str]:
    """Names of the fields `data` changes (ciphertexts compared by their plain text)."""
    changed = set()
    for key, value in data.items():
        if key in ("summary_enc", "caller_phone_enc"):
            if decrypt(getattr(call, key)) != decrypt(value):
                changed.add("summary" if key == "summary_enc" else "caller_phone")
        elif key != "caller_phone_masked" and getattr(call, key) != value:
            changed.add(key)
    return sorted(changed)


def may_edit(actor, call: CallLog) -> bool:
    return (call.counselor.user_id == getattr(actor, "pk", None) and call.counselor.active
            and timezone.now() - call.created_at <= EDIT_WINDOW)


@dataclass
class FollowUpView:
    followup: FollowUp
    note: str


@dataclass
class CallRecord:
    """A call as its author or supervisor reads it: the summary and notes decrypted."""

    call: CallLog
    summary: str
    followups: list[FollowUpView] = field(default_factory=list)


def _require_visible(actor, call: CallLog) -> None:
    """Defence in depth: the decrypting services re-check visibility themselves."""
    if not CallLog.objects.filter(call_visibility_q(actor), pk=call.pk).exists():
        raise CoreError.NOT_FOUND.error()


def call_log_read(*, actor, call: CallLog) -> CallRecord:
    _require_visible(actor, call)
    followups = list(call.followups.select_related("assigned_to__user", "done_by").order_by("done_at", "due_on", "id"))
    with transaction.atomic():
        audit_record(actor=actor, action="hotline.call.read", obj=call, node_path=call.hotline.node.path,
                     changes={"fields": ["summary", "followup_notes"], "followups": [f.pk for f in followups]})
    return CallRecord(call=call, summary=decrypt(call.summary_enc),
                      followups=[FollowUpView(f, decrypt(f.note_enc)) for f in followups])


def call_phone_reveal(*, actor, call: CallLog) -> str:
    """The caller's full number (to call back), audited; "" when none was recorded."""
    _require_visible(actor, call)
    with transaction.atomic():
        audit_record(actor=actor, action="hotline.call.reveal_phone", obj=call, node_path=call.hotline.node.path,
                     changes={"fields": ["caller_phone"]})
    return decrypt(call.caller_phone_enc)


# ---- follow-ups ---------------------------------------------------------------------------

def followup_create(*, actor, call: CallLog, due_on) -> FollowUp:
    """An extra follow-up, added by the author or their supervisor; assigned to the author."""
    _require_visible(actor, call)
    today = timezone.localdate()
    if due_on is None or not (today <= due_on <= today + timedelta(days=MAX_FOLLOWUP_DAYS)):
        raise E.DUE_INVALID.error("due_on", days=MAX_FOLLOWUP_DAYS)
    with transaction.atomic():
        followup = FollowUp.objects.create(call=call, kind=FollowUpKind.MANUAL, assigned_to=call.counselor,
                                           created_by=actor, due_on=due_on)
        audit_record(actor=actor, action="hotline.followup.create", obj=followup,
                     node_path=call.hotline.node.path, changes={"call": call.pk})
    return followup


def followup_complete(*, actor, followup: FollowUp, note: str = "") -> FollowUp:
    """Done by the assigned counselor (while active) or the call's supervisor; the note is
    encrypted. A conditional UPDATE on done_at IS NULL: two taps complete it once."""
    _require_visible(actor, followup.call)
    note = clean_text(note, label="回访记录", limit=NOTE_LIMIT)
    with transaction.atomic():
        done = FollowUp.objects.filter(pk=followup.pk, done_at__isnull=True).update(
            done_at=timezone.now(), done_by=actor, note_enc=encrypt(note))
        if not done:
            raise E.FOLLOWUP_DONE.error()
        audit_record(actor=actor, action="hotline.followup.complete", obj=followup,
                     node_path=followup.call.hotline.node.path, changes={"fields": ["note"] if note else []})
    followup.refresh_from_db()
    return followup
