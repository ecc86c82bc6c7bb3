"""Workbooks for the Excel tests: the three layouts' headers and small helpers to build,
upload and read them back."""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from wenming.evaluation import excel
from wenming.evaluation.excel.tree import tree_order
from wenming.evaluation.models import Campaign
from wenming.evaluation.services import campaigns

DUTY_HEADER = ["指标编号", "指标名称", "牵头单位", "配合单位", "责任领导", "领导职务", "工作方案", "工作专班", "完成时限"]
TREE_HEADER = ["编号", "层级", "名称", "上级编号", "分值", "权重", "测评方式", "点位类型", "计分规则", "每处扣分",
               "问卷满分线", "问卷零分线", "单列体系", "特色指标"]
SITE_HEADER = ["点位编码", "点位名称", "点位类型", "所属阵地编码", "地址", "纬度", "经度", "核验半径", "责任单位"]


def workbook(header, rows, title="Sheet") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(data: bytes, name="表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=excel.XLSX)


def sheet_rows(data: bytes, title: str) -> list[tuple]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(r) for r in book[title].iter_rows(values_only=True)]
    finally:
        book.close()


def errors_by_row(result) -> dict[int, str]:
    return {err.row: err.code for err in result.errors if not err.sheet}


def tree_of(campaign: Campaign) -> list[tuple]:
    """The tree as comparable facts, parents by code, in display order (each node followed by
    its subtree, siblings by sort)."""
    indicators = tree_order(list(campaign.indicators.select_related("parent", "subsystem")
                                 .prefetch_related("site_types").order_by("sort", "id")))
    return [(i.code, i.level, i.name, i.parent.code if i.parent else "", i.points, i.weight, i.methods,
             sorted(t.code for t in i.site_types.all()), i.rule, i.deduct_points, i.survey_full_rate,
             i.survey_zero_rate, i.subsystem.name if i.subsystem else "", i.is_feature) for i in indicators]


def fresh_campaign(e, name="2024年度全国文明城市测评", year=2024):
    return campaigns.campaign_create(actor=e.world.office, node=e.world.county, name=name, year=year,
                                     starts_on=date(year, 1, 1), ends_on=date(year, 12, 31))
