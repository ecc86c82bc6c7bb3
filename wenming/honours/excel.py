"""A campaign as a workbook, every stage in it: the plan, the nominations with their status,
registry figures, priority flag, review averages and votes; every review with its scores;
the vote per nominee and the voided votes; the objections and their answers.

A service that audits itself (ARCHITECTURE: exports are services); the rows are the ones the
actor may read (selectors), and the office alone gets the voided votes. Cells are made
formula-safe (core.excel): a story or an objection typed by the public is never a formula.
No ID number or phone is written, not even masked; a voter is their phone's last four digits.
"""

import io
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Avg, Count, Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from wenming.core.audit import audit_record
from wenming.core.excel import safe_cell

from .models import HonourCampaign, Objection, Review, Stage, Vote
from .selectors import records
from .selectors import staff as reads

_HEADER_FILL = PatternFill("solid", fgColor="EDEDED")


class _Sheet:
    """A write-only sheet: a bold header row, then formula-safe rows; datetimes in local time."""

    def __init__(self, book: Workbook, title: str, columns: list[tuple[str, int]]):
        self.ws = book.create_sheet(title)
        self.rows = 0
        for index, (_, width) in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = "A2"
        header = []
        for name, _ in columns:
            cell = WriteOnlyCell(self.ws, value=name)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            header.append(cell)
        self.ws.append(header)

    def append(self, values: list) -> None:
        row = []
        for value in values:
            if isinstance(value, datetime):
                cell = WriteOnlyCell(self.ws, value=timezone.localtime(value).replace(tzinfo=None)
                                     if timezone.is_aware(value) else value)
                cell.number_format = "yyyy-mm-dd hh:mm"
                row.append(cell)
            elif isinstance(value, date):
                cell = WriteOnlyCell(self.ws, value=value)
                cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            elif isinstance(value, Decimal):
                row.append(float(value))
            else:
                row.append(safe_cell(value))
        self.ws.append(row)
        self.rows += 1


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _plan(book: Workbook, c: HonourCampaign) -> None:
    sheet = _Sheet(book, "评选概况", [("项目", 20), ("内容", 60)])
    rows = [("评选名称", c.name), ("典型类别", c.category.name), ("主办", c.node.name), ("级别", c.get_level_display()),
            ("年度", c.year), ("当前阶段", c.get_stage_display()), ("名额", c.places), ("已拟表彰", c.selected_count),
            ("推荐开始", c.nominate_from), ("推荐截止", c.nominate_until),
            ("文明单位可推荐", _yes(c.by_units)), ("文明办/阵地可推荐", _yes(c.by_nodes)),
            ("可自荐", _yes(c.self_nomination)), ("网络投票", _yes(c.vote_enabled))]
    if c.vote_enabled:
        rows += [("投票开始", c.vote_from), ("投票截止", c.vote_until),
                 ("每个手机号每天可投同一人", c.votes_per_nominee_per_day), ("每个手机号每天最多投票", c.votes_per_day)]
    rows += [("公示天数", c.notice_days), ("公示开始", c.notice_from), ("公布时间", c.announced_at),
             ("优先推荐标识", c.priority_label), ("导出时间", timezone.now())]
    rows += [("评审标准", f"{cr.name}（满分 {cr.points}）") for cr in c.criteria.all()]
    for row in rows:
        sheet.append(list(row))


def nominations_workbook(*, actor, campaign: HonourCampaign) -> bytes:
    """The workbook of `campaign` for `actor` (audited: who exported which campaign, how many rows)."""
    c = records.campaign_get_for_actor(actor=actor, pk=campaign.pk)  # the actor may read it, or 404
    office = reads.is_office(actor, c)
    visible = reads.visible_nominations(actor=actor, campaign=c)
    ids = visible.values("pk")
    averages: dict[tuple[int, str], tuple] = {
        (r["nomination_id"], r["stage"]): (r["avg"], r["n"])
        for r in Review.objects.filter(nomination__in=ids).values("nomination_id", "stage").annotate(
            avg=Avg("total"), n=Count("id")).order_by()}
    ballots = {r["nomination_id"]: r for r in Vote.objects.filter(campaign=c, nomination__in=ids).values(
        "nomination_id").annotate(cast=Count("id"), undone=Count("id", filter=Q(undone_at__isnull=False)),
                                  voided=Count("id", filter=Q(voided_at__isnull=False))).order_by()}
    objected = dict(Objection.objects.filter(nomination__in=ids).values("nomination_id").annotate(n=Count("id"))
                    .values_list("nomination_id", "n").order_by())

    book = Workbook(write_only=True)
    _plan(book, c)
    label = c.priority_label or "优先推荐"
    sheet = _Sheet(book, "推荐名单", [
        ("推荐编号", 16), ("姓名/名称", 14), ("推荐对象", 10), ("所在地", 20), ("工作单位", 18), ("事迹标题", 24),
        ("推荐方式", 14), ("推荐单位/阵地", 20), ("状态", 10), ("退回/未通过原因", 24), (label, 10),
        ("优先推荐说明", 24), ("志愿者编号", 14), ("星级", 6), ("服务时长（小时）", 10), ("初审意见数", 8),
        ("初审平均分", 10), ("复审评审数", 8), ("复审平均分", 10), ("有效票数", 10), ("撤回票", 8), ("作废票", 8),
        ("公示异议", 8), ("推荐时间", 18)])
    listed = (records.nominations_for_actor(actor=actor, campaign=c, sort="priority")
              .select_related("work_unit", "volunteer"))
    for n in listed.iterator(chunk_size=500):
        first, final = averages.get((n.pk, "initial"), (None, 0)), averages.get((n.pk, "final"), (None, 0))
        votes = ballots.get(n.pk, {})
        sheet.append([
            n.number, n.name, n.get_kind_display(), n.node.name, n.work_unit.name if n.work_unit else "", n.title,
            n.get_nominated_by_display(),
            n.nominating_unit.name if n.nominating_unit else (n.nominating_node.name if n.nominating_node else ""),
            n.get_status_display(), n.status_reason, _yes(n.priority), n.priority_note,
            n.volunteer.volunteer_no if n.volunteer else "", n.star_level, n.service_hours,
            first[1], round(float(first[0]), 1) if first[0] is not None else None,
            final[1], round(float(final[0]), 1) if final[0] is not None else None,
            n.votes if c.vote_enabled else None, votes.get("undone", 0), votes.get("voided", 0),
            objected.get(n.pk, 0), n.created_at])
    count = sheet.rows

    criteria = list(c.criteria.all())
    sheet = _Sheet(book, "评审意见", [("推荐编号", 16), ("姓名/名称", 14), ("评审阶段", 8), ("评审员", 14), ("意见", 10),
                                  ("理由", 30)] + [(f"{cr.name}（{cr.points}）", 10) for cr in criteria]
                   + [("总分", 8), ("评审时间", 18)])
    staff_ids = reads.staff_visible_nominations(actor=actor, campaign=c).values("pk")  # a nominator: no reviewers
    reviews = (Review.objects.filter(nomination__in=staff_ids).select_related("nomination", "reviewer")
               .order_by("nomination__number", "stage", "created_at", "id"))
    for r in reviews.iterator(chunk_size=500):
        marks = r.scores or {}
        sheet.append([r.nomination.number, r.nomination.name, r.get_stage_display(), r.reviewer.display_name or r.reviewer.get_username(),
                      r.get_decision_display(), r.reason]
                     + [Decimal(marks[str(cr.pk)]) if str(cr.pk) in marks else None for cr in criteria]
                     + [r.total, r.created_at])

    if c.vote_enabled:
        sheet = _Sheet(book, "网络投票", [("推荐编号", 16), ("姓名/名称", 14), ("状态", 10), ("有效票数", 10),
                                      ("总投票", 10), ("撤回", 8), ("作废", 8)])
        shown = set(visible.values_list("pk", flat=True))
        for n in reads.vote_totals(c):
            if n.pk in shown:
                sheet.append([n.number, n.name, n.get_status_display(), n.votes, n.cast, n.undone, n.voided])
        if office:
            sheet = _Sheet(book, "作废投票", [("投票时间", 18), ("推荐编号", 16), ("被投票对象", 14), ("手机尾号", 10),
                                          ("作废时间", 18), ("作废原因", 30)])
            voided = (Vote.objects.filter(campaign=c, voided_at__isnull=False)
                      .select_related("nomination", "voter_pass").order_by("voided_at", "id"))
            for v in voided.iterator(chunk_size=2000):
                sheet.append([v.created_at, v.nomination.number, v.nomination.name, f"尾号{v.voter_pass.phone_tail}",
                              v.voided_at, v.void_reason])

    if c.stage in (Stage.NOTICE, Stage.ANNOUNCED) or objected:
        sheet = _Sheet(book, "公示异议", [("异议编号", 14), ("推荐编号", 16), ("被推荐对象", 14), ("提交时间", 18),
                                      ("反映方式", 8), ("反映人", 10), ("异议内容", 40), ("状态", 8), ("答复", 40),
                                      ("异议成立", 8), ("答复时间", 18)])
        for o in reads.objections_for_actor(actor=actor, campaign=c).iterator(chunk_size=500):
            sheet.append([o.number, o.nomination.number, o.nomination.name, o.created_at,
                          "匿名" if o.anonymous else "实名", o.name if office and not o.anonymous else "", o.text,
                          o.get_status_display(), o.answer, _yes(o.upheld) if o.answered_at else "", o.answered_at])

    out = io.BytesIO()
    book.save(out)
    audit_record(actor=actor, action="honours.export", obj=c, node_path=c.node.path,
                 changes={"nominations": count, "voided_votes": office and c.vote_enabled})
    return out.getvalue()
