"""`seed_city`'s work data (issue 5 item 9): after the volunteers, in realistic proportions,
service records (10 per volunteer: 10,000,000 for the default city), requests (one per five
volunteers over two years: ~100,000 a year) with the history their states imply (events and
the 分队's offer), door-to-door visits in the grids, monthly tallies of the stations,
information reports, and the campaign data of citycampaign.py (移风易俗, 云上活动, 党员报到) —
then the maintained totals those ledgers imply (hours per volunteer, star levels, grid
coverage counters, tally totals).

Rows come from citywork_rows (pure, deterministic); here they are written: COPY on
PostgreSQL (with the secondary indexes and constraints of the big tables rebuilt once,
seeding/pgbulk.py), bulk_create elsewhere. Runs inside seed_city's transaction.
"""

import sys
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from wenming.campaigns.models import Indicator, TallyEntry, TallyTotal
from wenming.core.counters import counter_take
from wenming.demands.models import Demand, DemandCategory, DemandEvent, Offer
from wenming.grids.models import GridHousehold, GridProfile, HouseholdVisit, VisitFlag
from wenming.reporting.models import InfoReport, ReportCategory, ReportReview
from wenming.service.ledger_models import ServiceRecord, StarAward, VolunteerStats
from wenming.volunteers.models import Volunteer

from . import citywork_rows as rows_
from .citycampaign import MODELS as CAMPAIGN_MODELS
from .citycampaign import event_line, seed_campaigns, write_rows
from .citypeople import Context, copy_line
from .names import HENGYANG_SURNAMES, Surnames
from .pgbulk import copy_into, indexes_rebuilt_after

FULL_SCALE = 1_000_000  # volunteers of the default city: the proportions below are for it
SERVICE_PER_VOLUNTEER = 10
DEMANDS_PER_VOLUNTEER = 0.2
REPORTS_AT_FULL_SCALE = 6_000
SERVICE_CHUNK = 200_000
DEMAND_CHUNK = 10_000  # requests per history chunk (each chunk has its own RNG)
BULK_FROM = 50_000  # service records: below this, keep the indexes in place
SERVICE_COLUMNS = ["id", "volunteer_id", "kind", "bucket", "hours", "service_date", "node_id", "recorded_at", "reason"]


def seed_work(ctx: Context, *, volunteers: int, service_records: int | None = None, institute_ids: list[int],
              center_ids: list[int], office_ids: list[int] = (), progress: bool = True) -> dict:
    """Load the work data for the city whose volunteers are in the database; returns counts."""
    say = (lambda msg: tqdm.write(msg, file=sys.stderr)) if progress else (lambda msg: None)
    if service_records is None:
        service_records = SERVICE_PER_VOLUNTEER * volunteers
    if service_records < 0:
        raise ValueError("服务记录条数不能为负数")
    scale = min(1.0, volunteers / FULL_SCALE)
    tz = timezone.get_current_timezone()
    today = timezone.localdate(ctx.now)
    days, day_cum = rows_.day_weights(today)
    stations = [rows_.Station(h.county, h.station_id, (h.station_id, *(p[0] for p in h.points)), h.grids,
                              h.division_id, h.address, h.village, h.name) for h in ctx.homes]
    months = _months(today, 24)
    out = {}
    big = ctx.as_text and service_records >= BULK_FROM
    tables = [m._meta.db_table for m in (ServiceRecord, Demand, DemandEvent, Offer, HouseholdVisit)]
    with indexes_rebuilt_after(tables) if big else nullcontext():
        vols = _volunteers(ctx, stations, days[0])
        station_vols: dict[int, list[int]] = {}
        out["service_records"] = _service(ctx, service_records, vols, stations, days, day_cum, tz, progress)
        for vid, station in zip(vols[0], vols[1], strict=True):
            lst = station_vols.setdefault(station.station_id, [])
            if len(lst) < 20:
                lst.append(vid)
        say("正在生成群众点单……")
        out.update(_demands(ctx, int(volunteers * DEMANDS_PER_VOLUNTEER), stations, days, day_cum, tz))
        say("正在生成入户走访……")
        out.update(_visits(ctx, stations, max(scale, 0.05), station_vols, days, tz))  # small runs: a few grids
        if big:
            say("正在重建索引与约束……")
    say("正在生成宣传统计与信息报送……")
    out["tally_entries"] = _tallies(ctx, stations, max(scale, 0.01), months)
    out["reports"] = _reports(ctx, max(20, int(REPORTS_AT_FULL_SCALE * scale)), institute_ids + center_ids,
                              [s.station_id for s in stations], months, tz)
    say("正在生成移风易俗、云上活动与党员报到……")
    hosts = list(office_ids) * 4 + center_ids * 4 + institute_ids  # county offices and centers host most
    out.update(seed_campaigns(ctx, stations=stations, scale=scale, hosts=hosts, days=days, day_cum=day_cum, tz=tz,
                              next_id=_next_id))
    say("正在计算志愿者累计时长与星级……")
    out["star_awards"] = _volunteer_totals()
    models = [ServiceRecord, Demand, DemandEvent, Offer, HouseholdVisit, InfoReport, *CAMPAIGN_MODELS]
    for sql in connection.ops.sequence_reset_sql(no_style(), models):
        with connection.cursor() as cursor:
            cursor.execute(sql)
    return out


def _months(today: date, count: int) -> list[date]:
    first, out = today.replace(day=1), []
    for _ in range(count):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _write(model, rows: list[dict], as_text: bool) -> None:
    if not rows:
        return
    if as_text:
        cols = list(rows[0])
        copy_into(model._meta.db_table, cols, "".join(copy_line(r[c] for c in cols) for r in rows))
    else:
        model.objects.bulk_create([model(**r) for r in rows], batch_size=500)


def _volunteers(ctx: Context, stations: list, first_day: date) -> tuple[list, list, list]:
    """(ids, home station, first day index they may serve) of the active volunteers, by id."""
    station_of = {node: s for s in stations for node in s.nodes}
    if ctx.as_text:
        with connection.cursor() as cur:
            cur.execute(f"SELECT id, home_node_id, (registered_at AT TIME ZONE %s)::date - %s::date "
                        f"FROM {Volunteer._meta.db_table} WHERE status = 'active' ORDER BY id",
                        [settings.TIME_ZONE, first_day])
            got = cur.fetchall()
    else:
        got = [(v, n, (timezone.localdate(r) - first_day).days) for v, n, r in Volunteer.objects.filter(
            status="active").order_by("id").values_list("id", "home_node_id", "registered_at")]
    got = [g for g in got if g[1] in station_of]
    last = rows_.DAYS - 1
    return [g[0] for g in got], [station_of[g[1]] for g in got], [min(last, max(0, g[2])) for g in got]


def _service(ctx: Context, count: int, vols, stations, days, day_cum, tz, progress: bool) -> int:
    ids, homes, first = vols
    if not ids or not count:
        return 0
    import random

    vol_cum = rows_.activity_weights(random.Random(f"{ctx.seed}:activity"), len(ids))
    county_nodes: dict[int, list[int]] = {}
    for s in stations:
        county_nodes.setdefault(s.county, []).extend(s.nodes)
    counties = sorted(county_nodes)
    index_of = {c: k for k, c in enumerate(counties)}
    args = dict(vols=ids, vol_cum=vol_cum, vol_nodes=[h.nodes for h in homes],
                vol_county=[index_of[h.county] for h in homes], vol_first_day=first,
                county_nodes=[county_nodes[c] for c in counties], days=[d.isoformat() for d in days],
                day_cum=day_cum, stamps=[datetime.combine(d, time(20), tz).isoformat() for d in days],
                as_text=ctx.as_text)
    first_id = _next_id(ServiceRecord)
    table = ServiceRecord._meta.db_table
    with tqdm(total=count, desc="生成并写入服务记录", unit="条", unit_scale=True, disable=not progress,
              file=sys.stderr) as bar:
        for index, start in enumerate(range(0, count, SERVICE_CHUNK)):
            size = min(SERVICE_CHUNK, count - start)
            chunk = rows_.service_chunk(seed=ctx.seed, index=index, size=size, first_id=first_id + start, **args)
            if ctx.as_text:
                copy_into(table, SERVICE_COLUMNS, chunk)
            else:
                ServiceRecord.objects.bulk_create(
                    [ServiceRecord(id=i, volunteer_id=v, kind=k, bucket=k, hours=Decimal(h), service_date=days[d],
                                   node_id=n) for i, v, k, h, d, n in chunk], batch_size=500)
            bar.update(size)
    return count


def _demands(ctx: Context, count: int, stations, days, day_cum, tz) -> dict:
    """The requests, written in chunks each with its history (events, offers); a request's
    `updated_at` is its last event."""
    import random

    if not count:
        return {"demands": 0, "demand_events": 0, "demand_offers": 0}
    cum = ctx.home_cum  # stations weighted as the volunteers' homes (people per station)
    pool = rows_.resident_pool(random.Random(f"{ctx.seed}:residents"), Surnames(HENGYANG_SURNAMES), stations,
                               per_county=40)
    categories = list(DemandCategory.objects.order_by("id").values_list("id", flat=True))
    rows = rows_.demand_rows(seed=ctx.seed, count=count, first_id=_next_id(Demand), stations=stations,
                             station_cum=cum, pool=pool, categories=categories, now=ctx.now, days=days,
                             day_cum=day_cum, tz=tz)
    per_year: dict[int, int] = {}
    for r in rows:
        year = r["tracking_no"][0]
        per_year[year] = per_year.get(year, 0) + 1
    first = {year: counter_take(f"demand:{year}", n) for year, n in sorted(per_year.items())}
    for r in rows:
        year, n = r["tracking_no"]
        r["tracking_no"] = f"D{year}{first[year] + n:07d}"
    by_id = {s.station_id: s for s in stations}
    event_id, offer_id = first_event, first_offer = _next_id(DemandEvent), _next_id(Offer)
    for index, start in enumerate(range(0, count, DEMAND_CHUNK)):
        chunk = rows[start:start + DEMAND_CHUNK]
        events, offers, updated = rows_.demand_history(
            seed=ctx.seed, index=index, demands=chunk, stations=by_id, first_event_id=event_id,
            first_offer_id=offer_id, now=ctx.now, offer_minutes=settings.DEMAND_OFFER_MINUTES,
            auto_close_hours=settings.DEMAND_AUTO_CLOSE_HOURS, accept_minutes=settings.DEMAND_ACCEPT_MINUTES)
        for row, at in zip(chunk, updated, strict=True):
            row["updated_at"] = at
        _write(Demand, chunk, ctx.as_text)
        write_rows(DemandEvent, rows_.EVENT_COLUMNS, events, ctx.as_text, event_line)
        write_rows(Offer, rows_.OFFER_COLUMNS, offers, ctx.as_text)
        event_id += len(events)
        offer_id += len(offers)
    return {"demands": count, "demand_events": event_id - first_event, "demand_offers": offer_id - first_offer}


def _visits(ctx: Context, stations, scale: float, station_vols, days, tz) -> dict:
    flag_ids = list(VisitFlag.objects.order_by("id").values_list("id", flat=True))
    profiles, visits, flags, households = rows_.visit_rows(
        seed=ctx.seed, stations=stations, scale=scale, first_id=_next_id(HouseholdVisit), flag_ids=flag_ids,
        station_vols=station_vols, now=ctx.now, days=days, tz=tz)
    visited: dict[int, int] = {}
    for grid_id, _, live in households:
        if live:
            visited[grid_id] = visited.get(grid_id, 0) + 1
    GridProfile.objects.bulk_create([GridProfile(node_id=g, household_count=n, households_visited=visited.get(g, 0))
                                     for g, n in profiles], batch_size=500)
    _write(HouseholdVisit, visits, ctx.as_text)
    through = HouseholdVisit.flags.through
    _write(through, [{"householdvisit_id": v, "visitflag_id": f} for v, f in flags], ctx.as_text)
    _write(GridHousehold, [{"grid_id": g, "household_key": k, "visit_count": n} for g, k, n in households],
           ctx.as_text)
    return {"grids_profiled": len(profiles), "households": sum(n for _, n in profiles), "visits": len(visits),
            "households_visited": sum(visited.values())}


def _tallies(ctx: Context, stations, scale: float, months: list[date]) -> int:
    indicators = list(Indicator.objects.filter(active=True).order_by("id").values_list("id", flat=True))
    rows = rows_.tally_rows(seed=ctx.seed, stations=stations, scale=scale, indicators=indicators, months=months,
                            now=ctx.now)

    def entered(period: date) -> datetime:  # early in the next month, when the month is reported
        nxt = (period + timedelta(days=32)).replace(day=3)
        return min(datetime.combine(nxt, time(10), timezone.get_current_timezone()), ctx.now)

    entries = [{"node_id": n, "unit_id": None, "indicator_id": i, "period": p, "delta": d, "kind": "entry",
                "corrects_id": None, "reason": "", "recorded_by_id": None, "recorded_at": entered(p),
                "late_reason": ""}  # entered on the 3rd of the next month: on time
               for n, i, p, d in rows]
    _write(TallyEntry, entries, ctx.as_text)
    # one entry per bucket: the maintained total of each bucket is its entry
    _write(TallyTotal, [{"node_id": n, "unit_id": None, "indicator_id": i, "period": p, "value": d,
                         "updated_at": entered(p)} for n, i, p, d in rows], ctx.as_text)
    return len(entries)


def _reports(ctx: Context, count: int, upper: list[int], station_ids: list[int], months, tz) -> int:
    import random

    rng = random.Random(f"{ctx.seed}:report-nodes")
    nodes = upper * 3 + rng.sample(station_ids, k=min(len(station_ids), 300))  # offices report more often
    categories = list(ReportCategory.objects.order_by("id").values_list("id", flat=True))
    reports = rows_.report_rows(seed=ctx.seed, count=count, first_id=_next_id(InfoReport), nodes=nodes,
                                categories=categories, months=months, now=ctx.now, tz=tz)
    _write(InfoReport, reports, ctx.as_text)
    _write(ReportReview, rows_.review_rows(reports), ctx.as_text)
    return count


def _volunteer_totals() -> int:
    """VolunteerStats from the ledger (hours by bucket, star level; no points: the history is
    loaded as it was on paper, before points), and a StarAward per level reached, dated the
    volunteer's latest service. Plain SQL: the same on SQLite and PostgreSQL."""
    sr, vs, sa = (m._meta.db_table for m in (ServiceRecord, VolunteerStats, StarAward))
    thresholds = list(settings.STAR_THRESHOLDS)
    level = " + ".join(f"CASE WHEN SUM(hours) >= {int(t)} THEN 1 ELSE 0 END" for t in thresholds) or "0"
    awards = 0
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {vs} (volunteer_id, auto_hours, makeup_hours, points, star_level) "
                    f"SELECT volunteer_id, SUM(CASE WHEN bucket = 'auto' THEN hours ELSE 0 END), "
                    f"SUM(CASE WHEN bucket = 'makeup' THEN hours ELSE 0 END), 0, {level} "
                    f"FROM {sr} GROUP BY volunteer_id")
        for n, t in enumerate(thresholds, start=1):
            cur.execute(f"INSERT INTO {sa} (volunteer_id, level, threshold_hours, reached_on) "
                        f"SELECT s.volunteer_id, {n}, {int(t)}, (SELECT MAX(r.service_date) FROM {sr} r "
                        f"WHERE r.volunteer_id = s.volunteer_id) FROM {vs} s WHERE s.star_level >= {n}")
            awards += cur.rowcount
    return awards
