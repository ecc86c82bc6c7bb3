"""Dashboard figures of volunteers and teams (docs/dashboards.md).

A volunteer counts at their home node: in the register (在册, status active), in the
reserve, as a party member, in the month they joined, and in the histogram of last service
days (`active_day`: +1 on the day of their latest service — "active in the last 30 days" is
the sum of the last 30 days of it). A change of home node or status moves the volunteer's
whole contribution: the old profile is subtracted, the new one added, in the same
transaction. Teams count at their node while not archived.

As-of history (issue 14): the three register stocks and `teams` also record each change in
its month (dashboards.metrics.HISTORY_FLOOR), so a past period's report counts them as of
its end. A volunteer's changes of node or flags are kept in `VolunteerSpell` rows (one per
change, dated the day it was made; a registration, its registration day): the history is
"where and what they were then". A team is counted from its creation to its archiving at
its current node (a team that moves carries its history: teams keep no history of nodes).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max
from django.db.models.functions import TruncMonth
from django.utils import timezone

from wenming.dashboards.metrics import (
    DAILY,
    STOCK,
    STOCK_PERIOD,
    Metric,
    as_date,
    history_month,
    register,
    register_source,
)
from wenming.dashboards.summary import record_many

from .models import PoliticalStatus, Team, Volunteer, VolunteerSpell, VolunteerStatus

PARTY = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)

register(
    Metric("volunteers", "在册志愿者", "人", STOCK, history=True),
    Metric("volunteers_reserve", "应急储备志愿者", "人", STOCK, history=True),
    Metric("volunteers_party", "党员志愿者", "人", STOCK, history=True),
    Metric("volunteers_joined", "新注册志愿者", "人"),
    Metric("active_day", "最近一次服务在当日的志愿者", "人", DAILY),
    Metric("teams", "志愿服务队伍", "支", STOCK, history=True),
)


def register_metrics(node_id: int, active: bool, reserve: bool, party: bool) -> list[str]:
    """The register stocks a volunteer in this state counts in."""
    if not active:
        return []
    return ["volunteers"] + (["volunteers_reserve"] if reserve else []) + (["volunteers_party"] if party else [])


@dataclass(frozen=True)
class Profile:
    node_id: int
    active: bool
    reserve: bool
    party: bool
    joined: date
    last_day: date | None
    volunteer_id: int | None = field(default=None, compare=False)
    registered_on: date | None = field(default=None, compare=False)

    @property
    def state(self) -> tuple:
        """What the register stocks and their history depend on."""
        return self.node_id, self.active, self.reserve, self.party

    def rows(self, sign: int) -> list:
        out = [(self.node_id, "volunteers_joined", self.joined, sign)]
        out += [(self.node_id, m, STOCK_PERIOD, sign) for m in register_metrics(*self.state)]
        if self.last_day is not None:
            out.append((self.node_id, "active_day", self.last_day, sign))
        return out

    def dated_rows(self, sign: int, month: date) -> list:
        return [(self.node_id, m, month, sign) for m in register_metrics(*self.state)]


def last_service_day(volunteer_id: int) -> date | None:
    from wenming.service.ledger_models import HoursKind, ServiceRecord

    return (ServiceRecord.objects.filter(volunteer_id=volunteer_id, kind__in=[HoursKind.AUTO, HoursKind.MAKEUP])
            .aggregate(last=Max("service_date"))["last"])


def profile_of(vol: Volunteer, *, last_day: date | None = None) -> Profile:
    joined = timezone.localdate(vol.registered_at) if vol.registered_at else timezone.localdate()
    return Profile(vol.home_node_id, vol.status == VolunteerStatus.ACTIVE, vol.is_reserve,
                   vol.political_status in PARTY, joined.replace(day=1), last_day, vol.pk, joined)


def stored_profile(volunteer_id: int) -> Profile | None:
    """The volunteer as the database has it now (read inside the writing transaction)."""
    vol = Volunteer.objects.filter(pk=volunteer_id).first()
    return profile_of(vol, last_day=last_service_day(volunteer_id)) if vol else None


def profile_changed(before: Profile | None, after: Profile | None) -> None:
    """Subtract the old contribution and add the new one (nothing when they are equal)."""
    volunteers_changed([(before, after)])


def volunteers_changed(pairs: list[tuple[Profile | None, Profile | None]]) -> None:
    """Move the figures of changed volunteers; a change of node or flags is also dated (today,
    a registration on its registration day) and kept as a VolunteerSpell."""
    rows: list = []
    spells: list[VolunteerSpell] = []
    firsts: list[Profile] = []
    today = timezone.localdate()
    for before, after in pairs:
        if before == after:
            continue
        rows += (before.rows(-1) if before else []) + (after.rows(+1) if after else [])
        if after is None or (before is not None and before.state == after.state):
            continue
        day = after.registered_on if before is None and after.registered_on else today
        month = history_month(day)
        rows += (before.dated_rows(-1, month) if before else []) + after.dated_rows(+1, month)
        if before is not None:
            firsts.append(before)
        spells.append(_spell(after, day))
    record_many(rows)
    # A volunteer without spells (bulk-loaded, or registered before spells were kept) was as
    # they are now since registration (spell_rows says so): that first spell is written down
    # before the first change is.
    kept = set(VolunteerSpell.objects.filter(volunteer_id__in=[p.volunteer_id for p in firsts])
               .values_list("volunteer_id", flat=True).distinct())
    firsts = [_spell(p, p.registered_on) for p in firsts if p.volunteer_id not in kept and p.registered_on]
    VolunteerSpell.objects.bulk_create(firsts + spells, batch_size=1000)


def _spell(profile: Profile, day: date) -> VolunteerSpell:
    return VolunteerSpell(volunteer_id=profile.volunteer_id, since=day, node_id=profile.node_id,
                          active=profile.active, reserve=profile.reserve, party=profile.party)


@dataclass(frozen=True)
class TeamShape:
    """What a team adds to `teams`: +1 from its creation month, −1 from its archiving month."""

    node_id: int
    created: date
    archived: date | None

    def rows(self, sign: int) -> list:
        out = [(self.node_id, "teams", history_month(self.created), sign)]
        if self.archived is None:
            out.append((self.node_id, "teams", STOCK_PERIOD, sign))
        else:
            out.append((self.node_id, "teams", history_month(self.archived), -sign))
        return out


def team_shape(team: Team) -> TeamShape:
    created = timezone.localdate(team.created_at) if team.created_at else timezone.localdate()
    return TeamShape(team.node_id, created, timezone.localdate(team.archived_at) if team.archived_at else None)


def stored_team_shape(team_id: int) -> TeamShape | None:
    team = Team.objects.filter(pk=team_id).only("node_id", "created_at", "archived_at").first()
    return team_shape(team) if team else None


def team_changed(before: TeamShape | None, after: TeamShape | None) -> None:
    if before != after:
        record_many((before.rows(-1) if before else []) + (after.rows(+1) if after else []))


@register_source
def raw_rows():
    from wenming.service.ledger_models import HoursKind, ServiceRecord

    stock = STOCK_PERIOD
    active = Volunteer.objects.filter(status=VolunteerStatus.ACTIVE).values("home_node_id")
    for node_id, n in active.annotate(n=Count("pk")).values_list("home_node_id", "n"):
        yield node_id, "volunteers", stock, n
    for node_id, n in active.filter(is_reserve=True).annotate(n=Count("pk")).values_list("home_node_id", "n"):
        yield node_id, "volunteers_reserve", stock, n
    for node_id, n in (active.filter(political_status__in=PARTY).annotate(n=Count("pk"))
                       .values_list("home_node_id", "n")):
        yield node_id, "volunteers_party", stock, n
    joined = Volunteer.objects.annotate(month=TruncMonth("registered_at", tzinfo=timezone.get_current_timezone()))
    for node_id, month, n in (joined.values("home_node_id", "month").annotate(n=Count("pk"))
                              .values_list("home_node_id", "month", "n")):
        yield node_id, "volunteers_joined", as_date(month).replace(day=1), n
    last = (ServiceRecord.objects.filter(kind__in=[HoursKind.AUTO, HoursKind.MAKEUP])
            .values("volunteer_id", "volunteer__home_node_id").annotate(last=Max("service_date"))
            .values_list("volunteer__home_node_id", "last"))
    for node_id, day in last:
        yield node_id, "active_day", day, 1
    for node_id, n in (Team.objects.filter(archived_at__isnull=True).values("node_id").annotate(n=Count("pk"))
                       .values_list("node_id", "n")):
        yield node_id, "teams", stock, n
    for team in Team.objects.only("node_id", "created_at", "archived_at").iterator(chunk_size=2000):
        yield from (row for row in team_shape(team).rows(+1) if row[2] != stock)
    yield from spell_rows()


def spell_rows():
    """The dated register changes, from the volunteers' spells: each spell starts its state's
    counts and ends the previous one's, in its month. A volunteer without spells counts as they
    are now from their registration month."""
    tz = timezone.get_current_timezone()
    unchanged = (Volunteer.objects.filter(status=VolunteerStatus.ACTIVE)
                 .exclude(pk__in=VolunteerSpell.objects.values("volunteer_id"))
                 .annotate(month=TruncMonth("registered_at", tzinfo=tz)))
    for flag, metric in ((None, "volunteers"), ("is_reserve", "volunteers_reserve"),
                         ("political_status__in", "volunteers_party")):
        qs = unchanged if flag is None else unchanged.filter(**{flag: PARTY if flag.endswith("__in") else True})
        for node_id, month, n in (qs.values("home_node_id", "month").annotate(n=Count("pk"))
                                  .values_list("home_node_id", "month", "n")):
            yield node_id, metric, history_month(as_date(month)), n
    previous = None
    for spell in VolunteerSpell.objects.order_by("volunteer_id", "since", "id").iterator(chunk_size=5000):
        month = history_month(spell.since)
        if previous is not None and previous.volunteer_id == spell.volunteer_id:
            for m in register_metrics(previous.node_id, previous.active, previous.reserve, previous.party):
                yield previous.node_id, m, month, -1
        for m in register_metrics(spell.node_id, spell.active, spell.reserve, spell.party):
            yield spell.node_id, m, month, 1
        previous = spell
