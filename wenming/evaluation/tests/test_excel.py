"""Excel import and export of the indicator tree, the duty table (责任分解表) and the sites:
round trips, per-row Chinese errors with every good row landing, formula-safe cells, hostile
files, limits, concurrent imports (who may, copying and the pages: test_excel_pages.py)."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from wenming.accounts.models import User
from wenming.core.models import AuditEntry
from wenming.core.testing import CONCURRENT, at_once
from wenming.core.tests.api_client import ApiClient
from wenming.evaluation import excel
from wenming.evaluation.excel import common
from wenming.evaluation.models import Campaign, Duty, Indicator, Site
from wenming.evaluation.services import campaigns, duties
from wenming.evaluation.tests.factories import build_evaluation
from wenming.orgs.services import unit_create
from wenming.volunteers.tests.factories import build_world, node

from .excel_world import (
    DUTY_HEADER,
    SITE_HEADER,
    TREE_HEADER,
    errors_by_row,
    fresh_campaign,
    sheet_rows,
    tree_of,
    upload,
    workbook,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def e(world):
    return build_evaluation(world)


# ---- the indicator tree --------------------------------------------------------------------

def test_tree_export_then_import_into_a_fresh_campaign_gives_the_same_tree(e):
    office = e.world.office
    campaigns.indicator_save(actor=office, campaign=e.campaign, code="4.2", name="特色创建工作", level="item",
                             parent=e.area, points=Decimal("2.5"), weight=Decimal("1.5"), is_feature=True,
                             methods=["report", "online"])
    data = excel.indicator_workbook_export(actor=office, campaign=e.campaign)
    header = sheet_rows(data, "测评体系")[0]
    assert list(header) == TREE_HEADER
    fresh = fresh_campaign(e)

    result = excel.indicator_workbook_import(actor=office, campaign=fresh, upload=upload(data))

    assert result.errors == []
    assert (result.created, result.updated) == (11, 0)  # 10 indicators and the 未成年人 sub-system
    assert tree_of(fresh) == tree_of(e.campaign)
    sub = fresh.subsystems.get()
    assert (sub.name, sub.floor_percent, sub.share_percent) == ("未成年人思想道德建设", 60, 20)
    assert sheet_rows(excel.indicator_workbook_export(actor=office, campaign=fresh), "测评体系") == \
        sheet_rows(data, "测评体系")
    assert AuditEntry.objects.filter(action="evaluation.indicator_import", object_id=str(fresh.pk)).exists()

    again = excel.indicator_workbook_import(actor=office, campaign=fresh, upload=upload(data))
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 11, [])
    assert fresh.indicators.count() == 10


def test_tree_rows_may_come_in_any_order_and_bad_rows_are_reported_one_by_one(e):
    office = e.world.office
    rows = [
        ["5.1.1", "测评指标", "公共厕所保洁", "5.1", 3, None, "实地考察、整体观察", "公共厕所", "按问题扣分", 0.5],  # 2
        ["5.1", "测评内容", "公共设施", "5", 6],  # 3: child of row 4, placed after it
        ["5", "测评项目", "公共环境"],  # 4
        ["4.1.5", "测评指标", "背街小巷路灯", "4.1", 2, 1, "实地考察", "背街小巷"],  # 5: parent in the database
        ["4.1.1", "测评指标", "农贸市场环境卫生（改）", "4.1", 5, 1, "实地考察", "农贸市场", "按问题扣分", 0.5],  # 6
        ["6", "一级", "坏层级"],  # 7
        ["6.1", "测评内容", "挂在坏行下", "6"],  # 8
        ["7.1", "测评内容", "上级不存在", "7"],  # 9
        ["5", "测评项目", "重复编号"],  # 10
        ["5.9", "扣分项", "扣分项挂在项目下", "5"],  # 11: the service's tree rule
        ["5.2", "测评指标", "不认识的点位", "5", 1, 1, "", "游乐场"],  # 12
        ["5.3", "测评指标", "分值不是数", "5", "abc"],  # 13
        ["5.4", "测评指标", "分值太大", "5", 10**30],  # 14
        ["5.5", "测评指标", "名" * 5000, "5"],  # 15
        ["五.一", "测评指标", "编号不对", "5"],  # 16
        ["5.6", "测评指标", "计分规则不对", "5", 1, 1, "", "", "看心情"],  # 17
        ["5.7", "测评指标", "方式不对", "5", 1, 1, "敲锣打鼓"],  # 18
        ["5.8", "测评指标", "单列体系不存在", "5", 1, 1, "", "", "", 0, 90, 60, "老年人体系"],  # 19
        ["5.10", "测评指标", "特色不对", "5", 1, 1, "", "", "", 0, 90, 60, "", "也许"],  # 20
        ["5.11", "测评指标", "零分线高于满分线", "5", 1, 1, "问卷调查", "", "按问卷达标率", 0, 60, 90],  # 21
        ["4.1.1", "扣分项", "有下级的指标改层级", "4.1"],  # 22: duplicate of row 6 as well
    ]
    result = excel.indicator_workbook_import(actor=office, campaign=e.campaign,
                                             upload=upload(workbook(TREE_HEADER, rows)))

    assert errors_by_row(result) == {
        7: "evaluation.row_level_unknown", 8: "evaluation.row_parent_failed", 9: "evaluation.row_parent_missing",
        10: "evaluation.row_duplicate", 11: "evaluation.parent_invalid", 12: "evaluation.row_site_type_unknown",
        13: "evaluation.points_invalid", 14: "evaluation.points_invalid", 15: "evaluation.row_too_long",
        16: "evaluation.row_code_invalid", 17: "evaluation.row_rule_unknown", 18: "evaluation.method_invalid",
        19: "evaluation.row_subsystem_unknown", 20: "evaluation.row_flag_invalid",
        21: "evaluation.rates_invalid", 22: "evaluation.row_duplicate"}
    assert [err.message for err in result.errors][:2] == ["第 7 行：不认识的层级“一级”，请填写：测评项目、测评内容、测评指标或扣分项",
                                                         "第 8 行：上级编号“6”所在行有错误，本行未导入"]
    assert (result.created, result.updated) == (4, 1)
    toilet = Indicator.objects.get(campaign=e.campaign, code="5.1.1")
    assert (toilet.parent.code, toilet.parent.parent.code, toilet.points, toilet.methods) == \
        ("5.1", "5", Decimal(3), ["field", "observe"])
    assert list(toilet.site_types.values_list("code", flat=True)) == ["toilet"]
    assert Indicator.objects.get(campaign=e.campaign, code="4.1.5").parent == e.item
    e.hygiene.refresh_from_db()
    assert (e.hygiene.name, e.hygiene.points) == ("农贸市场环境卫生（改）", Decimal(5))
    assert not Indicator.objects.filter(campaign=e.campaign, code__in=["6", "6.1", "5.9", "5.2"]).exists()


def test_an_indicator_with_children_cannot_change_level(e):
    rows = [["4.1.1", "测评内容", "农贸市场", "4"]]
    result = excel.indicator_workbook_import(actor=e.world.office, campaign=e.campaign,
                                             upload=upload(workbook(TREE_HEADER, rows)))
    assert errors_by_row(result) == {2: "evaluation.row_level_has_children"}
    e.hygiene.refresh_from_db()
    assert e.hygiene.level == "indicator"


# ---- the duty table ------------------------------------------------------------------------

def test_duty_table_with_bad_rows_reports_each_row_and_lands_every_good_row(e):
    office = e.world.office
    rows = [
        ["4.1.2", "背街小巷环境", "县城管局", "茅坪镇政府", "李局长", "局长", "背街小巷整治方案", "市容科", "2023-06-30"],  # 2
        [],  # 3: blank line
        ["4.1.3", "知晓率", "不存在的单位"],  # 4
        ["9.9.9", "没有这个指标", "县教育局"],  # 5
        ["4.1.3", "知晓率", "县教育局、县城管局"],  # 6: two leads in one cell
        ["4.1.1", "农贸市场", "县教育局"],  # 7: already led by 县市场监管局
        ["4.1.4", "台账", "县市场监管局", None, "王局长", None, None, None, "2023-13-45"],  # 8
        [None, None, None],  # 9: blank line
        ["4.1.3", "知晓率", "县教育局", "县市场监管局", "赵局长", "局长", None, None, datetime(2023, 9, 1)],  # 10
        ["4.1.1.1", "地面有垃圾", "县城管局", None, None, None, None, None, "2023年7月1日"],  # 11
        ["4", "生活环境", "县城管局"],  # 12: an area is not scored
        ["4.1.3", "知晓率", None, "县城管局、县城管局"],  # 13
        ["9.1", "学校周边环境"],  # 14: nobody given: skipped
        ["9.1", "学校周边环境", None, None, "孙校长"],  # 15: a head but no unit
    ]
    result = excel.duty_workbook_import(actor=office, campaign=e.campaign,
                                        upload=upload(workbook(DUTY_HEADER, rows)), file_name="责任分解表.xlsx")

    assert errors_by_row(result) == {
        4: "evaluation.row_unit_unknown", 5: "evaluation.row_indicator_unknown", 6: "evaluation.row_one_lead",
        7: "evaluation.lead_taken", 8: "evaluation.row_date_invalid", 12: "evaluation.not_scored",
        13: "evaluation.row_unit_twice", 15: "evaluation.row_no_unit"}
    messages = {err.row: err.message for err in result.errors}
    assert messages[4] == "第 4 行：找不到单位“不存在的单位”（须是测评范围内未归档的单位）"
    assert messages[5] == "第 5 行：指标编号“9.9.9”在本测评活动中不存在"
    assert messages[7].startswith("第 7 行：指标 4.1.1 已有牵头单位“县市场监管局”")
    assert messages[8].startswith("第 8 行：“完成时限”不是有效日期")
    assert (result.rows, result.skipped) == (12, 1)  # blank lines are not rows
    assert (result.created, result.updated) == (4, 1)  # roads: new coop + lead updated; 4.1.3 two; 4.1.1.1 one

    def table(indicator):
        return {(d.unit.name, d.role, d.head_name, d.due_on) for d in Duty.objects.filter(indicator=indicator)}

    assert table(e.roads) == {("县城管局", "lead", "李局长", date(2023, 6, 30)),
                              ("茅坪镇政府", "coop", "", date(2023, 6, 30))}
    assert table(e.aware) == {("县教育局", "lead", "赵局长", date(2023, 9, 1)),
                              ("县市场监管局", "coop", "", date(2023, 9, 1))}
    assert table(e.litter) == {("县城管局", "lead", "", date(2023, 7, 1))}
    assert table(e.files) == {("县市场监管局", "lead", "", None)}  # row 8 refused: unchanged
    assert table(e.hygiene) == {("县市场监管局", "lead", "张局长", None), ("茅坪镇政府", "coop", "", None)}
    audit = AuditEntry.objects.get(action="evaluation.duty_import")
    assert audit.changes["errors"] == 8 and audit.changes["file"] == "责任分解表.xlsx"


def test_duty_import_hands_the_lead_to_another_listed_unit_and_is_idempotent(e):
    rows = [["4.1.1", "农贸市场环境卫生", "茅坪镇政府", "县市场监管局", "镇长", "镇长", "属地管理方案"]]
    data = workbook(DUTY_HEADER, rows)
    result = excel.duty_workbook_import(actor=e.world.office, campaign=e.campaign, upload=upload(data))
    assert result.errors == []
    roles = dict(Duty.objects.filter(indicator=e.hygiene).values_list("unit__name", "role"))
    assert roles == {"茅坪镇政府": "lead", "县市场监管局": "coop"}
    market = Duty.objects.get(indicator=e.hygiene, unit=e.market_bureau)
    assert (market.head_name, market.plan) == ("张局长", "农贸市场整治方案")  # a coop unit keeps its own
    again = excel.duty_workbook_import(actor=e.world.office, campaign=e.campaign, upload=upload(data))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_duty_units_with_the_same_name_are_told_apart_by_node_code(e):
    unit_create(actor=e.world.root, node=e.world.institute, name="县城管局", unit_type="unit", level="county")
    rows = [["4.1.2", "", "县城管局"], ["4.1.2", "", "县城管局@420527"]]
    result = excel.duty_workbook_import(actor=e.world.office, campaign=e.campaign,
                                        upload=upload(workbook(DUTY_HEADER, rows)))
    assert errors_by_row(result) == {2: "evaluation.row_unit_ambiguous"}
    assert "县城管局@阵地编码" in result.errors[0].reason
    assert Duty.objects.get(indicator=e.roads, role="lead").unit == e.city_admin
    exported = sheet_rows(excel.duty_workbook_export(actor=e.world.office, campaign=e.campaign), "责任分解表")
    assert ("4.1.2", "背街小巷环境", "县城管局@420527") == exported[3][:3]


def test_duty_export_round_trips_into_the_copy_of_its_tree(e):
    office = e.world.office
    duties.duty_save(actor=office, campaign=e.campaign, indicator=e.roads, unit=e.city_admin, head_name="周局长",
                     due_on=date(2023, 8, 1))
    data = excel.duty_workbook_export(actor=office, campaign=e.campaign)
    fresh = fresh_campaign(e)
    excel.indicator_workbook_import(actor=office, campaign=fresh,
                                    upload=upload(excel.indicator_workbook_export(actor=office, campaign=e.campaign)))
    result = excel.duty_workbook_import(actor=office, campaign=fresh, upload=upload(data))
    assert result.errors == []

    def facts(campaign):
        return {(d.indicator.code, d.unit_id, d.role, d.head_name, d.head_title, d.plan, d.task_force)
                for d in Duty.objects.filter(campaign=campaign)}

    assert facts(fresh) == facts(e.campaign)
    assert Duty.objects.get(campaign=fresh, indicator__code="4.1.2").due_on == date(2023, 8, 1)


# ---- sites ---------------------------------------------------------------------------------

def test_site_import_reports_bad_coordinates_and_unknown_nodes_and_updates_by_code(e, world):
    other_county = node(world.root, None, "兴山县文明办", "county", code="420526")
    Site.objects.create(node=other_county, site_type=e.market, name="古夫镇农贸市场", code="X-0001")
    rows = [
        ["S-0101", "九里村公厕", "公共厕所", "ZG-S1", "九里村一组", 30.8301, 111.0001, 100, "茅坪镇政府"],  # 2
        ["S-0001", "九里村农贸市场（新址）", "market", "ZG-S1", "", "30.831", "111.001", None],  # 3: update
        ["S-0102", "坏纬度", "公共厕所", "ZG-S1", "", 95, 111],  # 4
        ["S-0103", "只有纬度", "公共厕所", "ZG-S1", "", 30.8],  # 5
        ["S-0104", "纬度不是数", "公共厕所", "ZG-S1", "", "北纬三十度", 111],  # 6
        ["S-0105", "NaN", "公共厕所", "ZG-S1", "", "NaN", "NaN"],  # 7
        ["S-0106", "阵地不存在", "公共厕所", "NO-SUCH", "", 30.8, 111],  # 8
        ["S-0107", "别县阵地", "公共厕所", "420526"],  # 9: out of the office's area
        ["S-0108", "类型不认识", "游乐场", "ZG-S1"],  # 10
        ["S-0109", "半径太小", "公共厕所", "ZG-S1", "", None, None, 5],  # 11
        ["S-0110", "半径太大的数", "公共厕所", "ZG-S1", "", None, None, 1e308],  # 12
        ["S-0111", "单位不认识", "公共厕所", "ZG-S1", "", None, None, None, "火星局"],  # 13
        ["X-0001", "别县点位编码", "公共厕所", "ZG-S1"],  # 14
        ["S-0101", "重复编码", "公共厕所", "ZG-S1"],  # 15
        [None, "没有编码", "公共厕所", "ZG-S1"],  # 16
    ]
    result = excel.site_workbook_import(actor=e.world.office, upload=upload(workbook(SITE_HEADER, rows)))

    assert errors_by_row(result) == {
        4: "evaluation.row_coord_invalid", 5: "evaluation.row_coord_pair", 6: "evaluation.row_coord_invalid",
        7: "evaluation.row_coord_invalid", 8: "evaluation.row_node_unknown", 9: "evaluation.row_node_unknown",
        10: "evaluation.row_site_type_unknown", 11: "evaluation.choice_invalid", 12: "evaluation.row_number_invalid",
        13: "evaluation.row_unit_unknown", 14: "evaluation.row_site_code_taken", 15: "evaluation.row_duplicate",
        16: "evaluation.row_required"}
    assert (result.created, result.updated) == (1, 1)
    toilet = Site.objects.get(code="S-0101")
    assert (toilet.node, toilet.site_type.code, toilet.lat, toilet.radius_m, toilet.unit) == \
        (world.station_a, "toilet", Decimal("30.830100"), 100, e.town)
    e.site_market.refresh_from_db()
    assert (e.site_market.name, e.site_market.lat, e.site_market.radius_m) == \
        ("九里村农贸市场（新址）", Decimal("30.831000"), 300)
    assert Site.objects.get(code="X-0001").name == "古夫镇农贸市场"

    data = excel.site_workbook_export(actor=e.world.office)
    assert "X-0001" not in str(sheet_rows(data, "测评点位"))
    again = excel.site_workbook_import(actor=e.world.office, upload=upload(data))
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 3, [])
    assert Site.objects.filter(code__startswith="S-").count() == 3


# ---- formulas, hostile input, limits -------------------------------------------------------

def test_exported_cells_never_start_a_formula_and_come_back_unchanged(e):
    office = e.world.office
    evil = unit_create(actor=e.world.root, node=e.world.county, name="+县文化馆", unit_type="unit", level="county")
    campaigns.indicator_save(actor=office, campaign=e.campaign, code="4.1.9", level="indicator", parent=e.item,
                             name='=HYPERLINK("http://evil.example","点我")')
    duties.duty_save(actor=office, campaign=e.campaign, indicator=e.roads, unit=e.city_admin, plan="-2+3",
                     head_name="@SUM(A1)")
    duties.duty_save(actor=office, campaign=e.campaign, indicator=e.roads, unit=evil, role="coop")
    duties.site_save(actor=office, node=e.world.station_a, site_type=e.market, name="=1+1", code="S-0009",
                     address="@cmd|' /C calc'!A0")
    books = [excel.indicator_workbook_export(actor=office, campaign=e.campaign),
             excel.duty_workbook_export(actor=office, campaign=e.campaign),
             excel.site_workbook_export(actor=office)]
    cells = [v for data in books for title in load_workbook(io.BytesIO(data)).sheetnames
             for row in sheet_rows(data, title) for v in row if isinstance(v, str)]
    assert not [v for v in cells if v.startswith(("=", "+", "-", "@"))]
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in cells
    assert {"'+县文化馆", "'-2+3", "'@SUM(A1)", "'=1+1", "'@cmd|' /C calc'!A0"} <= set(cells)

    assert excel.indicator_workbook_import(actor=office, campaign=e.campaign, upload=upload(books[0])).updated == 0
    assert excel.duty_workbook_import(actor=office, campaign=e.campaign, upload=upload(books[1])).updated == 0
    assert excel.site_workbook_import(actor=office, upload=upload(books[2])).updated == 0


def _with_nul(data: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename).replace(b"NULHERE", b"a\x00b"))
    return out.getvalue()


@pytest.mark.parametrize("data, code, status", [
    (b"not a workbook", "evaluation.import_not_xlsx", 422),
    (b"PK\x03\x04broken zip", "evaluation.import_not_xlsx", 422),
    ("zip", "evaluation.import_not_xlsx", 422),
    ("nul", "evaluation.import_not_xlsx", 422),
    ("header", "evaluation.import_header", 422),
    ("empty", "evaluation.import_empty", 422),
])
def test_a_file_that_is_not_a_usable_workbook_is_refused_with_a_code(e, data, code, status):
    if data == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("hello.txt", "你好")
        data = out.getvalue()
    elif data == "nul":
        data = _with_nul(workbook(DUTY_HEADER, [["4.1.2", "NULHERE", "县城管局"]]))
    elif data == "header":
        data = workbook(["编号", "单位"], [["4.1.2", "县城管局"]])
    elif data == "empty":
        data = workbook(DUTY_HEADER, [[None], []])
    api = ApiClient("office")
    res = api.client.post(f"/api/v1/evaluation/campaigns/{e.campaign.pk}/duty-workbook",
                          {"file": upload(data)}, **api.headers)
    assert (res.status_code, res.json()["code"]) == (status, code)
    assert res.json()["message"]
    assert Duty.objects.filter(campaign=e.campaign).count() == 5


def test_huge_and_strange_cells_are_row_errors_never_a_500(e):
    rows = [
        ["4.1.2", "x" * 40000, "县城管局", "、、、", "头" * 51],  # 2: head too long
        ["4.1.2", None, "县" * 32000],  # 3: no such unit
        ["4.1.2", None, "县城管局", None, None, None, "方" * 5001],  # 4
        ["4.1.2", None, "县城管局", None, None, None, None, None, 10**20],  # 5: not a date serial
        ["4.1.2", None, "县城管局", None, None, None, None, None, "99999-01-01"],  # 6
        ["4.1.2", None, "县城管局", None, None, None, None, None, True],  # 7
        ["\u00b2", None, "县城管局"],  # 8
        ["4.1.2" * 1000, None, "县城管局"],  # 9
    ]
    api = ApiClient("office")
    res = api.client.post(f"/api/v1/evaluation/campaigns/{e.campaign.pk}/duty-workbook",
                          {"file": upload(workbook(DUTY_HEADER, rows))}, **api.headers)
    assert res.status_code == 200, res.content
    body = res.json()
    assert {err["row"]: err["code"] for err in body["errors"]} == {
        2: "evaluation.row_too_long", 3: "evaluation.row_unit_unknown", 4: "evaluation.row_too_long",
        5: "evaluation.row_date_invalid", 6: "evaluation.row_date_invalid", 7: "evaluation.row_date_invalid",
        8: "evaluation.row_indicator_unknown", 9: "evaluation.row_indicator_unknown"}
    assert all(err["message"].startswith(f"第 {err['row']} 行：") and len(err["message"]) < 200
               for err in body["errors"])
    tree = [["9" * 25, "测评项目", "x"], ["8", "测评项目", "名字"], ["8.1", "测评内容", "y", "8", -1]]
    res = api.client.post(f"/api/v1/evaluation/campaigns/{e.campaign.pk}/indicator-workbook",
                          {"file": upload(workbook(TREE_HEADER, tree))}, **api.headers)
    assert res.status_code == 200, res.content
    assert [err["code"] for err in res.json()["errors"]] == ["evaluation.row_code_invalid",
                                                             "evaluation.points_invalid"]
    assert Indicator.objects.get(campaign=e.campaign, code="8").name == "名字"
    assert common.text(" 名\x00字 ") == "名字"  # NUL never reaches the database


def test_limits_on_file_size_and_rows(e, settings, monkeypatch):
    office = e.world.office
    data = workbook(DUTY_HEADER, [["4.1.2", "", "县城管局"]] * 4)
    monkeypatch.setattr(common, "MAX_ROWS", 3)
    with pytest.raises(Exception) as caught:
        excel.duty_workbook_import(actor=office, campaign=e.campaign, upload=upload(data))
    assert caught.value.code == "evaluation.import_too_many_rows"
    settings.UPLOAD_MAX_BYTES = 1000
    api = ApiClient("office")
    res = api.client.post(f"/api/v1/evaluation/campaigns/{e.campaign.pk}/duty-workbook",
                          {"file": upload(data)}, **api.headers)
    assert (res.status_code, res.json()["code"]) == (413, "file_too_large")


def test_a_closed_campaign_refuses_the_whole_import(e):
    campaigns.campaign_set_status(actor=e.world.office, campaign=e.campaign, status="closed")
    with pytest.raises(Exception) as caught:
        excel.duty_workbook_import(actor=e.world.office, campaign=e.campaign,
                                   upload=upload(workbook(DUTY_HEADER, [["4.1.2", "", "县城管局"]])))
    assert caught.value.code == "evaluation.campaign_closed"


@CONCURRENT
def test_the_same_workbooks_imported_at_once_land_once_and_never_fail_with_a_500():
    e = build_evaluation(build_world())
    tree = workbook(TREE_HEADER, [["5", "测评项目", "公共环境"], ["5.1", "测评指标", "公共厕所", "5", 2],
                                  ["5.2", "测评指标", "公交站台", "5", 2]])
    table = workbook(DUTY_HEADER, [["5.1", "", "县城管局", "茅坪镇政府"], ["5.2", "", "县城管局"]])

    def work():
        actor = User.objects.get(pk=e.world.office.pk)
        campaign = Campaign.objects.get(pk=e.campaign.pk)
        first = excel.indicator_workbook_import(actor=actor, campaign=campaign, upload=upload(tree))
        second = excel.duty_workbook_import(actor=actor, campaign=campaign, upload=upload(table))
        return sorted({err.code for err in first.errors + second.errors})

    outcomes = at_once(4, work)
    assert len(outcomes) == 4  # no thread died of an unexpected error
    # a lost race is a row error: the importer's own check, or the service's (a code taken in between)
    allowed = {"evaluation.row_conflict", "evaluation.row_parent_failed", "evaluation.row_indicator_unknown",
               "evaluation.lead_taken", "evaluation.code_taken"}
    assert all(set(codes) <= allowed for codes in outcomes), outcomes
    assert sorted(Indicator.objects.filter(campaign=e.campaign, code__startswith="5")
                  .values_list("code", flat=True)) == ["5", "5.1", "5.2"]
    assert sorted(Duty.objects.filter(indicator__code__in=["5.1", "5.2"]).values_list("indicator__code", "role")) == \
        [("5.1", "coop"), ("5.1", "lead"), ("5.2", "lead")]
