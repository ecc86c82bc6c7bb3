"""Writes for grids: the grid's profile (households, boundary) and team claims.

Each service is one transaction with one audit row. Permissions:

- profile: staff with node.edit over the grid (the grid is a node; its household count is
  part of describing it);
- claims: the leader of the team (team_leader grant on it or on a team above it), or staff
  with node.edit over the grid; the grid must lie inside the team's home node. Another
  team's overlapping claim is allowed and returned as a conflict; the same team cannot
  overlap itself (409 grids.claim_overlap), which also makes a double tap harmless.
"""

import json
import re
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.orgs.models import Node, NodeKind
from wenming.volunteers.models import Team

from .errors import GridError as E
from .figures import grid_households_changed, hold_grid
from .models import MAX_HOUSEHOLDS, GridClaim, GridProfile
from .selectors import claim_conflicts, grid_visibility_q, led_team_ids, overlapping_claims

MAX_BOUNDARY_CHARS = 200_000
MAX_BOUNDARY_POINTS = 10_000
MAX_CLAIM_DAYS = 731  # two years: a claim is renewed, not open-ended
CLAIM_AHEAD_DAYS = 366


# ---- checks -------------------------------------------------------------------------------

def check_grid(grid: Node) -> None:
    if grid.kind != NodeKind.GRID:
        raise E.NOT_A_GRID.error("grid", node=grid.name)
    if grid.archived_at is not None:
        raise E.GRID_ARCHIVED.error("grid", grid=grid.name)


def hold_live_grid(grid: Node) -> None:
    """Inside the writing transaction: hold the grid against a concurrent archive and refuse it
    if it was archived since the caller loaded it (its figures left the coverage roll-up)."""
    if not hold_grid(grid.pk):
        raise E.GRID_ARCHIVED.error("grid", grid=grid.name)


def check_node_perm(actor, grid: Node, perm: str) -> None:
    """`perm` over the grid; 403 for someone who sees the grid, 404 for anyone else."""
    if not scope_for(actor).allows(perm, grid.path):
        seen = Node.objects.filter(grid_visibility_q(actor), pk=grid.pk).exists()
        raise (CoreError.FORBIDDEN if seen else CoreError.NOT_FOUND).error()


def _text(value) -> str:
    return str(value or "").strip()


# ---- profile ------------------------------------------------------------------------------

def _household_count(value) -> int:
    """A whole number 0..MAX_HOUSEHOLDS (an int, or digits typed in); never a bool or "-3"."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HOUSEHOLDS:
        raise E.HOUSEHOLDS_INVALID.error("household_count", limit=MAX_HOUSEHOLDS)
    return value


def _bad(detail: str):
    return E.BOUNDARY_INVALID.error("boundary", detail=detail)


def _position(pos) -> None:
    if not isinstance(pos, list) or len(pos) not in (2, 3):
        raise _bad("每个坐标点须为 [经度, 纬度]")
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in pos):
        raise _bad("坐标须为数字")
    lon, lat = pos[0], pos[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _bad("经度须在 -180～180 之间，纬度须在 -90～90 之间")


def _polygon(rings) -> int:
    if not isinstance(rings, list) or not rings:
        raise _bad("多边形至少需要一个环")
    points = 0
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise _bad("每个环至少 4 个坐标点（首尾相同）")
        for pos in ring:
            _position(pos)
        if ring[0][:2] != ring[-1][:2]:
            raise _bad("环须闭合（首尾坐标相同）")
        points += len(ring)
    return points


def clean_boundary(raw) -> str:
    """A GeoJSON Polygon or MultiPolygon (bare, or as a Feature's geometry), checked lightly
    (shape, closed rings, coordinate ranges, size) and stored compact; "" clears it."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    if isinstance(raw, str):
        if len(raw) > MAX_BOUNDARY_CHARS:
            raise _bad(f"内容过长（上限 {MAX_BOUNDARY_CHARS} 字符）")
        try:
            raw = json.loads(raw)
        except ValueError:
            raise _bad("不是合法的 JSON") from None
    if not isinstance(raw, dict):
        raise _bad("须为 GeoJSON 对象")
    geometry = raw.get("geometry") if raw.get("type") == "Feature" else raw
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise _bad("类型须为 Polygon 或 MultiPolygon")
    coords = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        points = _polygon(coords)
    else:
        if not isinstance(coords, list) or not coords:
            raise _bad("MultiPolygon 至少需要一个多边形")
        points = sum(_polygon(rings) for rings in coords)
    if points > MAX_BOUNDARY_POINTS:
        raise _bad(f"坐标点过多（上限 {MAX_BOUNDARY_POINTS} 个）")
    text = json.dumps({"type": geometry["type"], "coordinates": coords}, ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_BOUNDARY_CHARS:
        raise _bad(f"内容过长（上限 {MAX_BOUNDARY_CHARS} 字符）")
    return text


def profile_locked(grid: Node) -> GridProfile:
    """The grid's profile row, created if missing, locked for the transaction (PostgreSQL;
    SQLite's IMMEDIATE transactions serialize writers anyway)."""
    # of=self: the profile row only — not the grid's node row, which the model's ordering
    # (node__path) joins and which writers hold FOR SHARE (figures.hold_grid)
    locked = GridProfile.objects.select_for_update(of=("self",)).order_by()
    profile = locked.filter(node=grid).first()
    if profile is None:
        try:
            with transaction.atomic():
                GridProfile.objects.create(node=grid)
        except IntegrityError:
            pass  # created meanwhile by a first visit
        profile = locked.get(node=grid)
    return profile


def grid_profile_set(*, actor, grid: Node, household_count=None, boundary=None) -> GridProfile:
    """Set the household count and/or the boundary (None = leave as is; boundary "" clears)."""
    check_node_perm(actor, grid, Perm.NODE_EDIT)
    check_grid(grid)
    count = None if household_count is None else _household_count(household_count)
    shape = None if boundary is None else clean_boundary(boundary)
    with transaction.atomic():
        hold_live_grid(grid)
        profile = profile_locked(grid)
        before = profile.household_count
        changes: dict = {}
        if count is not None and count != before:
            profile.household_count = count
            changes["household_count"] = [before, count]
        if shape is not None and shape != profile.boundary:
            profile.boundary = shape
            changes["boundary"] = "cleared" if not shape else "set"
        if changes:
            profile.updated_by = actor if getattr(actor, "is_authenticated", False) else None
            profile.save(update_fields=["household_count", "boundary", "updated_by", "updated_at"])
            grid_households_changed(grid.pk, before, profile.household_count)
            audit_record(actor=actor, action="grids.profile_set", obj=profile, node_path=grid.path, changes=changes)
    return profile


# ---- claims -------------------------------------------------------------------------------

def may_claim_for(actor, grid: Node, team: Team) -> bool:
    return team.pk in led_team_ids(actor) or scope_for(actor).allows(Perm.NODE_EDIT, grid.path)


def _period(starts_on: date, ends_on: date) -> None:
    today = timezone.localdate()
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise E.PERIOD_INVALID.error("starts_on", detail="请填写开始和结束日期")
    if ends_on < starts_on:
        raise E.PERIOD_INVALID.error("ends_on", detail="结束日期不能早于开始日期")
    if ends_on < today:
        raise E.PERIOD_INVALID.error("ends_on", detail="结束日期不能早于今天")
    if starts_on > today + timedelta(days=CLAIM_AHEAD_DAYS):
        raise E.PERIOD_INVALID.error("starts_on", detail=f"开始日期最多为 {CLAIM_AHEAD_DAYS} 天之后")
    if (ends_on - starts_on).days + 1 > MAX_CLAIM_DAYS:
        raise E.PERIOD_INVALID.error("ends_on", detail=f"一次认领最长 {MAX_CLAIM_DAYS} 天，期满可再认领")


def grid_claim_create(*, actor, grid: Node, team: Team, starts_on: date, ends_on: date,
                      note: str = "") -> GridClaim:
    """The team claims the grid for [starts_on, ends_on]. The returned claim carries
    `conflicts`: other teams' live claims of the grid overlapping the period."""
    check_grid(grid)
    if team.archived_at is not None:
        raise E.TEAM_ARCHIVED.error("team", team=team.name)
    if not may_claim_for(actor, grid, team):
        raise E.CLAIM_FORBIDDEN.error("team")
    if not grid.path.startswith(team.node.path):
        raise E.TEAM_OUT_OF_AREA.error("team", team=team.name, node=team.node.name)
    _period(starts_on, ends_on)
    with transaction.atomic():
        hold_live_grid(grid)  # not archived since the caller loaded it
        Team.objects.select_for_update(of=("self",)).filter(pk=team.pk).order_by().first()  # one claim at a time
        own = overlapping_claims(grid_id=grid.pk, starts_on=starts_on, ends_on=ends_on).filter(team=team).first()
        if own is not None:
            raise E.CLAIM_OVERLAP.error("starts_on", team=team.name, starts_on=own.starts_on, ends_on=own.ends_on)
        claim = GridClaim.objects.create(grid=grid, team=team, starts_on=starts_on, ends_on=ends_on,
                                         note=_text(note)[:200], claimed_by=actor)
        conflicts = claim_conflicts(claim)
        audit_record(actor=actor, action="grids.claim", obj=claim, node_path=grid.path, changes={
            "team": team.name, "starts_on": str(starts_on), "ends_on": str(ends_on),
            "conflicts": [c.pk for c in conflicts]})
    claim.conflicts = conflicts
    return claim


def grid_claim_withdraw(*, actor, claim: GridClaim) -> GridClaim:
    """End a claim (the team stops working the grid). Visits recorded under it stay."""
    if not may_claim_for(actor, claim.grid, claim.team):
        raise E.CLAIM_FORBIDDEN.error()
    with transaction.atomic():
        now = timezone.now()
        if not GridClaim.objects.filter(pk=claim.pk, withdrawn_at__isnull=True).update(withdrawn_at=now,
                                                                                        withdrawn_by=actor):
            raise E.CLAIM_WITHDRAWN.error()
        audit_record(actor=actor, action="grids.claim_withdraw", obj=claim, node_path=claim.grid.path,
                     changes={"team": claim.team.name})
    claim.withdrawn_at, claim.withdrawn_by = now, actor
    return claim
