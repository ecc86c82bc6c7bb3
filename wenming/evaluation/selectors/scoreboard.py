"""Scoreboards: a node's and a unit's score per indicator and in total, the trend over the
campaign, the ranking of units and the 红黑榜.

Scoring (all configuration of the campaign and its indicators; docs/evaluation.md):
- 按问题扣分: points − the deductions of the findings that count, capped at the points.
  For a node: findings at sites in its subtree. For a unit: findings it leads.
- 按问卷达标率: the rate of positive answers (知晓/满意) to the indicator's questions by
  residents in the node's subtree: full points at or above `survey_full_rate`, none below
  `survey_zero_rate`, linear between; no answers yet scores 0 (shown as 暂无数据). Units
  are not scored by surveys (residents rate the place, not a unit).
- 按材料审核: a unit's latest reviewed score; a node's: the average over the units that
  lead the indicator in its subtree (a unit without reviewed material counts 0).
Each score is multiplied by the indicator's weight. Items and areas sum their indicators.
A sub-system (e.g. 未成年人思想道德建设) is summed apart: its rate must reach its floor,
and it takes its share of the total: total = main × (1 − Σshare) + Σ sub-rate × main-full × share.

`node_board` and `unit_board` read the maintained figures (the figure store, UnitTally);
`node_board_raw` and `unit_board_raw` compute the same from the raw rows — for the tests
(they must agree) and the benchmark (how much the summaries save).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import TruncMonth

from wenming.dashboards.metrics import as_date, month_start
from wenming.dashboards.summary import figures_for
from wenming.orgs.models import Node, Unit

from .. import figures
from ..board_cache import unit_board_cached
from ..models import (
    LIVE,
    OWED,
    Campaign,
    Duty,
    DutyRole,
    Finding,
    FindingStatus,
    Indicator,
    Level,
    Material,
    MaterialStatus,
    Rule,
    SurveyAnswer,
    UnitTally,
)

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass
class Line:
    """One indicator (or an item/area summing its indicators) on a board."""

    indicator: Indicator
    full: Decimal = ZERO
    score: Decimal = ZERO
    deducted: Decimal = ZERO  # uncapped deductions (deduct rule)
    rate: Decimal | None = None  # survey rate, percent
    material: Decimal | None = None
    no_data: bool = False
    depth: int = 0

    @property
    def lost(self) -> Decimal:
        return self.full - self.score


@dataclass
class SubResult:
    name: str
    full: Decimal
    score: Decimal
    floor_percent: Decimal
    share_percent: Decimal

    @property
    def rate(self) -> Decimal:
        return (self.score * 100 / self.full).quantize(CENT) if self.full else ZERO

    @property
    def passed(self) -> bool:
        return self.rate >= self.floor_percent


@dataclass
class Board:
    campaign: Campaign
    lines: list[Line]  # in tree order, with items and areas
    full: Decimal
    score: Decimal  # after the sub-systems' shares
    main_full: Decimal
    main_score: Decimal
    subsystems: list[SubResult] = field(default_factory=list)
    trend: list[tuple[date, Decimal]] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def rate(self) -> Decimal:
        return (self.score * 100 / self.full).quantize(CENT) if self.full else ZERO

    @property
    def qualified(self) -> bool:
        return all(s.passed for s in self.subsystems)


def _survey_score(ind: Indicator, answers, positives) -> tuple[Decimal, Decimal | None]:
    if not answers:
        return ZERO, None
    rate = (Decimal(positives) * 100 / Decimal(answers)).quantize(CENT)
    if rate >= ind.survey_full_rate:
        return ind.points, rate
    if rate < ind.survey_zero_rate or ind.survey_full_rate == ind.survey_zero_rate:
        return ZERO, rate
    part = (rate - ind.survey_zero_rate) / (ind.survey_full_rate - ind.survey_zero_rate)
    return (ind.points * part).quantize(CENT), rate


def _deduct_score(points: Decimal, weight: Decimal, deducted: Decimal) -> Decimal:
    return ((points - min(points, deducted)) * weight).quantize(CENT)


def _material_score(points: Decimal, weight: Decimal, material) -> Decimal:
    return (min(points, Decimal(material or 0)) * weight).quantize(CENT)


def _line(ind: Indicator, *, deducted=ZERO, answers=0, positives=0, material=None, surveys=True) -> Line:
    line = Line(indicator=ind, full=(ind.points * ind.weight).quantize(CENT))
    if ind.rule == Rule.DEDUCT:
        line.deducted = Decimal(deducted or 0)
        line.score = _deduct_score(ind.points, ind.weight, line.deducted)
    elif ind.rule == Rule.SURVEY:
        score, line.rate = _survey_score(ind, answers, positives)
        line.no_data = line.rate is None
        line.score = (score * ind.weight).quantize(CENT)
    else:
        line.material = material
        line.no_data = material is None
        line.score = _material_score(ind.points, ind.weight, material)
    return line


def _assemble(campaign: Campaign, indicators: list[Indicator], scored: dict[int, Line], *,
              shares: bool = True) -> Board:
    """Put the scored lines in tree order under their items and areas, and total them."""
    by_parent: dict[int | None, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        if ind.level != Level.DEDUCTION:
            by_parent[ind.parent_id].append(ind)
    lines: list[Line] = []

    def walk(ind: Indicator, depth: int) -> tuple[Decimal, Decimal]:
        if ind.level == Level.INDICATOR:
            line = scored.get(ind.pk)
            if line is None:
                return ZERO, ZERO
            line.depth = depth
            lines.append(line)
            return line.full, line.score
        head = Line(indicator=ind, depth=depth)
        lines.append(head)
        full = score = ZERO
        for child in by_parent.get(ind.pk, []):
            f, s = walk(child, depth + 1)
            full, score = full + f, score + s
        head.full, head.score = full, score
        if not full:
            lines.remove(head)
        return full, score

    for top in by_parent.get(None, []):
        walk(top, 0)
    main_full = main_score = ZERO
    subs: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in scored.values():
        sub = line.indicator.subsystem_id
        if sub:
            subs[sub][0] += line.full
            subs[sub][1] += line.score
        else:
            main_full += line.full
            main_score += line.score
    # the sub-systems come with their indicators (_indicators), in their own order (by id)
    systems = {line.indicator.subsystem_id: line.indicator.subsystem for line in scored.values()
               if line.indicator.subsystem_id}
    results = [SubResult(s.name, subs[s.pk][0], subs[s.pk][1], s.floor_percent, s.share_percent)
               for s in sorted(systems.values(), key=lambda s: s.pk) if subs[s.pk][0]]
    if not shares:
        # A unit's board: the sum of what it answers for. The floor and the share are rules of
        # the place's evaluation; its sub-system lines count like the others.
        full, score = main_full + sum(r.full for r in results), main_score + sum(r.score for r in results)
        return Board(campaign=campaign, lines=lines, full=full, score=score.quantize(CENT), main_full=main_full,
                     main_score=main_score, subsystems=results)
    share = sum((r.share_percent for r in results), ZERO) / 100
    total = main_score * (1 - share) + sum((r.rate / 100 * main_full * r.share_percent / 100 for r in results), ZERO)
    return Board(campaign=campaign, lines=lines, full=main_full, score=total.quantize(CENT), main_full=main_full,
                 main_score=main_score, subsystems=results)


def _indicators(campaign: Campaign) -> list[Indicator]:
    # Deduction items are never scored nor shown on a board: not loaded. campaign_id is: the
    # related manager sets each row's campaign from it, and deferred it would cost a query a row.
    # The sub-system comes in the same query (the board's sub-system results need it).
    return list(campaign.indicators.exclude(level=Level.DEDUCTION).select_related("subsystem")
                .only("id", "campaign_id", "parent_id", "level", "code", "name", "points", "weight", "rule",
                      "survey_full_rate", "survey_zero_rate", "subsystem", "sort", "subsystem__name",
                      "subsystem__floor_percent", "subsystem__share_percent")
                .order_by("sort", "id"))


def _months(campaign: Campaign) -> list[date]:
    out, m = [], month_start(campaign.starts_on)
    while m <= campaign.ends_on:
        out.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def _trend(campaign: Campaign, scored_inds: list[Indicator], monthly: dict[int, dict[date, Decimal]],
           board: Board) -> list[tuple[date, Decimal]]:
    """The deduct-rule part of the score month by month (the other rules as they are now)."""
    other = sum((board_line.score for board_line in board.lines
                 if board_line.indicator.level == Level.INDICATOR and board_line.indicator.rule != Rule.DEDUCT
                 and not board_line.indicator.subsystem_id), ZERO)
    # Indicators without deductions add their full points every month: summed once. The others
    # as (points, weight, deductions by month, running total) — plain locals in the loop, which
    # runs months × indicators times.
    steady = ZERO
    moving = []
    for ind in scored_inds:
        if ind.rule != Rule.DEDUCT or ind.subsystem_id:
            continue
        per_month = monthly.get(ind.pk)
        if per_month:
            moving.append([ind.points, ind.weight, per_month, ZERO])
        else:
            steady += ind.points * ind.weight
    out = []
    for month in _months(campaign):
        score = other + steady
        for entry in moving:
            points, weight, per_month, running = entry
            running += per_month.get(month, ZERO)
            entry[3] = running
            score += (points - min(points, running)) * weight
        out.append((month, score.quantize(CENT)))
    return out


def _material_avg_for_node(campaign: Campaign, node: Node, ids: list[int]) -> dict[int, Decimal | None]:
    if not ids:
        return {}
    # the lead units per indicator and the units' reviewed scores, in one round trip (UNION ALL)
    leads_qs = (Duty.objects.filter(campaign=campaign, indicator_id__in=ids, role=DutyRole.LEAD,
                                    unit__node__path__startswith=node.path).order_by()
                .values("indicator_id").annotate(lead=Value(True), s=Value(None, output_field=DecimalField()),
                                                 n=Count("id")))
    scores_qs = (UnitTally.objects.filter(campaign=campaign, indicator_id__in=ids, material_score__isnull=False,
                                          unit__node__path__startswith=node.path).order_by()
                 .values("indicator_id").annotate(lead=Value(False), s=Sum("material_score"), n=Count("id")))
    leads, scores = {}, {}
    for ind, lead, total, n in leads_qs.union(scores_qs, all=True).values_list("indicator_id", "lead", "s", "n"):
        if lead:
            leads[ind] = n
        else:
            scores[ind] = (total, n)
    return _material_avgs(ids, leads, scores)


def _material_avgs(ids, leads, scores) -> dict[int, Decimal | None]:
    out = {}
    for pk in ids:
        total, n = scores.get(pk, (None, 0))
        denominator = max(leads.get(pk, 0), n)
        out[pk] = (Decimal(total) / denominator).quantize(CENT) if n and denominator else None
    return out


def node_board(campaign: Campaign, node: Node, *, trend: bool = True) -> Board:
    """A node's board from the figure store and the unit tallies."""
    indicators = _indicators(campaign)
    scored_inds = [i for i in indicators if i.level == Level.INDICATOR]
    metrics = []
    for ind in scored_inds:
        if ind.rule == Rule.DEDUCT:
            metrics.append(f"{figures.DEDUCT_PREFIX}{ind.pk}")
        elif ind.rule == Rule.SURVEY:
            metrics += [f"{figures.SURVEY_ANSWERS}{ind.pk}", f"{figures.SURVEY_POSITIVES}{ind.pk}"]
    live, overdue = f"{figures.CAMPAIGN_LIVE}{campaign.pk}", f"{figures.CAMPAIGN_OVERDUE}{campaign.pk}"
    values = figures_for(node, metrics + [live, overdue])
    sums: dict[str, Decimal] = defaultdict(Decimal)
    monthly: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (metric, period), value in values.items():
        sums[metric] += value
        if metric.startswith(figures.DEDUCT_PREFIX):
            monthly[int(metric[len(figures.DEDUCT_PREFIX):])][period] += value
    materials = _material_avg_for_node(campaign, node, [i.pk for i in scored_inds if i.rule == Rule.MATERIAL])
    scored = {ind.pk: _line(ind, deducted=sums[f"{figures.DEDUCT_PREFIX}{ind.pk}"],
                            answers=sums[f"{figures.SURVEY_ANSWERS}{ind.pk}"],
                            positives=sums[f"{figures.SURVEY_POSITIVES}{ind.pk}"], material=materials.get(ind.pk))
              for ind in scored_inds}
    board = _assemble(campaign, indicators, scored)
    board.counts = {"live": int(sums[live]), "overdue": int(sums[overdue])}
    if trend:
        board.trend = _trend(campaign, scored_inds, monthly, board)
    return board


def node_board_raw(campaign: Campaign, node: Node, *, trend: bool = True) -> Board:
    """The same board computed from findings, answers and material rows."""
    indicators = _indicators(campaign)
    scored_inds = [i for i in indicators if i.level == Level.INDICATOR]
    findings = Finding.objects.filter(campaign=campaign, node__path__startswith=node.path)
    monthly: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    deducted: dict[int, Decimal] = defaultdict(Decimal)
    for row in (findings.exclude(status=FindingStatus.WITHDRAWN).annotate(m=TruncMonth("observed_at"))
                .values("indicator_id", "m").annotate(p=Sum("points")).order_by()):
        points = Decimal(str(row["p"])).quantize(CENT)  # (SQLite sums decimals as floats)
        monthly[row["indicator_id"]][as_date(row["m"])] += points
        deducted[row["indicator_id"]] += points
    answers = {r["question__indicator_id"]: (r["n"], r["pos"]) for r in
               SurveyAnswer.objects.filter(response__survey__node__path__startswith=node.path,
                                           question__indicator__campaign=campaign)
               .values("question__indicator_id").annotate(n=Count("id"), pos=Count("id", filter=Q(positive=True)))}
    material_ids = [i.pk for i in scored_inds if i.rule == Rule.MATERIAL]
    leads = dict(Duty.objects.filter(campaign=campaign, indicator_id__in=material_ids, role=DutyRole.LEAD,
                                     unit__node__path__startswith=node.path)
                 .values("indicator_id").annotate(n=Count("id")).values_list("indicator_id", "n").order_by())
    latest = _latest_material_scores(campaign, Q(unit__node__path__startswith=node.path))
    scores: dict[int, tuple] = {}
    for (_unit, ind), score in latest.items():
        total, n = scores.get(ind, (ZERO, 0))
        scores[ind] = (total + score, n + 1)
    materials = _material_avgs(material_ids, leads, scores)
    scored = {ind.pk: _line(ind, deducted=deducted[ind.pk], answers=answers.get(ind.pk, (0, 0))[0],
                            positives=answers.get(ind.pk, (0, 0))[1], material=materials.get(ind.pk))
              for ind in scored_inds}
    board = _assemble(campaign, indicators, scored)
    board.counts = findings.aggregate(live=Count("id", filter=Q(status__in=LIVE)),
                                      overdue=Count("id", filter=Q(status__in=OWED, overdue=True)))
    if trend:
        board.trend = _trend(campaign, scored_inds, monthly, board)
    return board


def _latest_material_scores(campaign: Campaign, q: Q) -> dict[tuple[int, int], Decimal]:
    latest: dict[tuple[int, int], tuple] = {}
    for m in (Material.objects.filter(q, campaign=campaign, status=MaterialStatus.SCORED)
              .values("unit_id", "indicator_id", "score", "reviewed_at", "id")):
        key = (m["unit_id"], m["indicator_id"])
        if key not in latest or (m["reviewed_at"], m["id"]) > latest[key][:2]:
            latest[key] = (m["reviewed_at"], m["id"], m["score"])
    return {k: v[2] for k, v in latest.items()}


def _unit_indicator_ids(campaign: Campaign, unit: Unit, tallies) -> set[int]:
    """What a unit answers for: its lead duties, and indicators of findings it leads at a
    site whose own duty names it."""
    # .order_by(): the duty table's default order would join the indicators for nothing
    ids = set(Duty.objects.filter(campaign=campaign, unit=unit, role=DutyRole.LEAD).order_by()
              .values_list("indicator_id", flat=True))
    return ids | {t["indicator_id"] for t in tallies if t["findings"] or t["material_score"] is not None}


def unit_board(campaign: Campaign, unit: Unit) -> Board:
    """A unit's board from its tallies, kept in the shared cache until they change
    (board_cache.py says how a change is never hidden)."""
    def compute():
        tallies = list(UnitTally.objects.filter(campaign=campaign, unit=unit).values(
            "indicator_id", "deducted", "findings", "live", "overdue", "repeats", "material_score"))
        return _unit_board(campaign, unit, tallies)
    return unit_board_cached(campaign, unit, compute)


def unit_board_raw(campaign: Campaign, unit: Unit) -> Board:
    """The same from the findings it leads and its material rows."""
    rows = (Finding.objects.filter(campaign=campaign, lead_unit=unit).values("indicator_id").order_by()
            .annotate(deducted=Sum("points", filter=~Q(status=FindingStatus.WITHDRAWN)),
                      findings=Count("id", filter=~Q(status=FindingStatus.WITHDRAWN)),
                      live=Count("id", filter=Q(status__in=LIVE)),
                      overdue=Count("id", filter=Q(status__in=OWED, overdue=True)),
                      repeats=Count("id", filter=Q(repeat_of__isnull=False) & ~Q(status=FindingStatus.WITHDRAWN))))
    # (SQLite sums decimals as floats: 7.40000000000001 back to 7.40)
    tallies = {r["indicator_id"]: dict(r, deducted=Decimal(str(r["deducted"] or 0)).quantize(CENT),
                                       material_score=None) for r in rows}
    for (_unit, ind), score in _latest_material_scores(campaign, Q(unit=unit)).items():
        tallies.setdefault(ind, {"indicator_id": ind, "deducted": ZERO, "findings": 0, "live": 0, "overdue": 0,
                                 "repeats": 0})["material_score"] = score
    return _unit_board(campaign, unit, list(tallies.values()))


def _unit_board(campaign: Campaign, unit: Unit, tallies: list[dict]) -> Board:
    indicators = _indicators(campaign)
    ids = _unit_indicator_ids(campaign, unit, tallies)
    by_ind = {t["indicator_id"]: t for t in tallies}
    scored = {}
    for ind in indicators:
        if ind.pk in ids and ind.level == Level.INDICATOR and ind.rule != Rule.SURVEY:
            t = by_ind.get(ind.pk, {})
            scored[ind.pk] = _line(ind, deducted=t.get("deducted") or ZERO, material=t.get("material_score"))
    board = _assemble(campaign, indicators, scored, shares=False)
    board.counts = {k: sum(t[k] for t in tallies) for k in ("findings", "live", "overdue", "repeats")}
    return board


@dataclass
class Ranked:
    unit_id: int
    name: str
    full: Decimal
    score: Decimal
    live: int
    overdue: int
    repeats: int

    @property
    def rate(self) -> Decimal:
        return (self.score * 100 / self.full).quantize(CENT) if self.full else ZERO

    @property
    def lost(self) -> Decimal:
        return self.full - self.score


def unit_ranking(campaign: Campaign, node: Node, *, unit_ids: list[int] | None = None) -> list[Ranked]:
    """Units in the node's subtree with duties or findings, best score rate first (ties: fewer
    overdue, then fewer live findings, then name). The 红榜 is the head, the 黑榜 the tail.
    `unit_ids` narrows it to those units (a page of the duty table: one read for all)."""
    # (deduct rule?, points, weight, full points) of the indicators a unit is scored on
    inds = {i.pk: (i.rule == Rule.DEDUCT, i.points, i.weight, (i.points * i.weight).quantize(CENT))
            for i in _indicators(campaign) if i.level == Level.INDICATOR and i.rule != Rule.SURVEY}
    in_subtree = Unit.objects.filter(node__path__startswith=node.path)
    if unit_ids is not None:
        in_subtree = in_subtree.filter(pk__in=unit_ids)
    units = dict(in_subtree.values_list("pk", "name"))
    per_unit: dict[int, dict[int, tuple]] = defaultdict(dict)
    # the subtree's units as a subquery: a list of thousands of ids would cost more to send and plan
    for unit_id, ind, deducted, findings, live, overdue, repeats, material in (
            UnitTally.objects.filter(campaign=campaign, unit_id__in=in_subtree.values("pk")).order_by()
            .values_list("unit_id", "indicator_id", "deducted", "findings", "live", "overdue", "repeats",
                         "material_score")):
        per_unit[unit_id][ind] = (deducted, findings, live, overdue, repeats, material)
    leads = defaultdict(set)
    for unit_id, ind in (Duty.objects.filter(campaign=campaign, role=DutyRole.LEAD,
                                             unit_id__in=in_subtree.values("pk"))
                         .order_by().values_list("unit_id", "indicator_id")):
        leads[unit_id].add(ind)
    out = []
    nothing = (ZERO, 0, 0, 0, 0, None)
    for unit_id in set(per_unit) | set(leads):
        tallies = per_unit.get(unit_id, {})
        ids = leads[unit_id] | {i for i, t in tallies.items() if t[1] or t[5] is not None}
        full = score = ZERO
        for pk in ids:
            ind = inds.get(pk)
            if ind is None:
                continue
            deduct, points, weight, ind_full = ind
            deducted, _, _, _, _, material = tallies.get(pk, nothing)
            full += ind_full
            # what _line gives, without building a line: thousands of (unit, indicator) pairs
            score += (_deduct_score(points, weight, deducted or ZERO) if deduct
                      else _material_score(points, weight, material))
        if full:
            out.append(Ranked(unit_id, units[unit_id], full, score, sum(t[2] for t in tallies.values()),
                              sum(t[3] for t in tallies.values()), sum(t[4] for t in tallies.values())))
    out.sort(key=lambda r: (-r.rate, r.overdue, r.live, r.name))
    return out


def red_black(campaign: Campaign, ranking: list[Ranked]) -> tuple[list[Ranked], list[Ranked]]:
    """红榜: the best whose score rate reaches the campaign's red line, with nothing live;
    黑榜: the worst below the black line, or with overdue tasks or repeats. Both capped at the
    campaign's sizes (configuration)."""
    red = [r for r in ranking if r.rate >= campaign.red_min_rate and not r.live][:campaign.red_list_size]
    black = [r for r in reversed(ranking)
             if r not in red and (r.rate < campaign.black_below_rate or r.overdue or r.repeats)]
    return red, black[:campaign.black_list_size]
