"""Reads the call pages need, built on the scoped selectors in selectors.py.

The staff pages only show calls of the actor's subtrees (project.view); a volunteer who was
targeted reaches their own answer through the answer page, never through these lists.
"""

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.crypto import mask_name
from wenming.core.errors import CoreError, DomainError
from wenming.orgs.models import Node
from wenming.service.models import ProjectStatus, Shift

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
            .select_related("call__shift__project", "call__node").order_by("-call_id"))
