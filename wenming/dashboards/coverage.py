"""Coverage and deployment for a node's work report and a period (issue 14): the figures the
seeds quote as "134个县城责任小区、2035个村落实现志愿服务组织全覆盖，进驻志愿服务人员10016人" and
"开通心理疏导热线17条".

Read from the raw rows of the subtree and the period (a report is asked for rarely; a city's
runs in a background job), not from the figure store:

- **Volunteers deployed** (进驻志愿服务人员): distinct volunteers who served there in the
  period (a service record with hours), visited a household there, or belong to a team that
  held a grid there during the period (a team claim; its members as they stand now: member
  removals are not kept).
- **Grids covered**: live grids with a team claim overlapping the period or a household visit
  in it, out of the grids that existed at the period's end.
- **Stations (村、社区) covered**: stations with a live team of their own subtree at the period's
  end, or with a covered grid, out of the stations that existed then.
- **Hotlines and counsellors**: the hotlines (lines) of the subtree open at the period's end,
  and their counsellors on duty then (`inactive_since`, hotline/models.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from wenming.orgs.models import PATH_STEP, Node, NodeKind

from .asof import end_of_day, live_at, month_end

REPORT_WORK_MEM = "64MB"  # per sort or hash of the statement; a report is run by one office at a time


@dataclass
class Coverage:
    volunteers_deployed: int
    grids: int
    grids_covered: int
    stations: int
    stations_covered: int
    hotlines: int
    counselors: int

    @staticmethod
    def share(part: int, whole: int) -> Decimal | None:
        return (Decimal(part * 100) / whole).quantize(Decimal("0.1")) if whole else None

    @property
    def grids_share(self) -> Decimal | None:
        return self.share(self.grids_covered, self.grids)

    @property
    def stations_share(self) -> Decimal | None:
        return self.share(self.stations_covered, self.stations)


def _distinct_count(union) -> int:
    """COUNT(*) over a UNION, deduplicated in the database. A city's year is millions of service
    records and hundreds of thousands of volunteers: PostgreSQL's default 4 MB of work_mem makes
    that hash spill to disk in dozens of batches (measured: 508 s instead of 5 s on the city seed,
    docs/benchmarks.md), so this one statement gets REPORT_WORK_MEM."""
    if connection.vendor != "postgresql":
        return union.count()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = %s", [REPORT_WORK_MEM])
        return union.count()


def coverage(node: Node, *, since: date, until: date) -> Coverage:
    """`since`/`until`: the first days of the first and last month of the period."""
    from wenming.grids.models import GridClaim, HouseholdVisit
    from wenming.hotline.models import Counselor, Hotline
    from wenming.service.ledger_models import ServiceRecord
    from wenming.volunteers.models import Team, TeamMember

    end = month_end(until)
    start_at = timezone.make_aware(datetime.combine(since, time.min))
    end_at = end_of_day(end)
    under = Q(path__startswith=node.path)
    grids = Node.objects.filter(under, live_at(end_at), kind=NodeKind.GRID)
    claims = GridClaim.objects.filter(grid__path__startswith=node.path, starts_on__lte=end, ends_on__gte=since,
                                      withdrawn_at__isnull=True)
    visits = HouseholdVisit.objects.filter(grid__path__startswith=node.path, visited_at__gte=start_at,
                                           visited_at__lte=end_at, voided_at__isnull=True)
    # distinct in the database: a city's year holds hundreds of thousands of visits and records
    covered_grids = set(claims.values_list("grid_id", flat=True).order_by().distinct()) | \
        set(visits.values_list("grid_id", flat=True).order_by().distinct())
    covered_grids &= set(grids.values_list("pk", flat=True))

    served = ServiceRecord.objects.filter(node__path__startswith=node.path, service_date__gte=since,
                                          service_date__lte=end, hours__gt=0).values_list("volunteer_id")
    visiting = visits.exclude(volunteer__isnull=True).values_list("volunteer_id")
    claiming = TeamMember.objects.filter(team_id__in=claims.values("team_id"), joined_at__lte=end_at) \
        .values_list("volunteer_id")
    deployed = _distinct_count(served.order_by().union(visiting.order_by(), claiming.order_by()))

    stations = list(Node.objects.filter(under, live_at(end_at), kind=NodeKind.STATION).values_list("path", flat=True))
    team_paths = set(Team.objects.filter(live_at(end_at), node__path__startswith=node.path)
                     .values_list("node__path", flat=True).order_by().distinct())
    grid_paths = set(Node.objects.filter(pk__in=covered_grids).values_list("path", flat=True))
    station_set = set(stations)
    covered_stations = len({p[:k] for p in team_paths | grid_paths
                            for k in range(PATH_STEP, len(p) + 1, PATH_STEP) if p[:k] in station_set})

    open_then = Q(created_at__lte=end_at) & (Q(inactive_since__isnull=True) | Q(inactive_since__gt=end_at))
    lines = Hotline.objects.filter(open_then, node__path__startswith=node.path)
    counselors = Counselor.objects.filter(open_then, hotline__in=lines)
    return Coverage(volunteers_deployed=deployed, grids=grids.count(),
                    grids_covered=len(covered_grids), stations=len(stations), stations_covered=covered_stations,
                    hotlines=lines.count(), counselors=counselors.count())
