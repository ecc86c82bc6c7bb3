"""Reads the call pages need, built on the scoped selectors in selectors.py.

The staff pages only show calls of the actor's subtrees (project.view); a volunteer who was
targeted reaches their own answer through the answer page, never through these lists.
"""

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.crypto import mask_name
from wenming.core.errors import CoreError, DomainError
from wenming.orgs.models import Node
from wenming.service.models import EnrollmentStatus, ProjectStatus, Shift

from .errors import MobilizationError
from .models import Answer, Call, CallResponse, CallStatus
from .selectors import call_list_for_actor

SHIFT_CHOICE_LIMIT = 200


def call_list_for_staff(*, actor, status: str = "") -> QuerySet:
    """Calls of the actor's subtrees with their answer counts (one GROUP BY per page)."""
    qs = call_list_for_actor(actor=actor, status=status).filter(scope_for(actor).q(Perm.PROJECT_VIEW, "node__path"))
    return qs.annotate(
        yes_count=Count("responses", filter=Q(responses__answer=Answer.YES)),
        no_count=Count("responses", filter=Q(responses__answer=Answer.NO)),
        pending_count=Count("responses", filter=Q(responses__answer=Answer.PENDING)),
    )


def call_get_for_staff(*, actor, call_id: int) -> Call:
    call = (call_list_for_actor(actor=actor).filter(scope_for(actor).q(Perm.PROJECT_VIEW, "node__path"))
            .filter(pk=call_id).select_related("shift__project__node").first())
    if call is None:
        raise CoreError.NOT_FOUND.error()
    return call


def call_answer_rows(*, call: Call, answer: str = "") -> QuerySet:
    """The targeted volunteers, latest answers first, then those still pending."""
    qs = CallResponse.objects.filter(call=call).select_related("volunteer", "enrollment")
    if answer in Answer.values:
        qs = qs.filter(answer=answer)
    # nulls_last: pending rows (no answered_at) after the answered ones on both databases.
    return qs.order_by(F("answered_at").desc(nulls_last=True), "id")


def masked_answer_row(response: CallResponse) -> dict:
    """What the tally page shows of a volunteer: masked name and phone, never more."""
    vol = response.volunteer
    enrollment = response.enrollment
    return {"name": mask_name(vol.name), "phone": vol.phone_masked, "answer": response.answer,
            "answer_label": response.get_answer_display(), "answered_at": response.answered_at,
            "enrollment": enrollment.get_status_display() if enrollment else ""}


def recruiting_shifts_under(*, actor, node: Node) -> QuerySet:
    """Shifts a call at `node` may gather on: recruiting projects of its subtree the actor may
    edit, not yet started."""
    return (Shift.objects.filter(scope_for(actor).q(Perm.PROJECT_EDIT, "project__node__path"),
                                 project__node__path__startswith=node.path,
                                 project__status=ProjectStatus.RECRUITING, starts_at__gt=timezone.now())
            .select_related("project__node").order_by("starts_at", "id"))


def shift_choices(shifts) -> list[tuple[str, str]]:
    out = []
    for s in shifts[:SHIFT_CHOICE_LIMIT]:
        when = timezone.localtime(s.starts_at)
        out.append((str(s.pk), f"{s.project.title} · {s.title} · {when:%m月%d日 %H:%M} · {s.project.node.name}"))
    return out


def call_open_error(call: Call) -> DomainError | None:
    """Why the call no longer takes answers (the same checks the service makes), or None."""
    if call.status != CallStatus.OPEN:
        return MobilizationError.CALL_CLOSED.error()
    if timezone.now() > call.deadline:
        return MobilizationError.DEADLINE_PASSED.error()
    return None


def responses_of_volunteer(*, volunteer) -> QuerySet:
    """The calls a logged-in volunteer was targeted by, newest first."""
    return (CallResponse.objects.filter(volunteer=volunteer)
            .select_related("call__shift__project", "call__node", "enrollment").order_by("-call_id"))


@dataclass(frozen=True)
class CallState:
    """A call as the volunteer sees it: `key` (CSS tag state-<key>), the state in words, the
    next step in words, and whether the answer buttons apply."""

    key: str
    label: str
    note: str = ""
    can_answer: bool = False


def describe_response(response: CallResponse, now=None) -> CallState:
    """Reads only the row, its call, shift and enrollment (loaded with it) and the clock."""
    now = now or timezone.now()
    call = response.call
    shift = call.shift
    gather = f"{timezone.localtime(shift.starts_at):%m月%d日 %H:%M}"
    if response.answer == Answer.PENDING:
        if call.status != CallStatus.OPEN or now > call.deadline:
            return CallState("past", "未响应 · 已截止", "该招募令已结束，无需操作。")
        return CallState("pending", "待响应", f"请在 {timezone.localtime(call.deadline):%m月%d日 %H:%M} 前响应："
                                              f"选择“愿意参加”即报名 {gather} 的集结班次。", can_answer=True)
    if response.answer == Answer.NO:
        return CallState("closed", "已回复不参加", "无需操作，感谢您的关注。")
    enrollment = response.enrollment
    if enrollment is None:
        return CallState("enrolled", "愿意参加", "报名记录已不在，请联系发起阵地。")
    if enrollment.status == EnrollmentStatus.CANCELLED:
        return CallState("cancelled", "已取消报名", "您的报名已取消，无需到岗。")
    if enrollment.status == EnrollmentStatus.NO_SHOW:
        return CallState("absent", "未到岗", "该班次被标记为未到岗。")
    if now >= shift.ends_at:
        return CallState("past", "已结束", "签到和时长见“我的服务”。")
    if enrollment.status == EnrollmentStatus.WAITLISTED:
        if now >= shift.starts_at:
            return CallState("past", "候补未递补", "集结开始前没有空出名额。")
        return CallState("waitlisted", "候补中", "名额已满，有人取消时按顺序自动递补，递补成功会通知您。")
    if now >= shift.starts_at:
        return CallState("started", "已报名 · 进行中", "请到集结地点扫场所码签到。")
    return CallState("enrolled", "已报名", f"请于 {gather} 按时到集结地点，到场后扫场所码签到。")


def my_call_rows(*, volunteer, limit: int = 100) -> list[CallResponse]:
    """The volunteer's calls (one query), each with `.state`."""
    now = timezone.now()
    rows = list(responses_of_volunteer(volunteer=volunteer)[:limit])
    for row in rows:
        row.state = describe_response(row, now)
    return rows
