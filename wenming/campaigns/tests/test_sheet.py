"""The Excel entry sheet, round-tripped through real .xlsx files (openpyxl), ugly inputs included."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from wenming.campaigns.models import EntryKind, Indicator, TallyEntry
from wenming.campaigns.sheet import tally_sheet_import
from wenming.campaigns.tally_selectors import tally_values
from wenming.core.errors import DomainError
from wenming.dashboards import summary
from wenming.dashboards.models import FigureDelta

from .factories import (
    add,
    assert_totals_balance,
    fill,
    indicator,
    liaison,
    template,
    this_month,
    unit,
    workbook,
)

pytestmark = pytest.mark.django_db


def _values(node, the_unit=None) -> dict[str, int]:
    codes = dict(Indicator.objects.values_list("pk", "code"))
    return {codes[k]: v for k, v in tally_values(node=node, unit=the_unit, period=this_month()).items() if v}


def _import(actor, data: bytes):
    return tally_sheet_import(actor=actor, upload=io.BytesIO(data), file_name="填报表.xlsx")


def _refused(actor, data: bytes) -> DomainError:
    before = (TallyEntry.objects.count(), FigureDelta.objects.count())
    with pytest.raises(DomainError) as exc:
        _import(actor, data)
    assert (TallyEntry.objects.count(), FigureDelta.objects.count()) == before  # nothing half-written
    return exc.value


def test_template_lists_the_active_indicators_with_current_values(world):
    add(world.manager_a, world.station_a, 12, "poster")
    Indicator.objects.filter(code="sms").update(active=False)
    ws = load_workbook(io.BytesIO(template(world.manager_a, world.station_a))).active
    assert ws["B2"].value == world.station_a.code and ws["B4"].value == f"{this_month():%Y-%m}"
    rows = {r[0]: r for r in ws.iter_rows(min_row=7, values_only=True)}
    assert rows["poster"][1:5] == ("宣传画", "份", 12, 12)
    assert rows["banner"][3:5] == (0, None)
    assert "sms" not in rows and len(rows) == Indicator.objects.filter(active=True).count()


def test_round_trip_sets_the_months_totals_and_a_second_upload_changes_nothing(world):
    add(world.manager_a, world.station_a, 12, "poster")
    data = fill(template(world.manager_a, world.station_a), {"banner": 1596, "poster": 20, "leaflet": 70000})
    result = _import(world.manager_a, data)
    assert {i.code: (b, a) for i, b, a in result.changed} == {"banner": (0, 1596), "poster": (12, 20),
                                                              "leaflet": (0, 70000)}
    assert _values(world.station_a) == {"banner": 1596, "poster": 20, "leaflet": 70000}
    assert set(TallyEntry.objects.filter(kind=EntryKind.SHEET).values_list("delta", flat=True)) == {1596, 8, 70000}
    # The very same file again: every row already holds its wanted value → nothing written.
    n = TallyEntry.objects.count()
    assert _import(world.manager_a, data).changed == [] and TallyEntry.objects.count() == n
    # A fresh download uploaded untouched changes nothing.
    again = _import(world.manager_a, template(world.manager_a, world.station_a))
    assert again.changed == [] and _values(world.station_a)["banner"] == 1596
    summary.fold_all()
    assert_totals_balance()


def test_lowering_a_total_writes_a_negative_entry(world):
    add(world.manager_a, world.station_a, 50, "vehicle")
    _import(world.manager_a, fill(template(world.manager_a, world.station_a), {"vehicle": 38}))
    assert _values(world.station_a) == {"vehicle": 38}
    assert TallyEntry.objects.get(kind=EntryKind.SHEET).delta == -12


def test_ugly_cells_that_are_clearly_numbers_are_accepted(world):
    data = fill(template(world.manager_a, world.station_a),
                {"banner": "1,596", "poster": " 6882 ", "leaflet": "７００００", "vehicle": 138.0, "sms": "0"})
    _import(world.manager_a, data)
    assert _values(world.station_a) == {"banner": 1596, "poster": 6882, "leaflet": 70000, "vehicle": 138}


def test_wrong_rows_are_all_listed_in_chinese_and_nothing_is_written(world):
    def mangle(ws):
        ws.append(["flag", "彩旗", "面", 0, 3])  # an indicator that does not exist
        ws.append(["banner", "横幅", "条", 0, 9])  # the same indicator twice
        ws.append(["", "宣传画", "份", "零", 5])  # the base column tampered with

    data = fill(template(world.manager_a, world.station_a),
                {"banner": 1, "leaflet": -5, "vehicle": "1.5", "sms": "约300", "video": True, "artwork": 10**13},
                edit=mangle)
    err = _refused(world.manager_a, data)
    assert err.code == "campaigns.sheet_rows_invalid" and err.status == 422 and "整张表未导入" in err.message
    by_row = {e.row: (e.code, e.message) for e in err.errors}
    codes = [c for c, _ in by_row.values()]
    assert codes.count("campaigns.row_value_invalid") == 5  # -5, 1.5, 约300, TRUE, 10^13
    assert "campaigns.row_indicator_unknown" in codes and "campaigns.row_duplicate" in codes
    assert "campaigns.row_base_invalid" in codes
    assert any("“-5”不是 0 到" in m for _, m in by_row.values())
    assert any("彩旗" in m or "flag" in m for _, m in by_row.values())
    assert all(e.row >= 7 for e in err.errors)


def test_negative_totals_are_refused(world):
    add(world.manager_a, world.station_a, 5)
    err = _refused(world.manager_a, fill(template(world.manager_a, world.station_a), {"banner": -1}))
    assert [e.code for e in err.errors] == ["campaigns.row_value_invalid"]


def test_a_sheet_changed_by_someone_else_since_download_is_refused(world):
    data = fill(template(world.manager_a, world.station_a), {"banner": 10, "poster": 4})
    add(world.office, world.station_a, 3, "poster")
    err = _refused(world.manager_a, data)
    assert [(e.code, e.indicator) for e in err.errors] == [("campaigns.row_stale", "宣传画")]
    assert "现为 3，模板中为 0" in err.errors[0].message


def test_empty_sheets_are_refused(world):
    empty = template(world.manager_a, world.station_a)  # downloaded and sent back blank
    assert _refused(world.manager_a, empty).code == "campaigns.sheet_empty"
    assert _refused(world.manager_a, workbook([])).code == "campaigns.sheet_empty"
    header_only = fill(empty, {}, edit=lambda ws: ws.delete_rows(7, ws.max_row))
    assert _refused(world.manager_a, header_only).code == "campaigns.sheet_empty"


@pytest.mark.parametrize("data, code", [
    (b"", "campaigns.sheet_unreadable"),
    (b"PK\x03\x04 not really a zip", "campaigns.sheet_unreadable"),
    ("横幅,100\n".encode(), "campaigns.sheet_unreadable"),
])
def test_files_that_are_not_workbooks_are_refused(world, data, code):
    assert _refused(world.manager_a, data).code == code


def test_a_sheet_without_its_header_block_is_refused(world):
    no_subject = workbook([["指标代码", "指标", "计量单位", "下载时数值（勿改）", "本期数值"], ["banner", "横幅", "条", 0, 5]])
    assert _refused(world.manager_a, no_subject).code == "campaigns.sheet_header"
    no_base = workbook([["阵地编码", world.station_a.code], ["统计月份", "2025-03"],
                        ["指标代码", "本期数值"], ["banner", 5]])
    err = _refused(world.manager_a, no_base)
    assert err.code == "campaigns.sheet_header" and "下载时数值" in err.message
    bad_month = fill(template(world.manager_a, world.station_a), {"banner": 1},
                     edit=lambda ws: ws.cell(row=4, column=2, value="十三月"))
    assert _refused(world.manager_a, bad_month).code == "campaigns.period_invalid"


def test_a_month_typed_as_an_excel_date_is_understood(world):
    data = fill(template(world.manager_a, world.station_a), {"banner": 2},
                edit=lambda ws: ws.cell(row=4, column=2, value=datetime.combine(this_month(), datetime.min.time())))
    assert _import(world.manager_a, data).period == this_month()


def test_a_sheet_for_a_sibling_station_or_a_foreign_unit_is_not_found(world):
    theirs = fill(template(world.root, world.station_b), {"banner": 5})
    assert _refused(world.manager_a, theirs).status == 404
    other_unit = unit(world, node=world.station_b, name="杨贵店村委会")
    forged = fill(template(world.root, world.station_a), {"banner": 5},
                  edit=lambda ws: ws.cell(row=3, column=2, value=other_unit.pk))  # a unit of another node
    assert _refused(world.manager_a, forged).code == "campaigns.sheet_subject_unknown"
    assert _refused(world.manager_a, fill(template(world.root, world.station_a), {"banner": 5},
                                          edit=lambda ws: ws.cell(row=3, column=2, value="1 OR 1=1"))).status == 404


def test_a_liaison_fills_in_their_units_sheet(world):
    mine = unit(world)
    person = liaison(world, mine)
    result = _import(person, fill(template(person, world.station_a, mine), {"artwork": 500, "video": 96}))
    assert result.unit == mine and _values(world.station_a, mine) == {"artwork": 500, "video": 96}
    assert _values(world.station_a) == {}  # the station's own bucket is untouched
    assert indicator("artwork").pk in {e.indicator_id for e in TallyEntry.objects.filter(unit=mine)}
    assert _refused(person, fill(template(world.root, world.station_a), {"banner": 1})).status == 404


def test_a_retired_indicator_cannot_be_changed_by_sheet(world):
    data = fill(template(world.manager_a, world.station_a), {"mask_box": 232})
    Indicator.objects.filter(code="mask_box").update(active=False)
    err = _refused(world.manager_a, data)
    assert [e.code for e in err.errors] == ["campaigns.row_indicator_inactive"]


def test_too_many_rows_and_too_large_files_are_refused(world):
    def many(ws):
        for i in range(600):
            ws.append([f"x{i}", "", "", 0, 1])

    assert _refused(world.manager_a, fill(template(world.manager_a, world.station_a), {}, edit=many)).code == \
        "campaigns.sheet_too_many_rows"
    assert _refused(world.manager_a, b"PK" + b"\0" * (3 * 1024 * 1024)).code == "file_too_large"
