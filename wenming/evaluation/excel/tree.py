"""The indicator tree (测评体系) as a workbook: one row per node, parents by code.

Import: rows may come in any order; a row waits until its parent (in the file or already in
the campaign) is placed. A code already in the campaign updates that indicator; a row that
says exactly what is stored is left alone. Each row goes through `campaigns.indicator_save`
in its own savepoint, so the rules stay in one place and a bad row takes nothing with it.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction

from wenming.core.audit import audit_record
from wenming.core.errors import DomainError

from ..access import EVAL_EDIT, require
from ..models import Campaign, Indicator, Level, Method, Rule, SiteType, SubSystem
from ..selectors.records import indicators_of
from ..services import campaigns as campaign_services
from ..services.campaigns import CODE
from ..services.common import require_open
from .common import (
    Book,
    Column,
    ImportResult,
    Sheet,
    book_bytes,
    decimal_or_none,
    flag,
    new_book,
    read_upload,
    short,
    text,
    text_field,
    words,
)
from .excel_errors import ExcelError as X

SHEET = "测评体系"
SUB_SHEET = "单列体系"
LEVEL_WORDS = {label: value for value, label in Level.choices} | {v: v for v in Level.values} | {
    "项目": Level.AREA, "一级指标": Level.AREA, "内容": Level.ITEM, "二级指标": Level.ITEM,
    "指标": Level.INDICATOR, "三级指标": Level.INDICATOR, "扣分": Level.DEDUCTION, "扣分点": Level.DEDUCTION}
RULE_SHORT = {Rule.DEDUCT: "按问题扣分", Rule.SURVEY: "按问卷达标率", Rule.MATERIAL: "按材料审核"}
RULE_WORDS = {label: value for value, label in Rule.choices} | {v: v for v in Rule.values} | {
    label: value for value, label in RULE_SHORT.items()} | {
    "扣分": Rule.DEDUCT, "按问题扣分（扣完为止）": Rule.DEDUCT, "问卷": Rule.SURVEY, "问卷调查": Rule.SURVEY,
    "按问卷达标率计分": Rule.SURVEY, "材料": Rule.MATERIAL, "材料审核": Rule.MATERIAL, "按材料审核评分": Rule.MATERIAL}
METHOD_CODES = {label: value for value, label in Method.choices} | {v: v for v in Method.values}

COLUMNS = [
    Column("code", "编号", "本活动内唯一，1 到 20 位数字、字母、点或短横线，如 4.1.2；请以文本格式填写",
           required=True, width=12, text=True, aliases=("指标编号",)),
    Column("level", "层级", "测评项目、测评内容、测评指标或扣分项", required=True, width=10),
    Column("name", "名称", "最多 200 字", required=True, width=40, aliases=("指标名称",)),
    Column("parent", "上级编号", "测评项目不填；测评内容的上级是测评项目；测评指标的上级是测评项目或测评内容；"
           "扣分项的上级是测评指标。上级可在本表任意一行，或已在系统中", width=12, text=True),
    Column("points", "分值", "0 到 1000，最多两位小数；不填为 0", width=8),
    Column("weight", "权重", "大于 0；不填为 1", width=8),
    Column("methods", "测评方式", "多个用“、”分隔：" + "、".join(Method.labels), width=20),
    Column("site_types", "点位类型", "实地考察的点位类型，多个用“、”分隔", width=20),
    Column("rule", "计分规则", "按问题扣分、按问卷达标率或按材料审核；不填为按问题扣分", width=14),
    Column("deduct_points", "每处扣分", "按问题扣分时每处问题扣的分；不填为 0", width=10),
    Column("survey_full_rate", "问卷满分线", "按问卷达标率计分时的满分达标率（%）；不填为 90", width=10),
    Column("survey_zero_rate", "问卷零分线", "按问卷达标率计分时的零分线（%），不高于满分线；不填为 60", width=10),
    Column("subsystem", "单列体系", "单独计分的体系名称（如 未成年人思想道德建设），须在“单列体系”工作表或系统中", width=18),
    Column("is_feature", "特色指标", "是 / 否；不填为否", width=8),
]
SUB_COLUMNS = [
    Column("name", "名称", "单列体系名称，最多 60 字", required=True, width=24),
    Column("floor_percent", "门槛得分率", "该体系须达到的得分率（%），0 到 100", width=12),
    Column("share_percent", "占总分比例", "该体系占总分的比例（%），0 到 100（不含 100）", width=12),
]


# ---- export --------------------------------------------------------------------------------

def tree_order(indicators: list[Indicator]) -> list[Indicator]:
    """Parents first, each followed by its subtree, siblings by their sort order."""
    children: dict[int | None, list[Indicator]] = {}
    for ind in indicators:
        children.setdefault(ind.parent_id, []).append(ind)
    out: list[Indicator] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        ind = stack.pop()
        out.append(ind)
        stack.extend(reversed(children.get(ind.pk, [])))
    return out


def _number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def indicator_workbook_export(*, actor, campaign: Campaign) -> bytes:
    """The campaign's indicator tree and sub-systems as a workbook (audited)."""
    require(actor, EVAL_EDIT, campaign.node.path)
    indicators = indicators_of(campaign)
    codes = {i.pk: i.code for i in indicators}
    book = new_book()
    sheet = Sheet(book, SHEET, COLUMNS)
    for ind in tree_order(indicators):
        sheet.append([
            ind.code, Level(ind.level).label, ind.name, codes.get(ind.parent_id, ""), _number(ind.points),
            _number(ind.weight), "、".join(Method(m).label for m in ind.methods if m in Method.values),
            "、".join(t.name for t in ind.site_types.all()), RULE_SHORT.get(ind.rule, ind.rule),
            _number(ind.deduct_points), _number(ind.survey_full_rate), _number(ind.survey_zero_rate),
            ind.subsystem.name if ind.subsystem else "", "是" if ind.is_feature else "否"])
    subs = Sheet(book, SUB_SHEET, SUB_COLUMNS)
    for sub in campaign.subsystems.all():
        subs.append([sub.name, _number(sub.floor_percent), _number(sub.share_percent)])
    data = book_bytes(book)
    audit_record(actor=actor, action="evaluation.indicator_export", obj=campaign,
                 changes={"indicators": len(indicators)})
    return data


# ---- import --------------------------------------------------------------------------------

def indicator_workbook_import(*, actor, campaign: Campaign, upload, file_name: str = "") -> ImportResult:
    """Import the indicator tree (and the 单列体系 sheet, when there is one) into `campaign`.
    Whole-file problems raise; each bad row is reported and the good ones land."""
    require(actor, EVAL_EDIT, campaign.node.path)
    require_open(campaign, "修改测评体系")
    data = read_upload(upload)
    with Book(data) as book:
        rows = book.rows(SHEET, COLUMNS)
        sub_rows = book.rows(SUB_SHEET, SUB_COLUMNS, first_sheet=False) if book.has(SUB_SHEET) else []
    result = ImportResult(rows=len(rows) + len(sub_rows))
    with transaction.atomic():
        _import_subsystems(actor, campaign, sub_rows, result)
        _import_indicators(actor, campaign, rows, result)
        result.sort()
        audit_record(actor=actor, action="evaluation.indicator_import", obj=campaign,
                     changes={**result.summary(), "file": short(text(file_name), 60)})
    return result


def _import_subsystems(actor, campaign: Campaign, rows, result: ImportResult) -> None:
    existing = {s.name: s for s in campaign.subsystems.all()}
    seen: dict[str, int] = {}
    for number, raw in rows:
        try:
            name = text_field(raw.get("name"), "名称", 60, required=True)
            if name in seen:
                raise X.ROW_DUPLICATE.error(first=seen[name], what="名称", value=short(name))
            seen[name] = number
            floor, share = raw.get("floor_percent"), raw.get("share_percent")
            floor, share = (text(floor) or "0"), (text(share) or "0")
            if name in existing:
                sub = existing[name]
                if decimal_or_none(floor) == sub.floor_percent and decimal_or_none(share) == sub.share_percent:
                    result.unchanged += 1
                    continue
                raise X.SUBSYSTEM_DIFFERS.error(value=short(name))
            with transaction.atomic():
                existing[name] = campaign_services.subsystem_create(
                    actor=actor, campaign=campaign, name=name, floor_percent=floor, share_percent=share)
            result.created += 1
        except DomainError as exc:
            result.fail(number, exc, SUB_SHEET)


class _Row:
    """A parsed indicator row, ready for indicator_save."""

    def __init__(self, number: int, raw: dict, site_types: dict[str, SiteType], subsystems: dict[str, SubSystem]):
        self.number = number
        code = text(raw.get("code"))
        if not code:
            raise X.ROW_REQUIRED.error(column="编号")
        if not CODE.fullmatch(code):
            raise X.CODE_INVALID.error(value=short(code, 24))
        self.code = code
        level_word = text(raw.get("level"))
        if not level_word:
            raise X.ROW_REQUIRED.error(column="层级")
        self.level = LEVEL_WORDS.get(level_word)
        if self.level is None:
            raise X.LEVEL_UNKNOWN.error(value=short(level_word))
        self.name = text_field(raw.get("name"), "名称", 200, required=True)
        self.parent_code = text(raw.get("parent"))
        if self.parent_code == code:
            raise X.SELF_PARENT.error()
        self.points = text(raw.get("points")) or "0"
        self.weight = text(raw.get("weight")) or "1"
        self.deduct_points = text(raw.get("deduct_points")) or "0"
        self.survey_full_rate = text(raw.get("survey_full_rate")) or "90"
        self.survey_zero_rate = text(raw.get("survey_zero_rate")) or "60"
        self.methods = words(raw.get("methods"))
        rule_word = text(raw.get("rule"))
        self.rule = RULE_WORDS.get(rule_word, Rule.DEDUCT if not rule_word else None)
        if self.rule is None:
            raise X.RULE_UNKNOWN.error(value=short(rule_word))
        self.site_types = []
        for word in words(raw.get("site_types")):
            site_type = site_types.get(word)
            if site_type is None:
                raise X.SITE_TYPE_UNKNOWN.error(value=short(word))
            if site_type not in self.site_types:
                self.site_types.append(site_type)
        sub_name = text(raw.get("subsystem"))
        self.subsystem = subsystems.get(sub_name) if sub_name else None
        if sub_name and self.subsystem is None:
            raise X.SUBSYSTEM_UNKNOWN.error(value=short(sub_name))
        self.is_feature = flag(raw.get("is_feature"), "特色指标")

    def fields(self) -> dict:
        return dict(code=self.code, name=self.name, level=self.level, points=self.points, weight=self.weight,
                    methods=self.methods, site_types=self.site_types, rule=self.rule,
                    deduct_points=self.deduct_points, survey_full_rate=self.survey_full_rate,
                    survey_zero_rate=self.survey_zero_rate, subsystem=self.subsystem, is_feature=self.is_feature)

    def same_as(self, ind: Indicator, parent: Indicator | None) -> bool:
        methods = [METHOD_CODES.get(m) for m in self.methods]
        return (ind.name == self.name and ind.level == self.level and ind.parent_id == getattr(parent, "pk", None)
                and ind.points == decimal_or_none(self.points) and ind.weight == decimal_or_none(self.weight)
                and ind.deduct_points == decimal_or_none(self.deduct_points)
                and ind.survey_full_rate == decimal_or_none(self.survey_full_rate)
                and ind.survey_zero_rate == decimal_or_none(self.survey_zero_rate)
                and list(ind.methods) == list(dict.fromkeys(methods)) and ind.rule == self.rule
                and ind.subsystem_id == getattr(self.subsystem, "pk", None) and ind.is_feature == self.is_feature
                and {t.pk for t in ind.site_types.all()} == {t.pk for t in self.site_types})


def _import_indicators(actor, campaign: Campaign, rows, result: ImportResult) -> None:
    site_types: dict[str, SiteType] = {}
    for site_type in SiteType.objects.all():
        site_types[site_type.code] = site_types[site_type.name] = site_type
    subsystems = {s.name: s for s in campaign.subsystems.all()}
    stored = {i.code: i for i in campaign.indicators.prefetch_related("site_types")}
    parents_with_children = set(campaign.indicators.filter(parent__isnull=False).values_list("parent_id", flat=True))
    seen: dict[str, int] = {}
    pending: list[_Row] = []
    unreadable: set[str] = set()
    for number, raw in rows:
        try:
            row = _Row(number, raw, site_types, subsystems)
            if row.code in seen:
                raise X.ROW_DUPLICATE.error(first=seen[row.code], what="编号", value=row.code)
            seen[row.code] = number
            pending.append(row)
        except DomainError as exc:
            result.fail(number, exc)
            if exc.code != X.ROW_DUPLICATE.code:
                unreadable.add(text(raw.get("code")))
    in_file = {row.code for row in pending}
    failed: set[str] = (unreadable - in_file) - {""}  # their children fail with them
    placed: dict[str, Indicator] = {}
    # Place the rows whose parent is known, in file order; repeat for those that waited.
    while pending:
        waiting = []
        for row in pending:
            parent_code = row.parent_code
            if parent_code in failed:
                result.fail(row.number, X.PARENT_FAILED.error(code=short(parent_code)))
                failed.add(row.code)
                continue
            if parent_code and parent_code in in_file and parent_code not in placed:
                waiting.append(row)
                continue
            parent = (placed.get(parent_code) or stored.get(parent_code)) if parent_code else None
            if parent_code and parent is None:
                result.fail(row.number, X.PARENT_MISSING.error(code=short(parent_code)))
                failed.add(row.code)
                continue
            try:
                placed[row.code] = _apply(actor, campaign, row, parent, stored.get(row.code),
                                          parents_with_children, result)
            except DomainError as exc:
                result.fail(row.number, exc)
                failed.add(row.code)
        if len(waiting) == len(pending):  # nobody moved: they wait on each other
            for row in waiting:
                result.fail(row.number, X.PARENT_LOOP.error(code=short(row.parent_code)))
            break
        pending = waiting


def _apply(actor, campaign, row: _Row, parent, existing: Indicator | None, parents_with_children: set,
           result: ImportResult) -> Indicator:
    if existing is not None:
        if row.same_as(existing, parent):
            result.unchanged += 1
            return existing
        if existing.level != row.level and existing.pk in parents_with_children:
            raise X.LEVEL_HAS_CHILDREN.error(code=existing.code, level=Level(row.level).label)
    try:
        with transaction.atomic():  # one savepoint per row
            saved = campaign_services.indicator_save(actor=actor, campaign=campaign, parent=parent,
                                                     indicator=existing, **row.fields())
    except IntegrityError:  # the same code created by someone else in the meantime
        raise X.ROW_CONFLICT.error() from None
    if parent is not None:
        parents_with_children.add(parent.pk)
    if existing is None:
        result.created += 1
    else:
        result.updated += 1
    return saved
