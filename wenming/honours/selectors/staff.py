"""Reads the back-office pages need beyond records.py and votes.py: counts by status, what an
actor may do on a nomination (review, change), the choices of the forms (nominating nodes and
units, places, units and teams of the campaign's area, volunteers to nominate), objections,
vote totals and a cluster's votes, and the home page's to-do counts.

Everything starts from access.py's rules: out of scope and missing are the same 404."""

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from wenming.accounts.scope import NOTHING, scope_for
from wenming.core.errors import CoreError
from wenming.core.params import pk_or_404
from wenming.orgs.models import Node, NodeKind, Unit
from wenming.orgs.page_selectors import nodes_with_perm
from wenming.volunteers.models import Team, Volunteer
from wenming.volunteers.selectors import volunteer_list_for_actor

from ..access import (
    HONOUR_EDIT,
    HONOUR_NOMINATE,
    HONOUR_REVIEW,
    HONOUR_VIEW,
    campaign_q,
    conflict_q,
    conflict_unit,
    liaison_unit_ids,
    may,
    may_change_nomination,
    nomination_q,
)
from ..models import (
    HonourCampaign,
    Nomination,
    NominationStatus,
    Objection,
    ObjectionStatus,
    Review,
    ReviewStage,
    Stage,
    Vote,
)
from .nominees import volunteer_by_number, volunteer_pool

CHOICE_LIMIT = 500  # a <select> never lists a whole city's nodes or units
LIVE_STAGES = [Stage.NOMINATING, Stage.INITIAL_REVIEW, Stage.VOTING, Stage.FINAL_REVIEW, Stage.NOTICE]
CHANGEABLE_STAGES = [Stage.NOMINATING, Stage.INITIAL_REVIEW]
PLACE_KINDS = [NodeKind.COUNTY, NodeKind.CENTER, NodeKind.SUBCENTER, NodeKind.INSTITUTE, NodeKind.STATION]


def works_in_honours(actor) -> bool:
    """Whether the back office's honours pages can show the actor anything at all."""
    scope = scope_for(actor)
    return any(scope.has(p) for p in (HONOUR_VIEW, HONOUR_NOMINATE, HONOUR_REVIEW)) or bool(liaison_unit_ids(actor))


def is_office(actor, campaign: HonourCampaign) -> bool:
    return may(actor, HONOUR_EDIT, campaign.node.path)


def visible_nominations(*, actor, campaign: HonourCampaign) -> QuerySet:
    return Nomination.objects.filter(nomination_q(actor), campaign=campaign)


def staff_reads(actor, nomination: Nomination) -> bool:
    """Whether the actor reads a nomination as staff (HONOUR_VIEW over its place): they see who
    reviewed it and how. A nominator reading their own sees its status and the reasons."""
    return may(actor, HONOUR_VIEW, nomination.node.path)


def staff_visible_nominations(*, actor, campaign: HonourCampaign) -> QuerySet:
    return visible_nominations(actor=actor, campaign=campaign).filter(scope_for(actor).q(HONOUR_VIEW, "node__path"))


def status_counts(*, actor, campaign: HonourCampaign) -> dict[str, int]:
    rows = visible_nominations(actor=actor, campaign=campaign).values("status").annotate(n=Count("id")).order_by()
    return {r["status"]: r["n"] for r in rows}


def search_nominations(qs: QuerySet, text: str) -> QuerySet:
    """Narrow a list by a nominee's name or title (contains) or a nomination number (exact)."""
    text = str(text or "").replace("\x00", "").strip()[:50]
    if not text:
        return qs
    return qs.filter(Q(name__contains=text) | Q(title__contains=text) | Q(number=text))


# --- what the actor may do on one nomination ------------------------------------------------

may_change = may_change_nomination  # the edit and withdraw buttons; the service checks it again


@dataclass
class ReviewState:
    stage: str = ""  # ReviewStage while the campaign is at a review, else ""
    reviewer: bool = False  # reviews this nomination at this stage (by place)
    conflict: Unit | None = None  # the unit shared with the nominee: must abstain (回避)
    mine: Review | None = None  # the actor's own review at this stage
    waiting: bool = False  # the nomination is in the status this stage reviews

    @property
    def may_submit(self) -> bool:
        return self.reviewer and self.conflict is None and self.mine is None and self.waiting


def review_state(actor, nomination: Nomination) -> ReviewState:
    """Whether the actor reviews this nomination now, and if not, why (for the page)."""
    campaign = nomination.campaign
    if campaign.stage == Stage.INITIAL_REVIEW:
        stage, path, want = ReviewStage.INITIAL, nomination.node.path, NominationStatus.SUBMITTED
    elif campaign.stage == Stage.FINAL_REVIEW:
        stage, path, want = ReviewStage.FINAL, campaign.node.path, NominationStatus.SHORTLISTED
    else:
        # between the reviews: a reviewer still learns now that they will have to abstain
        if may(actor, HONOUR_REVIEW, nomination.node.path):
            return ReviewState(conflict=conflict_unit(actor, nomination))
        return ReviewState()
    if not may(actor, HONOUR_REVIEW, path):
        return ReviewState(stage=stage)
    return ReviewState(stage=stage, reviewer=True, conflict=conflict_unit(actor, nomination),
                       mine=Review.objects.filter(nomination=nomination, stage=stage, reviewer=actor).first(),
                       waiting=nomination.status == want)


def reviews_of(nomination: Nomination) -> list[Review]:
    return list(nomination.reviews.select_related("reviewer").order_by("stage", "created_at", "id"))


def review_averages(reviews: list[Review]) -> dict[str, float | None]:
    """{stage: average total (one decimal) over the scored reviews, or None}."""
    out: dict[str, float | None] = {}
    for stage in ReviewStage.values:
        totals = [float(r.total) for r in reviews if r.stage == stage and r.total is not None]
        out[stage] = round(sum(totals) / len(totals), 1) if totals else None
    return out


# --- the nominate form's choices ------------------------------------------------------------

def nominating_nodes(*, actor, campaign: HonourCampaign) -> list[Node]:
    """Nodes in the campaign's area the actor may nominate in the name of."""
    if not campaign.by_nodes:
        return []
    return list(nodes_with_perm(actor=actor, perm=HONOUR_NOMINATE).filter(path__startswith=campaign.node.path)
                .exclude(kind=NodeKind.GRID).order_by("path")[:CHOICE_LIMIT])


def nominating_units(*, actor, campaign: HonourCampaign) -> list[Unit]:
    """A liaison's units in the campaign's area."""
    if not campaign.by_units:
        return []
    return list(Unit.objects.filter(pk__in=liaison_unit_ids(actor), node__path__startswith=campaign.node.path,
                                    archived_at__isnull=True).select_related("node").order_by("name"))


def area_places(campaign: HonourCampaign) -> list[Node]:
    """Where a resident or a family lives: the area's offices, centres, institutes, stations."""
    return list(Node.objects.filter(path__startswith=campaign.node.path, archived_at__isnull=True,
                                    kind__in=PLACE_KINDS).order_by("path")[:CHOICE_LIMIT])


def area_units(campaign: HonourCampaign) -> list[Unit]:
    return list(Unit.objects.filter(node__path__startswith=campaign.node.path, archived_at__isnull=True)
                .select_related("node").order_by("node__path", "name")[:CHOICE_LIMIT])


def area_teams(campaign: HonourCampaign) -> list[Team]:
    return list(Team.objects.filter(node__path__startswith=campaign.node.path, archived_at__isnull=True)
                .select_related("node").order_by("node__path", "name")[:CHOICE_LIMIT])


NUMBER_AND_NAME_SPLIT = re.compile(r"[\s,，、()（）]+")


def number_and_name(text) -> tuple[str, str]:
    """What a nominator typed into the one volunteer field, as (volunteer number, name):
    "WM0000000123", "张大叔", "WM0000000123 张大叔" or "张大叔（WM0000000123）"."""
    parts = [p for p in NUMBER_AND_NAME_SPLIT.split(_clean(text)) if p]
    numbers = [p for p in parts if p.isascii() and any(ch.isdigit() for ch in p)]
    if len(numbers) != 1:
        return "", " ".join(parts)
    return numbers[0].upper(), " ".join(p for p in parts if p != numbers[0])


def _clean(text) -> str:
    return str(text or "").replace("\x00", "").strip()[:50]


def volunteer_search(*, actor, campaign: HonourCampaign, text: str, node: Node | None = None,
                     unit: Unit | None = None, limit: int = 20) -> list[Volunteer]:
    """The finder above the form: name (contains), pinyin, initials or the volunteer number in
    the nominator's pool; beyond it, a unit finds a volunteer of the area by number and exact
    name (nominees.volunteer_by_number)."""
    text = _clean(text)
    if not text:
        return []
    pool = volunteer_pool(actor=actor, campaign=campaign, node=node, unit=unit)
    if node is not None:
        found = volunteer_list_for_actor(actor=actor, search=text).filter(pk__in=pool.values("pk"))
    else:
        found = pool.filter(Q(name__contains=text) | Q(volunteer_no=text.upper()))
    found = list(found.select_related("home_node")[:limit])
    if not found:
        number, name = number_and_name(text)
        one = volunteer_by_number(campaign=campaign, pool=pool, unit=unit, number=number, name=name)
        found = [one] if one is not None else []
    return found


def volunteer_pick(*, actor, campaign: HonourCampaign, text: str, node: Node | None = None,
                   unit: Unit | None = None) -> list[Volunteer]:
    """The volunteer the form names: by volunteer number (with or without the name, as
    nominees.volunteer_by_number allows), else by the exact name in the pool. One match is the
    pick; none or several are for the page to explain."""
    number, name = number_and_name(text)
    pool = volunteer_pool(actor=actor, campaign=campaign, node=node, unit=unit)
    if number:
        one = volunteer_by_number(campaign=campaign, pool=pool, unit=unit, number=number, name=name)
        return [one] if one is not None else []
    return list(pool.filter(name=name).select_related("home_node")[:10]) if name else []


# --- the notice -----------------------------------------------------------------------------

def objections_for_actor(*, actor, campaign: HonourCampaign, status: str = "") -> QuerySet:
    """Staff reading over the nominee's place (HONOUR_VIEW); not the nominator, to whom an
    objection's wording could give away who objected."""
    visible = Nomination.objects.filter(scope_for(actor).q(HONOUR_VIEW, "node__path"), campaign=campaign).values("pk")
    qs = Objection.objects.filter(nomination__in=visible).select_related("nomination", "answered_by", "image")
    if status in ObjectionStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-status", "-created_at", "-id")  # 待答复 (open) before 已答复 (answered)


def objection_get_for_actor(*, actor, pk) -> Objection:
    visible = Nomination.objects.filter(scope_for(actor).q(HONOUR_VIEW, "node__path")).values("pk")
    objection = (Objection.objects.filter(pk=pk_or_404(pk), nomination__in=visible)
                 .select_related("nomination", "nomination__campaign", "nomination__campaign__node",
                                 "nomination__node", "image").first())
    if objection is None:
        raise CoreError.NOT_FOUND.error()
    return objection


# --- the vote -------------------------------------------------------------------------------

BALLOT_STATUSES = [NominationStatus.SHORTLISTED, NominationStatus.SELECTED, NominationStatus.HONOURED,
                   NominationStatus.DROPPED]


def vote_totals(campaign: HonourCampaign) -> list[Nomination]:
    """The ballot with each nominee's live count (`votes`), and what was cast, taken back and
    voided; the most votes first."""
    return list(Nomination.objects.filter(campaign=campaign).annotate(
        cast=Count("vote_rows"),
        undone=Count("vote_rows", filter=Q(vote_rows__undone_at__isnull=False)),
        voided=Count("vote_rows", filter=Q(vote_rows__voided_at__isnull=False)),
    ).filter(Q(status__in=BALLOT_STATUSES) | Q(cast__gt=0)).select_related("node").order_by("-votes", "number"))


def vote_summary(campaign: HonourCampaign) -> dict[str, int]:
    out = Vote.objects.filter(campaign=campaign).aggregate(
        cast=Count("id"), undone=Count("id", filter=Q(undone_at__isnull=False)),
        voided=Count("id", filter=Q(voided_at__isnull=False)),
        phones=Count("phone_hash", distinct=True))
    out["live"] = out["cast"] - out["undone"] - out["voided"]
    return out


def votes_by_id(vote_ids, limit: int = 200) -> list[Vote]:
    """A cluster's votes for the page: time, nominee, the phone's last four digits, and the
    short hashes of the address and device (never more)."""
    return list(Vote.objects.filter(pk__in=list(vote_ids)[:limit]).select_related("voter_pass", "nomination")
                .order_by("created_at", "id"))


@dataclass
class VoidBatch:
    """One voiding: when, by whom, why, and how many votes each nominee lost."""
    at: object
    by: str
    reason: str
    total: int = 0
    nominees: list = None  # [(name, votes)]


def void_history(campaign: HonourCampaign) -> list[VoidBatch]:
    """What staff voided in this campaign, the newest first: one voiding is the votes that
    share its time, its author and its reason (votes_void stamps them alike)."""
    rows = (Vote.objects.filter(campaign=campaign, voided_at__isnull=False)
            .values("voided_at", "voided_by_id", "voided_by__display_name", "voided_by__username", "void_reason",
                    "nomination__name")
            .annotate(n=Count("id")).order_by("-voided_at", "voided_by_id", "void_reason", "-n", "nomination__name"))
    batches: dict[tuple, VoidBatch] = {}
    for r in rows:
        key = (r["voided_at"], r["voided_by_id"], r["void_reason"])
        who = r["voided_by__display_name"] or r["voided_by__username"] or "（账号已删除）"
        batch = batches.setdefault(key, VoidBatch(r["voided_at"], who, r["void_reason"], 0, []))
        batch.total += r["n"]
        batch.nominees.append((r["nomination__name"], r["n"]))
    return list(batches.values())


# --- the home page --------------------------------------------------------------------------

@dataclass
class TodoCount:
    count: int = 0
    campaign_ids: tuple = ()


def _count(qs: QuerySet, campaign_field: str = "campaign_id") -> TodoCount:
    ids = tuple(sorted(set(qs.values_list(campaign_field, flat=True)[:1000])))
    return TodoCount(qs.count() if ids else 0, ids)


def todo_counts(actor) -> dict[str, TodoCount]:
    """What waits for the actor: nominations to review (initial, final), their own returned
    nominations to correct, open objections and selections to make as the office."""
    scope = scope_for(actor)
    out: dict[str, TodoCount] = {}
    if scope.has(HONOUR_REVIEW):
        abstain = conflict_q(actor)  # not theirs to review: 回避
        out["initial"] = _count(Nomination.objects.filter(
            scope.q(HONOUR_REVIEW, "node__path"), status=NominationStatus.SUBMITTED,
            campaign__stage=Stage.INITIAL_REVIEW).exclude(abstain))
        done = Review.objects.filter(stage=ReviewStage.FINAL, reviewer=actor).values("nomination_id")
        out["final"] = _count(Nomination.objects.filter(
            scope.q(HONOUR_REVIEW, "campaign__node__path"), status=NominationStatus.SHORTLISTED,
            campaign__stage=Stage.FINAL_REVIEW).exclude(pk__in=done).exclude(abstain))
    mine = Q(submitted_by=actor) if getattr(actor, "is_authenticated", False) else NOTHING
    units = liaison_unit_ids(actor)
    if units:
        mine |= Q(nominating_unit_id__in=units)
    mine |= scope.q(HONOUR_NOMINATE, "nominating_node__path") if scope.has(HONOUR_NOMINATE) else NOTHING
    out["returned"] = _count(Nomination.objects.filter(mine, status=NominationStatus.RETURNED,
                                                       campaign__stage__in=CHANGEABLE_STAGES))
    if scope.has(HONOUR_EDIT):
        office = scope.q(HONOUR_EDIT, "node__path")
        out["objections"] = _count(Objection.objects.filter(
            status=ObjectionStatus.OPEN, nomination__campaign__stage=Stage.NOTICE,
            nomination__campaign__in=HonourCampaign.objects.filter(office).values("pk")),
            "nomination__campaign_id")
        out["selecting"] = _count(HonourCampaign.objects.filter(office, stage=Stage.FINAL_REVIEW), "pk")
        out["voting"] = _count(HonourCampaign.objects.filter(office, stage=Stage.VOTING), "pk")
    if scope.has(HONOUR_NOMINATE) or units:
        out["nominating"] = _count(HonourCampaign.objects.filter(stage=Stage.NOMINATING).filter(
            campaign_q(actor)), "pk")
    return out


def nomination_vote_counts(nomination: Nomination) -> dict[str, int]:
    return Vote.objects.filter(nomination=nomination).aggregate(
        cast=Count("id"), undone=Count("id", filter=Q(undone_at__isnull=False)),
        voided=Count("id", filter=Q(voided_at__isnull=False)))
