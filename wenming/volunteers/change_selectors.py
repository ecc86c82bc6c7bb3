"""Reads for volunteers' own changes of insurance and skills (change_models.py).

Staff see the changes of volunteers homed in their volunteer.edit subtrees (the ones they may
confirm), never their own; a volunteer sees their own. Anything else answers as not found.
"""

from django.db.models import Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import NOTHING, scope_for
from wenming.core.errors import CoreError

from .change_models import ChangeKind, ChangeStatus, ProfileChange


def _decidable_q(actor) -> Q:
    scope = scope_for(actor)
    if scope.user_id is None:
        return NOTHING
    return scope.q(Perm.VOLUNTEER_EDIT, "volunteer__home_node__path") & ~Q(volunteer__user_id=scope.user_id)


def profile_change_list_for_actor(*, actor, status: str = ChangeStatus.PENDING, kind: str = "") -> QuerySet:
    """What waits for this staff member's decision (or, with another status, what was decided)."""
    qs = ProfileChange.objects.filter(_decidable_q(actor))
    if status in ChangeStatus.values:
        qs = qs.filter(status=status)
    if kind in ChangeKind.values:
        qs = qs.filter(kind=kind)
    return (qs.select_related("volunteer__home_node", "evidence", "decided_by")
            .prefetch_related("skills", "volunteer__skills").order_by("submitted_at", "id"))


def profile_change_get_for_actor(*, actor, change_id: int) -> ProfileChange:
    change = (ProfileChange.objects.filter(_decidable_q(actor)).select_related("volunteer__home_node", "evidence")
              .filter(pk=change_id).first())
    if change is None:
        raise CoreError.NOT_FOUND.error()
    return change


def own_change_get(*, actor, change_id: int) -> ProfileChange:
    """A change of the actor's own volunteer record."""
    scope = scope_for(actor)
    change = (ProfileChange.objects.filter(volunteer__user_id=scope.user_id).select_related("volunteer__home_node")
              .filter(pk=change_id).first()) if scope.user_id is not None else None
    if change is None:
        raise CoreError.NOT_FOUND.error()
    return change


def evidence_change_for_actor(*, actor, change_id: int) -> ProfileChange | None:
    """The change whose evidence photo the actor may see (their own, or one they may
    decide), or None: the image view answers 404 either way."""
    scope = scope_for(actor)
    if scope.user_id is None:
        return None
    q = _decidable_q(actor) | Q(volunteer__user_id=scope.user_id)
    return ProfileChange.objects.filter(q).select_related("evidence", "volunteer__home_node").filter(
        pk=change_id).first()


def pending_count_for_actor(actor) -> int:
    return ProfileChange.objects.filter(_decidable_q(actor), status=ChangeStatus.PENDING).count()


def changes_of_volunteer(volunteer, *, limit: int = 10) -> list[ProfileChange]:
    """The volunteer's own recent submissions (withdrawn ones left out), newest first."""
    return list(ProfileChange.objects.filter(volunteer=volunteer).exclude(status=ChangeStatus.WITHDRAWN)
                .select_related("evidence").prefetch_related("skills").order_by("-submitted_at", "-id")[:limit])


def latest_by_kind(changes: list[ProfileChange]) -> dict[str, ProfileChange]:
    """The newest change of each kind: what the volunteer's page says of insurance and skills."""
    out: dict[str, ProfileChange] = {}
    for change in changes:
        out.setdefault(change.kind, change)
    return out


def confirmed_insurance(volunteer) -> ProfileChange | None:
    """The confirmed submission the volunteer's current insurance date came from (insurer and
    policy number are kept on it), if the date still is that one."""
    if volunteer.insurance_valid_until is None:
        return None
    return (ProfileChange.objects.filter(volunteer=volunteer, kind=ChangeKind.INSURANCE, status=ChangeStatus.CONFIRMED,
                                         insurance_valid_until=volunteer.insurance_valid_until)
            .order_by("-decided_at", "-id").first())
