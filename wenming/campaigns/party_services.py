"""党员志愿者报到: a party-member volunteer reports to the station of their home community.

- The station is the nearest station at or above the volunteer's home node (a point or grid
  belongs to its station); a home node above every station cannot be reported from.
- One row per (volunteer, station), unique in the database: checking in again is a no-op
  (the insert runs in a savepoint; the IntegrityError means "already there"), after a
  withdrawal it reactivates the row. Checking in at a new station (the volunteer moved)
  withdraws the active check-in elsewhere: a member reports to one community at a time.
- `party_checkins` (a stock per station) moves by +1/−1 exactly when a row becomes active or
  inactive — every change is a conditional UPDATE or an INSERT whose count says so.
- The volunteer checks themself in; staff with volunteer.edit over the volunteer's home node
  may do it for them. Withdrawing: the volunteer, or staff with volunteer.edit over the station.
"""

from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.back_entry import late_reason_for
from wenming.core.errors import CoreError
from wenming.dashboards.metrics import HISTORY_FLOOR
from wenming.orgs.closing import period_check_open
from wenming.orgs.models import Node, NodeKind
from wenming.orgs.tree import ancestor_paths
from wenming.volunteers.models import PoliticalStatus, Volunteer, VolunteerStatus

from . import figures
from .errors import CampaignError as E
from .models import PartyCheckin

PARTY_STATUSES = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)


def home_station(volunteer: Volunteer) -> Node | None:
    home = volunteer.home_node
    return (Node.objects.filter(path__in=ancestor_paths(home.path), kind=NodeKind.STATION)
            .order_by("-depth").first())


def _is_self(actor, volunteer: Volunteer) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and volunteer.user_id == actor.pk


def _check(actor, volunteer: Volunteer, path: str) -> None:
    if _is_self(actor, volunteer):
        return
    scope = scope_for(actor)
    if not scope.allows(Perm.VOLUNTEER_EDIT, path):
        raise (CoreError.FORBIDDEN if scope.allows(Perm.VOLUNTEER_VIEW, path) else CoreError.NOT_FOUND).error()


def _day(value) -> date | None:
    """The day a check-in is dated (None: now): a date or "YYYY-MM-DD", not in the future."""
    if value in (None, ""):
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).replace("\x00", "")[:10])
        except ValueError:
            raise E.DATE_INVALID.error("checked_in_on", value=str(value)[:20]) from None
    if value > timezone.localdate():
        raise E.DATE_FUTURE.error("checked_in_on")
    if value < HISTORY_FLOOR:
        raise E.DATE_INVALID.error("checked_in_on", value=f"{value:%Y-%m-%d}")
    return value


def party_checkin(*, actor, volunteer: Volunteer, checked_in_on=None, late_reason: str = "") -> tuple[PartyCheckin, bool]:
    """Check the volunteer in at their home station. (row, True) when this call made it
    active; (row, False) when it already was (idempotent). `checked_in_on` dates a check-in
    taken on paper (补录: a reason is required when it is over a week ago; refused in a closed
    period)."""
    _check(actor, volunteer, volunteer.home_node.path)
    day = _day(checked_in_on)
    reason = late_reason_for(day, late_reason) if day else ""
    if volunteer.political_status not in PARTY_STATUSES:
        raise E.NOT_PARTY_MEMBER.error("volunteer_id")
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise E.VOLUNTEER_INACTIVE.error("volunteer_id", status=volunteer.get_status_display())
    station = home_station(volunteer)
    if station is None:
        raise E.NO_HOME_STATION.error("volunteer_id")
    now = timezone.now()
    when = now if day is None or day == timezone.localdate() else timezone.make_aware(datetime.combine(day, time(9)))
    with transaction.atomic():
        period_check_open(node=station, day=timezone.localdate(when))
        made_active = False
        who = actor if _authenticated(actor) else None
        try:
            with transaction.atomic():
                checkin = PartyCheckin.objects.create(volunteer=volunteer, station=station, checked_in_at=when,
                                                      recorded_by=who, recorded_at=now, late_reason=reason)
            made_active = True
        except IntegrityError:
            checkin = PartyCheckin.objects.get(volunteer=volunteer, station=station)
            before = figures.checkin_spell(checkin)
            made_active = bool(PartyCheckin.objects.filter(pk=checkin.pk, withdrawn_at__isnull=False).update(
                withdrawn_at=None, withdraw_reason="", checked_in_at=when, recorded_by=who, recorded_at=now,
                late_reason=reason))
            if made_active:
                checkin.refresh_from_db()
        else:
            before = None
        if not made_active:
            return checkin, False
        figures.checkin_changed(station_id=station.pk, before=before, after=figures.checkin_spell(checkin))
        moved = _withdraw_elsewhere(volunteer, station, when)
        audit_record(actor=actor, action="campaigns.party_checkin", obj=checkin, node_path=station.path,
                     changes={"volunteer": volunteer.volunteer_no, "station": station.name,
                              **({"withdrawn_at": moved} if moved else {}),
                              **({"checked_in_on": f"{day:%Y-%m-%d}", "late_reason": reason} if day else {})})
    return checkin, True


def _withdraw_elsewhere(volunteer: Volunteer, station: Node, now) -> list[str]:
    """Active check-ins of the volunteer at other stations end: they moved communities."""
    names = []
    others = PartyCheckin.objects.filter(volunteer=volunteer, withdrawn_at__isnull=True).exclude(station=station)
    for other in others.select_related("station"):
        left = max(now, other.checked_in_at)  # a back-dated move never ends a check-in before it began
        if PartyCheckin.objects.filter(pk=other.pk, withdrawn_at__isnull=True).update(
                withdrawn_at=left, withdraw_reason=f"已到{station.name}报到"[:200]):
            came = timezone.localdate(other.checked_in_at)
            figures.checkin_changed(station_id=other.station_id, before=(came, None),
                                    after=(came, timezone.localdate(left)))
            names.append(other.station.name)
    return names


def _authenticated(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def party_checkin_withdraw(*, actor, checkin: PartyCheckin, reason: str = "") -> PartyCheckin:
    """End an active check-in (the member moved away, left the party, reported by mistake).
    Idempotent: withdrawing a withdrawn check-in changes nothing."""
    _check(actor, checkin.volunteer, checkin.station.path)
    reason = (reason or "").strip()
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    with transaction.atomic():
        now = timezone.now()
        if PartyCheckin.objects.filter(pk=checkin.pk, withdrawn_at__isnull=True).update(
                withdrawn_at=now, withdraw_reason=reason[:200]):
            # read under the row lock the UPDATE took: a reactivation may have moved it
            came = timezone.localdate(PartyCheckin.objects.values_list("checked_in_at", flat=True).get(pk=checkin.pk))
            figures.checkin_changed(station_id=checkin.station_id, before=(came, None),
                                    after=(came, timezone.localdate(now)))
            audit_record(actor=actor, action="campaigns.party_withdraw", obj=checkin, node_path=checkin.station.path,
                         changes={"volunteer": checkin.volunteer.volunteer_no, "reason": reason[:200]})
    checkin.refresh_from_db()
    return checkin
