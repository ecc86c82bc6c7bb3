"""The public vote as a voter's page reads it: a nominee on the ballot, the day's allowance
used, and the live totals."""

from datetime import datetime

from django.utils import timezone

from wenming.core.params import pk_or_404

from ..errors import HonourError as E
from ..models import HonourCampaign, Nomination, Stage, VoterDay
from .records import public_campaign


def ballot_entry(campaign_id, nomination_id: int) -> Nomination:
    """The nomination a vote names, with its campaign, in one query (the vote's hot path):
    the service checks it is on the ballot and the vote open. A campaign off the portal is
    404 like a missing one; a nomination not of this campaign is `honours.not_on_ballot`."""
    found = (Nomination.objects.select_related("campaign")
             .filter(pk=nomination_id, campaign_id=pk_or_404(campaign_id))
             .exclude(campaign__stage__in=[Stage.DRAFT, Stage.CANCELLED]).first())
    if found is None:
        public_campaign(campaign_id)  # 404 unless the campaign is on the portal
        raise E.NOT_ON_BALLOT.error("nomination_id")
    return found


def votes_used_today(campaign: HonourCampaign, phone_hash: str, now: datetime | None = None) -> int:
    day = timezone.localtime(now or timezone.now()).date()
    return (VoterDay.objects.filter(campaign=campaign, phone_hash=phone_hash, day=day)
            .values_list("used", flat=True).first() or 0)


def live_total(nominees: list[Nomination]) -> int:
    """The live votes of the nominees shown."""
    return sum(n.votes for n in nominees)
