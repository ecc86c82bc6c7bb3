"""Campaigns, duties, sites, rounds, findings, materials: what the actor may read."""

from django.db.models import Count, Q, QuerySet

from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.core.params import pk_or_404
from wenming.orgs.models import Node

from ..access import EVAL_EDIT, EVAL_INSPECT, EVAL_VIEW, campaign_q, finding_q, unit_ids
from ..models import (
    LIVE,
    OWED,
    Accountability,
    Campaign,
    Duty,
    DutyRole,
    Finding,
    FindingStatus,
    Indicator,
    InspectionRound,
    Material,
    Site,
    SiteType,
)


def _clean(text, limit: int) -> str:
    """A search or code from the client: no NUL characters (PostgreSQL refuses them), bounded."""
    return str(text or "").replace("\x00", "").strip()[:limit]


def site_type_by_code(code) -> SiteType | None:
    return SiteType.objects.filter(code=_clean(code, 30)).first()


def _one(qs: QuerySet, pk):
    obj = qs.filter(pk=pk_or_404(pk)).first()
    if obj is None:
        raise CoreError.NOT_FOUND.error()
    return obj


def campaigns_for_actor(*, actor) -> QuerySet:
    return Campaign.objects.filter(campaign_q(actor)).select_related("node")


def campaign_get_for_actor(*, actor, pk) -> Campaign:
    return _one(campaigns_for_actor(actor=actor), pk)


def campaign_current_for_actor(*, actor) -> Campaign | None:
    """The campaign a home page opens: the newest active one the actor takes part in."""
    return campaigns_for_actor(actor=actor).filter(status="active").order_by("-year", "-id").first()


def indicators_of(campaign: Campaign) -> list[Indicator]:
    return list(campaign.indicators.select_related("subsystem").prefetch_related("site_types")
                .order_by("sort", "id"))


def indicator_get(*, campaign: Campaign, pk) -> Indicator:
    return _one(campaign.indicators.all(), pk)


def duties_for_actor(*, actor, campaign: Campaign, unit_id: int | None = None, indicator_id: int | None = None,
                     role: str = "") -> QuerySet:
    """A liaison: exactly their unit's duties. Staff: the table of units in their subtree."""
    qs = Duty.objects.filter(campaign=campaign).select_related("indicator", "unit", "unit__node")
    scope = scope_for(actor)
    q = scope.q(EVAL_VIEW, "unit__node__path")
    mine = unit_ids(actor)
    if mine:
        q |= Q(unit_id__in=mine)
    qs = qs.filter(q)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if indicator_id:
        qs = qs.filter(Q(indicator_id=indicator_id) | Q(indicator__parent_id=indicator_id))
    if role in DutyRole.values:
        qs = qs.filter(role=role)
    return qs.order_by("indicator__sort", "role", "id")


def duty_get_for_actor(*, actor, campaign: Campaign, pk) -> Duty:
    return _one(duties_for_actor(actor=actor, campaign=campaign), pk)


def sites_for_actor(*, actor, node_id: int | None = None, site_type: str = "", search: str = "") -> QuerySet:
    """Sites are the inspectors' and the office's (units see only the site of a finding)."""
    qs = Site.objects.filter(scope_for(actor).q(EVAL_VIEW, "node__path"), archived_at__isnull=True)
    site_type, search = _clean(site_type, 30), _clean(search, 50)
    if site_type:
        qs = qs.filter(site_type__code=site_type)
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(code=search[:32]))
    return qs.select_related("node", "site_type", "unit")


def site_get_for_actor(*, actor, pk) -> Site:
    return _one(Site.objects.filter(scope_for(actor).q(EVAL_VIEW, "node__path")).select_related(
        "node", "site_type", "unit"), pk)


def site_by_code_for_actor(*, actor, code: str) -> Site:
    site = Site.objects.filter(scope_for(actor).q(EVAL_VIEW, "node__path"), code=_clean(code, 32)).first()
    if site is None:
        raise CoreError.NOT_FOUND.error()
    return site


def rounds_for_actor(*, actor, campaign: Campaign | None = None) -> QuerySet:
    """Rounds are seen only by inspectors and the office: never by the inspected."""
    qs = InspectionRound.objects.filter(scope_for(actor).q(EVAL_INSPECT, "node__path"))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("campaign", "node", "created_by").annotate(n_findings=Count("findings"))


def round_get_for_actor(*, actor, pk) -> InspectionRound:
    return _one(rounds_for_actor(actor=actor), pk)


def findings_for_actor(*, actor, campaign: Campaign | None = None, status: str = "", unit_id: int | None = None,
                       overdue: bool = False, repeat: bool = False, search: str = "") -> QuerySet:
    qs = Finding.objects.filter(finding_q(actor))
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if status == "live":
        qs = qs.filter(status__in=LIVE)
    elif status == "owed":
        qs = qs.filter(status__in=OWED)
    elif status in FindingStatus.values:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(routes__unit_id=unit_id)
    if overdue:
        qs = qs.filter(overdue=True, status__in=OWED)
    if repeat:
        qs = qs.filter(repeat_of__isnull=False)
    search = _clean(search, 50)
    if search:
        qs = qs.filter(Q(number=search) | Q(site__name__contains=search) | Q(description__contains=search))
    return qs.select_related("site", "indicator", "lead_unit", "node").order_by("-recorded_at", "-id")


def finding_get_for_actor(*, actor, pk) -> Finding:
    return _one(findings_for_actor(actor=actor).select_related("campaign", "round", "deduction", "recorded_by"), pk)


def may_inspect(actor, finding: Finding) -> bool:
    return scope_for(actor).allows(EVAL_INSPECT, finding.node.path)


def may_edit(actor, campaign: Campaign) -> bool:
    return scope_for(actor).allows(EVAL_EDIT, campaign.node.path)


def may_answer(actor, finding: Finding) -> bool:
    mine = set(unit_ids(actor))
    return bool(mine) and finding.status in OWED and finding.routes.filter(unit_id__in=mine).exists()


def materials_for_actor(*, actor, campaign: Campaign, status: str = "") -> QuerySet:
    scope = scope_for(actor)
    q = scope.q(EVAL_VIEW, "unit__node__path")
    mine = unit_ids(actor)
    if mine:
        q |= Q(unit_id__in=mine)
    qs = Material.objects.filter(q, campaign=campaign).select_related("indicator", "unit", "submitted_by")
    if status:
        qs = qs.filter(status=status)
    return qs


def material_get_for_actor(*, actor, campaign: Campaign, pk) -> Material:
    return _one(materials_for_actor(actor=actor, campaign=campaign), pk)


def accountability_for_actor(*, actor, campaign: Campaign) -> QuerySet:
    scope = scope_for(actor)
    q = scope.q(EVAL_VIEW, "unit__node__path")
    mine = unit_ids(actor)
    if mine:
        q |= Q(unit_id__in=mine)
    return Accountability.objects.filter(q, campaign=campaign).select_related("unit", "decided_by", "finding")


def board_node_for_actor(*, actor, campaign: Campaign):
    """The node whose board an actor opens by default: the campaign's own when they see all
    of it, else the top of their own area inside it."""
    scope = scope_for(actor)
    if scope.allows(EVAL_VIEW, campaign.node.path):
        return campaign.node

    paths = [p for p in scope.paths(EVAL_VIEW) if p.startswith(campaign.node.path)]
    if not paths:
        raise CoreError.NOT_FOUND.error()
    return Node.objects.get(path=paths[0])
