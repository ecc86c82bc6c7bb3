"""Blank workbooks to fill in: the sheet with its header (help in each header's comment,
required columns marked), and a 填写说明 sheet with the columns and the values allowed."""

from ..access import EVAL_EDIT, require
from ..models import Campaign, Level, Method, SiteType
from ..selectors.records import indicators_of
from . import duties, sites, tree
from .common import MAX_ROWS, blank_book, book_bytes, notes_sheet, template_sheet


def _site_type_names() -> str:
    return "、".join(SiteType.objects.order_by("sort", "id").values_list("name", flat=True))


def tree_template(*, actor, campaign: Campaign) -> bytes:
    require(actor, EVAL_EDIT, campaign.node.path)
    book = blank_book()
    template_sheet(book, tree.SHEET, tree.COLUMNS)
    template_sheet(book, tree.SUB_SHEET, tree.SUB_COLUMNS)
    notes_sheet(book, "测评体系填写说明", [
        "1. 在“测评体系”工作表中从第 2 行起每行填写一个节点（测评项目、测评内容、测评指标或扣分项），不要修改表头。",
        "2. 行的顺序不限：“上级编号”可以是本表任意一行的编号，也可以是系统中已有的编号。",
        "3. 编号已存在的行会更新该指标，内容未变化的行不做修改，可放心重复导入；不会删除表中没有的指标。",
        "4. 单独计分的体系（如 未成年人思想道德建设）在“单列体系”工作表中列出：名称、门槛得分率、占总分比例。",
        f"5. 有误的行不会导入，页面会逐行说明原因，其余各行照常导入。每次最多 {MAX_ROWS} 行。",
    ], tree.COLUMNS, [
        ("层级", "、".join(Level.labels)),
        ("测评方式", "、".join(Method.labels)),
        ("计分规则", "、".join(tree.RULE_SHORT.values())),
        ("点位类型", _site_type_names()),
        ("单列体系", "、".join(campaign.subsystems.values_list("name", flat=True)) or "（本活动尚无）"),
        ("特色指标", "是 / 否"),
    ])
    return book_bytes(book)


def duty_template(*, actor, campaign: Campaign) -> bytes:
    """The campaign's indicators and deduction items, with the unit columns to fill in."""
    require(actor, EVAL_EDIT, campaign.node.path)
    book = blank_book()
    scored = [i for i in tree.tree_order(indicators_of(campaign)) if i.level in duties.SCORED]
    template_sheet(book, duties.SHEET, duties.COLUMNS, [[i.code, i.name] for i in scored])
    notes_sheet(book, "责任分解表填写说明", [
        "1. 每行一个测评指标或扣分项：填写一个牵头单位，配合单位可多个（用“、”分隔）。",
        "2. 单位按名称在本测评范围内查找；有同名单位时写成“单位名称@阵地编码”。",
        "3. 责任领导、领导职务、工作方案、工作专班记在牵头单位名下（一把手负总责，一个指标、一个方案、一个专班）；"
        "完成时限对本行各单位都适用。",
        "4. 没有填写任何单位的行会跳过；已有的责任分解会按表更新，表中没有的不会删除。",
        f"5. 有误的行不会导入，页面会逐行说明原因，其余各行照常导入。每次最多 {MAX_ROWS} 行。",
    ], duties.COLUMNS, [])
    return book_bytes(book)


def site_template(*, actor) -> bytes:
    sites.require_office(actor)
    book = blank_book()
    template_sheet(book, sites.SHEET, sites.COLUMNS)
    notes_sheet(book, "测评点位填写说明", [
        "1. 每行一个点位；点位编码全系统唯一，再次导入同一编码即更新该点位，内容未变化的不做修改。",
        "2. 所属阵地编码须是您管理范围内的阵地；纬度、经度同时填写（WGS-84 / 手机定位坐标）。",
        f"3. 有误的行不会导入，页面会逐行说明原因，其余各行照常导入。每次最多 {MAX_ROWS} 行。",
    ], sites.COLUMNS, [("点位类型", _site_type_names())])
    return book_bytes(book)
