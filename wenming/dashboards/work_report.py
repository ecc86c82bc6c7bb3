"""The figures a county work report quotes (the seeds' own reports, SPEC 3), for any node
and period: nodes by kind, volunteers, hours, grids covered and households visited, every
tally indicator that concerns the node (the platform's — 横幅, 宣传画 … 消杀面积, 消毒车 — and
the ones offices defined, in their report sections), hotlines and consultations, weddings
and funerals (移风易俗), requests solved, information reports — as a Chinese summary and an
Excel file (`wenming manage work_report`, `/dashboards/report/`).

Every flow is summed over the months of the period from the summaries (an indicator that
takes its latest value, such as vehicles on hand, gives its last month's); the node counts
come from the node table of the subtree (a few thousand rows at most). Stocks — nodes,
volunteers, teams, grid coverage, party check-ins — are as of the period's last day for a
period that is over (dashboards/asof.py), today's for one that reaches this month.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook

from wenming.campaigns.models import ReportSection
from wenming.campaigns.tally_selectors import indicator_list, latest_rows, latest_sum
from wenming.orgs.models import Node, NodeKind
from wenming.orgs.selectors import node_get_for_actor
from wenming.reporting.models import Outlet

from .asof import collapse, grid_coverage_as_of, is_past, month_end, nodes_by_kind, stock_groups
from .coverage import Coverage, coverage
from .metrics import STOCK_PERIOD
from .summary import figures_for, figures_for_groups

FLOW_LINES = [  # (metric, label, unit) summed over the period
    ("hours", "志愿服务时长", "小时"),
    ("visits", "入户走访", "户次"), ("screened_sites", "排查企业场所", "家"),
    ("hotline_calls", "心理热线来电", "次"), ("hotline_crisis", "其中危机来电", "次"),
    ("reform:wedding_postponed", "婚事延办", "户"), ("reform:wedding_cancelled", "婚事停办", "户"),
    ("reform:funeral_simplified", "丧事简办", "户"), ("reform:rite_cancelled", "集中祭祀不办", "户"),
    ("reform:proxy_sweeping", "代祭扫", "户"),
    ("demands_submitted", "受理群众点单", "件"), ("demands_solved", "办结群众点单", "件"),
    ("reports_submitted", "报送工作信息", "篇"),
]
ADOPTED_SECTION = "信息刊播"
# How the reports word the platform's own indicators ("悬挂横幅1,596条"); any other is named as is.
WORDING = {"banner": "悬挂横幅", "poster": "张贴宣传画", "leaflet": "发放宣传单", "vehicle": "出动宣传车",
           "persuasion": "劝导", "mask_box": "设置口罩回收箱", "artwork": "创作文艺作品", "slogan": "张贴宣传标语",
           "sms": "发送公益短信", "psa": "刊播公益广告", "disinfect_area": "消杀面积", "disinfect_vehicle": "出动消毒车",
           "sprayer": "配备喷雾器", "micro_lesson": "推出心理微课", "performance": "开展文艺演出"}
STOCK_LINES = [
    ("volunteers", "在册志愿者", "名"), ("volunteers_party", "其中党员志愿者", "名"),
    ("volunteers_reserve", "应急储备志愿者", "名"), ("teams", "志愿服务队伍", "支"),
    ("grid_households", "网格户数", "户"), ("households_visited", "已走访户数", "户"),
    ("grids_visited", "已开展走访的网格", "个"), ("party_checkins", "党员志愿者到社区报到", "名"),
]
KIND_ORDER = [NodeKind.CENTER, NodeKind.SUBCENTER, NodeKind.INSTITUTE, NodeKind.STATION, NodeKind.POINT, NodeKind.GRID]


@dataclass
class IndicatorLine:
    metric: str  # tally:<code>
    label: str
    unit: str
    section: str  # the report section's Chinese name
    latest: bool  # the latest month's value, not the period's sum


@dataclass
class WorkReport:
    node: Node
    since: date
    until: date
    nodes: dict[str, int]
    figures: dict[str, Decimal]
    indicators: list[IndicatorLine] = field(default_factory=list)
    coverage: Coverage | None = None
    as_of: date | None = None  # the day the stocks are counted at (the period's last); None: today

    @property
    def stock_note(self) -> str:
        """How the page and the workbook label a stock."""
        return f"截至{self.as_of:%Y-%m-%d}" if self.as_of else "当前"

    @property
    def node_rows(self) -> list[tuple[str, int]]:
        """(the kind's Chinese name, count), as the page and the workbook show them."""
        return [(NodeKind(kind).label, n) for kind, n in self.nodes.items()]

    @property
    def lines(self) -> list[tuple[str, Decimal, str]]:
        """(label, value, unit) of every figure, for the page and the workbook."""
        rows = [(f"{label}（{self.stock_note}）", self.figures[m], unit) for m, label, unit in STOCK_LINES]
        rows += [(label, self.figures[m], unit) for m, label, unit in FLOW_LINES]
        if self.coverage is not None:
            c = self.coverage
            rows += [("进驻志愿服务人员", Decimal(c.volunteers_deployed), "人"),
                     ("志愿服务组织覆盖的实践站", Decimal(c.stations_covered), "个"),
                     ("实践站总数（期末）", Decimal(c.stations), "个"),
                     ("志愿服务覆盖的网格", Decimal(c.grids_covered), "个"), ("网格总数（期末）", Decimal(c.grids), "个"),
                     ("开通心理热线", Decimal(c.hotlines), "条"), ("热线咨询师", Decimal(c.counselors), "名")]
        return rows + [(f"{i.label}（{i.section}{'，期末数' if i.latest else ''}）", self.figures[i.metric], i.unit)
                       for i in self.indicators]


def work_report_for_actor(*, actor, node_id: int, since: date, until: date) -> WorkReport:
    """`since`/`until` are the first days of the first and last month of the period."""
    return work_report(node_get_for_actor(actor=actor, node_id=node_id), since=since, until=until)


def work_report(node: Node, *, since: date, until: date, with_coverage: bool = True) -> WorkReport:
    """The same for a node already checked (or for the command line, run by an operator).
    `with_coverage=False` leaves out coverage and deployment, which read the raw rows (seconds
    for a city's year): the page of a city leaves them to its workbook, written by a worker."""
    as_of = until.replace(day=1) if is_past(until) else None  # the last month of a period that is over
    kinds = nodes_by_kind(node, as_of)
    indicators = report_indicators(node) + adoption_lines()
    flows = figures_for(node, [m for m, _, _ in FLOW_LINES] + [i.metric for i in indicators],
                        since=since.replace(day=1), until=until)
    stocks = collapse(figures_for_groups(node, stock_groups([m for m, _, _ in STOCK_LINES], as_of)))
    figures = {m: sum((v for (code, _), v in flows.items() if code == m), Decimal(0)) for m, _, _ in FLOW_LINES}
    latest = [i.metric.removeprefix("tally:") for i in indicators if i.latest]
    rows = latest_rows(node, latest, since.replace(day=1), until)
    for line in indicators:
        if line.latest:  # equipment on hand: each subject's latest month, added up
            figures[line.metric] = Decimal(latest_sum(rows, line.metric.removeprefix("tally:")))
        else:
            figures[line.metric] = sum((v for (code, _), v in flows.items() if code == line.metric), Decimal(0))
    figures |= {m: Decimal(stocks.get((m, STOCK_PERIOD), 0)) for m, _, _ in STOCK_LINES}
    if as_of is not None:  # grid coverage keeps no dated figures: recounted from the visits
        figures |= {m: Decimal(v) for m, v in grid_coverage_as_of(node, as_of).items()}
    if figures["hotline_calls"]:  # published like every hotline statistic (docs/hotline.md)
        from wenming.hotline.disclosure import rounded

        figures["hotline_calls"] = Decimal(rounded(int(figures["hotline_calls"])) or 0)
        figures["hotline_crisis"] = Decimal(rounded(int(figures["hotline_crisis"])) or 0)
    return WorkReport(node, since, until, {k: kinds.get(k, 0) for k in KIND_ORDER}, figures, indicators,
                      coverage(node, since=since, until=until) if with_coverage else None,
                      month_end(as_of) if as_of else None)


def adoption_lines() -> list[IndicatorLine]:
    """Information adopted by each outlet (学习强国, 中国文明网 …): the section 信息刊播."""
    return [IndicatorLine(f"reports_adopted:{code}", name, "篇", ADOPTED_SECTION, False)
            for code, name in Outlet.objects.order_by("sort", "id").values_list("code", "name")]


def report_indicators(node: Node) -> list[IndicatorLine]:
    """The tally indicators that concern the node's subtree — the platform's and those its
    offices (above or below it) defined — in report-section order, then their own order."""
    order = {value: n for n, value in enumerate(ReportSection.values)}
    rows = sorted(indicator_list(node=node), key=lambda i: (order.get(i.section, 99), i.sort, i.pk))
    return [IndicatorLine(f"tally:{i.code}", WORDING.get(i.code, i.name), i.unit, i.get_section_display(),
                          i.aggregation == "latest") for i in rows]


def _n(value: Decimal) -> str:
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _share(pct) -> str:
    return f"（占{pct}%）" if pct is not None else ""


def work_report_text(report: WorkReport) -> str:
    """The summary in the words of a county work report; lines with nothing to say are left out."""
    f, k = report.figures, report.nodes
    period = f"{report.since:%Y年%m月}至{report.until:%Y年%m月}"
    parts = [f"{report.node.name}{period}新时代文明实践工作数据"]
    # Stocks of a period that is over are as of its last day, and the report says so.
    day = report.as_of
    built = "、".join(f"{NodeKind(kind).label}{n}个" for kind, n in k.items() if n)
    stocks = ([f"建成{built}"] if built else []) + [
        f"在册志愿者{_n(f['volunteers'])}名（其中党员{_n(f['volunteers_party'])}名、应急储备"
        f"{_n(f['volunteers_reserve'])}名），志愿服务队伍{_n(f['teams'])}支"]
    parts.append((f"截至{day.year}年{day.month}月{day.day}日，" if day else "") + "；".join(stocks)
                 + f"；本期志愿服务时长{_n(f['hours'])}小时。")
    c = report.coverage
    if c is not None:
        # only what the network of the period can say: stations or grids set up later are not counted
        covered = [f"{_n(c.stations_covered)}个村（社区）新时代文明实践站{_share(c.stations_share)}"] if c.stations_covered \
            else []
        covered += [f"{_n(c.grids_covered)}个网格{_share(c.grids_share)}"] if c.grids_covered else []
        said = [f"志愿服务组织覆盖{'、'.join(covered)}"] if covered else []
        said += [f"进驻志愿服务人员{_n(c.volunteers_deployed)}人"] if c.volunteers_deployed else []
        if said:
            parts.append("，".join(said) + "。")
    if f["grid_households"] or f["visits"]:
        parts.append(f"网格排查累计覆盖{_n(f['grids_visited'])}个网格、走访{_n(f['households_visited'])}户"
                     f"（网格户数{_n(f['grid_households'])}户），本期入户走访{_n(f['visits'])}户次。")
    if f["screened_sites"]:  # 排查总数 (grids/screening_totals.py): businesses and sites screened
        parts.append(f"本期排查企业场所{_n(f['screened_sites'])}家。")
    by_section: dict[str, list[str]] = {}
    for line in report.indicators:
        if f[line.metric]:
            by_section.setdefault(line.section, []).append(f"{line.label}{_n(f[line.metric])}{line.unit}")
    for section, said in by_section.items():
        parts.append(f"{section}：" + "，".join(said) + "。")
    if c is not None and c.hotlines:
        parts.append(f"开通心理疏导热线{_n(c.hotlines)}条，咨询师{_n(c.counselors)}名"
                     + (f"，接听来电约{_n(f['hotline_calls'])}次。" if f["hotline_calls"] else "。"))
    elif f["hotline_calls"]:  # lines closed by the period's end, or coverage left to the workbook
        parts.append(f"心理疏导热线接听来电约{_n(f['hotline_calls'])}次。")
    elif f["hotline_calls"]:
        parts.append(f"心理疏导热线接听来电约{_n(f['hotline_calls'])}次。")
    reform = [f"{label}{_n(f[m])}{unit}" for m, label, unit in FLOW_LINES if m.startswith("reform:") and f[m]]
    if reform:
        parts.append("移风易俗：" + "，".join(reform) + "。")
    parts.append(f"受理群众点单{_n(f['demands_submitted'])}件，办结{_n(f['demands_solved'])}件；"
                 f"报送工作信息{_n(f['reports_submitted'])}篇。")
    if f["party_checkins"]:
        parts.append(f"党员志愿者到社区报到{_n(f['party_checkins'])}名。")
    return parts[0] + "：" + "".join(parts[1:])


def work_report_workbook(report: WorkReport) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet("工作数据")
    ws.append([f"{report.node.name} {report.since:%Y-%m} 至 {report.until:%Y-%m}"])
    ws.append(["项目", "数值", "单位"])
    for kind, n in report.nodes.items():
        ws.append([NodeKind(kind).label, n, "个"])
    for label, value, unit in report.lines:
        ws.append([label, float(value), unit])
    ws = book.create_sheet("文字摘要")
    ws.append([work_report_text(report)])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
