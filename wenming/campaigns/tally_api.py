"""JSON API of the campaign tallies (宣传统计): indicators, entries and corrections, a subject's
current values, subtree totals (from the dashboard figures) and the Excel entry sheet."""

from datetime import date, datetime
from io import BytesIO

from django.http import FileResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from wenming.core.api import PageOut, page_response
from wenming.core.errors import CoreError
from wenming.core.pagination import paginate
from wenming.core.params import ApiId

from . import sheet, tally_indicators, tally_selectors, tally_services
from .models import EntryKind, Indicator, ReportSection, TallyEntry
from .periods import current_month, parse_period

router = Router(tags=["宣传统计"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUIRED_FILE = File(...)


def month_text(day: date) -> str:
    return f"{day:%Y-%m}"


def month_range(since: str | None, until: str | None) -> tuple[date, date]:
    """A query's months; both default to this month, `since` alone means since..this month."""
    until_month = parse_period(until, "until", allow_future=True) if until else current_month()
    since_month = parse_period(since, "since", allow_future=True) if since else min(until_month, current_month())
    return since_month, until_month


# ---- schemas ------------------------------------------------------------------------------

class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    active: bool
    node_id: int | None  # the office that defined it; null: the platform's own
    node_name: str | None = Field(None, alias="node.name")
    section: str
    section_name: str = Field(alias="get_section_display")
    aggregation: str
    aggregation_name: str = Field(alias="get_aggregation_display")
    sort: int


class IndicatorIn(Schema):
    node_id: ApiId  # the office (node) defining it
    name: str = Field(max_length=200, description="名称，如 消杀面积")
    unit: str = Field(max_length=200, description="计量单位，如 平方米")
    section: str = Field("other", max_length=20, description="工作报告栏目：" + "、".join(
        f"{v}（{label}）" for v, label in ReportSection.choices))
    aggregation: str = Field("sum", max_length=20, description="sum 按月累加；latest 取最近一个月的数（如 消毒车 辆）")
    sort: int = Field(500, ge=0, le=32767)


class IndicatorPatch(Schema):
    name: str | None = Field(None, max_length=200)
    unit: str | None = Field(None, max_length=200)
    section: str | None = Field(None, max_length=20)
    aggregation: str | None = Field(None, max_length=20)
    sort: int | None = Field(None, ge=0, le=32767)
    active: bool | None = None


class TallyEntryOut(Schema):
    id: int
    node_id: int
    node_name: str
    unit_id: int | None
    unit_name: str | None
    indicator: str
    indicator_name: str
    measure: str  # unit of measure: 条, 份, 人次 …
    period: str  # 2025-03
    delta: int
    kind: str
    kind_label: str
    corrects_id: int | None
    reason: str
    recorded_by: str | None
    recorded_at: datetime
    late_reason: str  # 补录说明 of an entry for a month entered over a week after it ended

    @staticmethod
    def resolve_node_name(obj: TallyEntry) -> str:
        return obj.node.name

    @staticmethod
    def resolve_unit_name(obj: TallyEntry) -> str | None:
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_indicator(obj: TallyEntry) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_indicator_name(obj: TallyEntry) -> str:
        return obj.indicator.name

    @staticmethod
    def resolve_measure(obj: TallyEntry) -> str:
        return obj.indicator.unit

    @staticmethod
    def resolve_period(obj: TallyEntry) -> str:
        return month_text(obj.period)

    @staticmethod
    def resolve_kind_label(obj: TallyEntry) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_recorded_by(obj: TallyEntry) -> str | None:
        return obj.recorded_by.get_username() if obj.recorded_by_id else None


class TallyIn(Schema):
    node_id: int | None = None  # a node's own tally, or
    unit_id: int | None = None  # a civilized unit's (counted at the unit's node)
    indicator: str = Field(max_length=32, description="指标代码（如 banner）或名称")
    period: str = Field(max_length=20, description="统计月份，如 2025-03")
    value: int
    note: str = Field("", max_length=200)
    late_reason: str = Field("", max_length=200, description="补录说明：该月结束 7 天后填报时必填")


class CorrectionIn(Schema):
    delta: int = Field(description="增加为正，减少为负")
    reason: str = Field(max_length=200)


class SubjectQuery(Schema):
    node_id: int | None = None
    unit_id: int | None = None
    period: str | None = None  # default: this month


class EntryFilters(Schema):
    node_id: int | None = None  # this node and its subtree (subtree=false: its own entries only)
    unit_id: int | None = None
    indicator: str | None = None
    period: str | None = None
    kind: EntryKind | None = None
    subtree: bool = True
    page: int = 1
    page_size: int = 20


class ValueOut(Schema):
    indicator: str
    indicator_name: str
    measure: str
    value: int


class CurrentOut(Schema):
    node_id: int
    node_name: str
    unit_id: int | None
    unit_name: str | None
    period: str
    values: list[ValueOut]


class ChildOut(Schema):
    node_id: int
    node_name: str
    values: dict[str, int]  # indicator code → value over the child's subtree


class TotalsOut(Schema):
    node_id: int
    node_name: str
    since: str
    until: str
    values: list[ValueOut]  # over the node's whole subtree, each entry counted once
    children: list[ChildOut]


class ChangeOut(Schema):
    indicator: str
    indicator_name: str
    before: int
    after: int


class SheetOut(Schema):
    node_id: int
    unit_id: int | None
    period: str
    changed: list[ChangeOut]
    unchanged: int


class RowErrorOut(Schema):
    row: int
    indicator: str
    code: str
    message: str


class SheetErrorsOut(Schema):
    code: str
    message: str
    errors: list[RowErrorOut]


def _value(indicator: Indicator, value: int) -> dict:
    return {"indicator": indicator.code, "indicator_name": indicator.name, "measure": indicator.unit,
            "value": value}


# ---- handlers -----------------------------------------------------------------------------

@router.get("/indicators", response=list[IndicatorOut],
            summary="宣传统计指标（全平台通用的，以及本人工作范围内各文明办自定的）")
def list_indicators(request, active_only: bool = False):
    return list(tally_selectors.indicator_list_for_actor(actor=request.auth, active_only=active_only))


@router.post("/indicators", response={201: IndicatorOut}, summary="新增本辖区的统计指标（文明办工作人员）")
def create_indicator(request, payload: IndicatorIn):
    node = tally_selectors.tally_node_get_for_actor(actor=request.auth, node_id=payload.node_id)
    return Status(201, tally_indicators.indicator_create(
        actor=request.auth, node=node, name=payload.name, unit=payload.unit, section=payload.section,
        aggregation=payload.aggregation, sort=payload.sort))


@router.patch("/indicators/{tally_indicator_id}", response=IndicatorOut, summary="修改、排序、停用或启用统计指标")
def update_indicator(request, tally_indicator_id: ApiId, payload: IndicatorPatch):
    indicator = tally_selectors.indicator_list_for_actor(actor=request.auth, active_only=False).filter(
        pk=tally_indicator_id).first()
    if indicator is None:
        raise CoreError.NOT_FOUND.error()
    return tally_indicators.indicator_update(actor=request.auth, indicator=indicator,
                                             **payload.dict(exclude_unset=True))


@router.get("/tallies", response=PageOut[TallyEntryOut], summary="宣传统计填报记录（含更正）")
def list_entries(request, filters: Query[EntryFilters]):
    indicator = tally_selectors.indicator_get(key=filters.indicator) if filters.indicator else None
    qs = tally_selectors.tally_entry_list_for_actor(
        actor=request.auth, node_id=filters.node_id, unit_id=filters.unit_id,
        indicator_id=indicator.pk if indicator else None,
        period=parse_period(filters.period, allow_future=True) if filters.period else None,
        subtree=filters.subtree, kind=filters.kind or "")
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/tallies", response={201: TallyEntryOut}, summary="填报（阵地或文明单位，按月）")
def add_entry(request, payload: TallyIn):
    actor = request.auth
    node, unit = tally_selectors.tally_subject_for_actor(actor=actor, node_id=payload.node_id,
                                                         unit_id=payload.unit_id)
    entry = tally_services.tally_add(
        actor=actor, node=None if unit else node, unit=unit, period=payload.period, value=payload.value,
        indicator=tally_selectors.indicator_get(key=payload.indicator, node=node), note=payload.note,
        late_reason=payload.late_reason)
    return Status(201, tally_selectors.tally_entry_get_for_actor(actor=actor, entry_id=entry.pk))


def _subject(request, query: SubjectQuery):
    node, unit = tally_selectors.tally_subject_for_actor(actor=request.auth, node_id=query.node_id,
                                                         unit_id=query.unit_id)
    return node, unit, parse_period(query.period) if query.period else current_month()


@router.get("/tallies/current", response=CurrentOut, summary="某阵地或文明单位某月的当前数值")
def current(request, query: Query[SubjectQuery]):
    node, unit, period = _subject(request, query)
    values = tally_selectors.tally_current_for_actor(actor=request.auth, node=node, unit=unit, period=period)
    return {"node_id": node.pk, "node_name": node.name, "unit_id": unit.pk if unit else None,
            "unit_name": unit.name if unit else None, "period": month_text(period),
            "values": [_value(v.indicator, v.value) for v in values]}


@router.get("/tallies/totals", response=TotalsOut, summary="阵地及其下级合计（不重复计数）")
def totals(request, node_id: int, since: str | None = None, until: str | None = None):
    actor = request.auth
    node = tally_selectors.tally_node_get_for_actor(actor=actor, node_id=node_id)
    first, last = month_range(since, until)
    rows = tally_selectors.tally_totals_for_actor(actor=actor, node=node, since=first, until=last)
    children = tally_selectors.tally_children_for_actor(actor=actor, node=node, since=first, until=last)
    return {"node_id": node.pk, "node_name": node.name, "since": month_text(first), "until": month_text(last),
            "values": [_value(t.indicator, t.value) for t in rows],
            "children": [{"node_id": c.node.pk, "node_name": c.node.name,
                          "values": {t.indicator.code: c.value(t.indicator) for t in rows}} for c in children]}


@router.get("/tallies/sheet", response={200: None}, summary="下载填报表（Excel 模板，含当前数值）")
def download_sheet(request, query: Query[SubjectQuery]):
    node, unit, period = _subject(request, query)
    values = tally_selectors.tally_current_for_actor(actor=request.auth, node=node, unit=unit, period=period)
    data = sheet.build_sheet(node=node, unit=unit, period=period, values=values)
    return FileResponse(BytesIO(data), as_attachment=True, content_type=XLSX,
                        filename=sheet.sheet_filename(node=node, unit=unit, period=period))


@router.post("/tallies/sheet", response={200: SheetOut, 422: SheetErrorsOut},
             summary="上传填报表（整表导入：有误则整表不导入并逐行说明）")
def upload_sheet(request, file: UploadedFile = REQUIRED_FILE, late_reason: Form[str] = ""):
    """`late_reason`: 补录说明, needed when the sheet's month ended more than 7 days ago."""
    try:
        result = sheet.tally_sheet_import(actor=request.auth, upload=file, file_name=file.name or "",
                                          late_reason=late_reason)
    except sheet.SheetRejected as exc:
        return Status(422, {"code": exc.code, "message": exc.message,
                            "errors": [vars(e) for e in exc.errors]})
    return {"node_id": result.node.pk, "unit_id": result.unit.pk if result.unit else None,
            "period": month_text(result.period), "unchanged": result.unchanged,
            "changed": [{"indicator": i.code, "indicator_name": i.name, "before": b, "after": a}
                        for i, b, a in result.changed]}


@router.get("/tallies/{tally_entry_id}", response=TallyEntryOut, summary="填报记录详情")
def get_entry(request, tally_entry_id: int):
    return tally_selectors.tally_entry_get_for_actor(actor=request.auth, entry_id=tally_entry_id)


@router.post("/tallies/{tally_entry_id}/corrections", response={201: TallyEntryOut},
             summary="更正（新增一条正或负的记录，原记录不变）")
def correct_entry(request, tally_entry_id: int, payload: CorrectionIn):
    actor = request.auth
    entry = tally_selectors.tally_entry_get_for_actor(actor=actor, entry_id=tally_entry_id)
    correction = tally_services.tally_correct(actor=actor, entry=entry, delta=payload.delta, reason=payload.reason)
    return Status(201, tally_selectors.tally_entry_get_for_actor(actor=actor, entry_id=correction.pk))
