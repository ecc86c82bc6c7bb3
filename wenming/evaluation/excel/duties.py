"""The duty table (负面清单责任分解表) as a workbook: one row per indicator, its lead unit and
cooperating units, the accountable head, the plan, the task force and the deadline.

Import: each row goes through `duties.duty_save` in its own savepoint (all the row's units or
none of them). Cooperating units are saved before the lead, so a row can hand the lead from
one listed unit to another. The head, plan and task force belong to the lead unit (一把手
负总责; 一个指标、一个方案、一个专班); a cooperating unit keeps what it already had. A row that
names no unit and says nothing else is skipped (the downloaded table lists every indicator).
Nothing is removed: a duty not in the file stays.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q

from wenming.core.audit import audit_record
from wenming.core.errors import DomainError
from wenming.orgs.models import Unit

from ..access import EVAL_EDIT, require
from ..models import Campaign, Duty, DutyRole, Indicator, Level
from ..selectors.records import duties_for_actor, indicators_of
from ..services import duties as duty_services
from ..services.common import require_open
from .common import (
    Book,
    Column,
    ImportResult,
    Sheet,
    UnitFinder,
    book_bytes,
    date_field,
    filled,
    new_book,
    read_upload,
    short,
    text,
    text_field,
    unit_labels,
    words,
)
from .excel_errors import ExcelError as X
from .tree import tree_order

SHEET = "责任分解表"
SCORED = (Level.INDICATOR, Level.DEDUCTION)
COLUMNS = [
    Column("code", "指标编号", "测评指标或扣分项的编号（见“测评体系”）", required=True, width=12, text=True,
           aliases=("编号",)),
    Column("name", "指标名称", "仅供对照，导入时不读取", width=36, aliases=("名称",)),
    Column("lead", "牵头单位", "一个单位；同名单位写成“单位名称@阵地编码”", width=20,
           aliases=("责任单位",), in_header=True),
    Column("coop", "配合单位", "可多个，用“、”分隔", width=28, in_header=True),
    Column("head_name", "责任领导", "牵头单位的一把手，最多 50 字", width=10),
    Column("head_title", "领导职务", "最多 50 字", width=10),
    Column("plan", "工作方案", "最多 5000 字；方案附件在系统中上传", width=30),
    Column("task_force", "工作专班", "专班成员或科室，最多 500 字", width=24),
    Column("due_on", "完成时限", "日期，如 2024-06-30", width=12),
]
DETAIL_KEYS = ("head_name", "head_title", "plan", "task_force", "due_on")


# ---- export --------------------------------------------------------------------------------

def duty_workbook_export(*, actor, campaign: Campaign) -> bytes:
    """Every indicator and deduction item of the campaign, in tree order, with its lead and
    cooperating units and the lead's head, plan, task force and deadline (audited)."""
    require(actor, EVAL_EDIT, campaign.node.path)
    scored = [i for i in tree_order(indicators_of(campaign)) if i.level in SCORED]
    duties = list(duties_for_actor(actor=actor, campaign=campaign))
    by_indicator: dict[int, list[Duty]] = {}
    for duty in duties:
        by_indicator.setdefault(duty.indicator_id, []).append(duty)
    labels = unit_labels(d.unit for d in duties)
    book = new_book()
    sheet = Sheet(book, SHEET, COLUMNS)
    for ind in scored:
        rows = by_indicator.get(ind.pk, [])
        lead = next((d for d in rows if d.role == DutyRole.LEAD), None)
        coops = [labels[d.unit_id] for d in rows if d.role == DutyRole.COOP]
        due = lead.due_on if lead else next((d.due_on for d in rows if d.due_on), None)
        if lead is None:
            sheet.append([ind.code, ind.name, "", "、".join(coops), "", "", "", "", due])
        else:
            sheet.append([ind.code, ind.name, labels[lead.unit_id], "、".join(coops), lead.head_name,
                          lead.head_title, lead.plan, lead.task_force, due])
    data = book_bytes(book)
    audit_record(actor=actor, action="evaluation.duty_export", obj=campaign, changes={"duties": len(duties)})
    return data


# ---- import --------------------------------------------------------------------------------

class _Row:
    def __init__(self, number: int, raw: dict, indicators: dict[str, Indicator], finder: UnitFinder):
        self.number = number
        code = text(raw.get("code"))
        lead_words, coop_words = words(raw.get("lead")), words(raw.get("coop"))
        self.empty = not lead_words and not coop_words
        if self.empty and not any(filled(raw.get(k)) for k in DETAIL_KEYS):
            return  # an indicator nobody was given yet: nothing to import
        if not code:
            raise X.ROW_REQUIRED.error(column="指标编号")
        self.indicator = indicators.get(code)
        if self.indicator is None:
            raise X.INDICATOR_UNKNOWN.error(code=short(code, 24))
        if self.empty:
            raise X.NO_UNIT.error()
        if len(lead_words) > 1:
            raise X.ONE_LEAD.error(count=len(lead_words))
        self.lead: Unit | None = finder.find(lead_words[0]) if lead_words else None
        self.coops: list[Unit] = []
        seen = {self.lead.pk} if self.lead else set()
        for word in coop_words:
            unit = finder.find(word)
            if unit.pk in seen:
                raise X.UNIT_TWICE.error(name=short(unit.name))
            seen.add(unit.pk)
            self.coops.append(unit)
        self.head_name = text_field(raw.get("head_name"), "责任领导", 50)
        self.head_title = text_field(raw.get("head_title"), "领导职务", 50)
        self.plan = text_field(raw.get("plan"), "工作方案", 5000)
        self.task_force = text_field(raw.get("task_force"), "工作专班", 500)
        self.due_on: date | None = date_field(raw.get("due_on"), "完成时限")


def duty_workbook_import(*, actor, campaign: Campaign, upload, file_name: str = "") -> ImportResult:
    """Import a 责任分解表 into `campaign`: every good row lands, each bad row is reported."""
    require(actor, EVAL_EDIT, campaign.node.path)
    require_open(campaign, "修改责任分解")
    data = read_upload(upload)
    with Book(data) as book:
        rows = book.rows(SHEET, COLUMNS)
    result = ImportResult(rows=len(rows))
    indicators = {i.code: i for i in campaign.indicators.all()}  # an area named here: duty_save says why not
    finder = UnitFinder(Q(node__path__startswith=campaign.node.path), "测评范围内")
    stored = {(d.indicator_id, d.unit_id): d for d in Duty.objects.filter(campaign=campaign)}
    with transaction.atomic():
        for number, raw in rows:
            try:
                row = _Row(number, raw, indicators, finder)
                if row.empty:
                    result.skipped += 1
                    continue
                with transaction.atomic():  # one savepoint per row: all its units or none
                    outcome = _apply(actor, campaign, row, stored)
            except DomainError as exc:
                result.fail(number, exc)
                continue
            except IntegrityError:  # someone else saved the same duty in the meantime
                result.fail(number, X.ROW_CONFLICT.error())
                continue
            for duty, what in outcome:
                stored[(duty.indicator_id, duty.unit_id)] = duty
                setattr(result, what, getattr(result, what) + 1)
        result.sort()
        audit_record(actor=actor, action="evaluation.duty_import", obj=campaign,
                     changes={**result.summary(), "file": short(text(file_name), 60)})
    return result


def _apply(actor, campaign: Campaign, row: _Row, stored: dict) -> list[tuple[Duty, str]]:
    """Save the row's duties (cooperating units first); [(duty, created|updated|unchanged)]."""
    wanted = []
    for unit in row.coops:
        old = stored.get((row.indicator.pk, unit.pk))
        wanted.append((unit, dict(
            role=DutyRole.COOP, head_name=old.head_name if old else "", head_title=old.head_title if old else "",
            plan=old.plan if old else "", task_force=old.task_force if old else "",
            due_on=row.due_on or (old.due_on if old else None))))
    if row.lead is not None:
        wanted.append((row.lead, dict(role=DutyRole.LEAD, head_name=row.head_name, head_title=row.head_title,
                                      plan=row.plan, task_force=row.task_force, due_on=row.due_on)))
    out = []
    for unit, fields in wanted:
        old = stored.get((row.indicator.pk, unit.pk))
        if old is not None and all(getattr(old, k) == v for k, v in fields.items()):
            out.append((old, "unchanged"))
            continue
        duty = duty_services.duty_save(actor=actor, campaign=campaign, indicator=row.indicator, unit=unit, **fields)
        out.append((duty, "created" if old is None else "updated"))
    return out
