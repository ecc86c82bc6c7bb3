"""Why each candidate ranks where it does: every factor's points with a Chinese reason,
read for the final top rows only (ranking.py does the search)."""

from __future__ import annotations

from dataclasses import dataclass

from wenming.core.crypto import mask_name
from wenming.volunteers.models import Availability, Volunteer

from .ranking import (
    LABELS,
    RATING_PRIOR,
    RESERVE_POINTS,
    SLOT_POINTS,
    WEIGHTS,
    Candidate,
    Reason,
    _Plan,
    distance_points,
    load_points,
    rating_points,
)


def explain(plan: _Plan, ids: list[int]) -> list[Candidate]:
    if not ids:
        return []
    rows = {r["pk"]: r for r in Volunteer.objects.filter(pk__in=ids).values(
        "pk", "name", "volunteer_no", "lat", "lon", "availability", "is_reserve", "home_node__name",
        "home_node__lat", "home_node__lon", "demand_stats__open_load", "demand_stats__completed",
        "demand_stats__rated_count", "demand_stats__rating_sum")}
    held: dict[int, set[int]] = {}
    if plan.skills:
        for vid, sid in Volunteer.skills.through.objects.filter(volunteer_id__in=ids, skill_id__in=list(plan.skills)
                                                                ).values_list("volunteer_id", "skill_id"):
            held.setdefault(vid, set()).add(sid)
    out = []
    for pk in ids:
        r = rows[pk]
        km = _km(plan, r)
        reasons = [_skill_reason(plan, held.get(pk, set())), _distance_reason(plan, r, km), _load_reason(r),
                   _rating_reason(r), _availability_reason(plan, r)]
        out.append(Candidate(volunteer_id=pk, name=mask_name(r["name"]), volunteer_no=r["volunteer_no"],
                             score=round(sum(x.raw for x in reasons), 1),
                             distance_km=None if km is None else round(km, 1),
                             reasons=[x.reason for x in reasons]))
    return out


@dataclass(frozen=True)
class _Points:
    raw: float
    reason: Reason


def _points(factor: str, raw: float, text: str) -> _Points:
    return _Points(raw, Reason(factor, LABELS[factor], round(raw, 1), WEIGHTS[factor], text))


def _km(plan: _Plan, r) -> float | None:
    o = plan.origin
    if o is None:
        return None
    lat, lon = (r["lat"], r["lon"]) if r["lat"] is not None and r["lon"] is not None else (
        r["home_node__lat"], r["home_node__lon"])
    if lat is None or lon is None:
        return None
    return o.km_to(lat, lon)


def _skill_reason(plan: _Plan, held: set[int]) -> _Points:
    if not plan.skills:
        return _points("skill", WEIGHTS["skill"], f"“{plan.demand.category.name}”类点单不限技能")
    have = [name for sid, name in plan.skills.items() if sid in held]
    lack = [name for sid, name in plan.skills.items() if sid not in held]
    if not lack:
        text = f"具备所需技能：{'、'.join(have)}"
    elif not have:
        text = f"不具备所需技能：{'、'.join(lack)}"
    else:
        text = f"具备 {len(have)}/{len(plan.skills)} 项所需技能：{'、'.join(have)}；缺少：{'、'.join(lack)}"
    return _points("skill", WEIGHTS["skill"] / len(plan.skills) * len(have), text)


def _distance_reason(plan: _Plan, r, km: float | None) -> _Points:
    o = plan.origin
    if o is None:
        return _points("distance", 0.0, "点单及所属阵地均无位置信息，按所属阵地范围推荐，不计距离")
    if km is None:
        return _points("distance", 0.0, "志愿者及其所属阵地均无位置信息，距离不计分")
    where = "点单位置" if o.source == "demand" else f"点单所属阵地（{o.node_name}）"
    text = f"距{where}{'不足 0.1 公里' if km < 0.1 else f'约 {km:.1f} 公里'}"
    if r["lat"] is None or r["lon"] is None:
        text += f"（志愿者未授权位置，按其所属阵地“{r['home_node__name']}”估算）"
    return _points("distance", distance_points(km), text)


def _load_reason(r) -> _Points:
    load = r["demand_stats__open_load"] or 0
    text = "当前没有在办点单" if not load else f"当前在办 {load} 单（已接单或服务中）"
    return _points("load", load_points(load), text)


def _rating_reason(r) -> _Points:
    rated, total, done = (r["demand_stats__rated_count"] or 0, r["demand_stats__rating_sum"] or 0,
                          r["demand_stats__completed"] or 0)
    tail = f"，已完成 {done} 单" if done else ""
    if not rated:
        text = f"暂无群众评价（按 {RATING_PRIOR:g} 分计）{tail}"
    else:
        text = f"群众评价平均 {total / rated:.1f} 分（{rated} 次）{tail}"
    return _points("rating", rating_points(rated, total), text)


def _availability_reason(plan: _Plan, r) -> _Points:
    bits = r["availability"] or 0
    points = SLOT_POINTS if bits & (plan.slot | Availability.EMERGENCY) else 0.0
    if plan.slot and bits & plan.slot:
        text = f"当前时段（{Availability(plan.slot).label}）可服务"
    elif bits & Availability.EMERGENCY:
        text = "登记为应急随时可服务"
    elif plan.slot:
        text = f"当前时段（{Availability(plan.slot).label}）不在其登记的可服务时间内"
    else:
        text = "当前为工作日夜间，未登记应急随时可服务"
    if plan.urgent and r["is_reserve"]:
        points += RESERVE_POINTS
        text += "；应急储备志愿者（紧急点单加分）"
    return _points("availability", points, text)
