"""Objections of the public notice as staff read them: those against nominations whose place
lies where the actor reads honours (the nominating unit or person does not see who objected)."""

from django.db.models import QuerySet

from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError

from ..access import HONOUR_VIEW
from ..models import HonourCampaign, Objection, ObjectionStatus


def objections_for_actor(*, actor, campaign: HonourCampaign, status: str = "") -> QuerySet:
    qs = (Objection.objects.filter(scope_for(actor).q(HONOUR_VIEW, "nomination__node__path"),
                                   nomination__campaign=campaign)
          .select_related("nomination"))
    if status in ObjectionStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("status", "-created_at", "-id")  # open ones first


def objection_get_for_actor(*, actor, pk: int) -> Objection:
    found = (Objection.objects.filter(scope_for(actor).q(HONOUR_VIEW, "nomination__node__path"), pk=pk)
             .select_related("nomination", "nomination__campaign", "nomination__campaign__node",
                             "nomination__node").first())
    if found is None:
        raise CoreError.NOT_FOUND.error()
    return found
