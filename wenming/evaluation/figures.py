"""Dashboard figures of the evaluation (docs/evaluation.md), at the site's node:

- `eval_findings`: findings recorded, in the month they were observed (−1 if withdrawn).
- `eval_deducted`: their deduction points, same month (withdrawal takes them back).
- `eval_live`: findings still being rectified now (a stock).
- `eval_overdue`: of those, past their deadline (a stock).
- `evall:<campaign id>` / `evalo:<campaign id>`: the same two stocks of one campaign (what
  its boards show: several campaigns may cover a node).
- `evald:<indicator id>`: deduction points per indicator and month — what the node
  scoreboards read (summed over the subtree, capped at the indicator's points).
- `evalsa:<indicator id>` / `evalsp:<indicator id>`: survey answers and positive answers
  per indicator and month, at the survey's node (awareness and satisfaction rates).

The source below recomputes all of them from the raw rows for `rebuild_figures`.
"""

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from wenming.dashboards.metrics import (
    STOCK,
    STOCK_PERIOD,
    Metric,
    as_date,
    month_start,
    register,
    register_family,
    register_source,
)
from wenming.dashboards.summary import record_many

from .models import LIVE, Finding, FindingStatus, SurveyAnswer

FINDINGS, DEDUCTED, LIVE_NOW, OVERDUE = "eval_findings", "eval_deducted", "eval_live", "eval_overdue"
DEDUCT_PREFIX, SURVEY_ANSWERS, SURVEY_POSITIVES = "evald:", "evalsa:", "evalsp:"
CAMPAIGN_LIVE, CAMPAIGN_OVERDUE = "evall:", "evalo:"

register(
    Metric(FINDINGS, "督查发现问题", "个"),
    Metric(DEDUCTED, "督查扣分", "分"),
    Metric(LIVE_NOW, "整改中的问题", "个", STOCK),
    Metric(OVERDUE, "逾期未整改问题", "个", STOCK),
)
register_family(DEDUCT_PREFIX, "指标扣分", "分")
register_family(SURVEY_ANSWERS, "问卷作答", "人次")
register_family(SURVEY_POSITIVES, "问卷知晓/满意", "人次")
register_family(CAMPAIGN_LIVE, "整改中的问题（按测评活动）", "个", STOCK)
register_family(CAMPAIGN_OVERDUE, "逾期未整改问题（按测评活动）", "个", STOCK)


def finding_rows(finding: Finding, sign: int, *, live: bool, overdue: bool) -> list:
    """The deltas of a finding entering (+1, recorded) or leaving (−1, withdrawn) the
    counts, with the stocks it held."""
    month = month_start(as_date(finding.observed_at))
    rows = [(finding.node_id, FINDINGS, month, sign),
            (finding.node_id, DEDUCTED, month, sign * finding.points),
            (finding.node_id, f"{DEDUCT_PREFIX}{finding.indicator_id}", month, sign * finding.points)]
    if live:
        rows += _stock_rows(finding, LIVE_NOW, CAMPAIGN_LIVE, sign)
    if overdue:
        rows += _stock_rows(finding, OVERDUE, CAMPAIGN_OVERDUE, sign)
    return rows


def _stock_rows(finding: Finding, metric: str, family: str, delta: int) -> list:
    return [(finding.node_id, metric, STOCK_PERIOD, delta),
            (finding.node_id, f"{family}{finding.campaign_id}", STOCK_PERIOD, delta)]


def stock_change(finding: Finding, *, live: int = 0, overdue: int = 0) -> None:
    """The finding left or entered the live / overdue stocks (zero deltas are dropped)."""
    record_many(_stock_rows(finding, LIVE_NOW, CAMPAIGN_LIVE, live) + _stock_rows(finding, OVERDUE, CAMPAIGN_OVERDUE,
                                                                                   overdue))


def survey_rows(node_id: int, month, answers: list[tuple[int, bool]]) -> list:
    """(indicator id, positive) of one answer sheet → its deltas."""
    rows = []
    for indicator_id, positive in answers:
        rows.append((node_id, f"{SURVEY_ANSWERS}{indicator_id}", month, 1))
        if positive:
            rows.append((node_id, f"{SURVEY_POSITIVES}{indicator_id}", month, 1))
    return rows


@register_source
def raw_rows():
    counted = (Finding.objects.exclude(status=FindingStatus.WITHDRAWN).annotate(month=TruncMonth("observed_at"))
               .values("node_id", "indicator_id", "month").annotate(n=Count("id"), pts=Sum("points")).order_by())
    per_node: dict = {}
    for row in counted:
        month = as_date(row["month"])
        yield row["node_id"], f"{DEDUCT_PREFIX}{row['indicator_id']}", month, row["pts"]
        key = (row["node_id"], month)
        n, pts = per_node.get(key, (0, 0))
        per_node[key] = (n + row["n"], pts + row["pts"])
    for (node_id, month), (n, pts) in per_node.items():
        yield node_id, FINDINGS, month, n
        yield node_id, DEDUCTED, month, pts
    stocks = (Finding.objects.filter(status__in=LIVE).values("node_id", "campaign_id")
              .annotate(live=Count("id"), overdue=Count("id", filter=Q(overdue=True))).order_by())
    for row in stocks:
        node_id, campaign_id = row["node_id"], row["campaign_id"]
        yield node_id, LIVE_NOW, STOCK_PERIOD, row["live"]
        yield node_id, OVERDUE, STOCK_PERIOD, row["overdue"]
        yield node_id, f"{CAMPAIGN_LIVE}{campaign_id}", STOCK_PERIOD, row["live"]
        yield node_id, f"{CAMPAIGN_OVERDUE}{campaign_id}", STOCK_PERIOD, row["overdue"]
    answers = (SurveyAnswer.objects.annotate(month=TruncMonth("response__submitted_at"))
               .values("response__survey__node_id", "question__indicator_id", "month")
               .annotate(n=Count("id"), pos=Count("id", filter=Q(positive=True))).order_by())
    for row in answers:
        node_id, month, ind = row["response__survey__node_id"], as_date(row["month"]), row["question__indicator_id"]
        yield node_id, f"{SURVEY_ANSWERS}{ind}", month, row["n"]
        yield node_id, f"{SURVEY_POSITIVES}{ind}", month, row["pos"]
