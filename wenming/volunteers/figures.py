"""Dashboard figures of volunteers and teams (docs/dashboards.md).

A volunteer counts at their home node: in the register (在册, status active), in the
reserve, as a party member, in the month they joined, and in the histogram of last service
days (`active_day`: +1 on the day of their latest service — "active in the last 30 days" is
the sum of the last 30 days of it). A change of home node or status moves the volunteer's
whole contribution: the old profile is subtracted, the new one added, in the same
transaction. Teams count at their node while not archived.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max
from django.db.models.functions import TruncMonth
from django.utils import timezone

from wenming.dashboards.metrics import DAILY, STOCK, STOCK_PERIOD, Metric, as_date, register, register_source
from wenming.dashboards.summary import record_many

from .models import PoliticalStatus, Team, Volunteer, VolunteerStatus

PARTY = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)

register(
    Metric("volunteers", "在册志愿者", "人", STOCK),
    Metric("volunteers_reserve", "应急储备志愿者", "人", STOCK),
    Metric("volunteers_party", "党员志愿者", "人", STOCK),
    Metric("volunteers_joined", "新注册志愿者", "人"),
    Metric("active_day", "最近一次服务在当日的志愿者", "人", DAILY),
    Metric("teams", "志愿服务队伍", "支", STOCK),
)


@dataclass(frozen=True)
class Profile:
    node_id: int
    active: bool
    reserve: bool
    party: bool
    joined: date
    last_day: date | None

    def rows(self, sign: int) -> list:
        out = [(self.node_id, "volunteers_joined", self.joined, sign)]
        if self.active:
            out.append((self.node_id, "volunteers", STOCK_PERIOD, sign))
            if self.reserve:
                out.append((self.node_id, "volunteers_reserve", STOCK_PERIOD, sign))
            if self.party:
                out.append((self.node_id, "volunteers_party", STOCK_PERIOD, sign))
        if self.last_day is not None:
            out.append((self.node_id, "active_day", self.last_day, sign))
        return out


def last_service_day(volunteer_id: int) -> date | None:
    from wenming.service.ledger_models import HoursKind, ServiceRecord

    return (ServiceRecord.objects.filter(volunteer_id=volunteer_id, kind__in=[HoursKind.AUTO, HoursKind.MAKEUP])
            .aggregate(last=Max("service_date"))["last"])


def profile_of(vol: Volunteer, *, last_day: date | None = None) -> Profile:
    joined = timezone.localdate(vol.registered_at) if vol.registered_at else timezone.localdate()
    return Profile(vol.home_node_id, vol.status == VolunteerStatus.ACTIVE, vol.is_reserve,
                   vol.political_status in PARTY, joined.replace(day=1), last_day)


def stored_profile(volunteer_id: int) -> Profile | None:
    """The volunteer as the database has it now (read inside the writing transaction)."""
    vol = Volunteer.objects.filter(pk=volunteer_id).first()
    return profile_of(vol, last_day=last_service_day(volunteer_id)) if vol else None


def profile_changed(before: Profile | None, after: Profile | None) -> None:
    """Subtract the old contribution and add the new one (nothing when they are equal)."""
    volunteers_changed([(before, after)])


def volunteers_changed(pairs: list[tuple[Profile | None, Profile | None]]) -> None:
    rows: list = []
    for before, after in pairs:
        if before != after:
            rows += (before.rows(-1) if before else []) + (after.rows(+1) if after else [])
    record_many(rows)


def team_changed(before_node: int | None, after_node: int | None) -> None:
    if before_node != after_node:
        record_many([(n, "teams", STOCK_PERIOD, s) for n, s in ((before_node, -1), (after_node, 1)) if n is not None])


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
