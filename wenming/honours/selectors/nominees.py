"""What a nominator may name in a nomination (the volunteer, unit, team, work unit, place and
nominating unit or node), and one nomination with everything its detail page shows.

Every lookup answers the same 404 for a missing row and for one the actor may not name, so
an id in a request body tells nobody whether that volunteer or unit exists elsewhere."""

from django.db.models import Avg, Count, Prefetch, Q, QuerySet

from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.orgs.models import Node, Unit
from wenming.orgs.selectors import unit_list_for_actor
from wenming.volunteers.models import Team, Volunteer
from wenming.volunteers.selectors import team_visibility_q, volunteer_list_for_actor

from ..access import HONOUR_NOMINATE, HONOUR_VIEW, liaison_unit_ids, nomination_q
from ..models import HonourCampaign, Nomination, Review, ReviewStage


def _missing(field: str):
    return CoreError.NOT_FOUND.error(field)


def volunteer_pool(*, actor, campaign: HonourCampaign, node: Node | None, unit: Unit | None) -> QuerySet:
    """Whom a nominator may look up and name: in a node's name, the volunteers they see in
    that node's subtree; in a unit's name, the unit's own volunteers (its member list) in the
    campaign's area."""
    if node is not None:
        return volunteer_list_for_actor(actor=actor).filter(home_node__path__startswith=node.path)
    if unit is not None:
        return (Volunteer.objects.filter(unit_memberships__unit=unit, home_node__path__startswith=campaign.node.path)
                .select_related("home_node").order_by("-id"))
    return Volunteer.objects.none()


def _clean(text, limit: int) -> str:
    return str(text or "").replace("\x00", "").strip()[:limit]


def volunteer_by_number(*, campaign: HonourCampaign, pool: QuerySet, unit: Unit | None, number: str,
                        name: str = "") -> Volunteer | None:
    """The volunteer a nominator names by volunteer number, the same rule for the pages and
    the API: in the nominator's pool, the number alone (a name given must match); a unit may
    also name a volunteer of the campaign's area who is not on its member list yet, by the
    number together with the exact name (what it knows from a certificate). The number alone
    never names anyone outside the pool, so numbers cannot be walked to learn names."""
    number, name = _clean(number, 20).upper(), _clean(name, 50)
    if not number:
        return None
    found = pool.filter(volunteer_no=number).select_related("home_node").first()
    if found is not None and (not name or found.name == name):
        return found
    if unit is not None and name:
        return (Volunteer.objects.filter(volunteer_no=number, name=name, home_node__path__startswith=campaign.node.path)
                .select_related("home_node").first())
    return None


def volunteer_for_nominator(*, actor, campaign: HonourCampaign, node: Node | None, unit: Unit | None,
                            volunteer_id: int | None = None, volunteer_no: str = "",
                            name: str = "") -> Volunteer | None:
    """The API's nominee: by id, one of the nominator's pool (volunteer_pool); or by volunteer
    number (volunteer_by_number). None when neither is given (the service asks for a
    nominee); the same 404 for a missing volunteer and one the nominator may not name."""
    pool = volunteer_pool(actor=actor, campaign=campaign, node=node, unit=unit)
    if volunteer_id is not None:
        found = pool.filter(pk=volunteer_id).select_related("home_node", "stats").first()
        if found is None:
            raise _missing("volunteer_id")
        return found
    if _clean(volunteer_no, 20):
        found = volunteer_by_number(campaign=campaign, pool=pool, unit=unit, number=volunteer_no, name=name)
        if found is None:
            raise _missing("volunteer_no")
        return found
    return None


def unit_for_nominator(*, actor, unit_id: int | None, field: str = "unit_id") -> Unit | None:
    """A unit the actor may read (their own, for a liaison); None when not given."""
    if unit_id is None:
        return None
    found = unit_list_for_actor(actor=actor).filter(pk=unit_id).first()
    if found is None:
        raise _missing(field)
    return found


def nominating_unit_for_actor(*, actor, unit_id: int | None) -> Unit | None:
    """The unit a liaison nominates for: one of their own units."""
    if unit_id is None:
        return None
    found = Unit.objects.select_related("node").filter(pk=unit_id, pk__in=liaison_unit_ids(actor)).first()
    if found is None:
        raise _missing("nominating_unit_id")
    return found


def nominating_node_for_actor(*, actor, node_id: int | None) -> Node | None:
    """A node the actor nominates in the name of: one where they hold honour.nominate."""
    if node_id is None:
        return None
    found = Node.objects.filter(scope_for(actor).q(HONOUR_NOMINATE, "path"), pk=node_id).first()
    if found is None:
        raise _missing("nominating_node_id")
    return found


def team_for_nominator(*, actor, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    found = Team.objects.select_related("node").filter(team_visibility_q(actor), pk=team_id).first()
    if found is None:
        raise _missing("team_id")
    return found


def place_in_campaign(*, campaign: HonourCampaign, node_id: int | None) -> Node | None:
    """A resident's or a family's place: a live node in the campaign's area (nodes are public:
    the portal lists them)."""
    if node_id is None:
        return None
    found = Node.objects.filter(pk=node_id, path__startswith=campaign.node.path, archived_at__isnull=True).first()
    if found is None:
        raise _missing("node_id")
    return found


def nomination_detail_for_actor(*, actor, pk: int) -> Nomination:
    """One nomination the actor may read with the final review's average, its co-signers,
    evidence and — for readers over its place (staff, reviewers), not for the nominator —
    its reviews."""
    qs = (Nomination.objects.filter(nomination_q(actor), pk=pk)
          .select_related("campaign", "campaign__node", "campaign__category", "node", "nominating_unit",
                          "nominating_node", "work_unit")
          .prefetch_related("recommenders", "files",
                            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")))
          .annotate(final_avg=Avg("reviews__total", filter=Q(reviews__stage=ReviewStage.FINAL)),
                    final_reviews=Count("reviews", filter=Q(reviews__stage=ReviewStage.FINAL))))
    found = qs.first()
    if found is None:
        raise CoreError.NOT_FOUND.error()
    return found


def reviews_visible(actor, nomination: Nomination) -> bool:
    """Reviewers' names, scores and opinions are for readers over the nomination's place, not
    for the unit or person who nominated."""
    return scope_for(actor).allows(HONOUR_VIEW, nomination.node.path)
