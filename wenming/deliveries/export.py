"""The buying list as an Excel file: the summed list to buy (采购清单) and, per household, what
goes into its bag (分户清单) — names and addresses masked, never in clear."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from wenming.core.excel import safe_row

from .models import DeliveryRun
from .selectors import buying_list, stops_of

BUY_HEADERS = [("物品", 24), ("数量", 10), ("单位", 8), ("户数", 8), ("预算合计（元）", 14)]
BAG_HEADERS = [("序号", 6), ("点单编号", 16), ("联系人", 10), ("地址（脱敏）", 24), ("物品", 20), ("数量", 10),
               ("单位", 8), ("状态", 12)]


def _sheet(book, title: str, headers: list):
    ws = book.create_sheet(title)
    for index, (_, width) in enumerate(headers):
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    ws.append([name for name, _ in headers])
    return ws


def buying_list_workbook(run: DeliveryRun) -> bytes:
    book = Workbook(write_only=True)
    ws = _sheet(book, "采购清单", BUY_HEADERS)
    for line in buying_list(run):
        ws.append(safe_row([line.name, float(line.quantity), line.unit, line.household_count, float(line.budget)]))
    ws = _sheet(book, "分户清单", BAG_HEADERS)
    for n, stop in enumerate(stops_of(run), start=1):
        demand = stop.demand
        for item in demand.items.all():
            ws.append(safe_row([n, demand.tracking_no, demand.resident_name_masked, demand.address_masked, item.name,
                                float(item.quantity), item.unit, stop.get_status_display()]))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
