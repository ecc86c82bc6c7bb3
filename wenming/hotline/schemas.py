"""Request and response shapes of the hotline API. List shapes carry no counselling
content: only CallDetailOut and FollowUpNoteOut hold decrypted text, and only the
decrypting services (which audit) fill them."""

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone
from ninja import Schema

from .models import CallLog, Counselor, FollowUp


class TopicOut(Schema):
    code: str
    name: str


class HotlineIn(Schema):
    node_id: int
    name: str
    number: str
    hours: str = ""


class HotlineOut(Schema):
    id: int
    node_id: int
    node_name: str
    name: str
    number: str
    hours: str
    active: bool

    @staticmethod
    def resolve_node_name(obj) -> str:
        return obj.node.name


class CounselorIn(Schema):
    user_id: int
    supervisor_id: int | None = None
    is_supervisor: bool = False


class CounselorPatch(Schema):
    supervisor_id: int | None = None
    is_supervisor: bool | None = None
    active: bool | None = None


class CounselorOut(Schema):
    id: int
    hotline_id: int
    user_id: int
    name: str
    supervisor_id: int | None
    supervisor_name: str | None
    is_supervisor: bool
    active: bool

    @staticmethod
    def resolve_name(obj: Counselor) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_supervisor_name(obj: Counselor) -> str | None:
        return str(obj.supervisor) if obj.supervisor_id else None


class SlotIn(Schema):
    weekday: int | None = None  # 1 = 周一 … 7 = 周日
    on_date: date | None = None
    starts_at: time
    ends_at: time  # at or before starts_at: runs into the next day


class ScheduleIn(Schema):
    shifts: list[SlotIn]


class SlotOut(Schema):
    id: int
    weekday: int | None
    on_date: date | None
    starts_at: time
    ends_at: time


class CallIn(Schema):
    hotline_id: int
    started_at: datetime
    duration_minutes: int
    caller_group: str
    topic: str  # a topic code, see GET /hotline-topics
    outcome: str
    referral: str = ""
    is_crisis: bool = False
    summary: str = ""
    caller_phone: str = ""


class CallPatch(Schema):
    started_at: datetime | None = None
    duration_minutes: int | None = None
    caller_group: str | None = None
    topic: str | None = None
    outcome: str | None = None
    referral: str | None = None
    is_crisis: bool | None = None
    summary: str | None = None
    caller_phone: str | None = None


class CallOut(Schema):
    """A call without its content (lists): no summary, the phone masked."""

    id: int
    hotline_id: int
    hotline_name: str
    counselor_id: int
    counselor_name: str
    started_at: datetime
    duration_minutes: int
    caller_group: str
    caller_group_label: str
    topic: str
    topic_name: str
    outcome: str
    outcome_label: str
    referral: str
    referral_label: str
    is_crisis: bool
    caller_phone_masked: str
    created_at: datetime

    @staticmethod
    def resolve_hotline_name(obj: CallLog) -> str:
        return obj.hotline.name

    @staticmethod
    def resolve_counselor_name(obj: CallLog) -> str:
        return str(obj.counselor.user)

    @staticmethod
    def resolve_caller_group_label(obj: CallLog) -> str:
        return obj.get_caller_group_display()

    @staticmethod
    def resolve_topic(obj: CallLog) -> str:
        return obj.topic.code

    @staticmethod
    def resolve_topic_name(obj: CallLog) -> str:
        return obj.topic.name

    @staticmethod
    def resolve_outcome_label(obj: CallLog) -> str:
        return obj.get_outcome_display()

    @staticmethod
    def resolve_referral_label(obj: CallLog) -> str:
        return obj.get_referral_display() if obj.referral else ""


class FollowUpOut(Schema):
    id: int
    call_id: int
    kind: str
    assigned_counselor_id: int
    due_on: date
    done_at: datetime | None
    overdue: bool

    @staticmethod
    def resolve_assigned_counselor_id(obj: FollowUp) -> int:
        return obj.assigned_to_id

    @staticmethod
    def resolve_overdue(obj: FollowUp) -> bool:
        return obj.done_at is None and obj.due_on < timezone.localdate()


class FollowUpNoteOut(FollowUpOut):
    note: str


class CallDetailOut(CallOut):
    summary: str
    followups: list[FollowUpNoteOut]

    @staticmethod
    def resolve_followups(obj) -> list:
        return obj.followup_rows


class FollowUpIn(Schema):
    due_on: date


class CompleteIn(Schema):
    note: str = ""


class PhoneOut(Schema):
    caller_phone: str


class StatRowOut(Schema):
    key: str
    label: str
    calls: int | None  # rounded to round_to; None when not shown (1 or 2 calls, or hidden to protect another)
    crisis: int | None
    avg_minutes: Decimal | None
    suppressed: bool


class StatsOut(Schema):
    period: str
    date_from: date
    date_to: date
    min_cell: int
    round_to: int
    total: StatRowOut
    by_period: list[StatRowOut]
    by_caller_group: list[StatRowOut]
    by_topic: list[StatRowOut]
    by_hotline: list[StatRowOut]
    withheld: list[str]  # breakdowns not listed (by_period, …): too few calls to break down safely


class CallFilter(Schema):
    scope: str = "all"  # all | mine | supervised
    hotline_id: str | None = None
    counselor_id: str | None = None
    crisis: bool | None = None
    page: int = 1
    page_size: int = 20


class FollowUpFilter(Schema):
    scope: str = "mine"  # mine | supervised | all
    open: bool = True


class StatsFilter(Schema):
    period: str = "day"
    date_from: date | None = None
    date_to: date | None = None
    node_id: str | None = None
    hotline_id: str | None = None
