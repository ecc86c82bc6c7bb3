"""The scoreboard as a workbook (得分表 + 单位排名 + 红黑榜): a service that audits itself."""

from io import BytesIO

from openpyxl import Workbook

from wenming.core.audit import audit_record
from wenming.core.excel import safe_row
from wenming.orgs.models import Node

from .models import Campaign
from .selectors import scoreboard


def scoreboard_workbook(*, actor, campaign: Campaign, node: Node) -> bytes:
    board = scoreboard.node_board(campaign, node)
    ranked = scoreboard.unit_ranking(campaign, node)
    red, black = scoreboard.red_black(campaign, ranked)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("得分表")
    sheet.append(safe_row([f"{campaign.name} · {node.name}", f"总分 {board.score} / {board.full}",
                           f"得分率 {board.rate}%"]))
    sheet.append(["编号", "名称", "层级", "满分", "得分", "扣分合计", "问卷达标率（%）", "材料得分"])
    for line in board.lines:
        ind = line.indicator
        sheet.append(safe_row(["　" * line.depth + ind.code, ind.name, ind.get_level_display(), line.full, line.score,
                               line.deducted or None, line.rate, line.material]))
    for sub in board.subsystems:
        sheet.append(safe_row([sub.name, f"得分率 {sub.rate}%", f"门槛 {sub.floor_percent}%",
                               "达标" if sub.passed else "未达标", f"占总分 {sub.share_percent}%"]))
    sheet = book.create_sheet("单位排名")
    sheet.append(["名次", "单位", "满分", "得分", "得分率（%）", "未办结问题", "逾期", "重复问题"])
    for n, r in enumerate(ranked, start=1):
        sheet.append(safe_row([n, r.name, r.full, r.score, r.rate, r.live, r.overdue, r.repeats]))
    sheet = book.create_sheet("红黑榜")
    sheet.append(["榜单", "单位", "得分率（%）", "逾期", "重复问题"])
    for label, rows in (("红榜", red), ("黑榜", black)):
        for r in rows:
            sheet.append(safe_row([label, r.name, r.rate, r.overdue, r.repeats]))
    out = BytesIO()
    book.save(out)
    audit_record(actor=actor, action="evaluation.scoreboard_export", obj=campaign, changes={"node": node.pk})
    return out.getvalue()
