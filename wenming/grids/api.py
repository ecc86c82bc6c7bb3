"""JSON API of grids and household visits (敲门行动). Handlers parse, look objects up through
the scoped selectors (out of scope = 404), call a service and shape the answer. Coverage
comes from the dashboard summaries."""

import json
from datetime import date, datetime
from io import BytesIO
from typing import Literal

from django.http import FileResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from wenming.core.api import PageOut, page_response
from wenming.core.pagination import paginate
from wenming.core.params import ApiId
from wenming.dashboards.subtree_totals_api import MonthTotalOut
from wenming.volunteers.selectors import team_get_for_actor, volunteer_get_for_actor

from . import screening_totals, selectors, services, visit_services
from .export import XLSX_TYPE, export_filename, visits_workbook
from .models import GridClaim, HouseholdVisit, ScreeningKind
from .selectors import Coverage

router = Router(tags=["网格与入户走访"])


# ---- schemas ------------------------------------------------------------------------------

class CoverageOut(Schema):
    households: int  # households of the grids (sum over the subtree)
    visited: int  # distinct households with a live visit
    grids_visited: int
    ratio: float | None  # percent, one decimal; null while no household count is set


def _coverage(c: Coverage) -> dict:
    return {"households": c.households, "visited": c.visited, "grids_visited": c.grids_visited,
            "ratio": float(c.ratio) if c.ratio is not None else None}


class GridOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    parent_name: str
    archived: bool
    household_count: int
    has_boundary: bool
    coverage: CoverageOut


class ConflictOut(Schema):
    id: int
    team_id: int
    team_name: str
    starts_on: date
    ends_on: date


class ClaimOut(Schema):
    id: int
    grid_id: int
    grid_name: str
    team_id: int
    team_name: str
    starts_on: date
    ends_on: date
    note: str
    claimed_by: str | None
    created_at: datetime
    withdrawn_at: datetime | None
    conflicts: list[ConflictOut]  # other teams' live claims overlapping this one (allowed, shown)


class GridDetailOut(GridOut):
    boundary: dict | None
    claims: list[ClaimOut]  # live claims not yet over


class CoverageNodeOut(Schema):
    node_id: int
    node_name: str
    kind: str
    coverage: CoverageOut


class CoverageTreeOut(CoverageNodeOut):
    children: list[CoverageNodeOut]


class ProfileIn(Schema):
    household_count: int | None = None
    boundary: dict | str | None = None  # GeoJSON Polygon/MultiPolygon; "" clears it


class ClaimIn(Schema):
    team_id: int
    starts_on: date
    ends_on: date
    note: str = Field("", max_length=200)


class FlagOut(Schema):
    code: str
    name: str
    suggests_follow_up: bool


class VisitOut(Schema):
    id: int
    grid_id: int
    grid_name: str
    team_id: int | None
    team_name: str | None
    address_masked: str
    visited_at: datetime
    volunteer_id: int | None
    volunteer_name: str | None
    residents_count: int
    flags: list[FlagOut]
    note: str
    recorded_by: str | None
    recorded_at: datetime
    late_reason: str  # 补录说明 of a visit typed in from a paper sheet afterwards
    is_back_entry: bool  # recorded more than 7 days after the visit (补录)
    demand_id: int | None
    demand_tracking_no: str | None
    voided_at: datetime | None
    void_reason: str
    follow_up_suggested: bool  # a flag suggests it and no request was made yet
    duplicate: bool = False  # on create: this visit was already recorded (second tap), nothing new


class VisitIn(Schema):
    grid_id: int
    address: str = Field(max_length=200)
    visited_at: datetime | None = None
    residents_count: int = 0
    flags: list[str] = Field(default_factory=list, max_length=20)
    note: str = Field("", max_length=500)
    team_id: int | None = None
    volunteer_id: int | None = None
    client_token: str = Field("", max_length=64)
    late_reason: str = Field("", max_length=200, description="补录说明：走访日期早于 7 天前时必填")


class VisitPatch(Schema):
    reason: str = Field(max_length=200)
    address: str | None = Field(None, max_length=200)
    visited_at: datetime | None = None
    residents_count: int | None = None
    flags: list[str] | None = Field(None, max_length=20)
    note: str | None = Field(None, max_length=500)


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class FollowUpIn(Schema):
    name: str = Field(max_length=40)
    phone: str = Field(max_length=24)
    category: str = Field(max_length=32)
    description: str = Field("", max_length=2000)
    urgency: Literal["normal", "urgent", "critical"] = "normal"


class FollowUpOut(Schema):
    visit_id: int
    demand_id: int
    tracking_no: str
    tracking_code: str  # shown once: give it to the resident to follow the request


class GridFilters(Schema):
    node_id: int | None = None  # grids in this node's subtree
    search: str = Field("", max_length=50)
    page: int = 1
    page_size: int = 20


class ClaimFilters(Schema):
    grid_id: int | None = None
    team_id: int | None = None
    current: bool = False  # live today
    include_withdrawn: bool = False
    page: int = 1
    page_size: int = 20


class VisitFilters(Schema):
    grid_id: int | None = None
    node_id: int | None = None
    team_id: int | None = None
    flag: str = Field("", max_length=32)
    since: date | None = None
    until: date | None = None
    mine: bool = False
    include_void: bool = True
    follow_up: Literal["", "suggested", "done"] = ""
    page: int = 1
    page_size: int = 20


# ---- shaping ------------------------------------------------------------------------------

def _conflict(c: GridClaim) -> dict:
    return {"id": c.pk, "team_id": c.team_id, "team_name": c.team.name, "starts_on": c.starts_on,
            "ends_on": c.ends_on}


def _claim(c: GridClaim, conflicts: list[GridClaim]) -> dict:
    return {"id": c.pk, "grid_id": c.grid_id, "grid_name": c.grid.name, "team_id": c.team_id,
            "team_name": c.team.name, "starts_on": c.starts_on, "ends_on": c.ends_on, "note": c.note,
            "claimed_by": c.claimed_by.get_username() if c.claimed_by_id else None, "created_at": c.created_at,
            "withdrawn_at": c.withdrawn_at, "conflicts": [_conflict(o) for o in conflicts]}


def _claims(claims: list[GridClaim]) -> list[dict]:
    found = selectors.conflicts_by_claim(claims)
    return [_claim(c, found[c.pk]) for c in claims]


def _grid(grid, coverage: Coverage) -> dict:
    profile = selectors.profile_of(grid)
    return {"id": grid.pk, "name": grid.name, "code": grid.code, "parent_id": grid.parent_id,
            "parent_name": grid.parent.name if grid.parent_id else "", "archived": grid.archived_at is not None,
            "household_count": profile.household_count if profile else 0,
            "has_boundary": bool(profile and profile.boundary), "coverage": _coverage(coverage)}


def _grid_detail(request, grid) -> dict:
    profile = selectors.profile_of(grid)
    claims = list(selectors.claim_list_for_actor(actor=request.auth, grid_id=grid.pk)
                  .filter(ends_on__gte=timezone.localdate()))
    return {**_grid(grid, selectors.coverage_of(grid)),
            "boundary": json.loads(profile.boundary) if profile and profile.boundary else None,
            "claims": _claims(claims)}


def _visit(v: HouseholdVisit) -> dict:
    flags = list(v.flags.all())
    return {"id": v.pk, "grid_id": v.grid_id, "grid_name": v.grid.name, "team_id": v.team_id,
            "team_name": v.team.name if v.team_id else None, "address_masked": v.address_masked,
            "visited_at": v.visited_at, "volunteer_id": v.volunteer_id,
            "volunteer_name": v.volunteer.name if v.volunteer_id else None, "residents_count": v.residents_count,
            "flags": [{"code": f.code, "name": f.name, "suggests_follow_up": f.suggests_follow_up} for f in flags],
            "note": v.note, "recorded_by": v.recorded_by.get_username() if v.recorded_by_id else None,
            "recorded_at": v.recorded_at, "late_reason": v.late_reason, "is_back_entry": v.is_back_entry,
            "demand_id": v.demand_id,
            "demand_tracking_no": v.demand.tracking_no if v.demand_id else None, "voided_at": v.voided_at,
            "void_reason": v.void_reason, "duplicate": getattr(v, "duplicate", False),
            "follow_up_suggested": (v.voided_at is None and v.demand_id is None
                                    and any(f.suggests_follow_up for f in flags))}


def _visit_filters(f: VisitFilters) -> dict:
    return {"grid_id": f.grid_id, "node_id": f.node_id, "team_id": f.team_id, "flag": f.flag, "since": f.since,
            "until": f.until, "mine": f.mine, "include_void": f.include_void, "follow_up": f.follow_up}


# ---- grids and coverage --------------------------------------------------------------------

@router.get("/grids", response=PageOut[GridOut], summary="网格列表（含覆盖率）")
def list_grids(request, filters: Query[GridFilters]):
    qs = selectors.grid_list_for_actor(actor=request.auth, node_id=filters.node_id, search=filters.search)
    page = paginate(qs, filters.page, filters.page_size)
    found = selectors.coverage_of_many(page.items)
    page.items = [_grid(g, found[g.pk]) for g in page.items]
    return page_response(page)


@router.get("/grids/coverage", response=CoverageTreeOut, summary="任一阵地的入户走访覆盖率及其下级")
def coverage(request, node_id: int):
    node = selectors.coverage_node_for_actor(actor=request.auth, node_id=node_id)
    children = selectors.coverage_children_for_actor(actor=request.auth, node=node)
    return {"node_id": node.pk, "node_name": node.name, "kind": node.kind,
            "coverage": _coverage(selectors.coverage_of(node)),
            "children": [{"node_id": c.pk, "node_name": c.name, "kind": c.kind, "coverage": _coverage(cov)}
                         for c, cov in children]}


@router.get("/grids/{grid_id}", response=GridDetailOut, summary="网格详情（户数、边界、认领、覆盖率）")
def get_grid(request, grid_id: int):
    return _grid_detail(request, selectors.grid_get_for_actor(actor=request.auth, grid_id=grid_id))


@router.patch("/grids/{grid_id}", response=GridDetailOut, summary="设置网格户数、边界")
def set_profile(request, grid_id: int, payload: ProfileIn):
    grid = selectors.grid_get_for_actor(actor=request.auth, grid_id=grid_id)
    services.grid_profile_set(actor=request.auth, grid=grid, household_count=payload.household_count,
                              boundary=payload.boundary)
    return _grid_detail(request, selectors.grid_get_for_actor(actor=request.auth, grid_id=grid_id))


# ---- claims -------------------------------------------------------------------------------

@router.get("/grids/{grid_id}/claims", response=list[ClaimOut], summary="网格的认领（含冲突）")
def grid_claims(request, grid_id: int, include_withdrawn: bool = False):
    grid = selectors.grid_get_for_actor(actor=request.auth, grid_id=grid_id)
    return _claims(list(selectors.claim_list_for_actor(actor=request.auth, grid_id=grid.pk,
                                                       include_withdrawn=include_withdrawn)[:200]))


@router.post("/grids/{grid_id}/claims", response={201: ClaimOut}, summary="队伍认领网格（重叠的他队认领作为冲突返回）")
def claim_grid(request, grid_id: int, payload: ClaimIn):
    actor = request.auth
    grid = selectors.grid_get_for_actor(actor=actor, grid_id=grid_id)
    team = team_get_for_actor(actor=actor, team_id=payload.team_id)
    claim = services.grid_claim_create(actor=actor, grid=grid, team=team, starts_on=payload.starts_on,
                                       ends_on=payload.ends_on, note=payload.note)
    return Status(201, _claim(claim, claim.conflicts))


@router.get("/grid-claims", response=PageOut[ClaimOut], summary="网格认领列表")
def list_claims(request, filters: Query[ClaimFilters]):
    qs = selectors.claim_list_for_actor(actor=request.auth, grid_id=filters.grid_id, team_id=filters.team_id,
                                        current_on=timezone.localdate() if filters.current else None,
                                        include_withdrawn=filters.include_withdrawn)
    page = paginate(qs, filters.page, filters.page_size)
    page.items = _claims(page.items)
    return page_response(page)


@router.get("/grid-claims/{grid_claim_id}", response=ClaimOut, summary="网格认领详情")
def get_claim(request, grid_claim_id: int):
    claim = selectors.claim_get_for_actor(actor=request.auth, claim_id=grid_claim_id)
    return _claim(claim, selectors.claim_conflicts(claim))


@router.post("/grid-claims/{grid_claim_id}/withdraw", response=ClaimOut, summary="撤销网格认领")
def withdraw_claim(request, grid_claim_id: int):
    claim = selectors.claim_get_for_actor(actor=request.auth, claim_id=grid_claim_id)
    claim = services.grid_claim_withdraw(actor=request.auth, claim=claim)
    return _claim(claim, [])


# ---- visits -------------------------------------------------------------------------------

@router.get("/visit-flags", response=list[FlagOut], summary="排查标记")
def list_flags(request, active_only: bool = True):
    return list(selectors.flag_list(active_only=active_only))


@router.get("/visits", response=PageOut[VisitOut], summary="入户走访记录（地址脱敏）")
def list_visits(request, filters: Query[VisitFilters]):
    qs = selectors.visit_list_for_actor(actor=request.auth, **_visit_filters(filters))
    page = paginate(qs, filters.page, filters.page_size)
    page.items = [_visit(v) for v in page.items]
    return page_response(page)


@router.post("/visits", response={201: VisitOut, 200: VisitOut},
             summary="登记入户走访（重复提交返回已登记的记录，状态 200）")
def record_visit(request, payload: VisitIn):
    actor = request.auth
    grid = selectors.grid_get_for_actor(actor=actor, grid_id=payload.grid_id)
    team = team_get_for_actor(actor=actor, team_id=payload.team_id) if payload.team_id else None
    volunteer = (volunteer_get_for_actor(actor=actor, volunteer_id=payload.volunteer_id)
                 if payload.volunteer_id else None)
    visit = visit_services.visit_record(
        actor=actor, grid=grid, address=payload.address, visited_at=payload.visited_at,
        residents_count=payload.residents_count, flags=payload.flags, note=payload.note, team=team,
        volunteer=volunteer, client_token=payload.client_token, late_reason=payload.late_reason)
    body = _visit(selectors.visit_get_for_actor(actor=actor, visit_id=visit.pk)) | {"duplicate": visit.duplicate}
    return Status(200 if visit.duplicate else 201, body)


@router.get("/visits/export", summary="导出入户走访记录（Excel，地址脱敏）", response={200: None})
def export_visits(request, filters: Query[VisitFilters]):
    qs = selectors.visit_list_for_actor(actor=request.auth, **_visit_filters(filters))
    data, _ = visits_workbook(actor=request.auth, queryset=qs, filters=_visit_filters(filters))
    return FileResponse(BytesIO(data), as_attachment=True, filename=export_filename(), content_type=XLSX_TYPE)


@router.get("/visits/{visit_id}", response=VisitOut, summary="入户走访详情")
def get_visit(request, visit_id: int):
    return _visit(selectors.visit_get_for_actor(actor=request.auth, visit_id=visit_id))


@router.patch("/visits/{visit_id}", response=VisitOut, summary="更正入户走访（须填原因）")
def correct_visit(request, visit_id: int, payload: VisitPatch):
    actor = request.auth
    visit = selectors.visit_get_for_actor(actor=actor, visit_id=visit_id)
    visit_services.visit_correct(actor=actor, visit=visit, reason=payload.reason, address=payload.address,
                                 visited_at=payload.visited_at, residents_count=payload.residents_count,
                                 flags=payload.flags, note=payload.note)
    return _visit(selectors.visit_get_for_actor(actor=actor, visit_id=visit_id))


@router.post("/visits/{visit_id}/void", response=VisitOut, summary="作废入户走访（须填原因）")
def void_visit(request, visit_id: int, payload: ReasonIn):
    actor = request.auth
    visit = selectors.visit_get_for_actor(actor=actor, visit_id=visit_id)
    visit_services.visit_void(actor=actor, visit=visit, reason=payload.reason)
    return _visit(selectors.visit_get_for_actor(actor=actor, visit_id=visit_id))


@router.post("/visits/{visit_id}/follow-up", response={201: FollowUpOut}, summary="走访转为群众点单")
def follow_up(request, visit_id: int, payload: FollowUpIn):
    actor = request.auth
    visit = selectors.visit_get_for_actor(actor=actor, visit_id=visit_id)
    demand, code = visit_services.visit_follow_up(
        actor=actor, visit=visit, name=payload.name, phone=payload.phone, category=payload.category,
        description=payload.description, urgency=payload.urgency)
    return Status(201, {"visit_id": visit.pk, "demand_id": demand.pk, "tracking_no": demand.tracking_no,
                        "tracking_code": code})


@router.post("/visits/{visit_id}/reveal", response=dict[str, str], summary="查看完整地址（需授权，留痕）")
def reveal_visit(request, visit_id: int, payload: ReasonIn):
    visit = selectors.visit_get_for_actor(actor=request.auth, visit_id=visit_id)
    return visit_services.visit_reveal(actor=request.auth, visit=visit, reason=payload.reason)


# ---- screening totals (排查总数) ------------------------------------------------------------

class ScreeningTotalOut(MonthTotalOut):
    """A screening total: for sites the remainder is all of it."""


class ScreeningTotalIn(Schema):
    node_id: ApiId
    kind: ScreeningKind
    period: str = Field(max_length=20, description="统计月份，如 2020-02")
    total: int = Field(ge=0, le=screening_totals.MAX_TOTAL,
                       description="该月排查总数（入户走访：户次，含已逐户登记的；企业场所：家）；0 撤销")
    note: str = Field("", max_length=200)
    late_reason: str = Field("", max_length=200, description="补录说明：该月结束 7 天后填报或修改时必填")


class ScreeningTotalResult(Schema):
    removed: bool
    total: ScreeningTotalOut | None


@router.get("/screening-totals", response=PageOut[ScreeningTotalOut], summary="排查总数（只有合计数时按月填报）")
def list_screening_totals(request, node_id: ApiId | None = None, page: int = 1, page_size: int = 20):
    qs = selectors.screening_totals_for_actor(actor=request.auth, node_id=node_id)
    return page_response(paginate(qs, page, page_size))


@router.post("/screening-totals", response=ScreeningTotalResult,
             summary="填报或修改某阵地某月的排查总数（与逐户走访记录不重复计算；0 撤销）")
def set_screening_total(request, payload: ScreeningTotalIn):
    actor = request.auth
    node = selectors.screening_node_get_for_actor(actor=actor, node_id=payload.node_id)  # 404 outside; 403 read-only
    row = screening_totals.screening_total_set(actor=actor, node=node, kind=payload.kind, period=payload.period,
                                               total=payload.total, note=payload.note,
                                               late_reason=payload.late_reason)
    return {"removed": row is None, "total": row}
