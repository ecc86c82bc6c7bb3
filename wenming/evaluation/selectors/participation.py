"""A civilized unit's participation in a year, and its annual review (文明单位年度测评).

What counts (docs/evaluation.md, "Civilized units as participants"); a unit's volunteers are its members, its teams
the teams linked to it, both **as they are now**:

- **members**: the unit's volunteers now; **members served**: those with net service hours
  in the year, counting only days on or after they joined the unit.
- **hours**: the hours ledger (service.ServiceRecord: verified attendance, make-up hours and
  corrections, by service date) — (a) every entry of a member dated on or after their
  joining day, plus (b) every other entry for a project claimed by one of the unit's teams
  (someone who is not — or not yet — a member serving in the unit's project). An entry is
  in (a) or in (b), never both, so nothing is counted twice within a unit.
- **projects**: projects claimed by the unit's teams with a shift starting in the year,
  cancelled ones excepted.
- **visits**: household visits recorded under the unit's teams in the year (voided ones
  excepted), and the distinct households among them.
- **call answers**: 招募令 the unit answered with a team in the year (and the people it
  offered), plus its members' own "yes" answers in the year (since joining).
- **pairings**: 联点共建 pairings live at any time in the year.

Every figure is one grouped query over all the units asked for (nine in all), so the office
list of 2,000 units costs the same nine queries as one unit's page.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from wenming.grids.models import HouseholdVisit
from wenming.mobilization.models import Answer
from wenming.orgs.models import Node, Unit
from wenming.orgs.tree import ancestor_paths
from wenming.service.models import Project, ProjectStatus, ServiceRecord

from ..models import Campaign, Duty, DutyRole, Pairing, UnitCallAnswer, UnitMember, UnitTeam
from .scoreboard import Board, unit_board
from .units import units_for_actor

ZERO = Decimal(0)
INLINE_IDS = 500  # up to this many units the ids go into the queries; beyond, a subquery of the units
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass
class Participation:
    year: int
    members: int = 0
    members_served: int = 0
    member_hours: Decimal = ZERO
    other_hours: Decimal = ZERO  # non-members' hours in the unit's teams' projects
    other_volunteers: int = 0
    teams: int = 0
    projects: int = 0
    visits: int = 0
    households: int = 0
    unit_answers: int = 0
    unit_headcount: int = 0
    member_yes: int = 0
    pairings: int = 0

    @property
    def hours(self) -> Decimal:
        return self.member_hours + self.other_hours

    @property
    def volunteers_served(self) -> int:
        return self.members_served + self.other_volunteers

    @property
    def call_answers(self) -> int:
        return self.unit_answers + self.member_yes

    def as_dict(self) -> dict:
        return {"year": self.year, "members": self.members, "members_served": self.members_served,
                "hours": self.hours, "member_hours": self.member_hours, "other_hours": self.other_hours,
                "other_volunteers": self.other_volunteers, "volunteers_served": self.volunteers_served,
                "teams": self.teams, "projects": self.projects, "visits": self.visits,
                "households": self.households, "unit_answers": self.unit_answers,
                "unit_headcount": self.unit_headcount, "member_yes": self.member_yes,
                "call_answers": self.call_answers, "pairings": self.pairings}


def year_ok(year) -> bool:
    return isinstance(year, int) and not isinstance(year, bool) and FIRST_YEAR <= year <= LAST_YEAR


def _moments(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def participation_by_unit(units, year: int) -> dict[int, Participation]:
    """Figures for each unit in `units` (a list of ids, or a queryset of units)."""
    ids = units.values("pk") if isinstance(units, QuerySet) else list(units)
    out: dict[int, Participation] = {}

    def of(unit_id: int) -> Participation:
        if unit_id not in out:
            out[unit_id] = Participation(year=year)
        return out[unit_id]

    if isinstance(ids, list):
        for pk in ids:
            of(pk)
    start, end = date(year, 1, 1), date(year, 12, 31)
    since, until = _moments(year)

    for row in UnitMember.objects.filter(unit_id__in=ids).values("unit_id").annotate(n=Count("id")).order_by():
        of(row["unit_id"]).members = row["n"]
    # (a) members' own hours since joining; one row per (unit, member) to count who served
    # (conditions on the ledger in one filter() call: they apply to the same ledger entry)
    for row in (UnitMember.objects.filter(Q(volunteer__service_records__service_date__gte=F("joined_on")),
                                          unit_id__in=ids, volunteer__service_records__service_date__gte=start,
                                          volunteer__service_records__service_date__lte=end)
                .values("unit_id", "volunteer_id").annotate(h=Sum("volunteer__service_records__hours")).order_by()):
        p = of(row["unit_id"])
        p.member_hours += row["h"] or ZERO
        p.members_served += (row["h"] or ZERO) > 0
    # (b) everyone else's hours in projects claimed by the unit's teams
    team_unit = "project__claimed_by__unit_link__unit_id"
    others = (ServiceRecord.objects.filter(**{f"{team_unit}__in": ids}, service_date__gte=start, service_date__lte=end)
              .exclude(_member_on_service_day_q(team_unit))
              .values(team_unit, "volunteer_id").annotate(h=Sum("hours")).order_by())
    for row in others:
        p = of(row[team_unit])
        p.other_hours += row["h"] or ZERO
        p.other_volunteers += (row["h"] or ZERO) > 0
    for row in UnitTeam.objects.filter(unit_id__in=ids).values("unit_id").annotate(n=Count("id")).order_by():
        of(row["unit_id"]).teams = row["n"]
    claimed = "claimed_by__unit_link__unit_id"
    for row in (Project.objects.filter(**{f"{claimed}__in": ids}, shifts__starts_at__gte=since,
                                       shifts__starts_at__lt=until).exclude(status=ProjectStatus.CANCELLED)
                .values(claimed).annotate(n=Count("id", distinct=True)).order_by()):
        of(row[claimed]).projects = row["n"]
    visited = "team__unit_link__unit_id"
    for row in (HouseholdVisit.objects.filter(**{f"{visited}__in": ids}, voided_at__isnull=True,
                                              visited_at__gte=since, visited_at__lt=until)
                .values(visited).annotate(n=Count("id"), h=Count("household_key", distinct=True)).order_by()):
        p = of(row[visited])
        p.visits, p.households = row["n"], row["h"]
    for row in (UnitCallAnswer.objects.filter(unit_id__in=ids, answered_at__gte=since, answered_at__lt=until)
                .values("unit_id").annotate(n=Count("id"), people=Sum("headcount")).order_by()):
        p = of(row["unit_id"])
        p.unit_answers, p.unit_headcount = row["n"], row["people"] or 0
    for row in (UnitMember.objects.filter(unit_id__in=ids, volunteer__call_responses__answer=Answer.YES,
                                          volunteer__call_responses__answered_at__gte=since,
                                          volunteer__call_responses__answered_at__lt=until,
                                          volunteer__call_responses__answered_at__date__gte=F("joined_on"))
                .values("unit_id").annotate(n=Count("volunteer__call_responses")).order_by()):
        of(row["unit_id"]).member_yes = row["n"]
    for row in (Pairing.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start), unit_id__in=ids,
                                       started_on__lte=end)
                .values("unit_id").annotate(n=Count("id")).order_by()):
        of(row["unit_id"]).pairings = row["n"]
    return out


def _member_on_service_day_q(team_unit: str) -> Q:
    """The entry's volunteer was a member of the team's unit on the service day: such entries
    are already the member's own hours (a)."""
    return Q(Exists(UnitMember.objects.filter(unit_id=OuterRef(team_unit), volunteer_id=OuterRef("volunteer_id"),
                                              joined_on__lte=OuterRef("service_date"))))


def unit_participation(*, unit: Unit, year: int) -> Participation:
    return participation_by_unit([unit.pk], year)[unit.pk]


@dataclass
class UnitRow:
    unit: Unit
    figures: Participation


ORDERS = {
    "": None,
    "hours": lambda r: (-r.figures.hours, r.unit.name),
    "members": lambda r: (-r.figures.members, r.unit.name),
    "visits": lambda r: (-r.figures.visits, r.unit.name),
    "answers": lambda r: (-r.figures.call_answers, r.unit.name),
}


def units_participation_for_actor(*, actor, node: Node | None = None, year: int, search: str = "",
                                  unit_type: str = "", order: str = "") -> list[UnitRow]:
    """Units in the actor's scope (under `node` if given) with their figures for the year:
    one query for the units and the nine grouped ones for all of them together."""
    units = units_for_actor(actor=actor, node=node, search=search, unit_type=unit_type)
    rows = list(units)
    figures = participation_by_unit([u.pk for u in rows] if len(rows) <= INLINE_IDS else units, year)
    out = [UnitRow(u, figures.get(u.pk) or Participation(year=year)) for u in rows]
    key = ORDERS.get(order)
    if key is not None:
        out.sort(key=key)
    return out


@dataclass
class Review:
    """The annual 文明单位 review of one unit in one campaign."""

    campaign: Campaign
    unit: Unit
    participation: Participation
    board: Board
    lead_duties: int = 0
    coop_duties: int = 0
    counts: dict = field(default_factory=dict)

    @property
    def findings(self) -> int:
        return self.counts.get("findings", 0)

    @property
    def live(self) -> int:
        return self.counts.get("live", 0)

    @property
    def overdue(self) -> int:
        return self.counts.get("overdue", 0)

    @property
    def repeats(self) -> int:
        return self.counts.get("repeats", 0)

    @property
    def score(self) -> Decimal:
        return self.board.score

    @property
    def full(self) -> Decimal:
        return self.board.full

    @property
    def rate(self) -> Decimal:
        return self.board.rate


def unit_annual_review(*, campaign: Campaign, unit: Unit) -> Review:
    """Participation in the campaign's year beside the unit's duties, its findings (from
    its tallies: those it leads) and its score on the campaign's board."""
    board = unit_board(campaign, unit)
    duties = dict(Duty.objects.filter(campaign=campaign, unit=unit).values("role").annotate(n=Count("id"))
                  .order_by().values_list("role", "n"))
    return Review(campaign=campaign, unit=unit, participation=unit_participation(unit=unit, year=campaign.year),
                  board=board, lead_duties=duties.get(DutyRole.LEAD, 0), coop_duties=duties.get(DutyRole.COOP, 0),
                  counts=dict(board.counts))


def unit_campaign(*, unit: Unit, year: int) -> Campaign | None:
    """The campaign of that year covering the unit (the nearest covering node wins)."""
    return (Campaign.objects.filter(node__path__in=ancestor_paths(unit.node.path), year=year)
            .select_related("node").order_by("-node__depth", "-id").first())
