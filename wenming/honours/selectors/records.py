"""Campaigns and nominations: what the actor may read (out of scope and missing are the
same 404), and what the public portal shows."""

from django.db.models import Avg, Count, F, Q, QuerySet

from wenming.core.errors import CoreError
from wenming.core.params import pk_or_404

from ..access import campaign_q, nomination_q
from ..models import HonourCampaign, Nomination, NominationStatus, ReviewStage, Stage

PUBLIC_STATUSES = {
    Stage.VOTING: [NominationStatus.SHORTLISTED],
    # the ballot's results while the office reviews; someone turned down drops out of sight
    Stage.FINAL_REVIEW: [NominationStatus.SHORTLISTED, NominationStatus.SELECTED],
    Stage.NOTICE: [NominationStatus.SELECTED],
    Stage.ANNOUNCED: [NominationStatus.HONOURED],
}
SORTS = {
    "priority": ["-priority", "number"],
    "votes": ["-votes", "number"],
    # unscored last on both databases (PostgreSQL puts NULLs first in a descending order)
    "score": [F("final_avg").desc(nulls_last=True), "-priority", "number"],
    "number": ["number"],
}


def _one(qs: QuerySet, pk):
    obj = qs.filter(pk=pk_or_404(pk)).first()
    if obj is None:
        raise CoreError.NOT_FOUND.error()
    return obj


def campaigns_for_actor(*, actor) -> QuerySet:
    return HonourCampaign.objects.filter(campaign_q(actor)).select_related("node", "category")


def campaign_get_for_actor(*, actor, pk) -> HonourCampaign:
    return _one(campaigns_for_actor(actor=actor), pk)


def nominations_for_actor(*, actor, campaign: HonourCampaign, status: str = "", sort: str = "priority",
                          priority_only: bool = False) -> QuerySet:
    """The campaign's nominations the actor may read, with the final review's average score;
    priority (e.g. 抗疫一线) first unless sorted otherwise."""
    qs = (Nomination.objects.filter(nomination_q(actor), campaign=campaign)
          .select_related("node", "nominating_unit", "nominating_node", "volunteer", "unit", "team")
          .annotate(final_avg=Avg("reviews__total", filter=Q(reviews__stage=ReviewStage.FINAL)),
                    final_reviews=Count("reviews", filter=Q(reviews__stage=ReviewStage.FINAL))))
    if status in NominationStatus.values:
        qs = qs.filter(status=status)
    if priority_only:
        qs = qs.filter(priority=True)
    return qs.order_by(*SORTS.get(sort, SORTS["priority"]))


def nomination_get_for_actor(*, actor, pk) -> Nomination:
    return _one(Nomination.objects.filter(nomination_q(actor)).select_related("campaign", "campaign__node", "node"),
                pk)


# --- the portal ---------------------------------------------------------------------------

def public_campaigns() -> QuerySet:
    return (HonourCampaign.objects.exclude(stage__in=[Stage.DRAFT, Stage.CANCELLED])
            .select_related("category", "node").order_by("-year", "-id"))


def public_campaign(pk) -> HonourCampaign:
    return _one(public_campaigns(), pk)


def public_nominations(campaign: HonourCampaign) -> QuerySet:
    """Who the public sees: the ballot while voting, the selected during the notice, the
    honoured once announced (nothing before the vote)."""
    statuses = PUBLIC_STATUSES.get(campaign.stage, [])
    return (Nomination.objects.filter(campaign=campaign, status__in=statuses).select_related("node")
            .order_by("-priority", "number"))


def public_nomination(campaign: HonourCampaign, pk) -> Nomination:
    return _one(public_nominations(campaign), pk)


def honour_roll(*, level: str = "", year=None) -> QuerySet:
    """Announced honours (光荣榜), newest first, by level and year."""
    qs = (Nomination.objects.filter(status=NominationStatus.HONOURED, campaign__stage=Stage.ANNOUNCED)
          .select_related("campaign", "campaign__category", "campaign__node", "node")
          .order_by("-campaign__year", "campaign_id",
                                                                              "-priority", "number"))
    if level:
        qs = qs.filter(campaign__level=level)
    if isinstance(year, int) and 2000 <= year <= 2100:
        qs = qs.filter(campaign__year=year)
    return qs


def honours_of_volunteer(volunteer) -> list[Nomination]:
    """The honours on a volunteer's record."""
    return list(honour_roll().filter(volunteer=volunteer))
