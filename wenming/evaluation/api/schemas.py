"""Answer and request schemas of the evaluation's core API (api/inspections.py)."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from wenming.core.params import ApiId


class CampaignIn(Schema):
    node_id: ApiId
    name: str
    year: int = Field(ge=2000, le=2100)
    starts_on: date
    ends_on: date
    days_minor: int | None = Field(None, ge=0, le=365)
    days_major: int | None = Field(None, ge=0, le=365)
    days_severe: int | None = Field(None, ge=0, le=365)
    escalate_after_days: int | None = Field(None, ge=0, le=365)
    repeat_window_days: int | None = Field(None, ge=0, le=365)


class CampaignOut(Schema):
    id: int
    name: str
    year: int
    node_id: int
    node_name: str = Field(alias="node.name")
    status: str
    starts_on: date
    ends_on: date
    days_minor: int
    days_major: int
    days_severe: int
    escalate_after_days: int
    repeat_window_days: int


class StatusIn(Schema):
    status: str


class IndicatorIn(Schema):
    code: str
    name: str
    level: str
    parent_id: ApiId | None = None
    points: Decimal = Decimal(0)
    weight: Decimal = Decimal(1)
    methods: list[str] = []
    site_types: list[str] = []  # site type codes
    rule: str = "deduct"
    deduct_points: Decimal = Decimal(0)
    survey_full_rate: Decimal = Decimal(90)
    survey_zero_rate: Decimal = Decimal(60)
    subsystem_id: ApiId | None = None
    is_feature: bool = False


class IndicatorOut(Schema):
    id: int
    parent_id: int | None
    level: str
    code: str
    name: str
    points: Decimal
    weight: Decimal
    methods: list[str]
    site_types: list[str]
    rule: str
    deduct_points: Decimal
    survey_full_rate: Decimal
    survey_zero_rate: Decimal
    subsystem_id: int | None
    is_feature: bool

    @staticmethod
    def resolve_site_types(obj) -> list[str]:
        return [t.code for t in obj.site_types.all()]


class DutyIn(Schema):
    indicator_id: ApiId
    unit_id: ApiId
    role: str = "lead"
    head_name: str = ""
    head_title: str = ""
    plan: str = ""
    task_force: str = ""
    due_on: date | None = None


class DutyOut(Schema):
    id: int
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    indicator_name: str = Field(alias="indicator.name")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    role: str
    head_name: str
    head_title: str
    plan: str
    task_force: str
    due_on: date | None
    plan_file_name: str


class DutyFilters(Schema):
    unit_id: int | None = None
    indicator_id: int | None = None
    role: str = ""
    page: int = 1
    page_size: int = 50


class SiteIn(Schema):
    node_id: ApiId
    site_type: str
    name: str
    code: str
    address: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None
    radius_m: int = Field(300, ge=10, le=5000)
    unit_id: ApiId | None = None


class SiteOut(Schema):
    id: int
    code: str
    name: str
    site_type: str = Field(alias="site_type.code")
    site_type_name: str = Field(alias="site_type.name")
    node_id: int
    node_name: str = Field(alias="node.name")
    address: str
    lat: Decimal | None
    lon: Decimal | None
    radius_m: int
    unit_id: int | None


class SiteFilters(Schema):
    site_type: str = ""
    search: str = ""
    page: int = 1
    page_size: int = 50


class RoundIn(Schema):
    node_id: ApiId
    title: str
    planned_on: date
    site_ids: list[ApiId] = []
    indicator_ids: list[ApiId] = []
    announced: bool = False


class RoundOut(Schema):
    id: int
    campaign_id: int
    node_id: int
    title: str
    planned_on: date
    announced: bool
    status: str
    site_ids: list[int]

    @staticmethod
    def resolve_site_ids(obj) -> list[int]:
        return [s.pk for s in obj.sites.all()]


class FindingOut(Schema):
    id: int
    number: str
    campaign_id: int
    site_id: int
    site_name: str = Field(alias="site.name")
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    indicator_name: str = Field(alias="indicator.name")
    deduction_id: int | None
    lead_unit_id: int | None
    description: str
    points: Decimal
    severity: str
    status: str
    status_name: str = Field(alias="get_status_display")
    observed_at: datetime
    deadline: datetime
    overdue: bool
    repeat_of_id: int | None
    position_passed: bool | None
    distance_m: int | None
    escalated_at: datetime | None
    closed_at: datetime | None


class EventOut(Schema):
    kind: str
    kind_name: str = Field(alias="get_kind_display")
    note: str
    at: datetime
    unit_id: int | None
    photo_ids: list[int]

    @staticmethod
    def resolve_photo_ids(obj) -> list[int]:
        return [p.pk for p in obj.photos.all()]


class RouteOut(Schema):
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    role: str


class FindingDetailOut(Schema):
    finding: FindingOut
    routes: list[RouteOut]
    events: list[EventOut]


class FindingFilters(Schema):
    campaign_id: int | None = None
    status: str = ""
    unit_id: int | None = None
    overdue: bool = False
    repeat: bool = False
    search: str = Field("", max_length=50)
    page: int = 1
    page_size: int = 20


class ReasonIn(Schema):
    reason: str = ""


class NoteIn(Schema):
    note: str = ""


class AccountabilityIn(Schema):
    unit_id: ApiId
    kind: str
    reason: str
    finding_id: ApiId | None = None


class AccountabilityOut(Schema):
    id: int
    unit_id: int
    kind: str
    reason: str
    finding_id: int | None
    decided_at: datetime


class LineOut(Schema):
    indicator_id: int = Field(alias="indicator.pk")
    code: str = Field(alias="indicator.code")
    name: str = Field(alias="indicator.name")
    level: str = Field(alias="indicator.level")
    rule: str = Field(alias="indicator.rule")
    depth: int
    full: Decimal
    score: Decimal
    deducted: Decimal
    rate: Decimal | None
    material: Decimal | None
    no_data: bool


class SubOut(Schema):
    name: str
    full: Decimal
    score: Decimal
    rate: Decimal
    floor_percent: Decimal
    share_percent: Decimal
    passed: bool


class TrendOut(Schema):
    month: date
    score: Decimal


class BoardOut(Schema):
    full: Decimal
    score: Decimal
    rate: Decimal
    qualified: bool
    main_full: Decimal
    main_score: Decimal
    subsystems: list[SubOut]
    counts: dict[str, int]
    trend: list[TrendOut]
    lines: list[LineOut]

    @staticmethod
    def resolve_trend(obj) -> list[dict]:
        return [{"month": m, "score": s} for m, s in obj.trend]


class RankedOut(Schema):
    unit_id: int
    name: str
    full: Decimal
    score: Decimal
    rate: Decimal
    live: int
    overdue: int
    repeats: int


class RankingOut(Schema):
    ranking: list[RankedOut]
    red: list[RankedOut]
    black: list[RankedOut]


class SiteDutyIn(Schema):
    campaign_id: ApiId
    indicator_id: ApiId
    unit_id: ApiId | None = None  # none: back to the duty table


class SiteDutyOut(Schema):
    site_id: int
    indicator_id: int
    unit_id: int | None
