"""Request and answer schemas of the honours API, in one module. Every name starts with
Honour…: a schema name is global across the whole API document, and two apps' `CampaignOut`
would document one body with the other's fields.

Personal data leaves only masked (`id_number_masked`, `phone_masked`); the encrypted values
are never in a schema."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator

from wenming.core.params import ApiId

from ..services.campaigns import next_stage


def _plan_date(value: date) -> date:
    if not 2000 <= value.year <= 2100:
        raise ValueError("日期须在 2000 年到 2100 年之间")
    return value


def _plan_time(value: datetime) -> datetime:
    """Aware, within 2000–2100 (a naive time is read in the platform's zone; 9999-12-31 with
    a negative offset would overflow on the way to UTC)."""
    if not 2000 <= value.year <= 2100:
        raise ValueError("时间须在 2000 年到 2100 年之间")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


PlanDate = Annotated[date, AfterValidator(_plan_date)]
PlanTime = Annotated[datetime, AfterValidator(_plan_time)]


# --- campaigns -------------------------------------------------------------------------------

class HonourCategoryOut(Schema):
    code: str
    name: str
    nominee_kinds: list[str]


class HonourCriterionOut(Schema):
    id: int
    name: str
    points: int
    sort: int


class HonourPublicCampaignOut(Schema):
    """What the portal shows of a campaign (also the base of what staff see)."""

    id: int
    name: str
    year: int
    category_name: str = Field(alias="category.name")
    node_name: str = Field(alias="node.name")
    level: str
    level_name: str = Field(alias="get_level_display")
    stage: str
    stage_name: str = Field(alias="get_stage_display")
    intro: str
    nominate_from: date
    nominate_until: date
    vote_enabled: bool
    vote_from: datetime | None
    vote_until: datetime | None
    votes_per_day: int
    votes_per_nominee_per_day: int
    notice_from: datetime | None
    notice_days: int
    announced_at: datetime | None
    places: int
    priority_label: str


class HonourCampaignOut(HonourPublicCampaignOut):
    """What staff see of a campaign: the public view and the rest of its rules."""

    category: str = Field(alias="category.code")
    node_id: int
    selected_count: int
    by_units: bool
    by_nodes: bool
    self_nomination: bool
    recommenders_required: int
    votes_per_address_per_hour: int
    vote_weight_percent: int
    created_at: datetime


class HonourCampaignDetailOut(HonourCampaignOut):
    criteria: list[HonourCriterionOut]
    stages: list[str]
    next_stage: str | None

    @staticmethod
    def resolve_next_stage(obj) -> str | None:
        return next_stage(obj)


class _HonourRules(Schema):
    intro: str | None = None
    notice_days: int | None = None
    places: int | None = None
    by_units: bool | None = None
    by_nodes: bool | None = None
    self_nomination: bool | None = None
    recommenders_required: int | None = None
    vote_enabled: bool | None = None
    votes_per_nominee_per_day: int | None = None
    votes_per_day: int | None = None
    votes_per_address_per_hour: int | None = None
    vote_weight_percent: int | None = None
    priority_label: str | None = None


class HonourCampaignIn(_HonourRules):
    node_id: ApiId
    category: str = Field(max_length=30)
    name: str
    year: int
    nominate_from: PlanDate
    nominate_until: PlanDate
    places: int
    vote_from: PlanTime | None = None
    vote_until: PlanTime | None = None


class HonourCampaignPatchIn(_HonourRules):
    """Only the fields sent change; `vote_from`/`vote_until` may be cleared with null."""

    name: str | None = None
    nominate_from: PlanDate | None = None
    nominate_until: PlanDate | None = None
    vote_from: PlanTime | None = None
    vote_until: PlanTime | None = None


class HonourCriterionIn(Schema):
    name: str
    points: int


class HonourStageIn(Schema):
    to: str


class HonourReasonIn(Schema):
    reason: str = ""


# --- nominations ------------------------------------------------------------------------------

class HonourRecommenderIn(Schema):
    name: str = ""
    phone: str = ""


class HonourNominationIn(Schema):
    """By a unit (`nominating_unit_id`, its liaison), a node (`nominating_node_id`) or oneself
    (`self`). The nominee by kind: `volunteer_id` or `volunteer_no` (a unit naming a volunteer
of the area beyond its member list gives `name` too), `unit_id`,
    `team_id`; a resident or a family by `name`, `id_number`, `node_id` (and `phone`).
    Photos and documents are added on the pages, not here."""

    kind: str
    nominated_by: str
    consent: bool = False
    nominating_unit_id: ApiId | None = None
    nominating_node_id: ApiId | None = None
    volunteer_id: ApiId | None = None
    volunteer_no: str = ""
    unit_id: ApiId | None = None
    team_id: ApiId | None = None
    work_unit_id: ApiId | None = None
    name: str = ""
    id_number: str = ""
    phone: str = ""
    node_id: ApiId | None = None
    title: str = ""
    story: str = ""
    priority: bool = False
    priority_note: str = ""
    recommenders: list[HonourRecommenderIn] = Field([], max_length=50)


class HonourNominationEditIn(Schema):
    title: str = ""
    story: str = ""
    priority: bool = False
    priority_note: str = ""
    consent: bool = False


class HonourReviewIn(Schema):
    """`scores`: criterion id → points (0 to the criterion's full points, one decimal)."""

    decision: str
    reason: str = ""
    scores: dict[str, Any] = {}


class HonourSelectionIn(Schema):
    selected: bool
    reason: str = ""


class HonourNominationFilters(Schema):
    status: str = Field("", max_length=20)
    priority: bool = False
    sort: str = Field("priority", max_length=20, description="priority | votes | score | number")
    page: int = 1
    page_size: int = 50


class HonourRecommenderOut(Schema):
    name: str
    phone_masked: str


class HonourFileOut(Schema):
    id: int
    file_name: str
    caption: str
    image_id: int | None


class HonourReviewOut(Schema):
    id: int
    stage: str
    stage_name: str = Field(alias="get_stage_display")
    decision: str
    decision_name: str = Field(alias="get_decision_display")
    reason: str
    scores: dict[str, str]
    total: Decimal | None
    reviewer_id: int
    reviewer_username: str = Field(alias="reviewer.username")
    reviewer_name: str = Field(alias="reviewer.display_name")
    created_at: datetime


class HonourNominationOut(Schema):
    id: int
    number: str
    campaign_id: int
    kind: str
    kind_name: str = Field(alias="get_kind_display")
    name: str
    node_id: int
    node_name: str = Field(alias="node.name")
    title: str
    priority: bool
    priority_note: str
    status: str
    status_name: str = Field(alias="get_status_display")
    status_reason: str
    votes: int
    star_level: int | None
    service_hours: Decimal | None
    nominated_by: str
    nominated_by_name: str = Field(alias="get_nominated_by_display")
    nominating_unit_id: int | None
    nominating_unit_name: str | None = Field(None, alias="nominating_unit.name")
    nominating_node_id: int | None
    nominating_node_name: str | None = Field(None, alias="nominating_node.name")
    final_avg: Decimal | None = None
    final_reviews: int = 0
    created_at: datetime
    updated_at: datetime


class HonourNominationDetailOut(HonourNominationOut):
    story: str
    id_number_masked: str
    phone_masked: str
    volunteer_id: int | None
    unit_id: int | None
    team_id: int | None
    work_unit_id: int | None
    work_unit_name: str | None = Field(None, alias="work_unit.name")
    consent_at: datetime
    recommenders: list[HonourRecommenderOut]
    files: list[HonourFileOut]
    reviews: list[HonourReviewOut] = Field([], alias="visible_reviews")


# --- the vote and the notice, as staff see them ----------------------------------------------

class HonourClusterOut(Schema):
    kind: str
    label: str
    key: str
    votes: int
    phones: int
    vote_ids: list[int]
    nomination_ids: list[int]
    first: datetime | None
    last: datetime | None


class HonourVoidIn(Schema):
    vote_ids: list[ApiId] = Field(max_length=10_000)
    reason: str = ""


class HonourVoidOut(Schema):
    voided: int


class HonourObjectionOut(Schema):
    id: int
    number: str
    nomination_id: int
    nomination_number: str = Field(alias="nomination.number")
    nominee_name: str = Field(alias="nomination.name")
    anonymous: bool
    name: str
    phone_masked: str
    text: str
    image_id: int | None
    status: str
    status_name: str = Field(alias="get_status_display")
    answer: str
    upheld: bool
    created_at: datetime
    answered_at: datetime | None


class HonourObjectionFilters(Schema):
    status: str = Field("", max_length=20)


class HonourAnswerIn(Schema):
    answer: str
    upheld: bool = False


# --- the public portal --------------------------------------------------------------------------

class HonourPublicNomineeOut(Schema):
    id: int
    number: str
    kind: str
    name: str
    node_name: str = Field(alias="node.name")
    title: str
    priority: bool
    status: str
    status_name: str = Field(alias="get_status_display")
    votes: int


class HonourPublicNomineeDetailOut(HonourPublicNomineeOut):
    campaign_id: int
    story: str
    priority_note: str


class HonourPublicCampaignDetailOut(HonourPublicCampaignOut):
    vote_open: bool
    vote_state: str = Field(description="投票未开放时的原因（尚未开始/已结束…），开放时为空")
    total_votes: int
    nominees: list[HonourPublicNomineeOut]


class HonourPhoneIn(Schema):
    phone: str = Field(max_length=40)


class HonourVerifyIn(Schema):
    phone: str = Field(max_length=40)
    code: str = Field(max_length=12)


class HonourPassOut(Schema):
    token: str
    expires_at: datetime
    message: str


class HonourVoteIn(Schema):
    """`submission`: a UUID the page makes per tap of 投票 (a double tap sends the same one and
    gets the first vote back). `token`: the voter pass, unless sent as X-Voter-Pass."""

    nomination_id: ApiId
    submission: str = Field("", max_length=64)
    token: str = Field("", max_length=200)


class HonourTokenIn(Schema):
    token: str = Field("", max_length=200)


class HonourMyVoteOut(Schema):
    id: int
    nomination_id: int
    nominee_name: str = Field(alias="nomination.name")
    day: date
    created_at: datetime
    undone_at: datetime | None
    voided_at: datetime | None
    status: str = Field(description="live | undone | voided")

    @staticmethod
    def resolve_status(obj) -> str:
        return "undone" if obj.undone_at else "voided" if obj.voided_at else "live"


class HonourCastOut(Schema):
    vote: HonourMyVoteOut
    created: bool = Field(description="false: a repeated tap (the same submission); the first vote is returned")
    used_today: int
    votes_per_day: int


class HonourMyVotesOut(Schema):
    votes_per_day: int
    votes_per_nominee_per_day: int
    used_today: int
    votes: list[HonourMyVoteOut]


class HonourObjectionIn(Schema):
    nomination_id: ApiId
    text: str
    anonymous: bool = True
    name: str = ""
    phone: str = Field("", max_length=40)


class HonourReceiptOut(Schema):
    number: str
    message: str


class HonourMessageOut(Schema):
    message: str


class HonourRollFilters(Schema):
    level: str = Field("", max_length=10, description="county | city | province")
    year: int | None = Field(None, ge=2000, le=2100)
    page: int = 1
    page_size: int = 50


class HonourRollOut(Schema):
    id: int
    name: str
    kind: str
    title: str
    node_name: str = Field(alias="node.name")
    priority: bool
    campaign_id: int
    campaign_name: str = Field(alias="campaign.name")
    category_name: str = Field(alias="campaign.category.name")
    level: str = Field(alias="campaign.level")
    level_name: str = Field(alias="campaign.get_level_display")
    year: int = Field(alias="campaign.year")
    announced_at: datetime | None = Field(None, alias="campaign.announced_at")
