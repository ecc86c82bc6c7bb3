"""Writes for household visits (敲门行动 / 排查登记): record, correct, void, follow up, reveal.

Who records: a volunteer of a team with a live claim on the grid on the visit's day (the
visit is filed under that team), the leader of such a team, or staff with demand.edit over
the grid (with or without a team). Who corrects or voids: the recorder, the visitor, the
team's leader, staff with demand.edit over the grid. A follow-up (转办) turns a visit into a
resident request through `demands.intake.demand_enter` (staff with demand.edit), and links
the request back to the visit, once.

Every write keeps the figures: the visit's contribution (visits, residents, flags by month)
is subtracted and added again on a correction and subtracted on voiding; the household
counters move with its address (households.py); a screening total covering the visit's
month settles (screening_totals.py: never counted twice). A visit dated in a month an office
above has closed is neither recorded, corrected nor voided (orgs.closing); a visit dated more
than LATE_DAYS before it is recorded is a back-entry (补录) and needs a reason
(core/back_entry.py). Each write first holds the grid
(`figures.hold_grid`): a new visit to a grid archived meanwhile is refused; a correction or
void of a visit of an archived grid is allowed but records no coverage-stock delta (the grid
is out of the roll-up until restored; figures.grids_archived). A second tap of the same form (its
client token), or the same recorder at the same door for the same moment within
DUPLICATE_WINDOW, returns the visit already recorded instead of a second one
(`visit.duplicate` is then True).
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.back_entry import late_reason_for
from wenming.core.crypto import encrypt, mask_address
from wenming.core.errors import CoreError
from wenming.orgs.closing import period_check_open
from wenming.orgs.models import Node
from wenming.volunteers.models import Team, TeamMember, Volunteer
from wenming.volunteers.selectors import volunteer_visibility_q

from .errors import GridError as E
from .figures import hold_grid, month_of, shape_of, visit_changed
from .households import household_key_of, household_moved
from .models import MAX_RESIDENTS, GridClaim, HouseholdVisit, VisitFlag
from .screening_totals import screening_totals_lock, screening_totals_settle
from .selectors import led_team_ids, member_team_ids
from .services import check_grid, hold_live_grid

CLOCK_SKEW = timedelta(minutes=5)  # a phone a few minutes fast is not recording the future
EARLIEST = datetime(2000, 1, 1)
DUPLICATE_WINDOW = timedelta(minutes=5)
MIN_ADDRESS = 4
MAX_ADDRESS = 200
MAX_FLAGS = 20


# ---- input --------------------------------------------------------------------------------

def _text(value) -> str:
    return str(value or "").strip()


def _when(moment: datetime | None) -> datetime:
    now = timezone.now()
    if moment is None:
        return now
    if timezone.is_naive(moment):  # "2026-05-01T09:00" from a form or client is local time
        moment = timezone.make_aware(moment)
    if moment > now + CLOCK_SKEW:
        raise E.TIME_FUTURE.error("visited_at")
    if moment < timezone.make_aware(EARLIEST):
        raise E.TIME_INVALID.error("visited_at", earliest="2000-01-01")
    return moment


def _address(value) -> str:
    address = " ".join(_text(value).split())
    if len(address) < MIN_ADDRESS or len(address) > MAX_ADDRESS:
        raise E.ADDRESS_REQUIRED.error("address", min=MIN_ADDRESS)
    return address


def _residents(value) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if value is None:
        value = 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RESIDENTS:
        raise E.RESIDENTS_INVALID.error("residents_count", limit=MAX_RESIDENTS)
    return value


def _flags(codes) -> list[VisitFlag]:
    wanted = {_text(c) for c in (codes or []) if _text(c)}
    if len(wanted) > MAX_FLAGS:
        raise E.FLAG_UNKNOWN.error("flags", value=f"最多 {MAX_FLAGS} 个")
    found = {f.code: f for f in VisitFlag.objects.filter(code__in=wanted, active=True)}
    missing = sorted(wanted - set(found))
    if missing:
        raise E.FLAG_UNKNOWN.error("flags", value=missing[0][:32])
    return sorted(found.values(), key=lambda f: (f.sort, f.pk))


# ---- who records ----------------------------------------------------------------------------

def _live_claim_teams(grid: Node, day) -> dict[int, Team]:
    claims = GridClaim.objects.filter(grid=grid, withdrawn_at__isnull=True, starts_on__lte=day,
                                      ends_on__gte=day).select_related("team")
    return {c.team_id: c.team for c in claims}


def _recording_team(actor, grid: Node, day, team: Team | None, staff: bool) -> Team | None:
    live = _live_claim_teams(grid, day)
    mine = {pk: t for pk, t in live.items() if pk in led_team_ids(actor) | member_team_ids(actor)}
    if team is not None:
        if team.pk not in live:
            raise E.NOT_CLAIMED.error("team", who=f"队伍“{team.name}”", day=day, grid=grid.name)
        if not (staff or team.pk in mine):
            raise E.NOT_CLAIMED.error("team", who="您所在的队伍", day=day, grid=grid.name)
        return team
    if len(mine) == 1:
        return next(iter(mine.values()))
    if len(mine) > 1:
        raise E.TEAM_REQUIRED.error("team")
    if not staff:
        raise E.NOT_CLAIMED.error("grid", who="您所在的队伍", day=day, grid=grid.name)
    return None


def _visitor(actor, team: Team | None, volunteer: Volunteer | None, staff: bool) -> Volunteer | None:
    """The volunteer who knocked: by default the actor's own volunteer record (if any); a team
    leader or staff may name a member of the team, staff (without a team) any volunteer they see."""
    own = Volunteer.objects.filter(user_id=actor.pk).first() if getattr(actor, "pk", None) else None
    if volunteer is None or (own is not None and volunteer.pk == own.pk):
        return own
    if team is not None and (staff or team.pk in led_team_ids(actor)):
        if TeamMember.objects.filter(team=team, volunteer=volunteer).exists():
            return volunteer
    elif team is None and staff and Volunteer.objects.filter(volunteer_visibility_q(actor), pk=volunteer.pk).exists():
        return volunteer
    raise E.VOLUNTEER_INVALID.error("volunteer")


def _duplicate_of(actor, grid: Node, key: str, token: str, visited_at: datetime) -> HouseholdVisit | None:
    """The same form sent again (its token), or the same recorder at the same door for the
    same moment just now; back-filled visits of other days are not duplicates."""
    if not getattr(actor, "pk", None):
        return None
    if token:
        found = HouseholdVisit.objects.filter(recorded_by=actor, client_token=token).first()
        if found is not None:
            return found
    return (HouseholdVisit.objects.filter(
        recorded_by=actor, grid=grid, household_key=key, voided_at__isnull=True,
        recorded_at__gte=timezone.now() - DUPLICATE_WINDOW, visited_at__gte=visited_at - DUPLICATE_WINDOW,
        visited_at__lte=visited_at + DUPLICATE_WINDOW).order_by("-id").first())


def _as_duplicate(visit: HouseholdVisit) -> HouseholdVisit:
    visit.duplicate = True
    return visit


# ---- record ---------------------------------------------------------------------------------

def visit_record(*, actor, grid: Node, address: str, visited_at: datetime | None = None, residents_count=0,
                 flags=(), note: str = "", team: Team | None = None, volunteer: Volunteer | None = None,
                 client_token: str = "", late_reason: str = "") -> HouseholdVisit:
    """Record a visit. One dated more than LATE_DAYS ago is a back-entry from a paper sheet
    (补录, core/back_entry.py): it needs `late_reason`, kept on the visit and in its audit row."""
    check_grid(grid)
    scope = scope_for(actor)
    staff = scope.allows(Perm.DEMAND_EDIT, grid.path)
    visited_at = _when(visited_at)
    late_reason = late_reason_for(visited_at, late_reason)
    address = _address(address)
    residents = _residents(residents_count)
    chosen = _flags(flags)
    team = _recording_team(actor, grid, timezone.localdate(visited_at), team, staff)
    visitor = _visitor(actor, team, volunteer, staff)
    key = household_key_of(address)
    token = _text(client_token)[:64]
    found = _duplicate_of(actor, grid, key, token, visited_at)
    if found is not None:
        return _as_duplicate(found)
    try:
        with transaction.atomic():
            period_check_open(node=grid, day=timezone.localdate(visited_at))  # not in a closed month
            screening_totals_lock([month_of(visited_at)])  # before the grid's row (a move's order)
            hold_live_grid(grid)
            visit = HouseholdVisit.objects.create(
                grid=grid, team=team, household_key=key, address_enc=encrypt(address),
                address_masked=mask_address(address)[:60], visited_at=visited_at, volunteer=visitor,
                residents_count=residents, note=_text(note)[:500], recorded_by=actor, client_token=token,
                late_reason=late_reason)
            visit.flags.set(chosen)
            household_moved(None, (grid.pk, key))
            visit_changed(None, shape_of(visit, [f.code for f in chosen]))
            screening_totals_settle(grid.pk, month_of(visited_at))
            audit_record(actor=actor, action="grids.visit_record", obj=visit, node_path=grid.path, changes={
                "address": visit.address_masked, "team": team.name if team else None,
                "flags": [f.code for f in chosen], "residents_count": residents,
                **({"visited_at": visited_at.isoformat(), "late_reason": late_reason} if late_reason else {})})
    except IntegrityError:
        found = _duplicate_of(actor, grid, key, token, visited_at) if token else None
        if found is None:
            raise
        return _as_duplicate(found)  # the same form submitted twice at once: the first one won
    visit.duplicate = False
    return visit


# ---- correct and void -------------------------------------------------------------------------

def may_manage_visit(actor, visit: HouseholdVisit) -> bool:
    scope = scope_for(actor)
    uid = scope.user_id
    if uid is None:
        return False
    if scope.allows(Perm.DEMAND_EDIT, visit.grid.path) or visit.recorded_by_id == uid:
        return True
    if visit.volunteer_id and Volunteer.objects.filter(pk=visit.volunteer_id, user_id=uid).exists():
        return True
    return visit.team_id is not None and visit.team_id in led_team_ids(actor)


def _locked(visit: HouseholdVisit) -> tuple[HouseholdVisit, list[str]]:
    """The visit as stored now, locked (PostgreSQL), with its flag codes."""
    row = HouseholdVisit.objects.select_for_update(of=("self",)).select_related("grid").get(pk=visit.pk)
    return row, sorted(row.flags.values_list("code", flat=True))


def _check_manage(actor, visit: HouseholdVisit, reason: str) -> str:
    if visit.voided_at is not None:
        raise E.VISIT_VOIDED.error()
    if not may_manage_visit(actor, visit):
        raise E.VISIT_FORBIDDEN.error()
    reason = _text(reason)
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    return reason[:200]


def visit_correct(*, actor, visit: HouseholdVisit, reason: str, address: str | None = None,
                  visited_at: datetime | None = None, residents_count=None, flags=None,
                  note: str | None = None) -> HouseholdVisit:
    """Put a visit right (None = leave as is). The figures follow: −old, +new."""
    _check_manage(actor, visit, reason)
    clean: dict = {}
    if address is not None:
        clean["address"] = _address(address)
    if visited_at is not None:
        clean["visited_at"] = _when(visited_at)
    if residents_count is not None:
        clean["residents_count"] = _residents(residents_count)
    new_flags = None if flags is None else _flags(flags)
    with transaction.atomic():
        row, old_codes = _locked(visit)
        # a visit moved to another month settles the screening totals of both (their locks
        # first: before the grid's row, as a node move takes them)
        months = sorted({month_of(row.visited_at), month_of(clean.get("visited_at", row.visited_at))})
        for month in months:  # neither the month it was in nor the one it goes to is closed
            period_check_open(node=row.grid, day=month)
        if len(months) > 1 and row.voided_at is None:
            screening_totals_lock(months)
        live = hold_grid(visit.grid_id)  # an archived grid's visit: counters and flows, no stock delta
        reason = _check_manage(actor, row, reason)
        before_shape, before_home = shape_of(row, old_codes), (row.grid_id, row.household_key)
        changed: dict = {}
        if "address" in clean:
            key = household_key_of(clean["address"])
            if key != row.household_key or mask_address(clean["address"])[:60] != row.address_masked:
                changed["address"] = [row.address_masked, mask_address(clean["address"])[:60]]
                row.household_key, row.address_enc = key, encrypt(clean["address"])
                row.address_masked = mask_address(clean["address"])[:60]
        if "visited_at" in clean and clean["visited_at"] != row.visited_at:
            changed["visited_at"] = [row.visited_at.isoformat(), clean["visited_at"].isoformat()]
            row.visited_at = clean["visited_at"]
        if "residents_count" in clean and clean["residents_count"] != row.residents_count:
            changed["residents_count"] = [row.residents_count, clean["residents_count"]]
            row.residents_count = clean["residents_count"]
        if note is not None and _text(note)[:500] != row.note:
            changed["note"] = "changed"  # free text may hold personal data: not copied to the log
            row.note = _text(note)[:500]
        codes = old_codes if new_flags is None else sorted(f.code for f in new_flags)
        if codes != old_codes:
            changed["flags"] = [old_codes, codes]
            row.flags.set(new_flags)
        if changed:
            row.save()
            household_moved(before_home, (row.grid_id, row.household_key), stocks=live)
            visit_changed(before_shape, shape_of(row, codes))
            if len(months) > 1:
                for month in months:
                    screening_totals_settle(row.grid_id, month)
            audit_record(actor=actor, action="grids.visit_correct", obj=row, node_path=row.grid.path,
                         changes={**changed, "reason": reason})
    return row


def visit_void(*, actor, visit: HouseholdVisit, reason: str) -> HouseholdVisit:
    """Strike a visit out (recorded by mistake, twice, at the wrong grid): it stays listed,
    marked void, and leaves the figures."""
    _check_manage(actor, visit, reason)
    with transaction.atomic():
        row, codes = _locked(visit)
        if row.voided_at is None:
            period_check_open(node=row.grid, day=month_of(row.visited_at))
            screening_totals_lock([month_of(row.visited_at)])  # before the grid's row (a move's order)
        live = hold_grid(visit.grid_id)
        reason = _check_manage(actor, row, reason)
        before_shape = shape_of(row, codes)
        row.voided_at, row.voided_by, row.void_reason = timezone.now(), actor, reason
        row.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
        household_moved((row.grid_id, row.household_key), None, stocks=live)
        visit_changed(before_shape, None)
        screening_totals_settle(row.grid_id, month_of(row.visited_at))
        audit_record(actor=actor, action="grids.visit_void", obj=row, node_path=row.grid.path,
                     changes={"reason": reason})
    return row


# ---- follow-up and personal data -----------------------------------------------------------------

def follow_up_description(visit: HouseholdVisit) -> str:
    flags = "、".join(f.name for f in visit.flags.all())
    text = f"入户走访（{timezone.localtime(visit.visited_at):%Y-%m-%d}）发现：{flags or '需要帮助'}"
    return f"{text}。{visit.note}" if visit.note else text


def visit_follow_up(*, actor, visit: HouseholdVisit, name: str, phone: str, category: str,
                    description: str = "", urgency: str = "normal"):
    """Turn the visit into a resident request (点单) at the grid's station; returns (demand,
    tracking code). The request is linked back to the visit, once."""
    from wenming.demands.intake import DemandInput, demand_enter

    if visit.voided_at is not None:
        raise E.VISIT_VOIDED.error()
    if visit.demand_id:
        raise E.FOLLOW_UP_EXISTS.error(tracking_no=visit.demand.tracking_no)
    if not scope_for(actor).allows(Perm.DEMAND_EDIT, visit.grid.path):
        raise CoreError.FORBIDDEN.error()
    data = DemandInput(name=_text(name), phone=_text(phone), address=visit.reveal_address(), category=category,
                       description=_text(description) or follow_up_description(visit), urgency=urgency,
                       grid=visit.grid, within=visit.grid)
    with transaction.atomic():
        demand, code = demand_enter(actor=actor, data=data)
        if not HouseholdVisit.objects.filter(pk=visit.pk, demand__isnull=True, voided_at__isnull=True).update(
                demand=demand):
            current = HouseholdVisit.objects.select_related("demand").get(pk=visit.pk)
            if current.voided_at is not None:
                raise E.VISIT_VOIDED.error()
            raise E.FOLLOW_UP_EXISTS.error(tracking_no=current.demand.tracking_no)
        audit_record(actor=actor, action="grids.visit_follow_up", obj=visit, node_path=visit.grid.path,
                     changes={"demand": demand.tracking_no})
    visit.demand = demand
    return demand, code


def visit_reveal(*, actor, visit: HouseholdVisit, reason: str = "") -> dict[str, str]:
    """The full address: needs the reveal privilege over the grid; audited, refusals too."""
    allowed = scope_for(actor).may_reveal(visit.grid.path)
    audit_record(actor=actor, action="grids.visit_reveal" if allowed else "grids.visit_reveal_denied", obj=visit,
                 node_path=visit.grid.path, changes={"fields": ["address"], "reason": _text(reason)[:200]})
    if not allowed:
        raise E.REVEAL_FORBIDDEN.error()
    return {"address": visit.reveal_address()}
