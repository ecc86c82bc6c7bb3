"""`seed_city`'s campaign data (issue 5 item 9), written after the other work data: 移风易俗
records at the stations (30,000 over two years for the default city: about one per station a
month, more in villages, 清明 peaks), online activities (300) hosted by the county offices,
centers and institutes with their engagements (~450,000 person-days of views, shares and
participations), and the check-ins of about 70 % of the party-member volunteers at their
home station. Rows from citycampaign_rows (pure, deterministic); COPY on PostgreSQL,
bulk_create elsewhere. `rebuild_figures` then turns them into the `reform:*`, `online_*` and
`party_checkins` figures.
"""

from datetime import date, datetime

from wenming.campaigns.models import ActivityEngagement, OnlineActivity, PartyCheckin, ReformRecord
from wenming.campaigns.party_services import PARTY_STATUSES
from wenming.volunteers.models import Volunteer

from . import citycampaign_rows as rows_
from .citypeople import Context, copy_line, copy_text
from .citywork_rows import DAYS, Station
from .names import HENGYANG_SURNAMES, Surnames
from .pgbulk import copy_into

REFORM_AT_FULL_SCALE = 30_000
ACTIVITIES_AT_FULL_SCALE = 300
ENGAGEMENTS_AT_FULL_SCALE = 450_000
PEOPLE_AT_FULL_SCALE = 300_000  # distinct people who ever open an activity
COPY_ROWS = 100_000
MODELS = [ReformRecord, OnlineActivity, ActivityEngagement, PartyCheckin]


def write_rows(model, columns: list[str], rows: list[tuple], as_text: bool, line=copy_line) -> None:
    """Tuples in `columns` order: COPY in slices on PostgreSQL (`line` formats a row; a
    table's own formatter is ~3 times faster than the generic one), bulk_create elsewhere."""
    if as_text:
        for start in range(0, len(rows), COPY_ROWS):
            copy_into(model._meta.db_table, columns, "".join(map(line, rows[start:start + COPY_ROWS])))
    elif rows:
        model.objects.bulk_create([model(**dict(zip(columns, r, strict=True))) for r in rows], batch_size=500)


def engagement_line(row: tuple) -> str:
    """COPY text of an engagement row (ints, a hex key, a date, a kind code, a datetime)."""
    eid, activity, key, day, kind, at = row
    return f"{eid}\t{activity}\t{key}\t{day.isoformat()}\t{kind}\t{at.isoformat()}\n"


def event_line(row: tuple) -> str:
    """COPY text of a DemandEvent row (no actor; label, action and statuses are codes)."""
    eid, demand, at, _, label, action, frm, to, note = row
    return f"{eid}\t{demand}\t{at.isoformat()}\t\\N\t{label}\t{action}\t{frm}\t{to}\t{copy_text(note)}\n"


def seed_campaigns(ctx: Context, *, stations: list[Station], scale: float, hosts: list[int], days: list[date],
                   day_cum: list[float], tz, next_id) -> dict:
    """Write the campaign rows; returns their counts. `scale` is volunteers / full scale;
    `next_id(model)` the first free id of a table."""
    reform = rows_.reform_rows(seed=ctx.seed, count=max(60, int(REFORM_AT_FULL_SCALE * scale)),
                               first_id=next_id(ReformRecord), stations=stations,
                               surnames=Surnames(HENGYANG_SURNAMES), days=days, now=ctx.now, tz=tz)
    write_rows(ReformRecord, rows_.REFORM_COLUMNS, reform, ctx.as_text)
    activities = rows_.activity_rows(seed=ctx.seed, count=max(6, round(ACTIVITIES_AT_FULL_SCALE * scale)),
                                     first_id=next_id(OnlineActivity), hosts=hosts, days=days, day_cum=day_cum,
                                     now=ctx.now, tz=tz)
    write_rows(OnlineActivity, rows_.ACTIVITY_COLUMNS, activities, ctx.as_text)
    keys = rows_.person_keys(ctx.seed, max(500, int(PEOPLE_AT_FULL_SCALE * scale)))
    engagements = rows_.engagement_rows(seed=ctx.seed, activities=activities, keys=keys,
                                        total=max(300, int(ENGAGEMENTS_AT_FULL_SCALE * scale)),
                                        first_id=next_id(ActivityEngagement), now=ctx.now, tz=tz)
    write_rows(ActivityEngagement, rows_.ENGAGEMENT_COLUMNS, engagements, ctx.as_text, engagement_line)
    kinds = {"view": 0, "share": 0, "participate": 0}
    for row in engagements:
        kinds[row[4]] += 1
    del engagements, keys
    checkins = rows_.checkin_rows(seed=ctx.seed, members=_party_members(stations), first_id=next_id(PartyCheckin),
                                  now=ctx.now, days=DAYS)
    write_rows(PartyCheckin, rows_.CHECKIN_COLUMNS, checkins, ctx.as_text)
    return {"reform_records": len(reform), "reform_voided": sum(r[9] is not None for r in reform),
            "online_activities": len(activities), "engagement_views": kinds["view"],
            "engagement_shares": kinds["share"], "engagement_participations": kinds["participate"],
            "party_checkins": len(checkins), "party_withdrawn": sum(c[4] is not None for c in checkins)}


def _party_members(stations: list[Station]) -> list[tuple[int, int, datetime]]:
    """(volunteer id, home station, registered at) of the active party members, by id: a
    home at a point reports to the point's station, as party_services.home_station finds it."""
    station_of = {node: s.station_id for s in stations for node in s.nodes}
    got = (Volunteer.objects.filter(status="active", political_status__in=PARTY_STATUSES).order_by("id")
           .values_list("id", "home_node_id", "registered_at"))
    return [(vid, station_of[home], registered) for vid, home, registered in got.iterator(chunk_size=20_000)
            if home in station_of]
