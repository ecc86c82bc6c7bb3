"""Every table of a dashboard as an Excel workbook: the overview, the monthly trends, the
children ranked (figures only, no personal data)."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from wenming.demands.models import DemandStatus
from wenming.service.models import ProjectStatus


def _sheet(book, title: str, headers: list[str], widths: list[int] | None = None):
    ws = book.create_sheet(title)
    for i, width in enumerate(widths or [16] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append(headers)
    return ws


def _n(value):
    return None if value is None else float(value)


def overview_rows(data: dict) -> list[tuple[str, object, str]]:
    """(label, value, unit) of the overview: the period's flows, 累计 up to its end, the
    stocks of today or of the period's end (said in the label), the live figures when the period reaches today."""
    v, d, h = data["volunteers"], data["demands"], data["hours"]
    at = f"（{data['stock_label']}）"  # 期末: as of the end of a period that is over
    rows = [(f"在册志愿者{at}", v["registered"], "人")]
    if v["active_30d"] is not None:
        rows.append(("近 30 天参加服务的志愿者", v["active_30d"], "人"))
    rows += [(f"应急储备志愿者{at}", v["reserve"], "人"), (f"党员志愿者{at}", v["party"], "人"),
             ("期间新注册志愿者", v["joined"], "人"), (f"志愿服务队伍{at}", data["teams"], "支"),
             ("期间服务时长", h["period"], "小时"), ("累计服务时长（截至期末）", h["total"], "小时"),
             ("期间群众点单", d["submitted"], "件"), ("期间办结点单", d["solved"], "件"),
             ("期间平均评分", d["average_rating"], "分")]
    if d["overdue"] is not None:
        rows.append(("超时未办点单（当前）", d["overdue"], "件"))
    rows += [("网格户数（当前）", data["screening"]["households"], "户"),
             (f"已走访户数{at}", data["screening"]["visited"], "户"),
             (f"网格走访覆盖率{at}", data["screening"]["coverage_pct"], "%"),
             ("期间入户走访", data["screening"]["visits"], "次")]
    rows += [(f"项目·{s.label}（当前）", data["projects"][s.value], "个") for s in ProjectStatus]
    rows += [(f"点单·{s.label}（当前）", d["by_status"][s.value], "件") for s in DemandStatus]
    if data["hotline"]:
        rows += [("期间心理热线来电（约数）", data["hotline"]["calls"], "次"),
                 ("期间危机来电（约数）", data["hotline"]["crisis"], "次")]
    rows += [(o["label"] + ("（当前）" if o["now"] else at if o["kind"] == "stock" else ""), o["total"], o["unit"])
             for o in data["other"]]
    return rows


def dashboard_workbook(data: dict) -> bytes:
    book = Workbook(write_only=True)
    ws = _sheet(book, "概况", ["指标", "数值", "单位"], [28, 14, 8])
    ws.append([f"{data['node']['name']} · {data['period']['label']}（“当前”为 {data['as_of']:%Y-%m-%d} 的数）", None, None])
    for label, value, unit in overview_rows(data):
        ws.append([label, _n(value), unit])
    by_month = data["period"]["by"] == "month"
    ws = _sheet(book, "月度趋势" if by_month else "年度趋势", ["月份" if by_month else "年度", "服务时长（小时）", "群众点单（件）", "办结点单（件）"]
                + (["心理热线来电（约数）"] if data["hotline"] else [])
                + [f"{o['label']}（{o['unit']}）" for o in data["other"] if o["trend"]], None)
    for i, label in enumerate(data["trend_labels"]):
        row = [label, _n(data["hours"]["trend"][i]), _n(data["demands"]["submitted_trend"][i]),
               _n(data["demands"]["solved_trend"][i])]
        if data["hotline"]:
            row.append(_n(data["hotline"]["trend"][i]))
        row += [_n(o["trend"][i]) for o in data["other"] if o["trend"]]
        ws.append(row)
    ws = _sheet(book, "下级排名", ["排名", "阵地", "类型", "在册志愿者（当前）", "期间服务时长（小时）", "期间办结点单"],
                [6, 30, 16, 12, 16, 10])
    for n, child in enumerate(data["children"], start=1):
        ws.append([n, child["name"], child["kind"], _n(child["volunteers"]), _n(child["hours"]),
                   _n(child["demands_solved"])])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
