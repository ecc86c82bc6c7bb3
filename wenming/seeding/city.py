"""`seed_city`: a prefecture city (衡阳市, ~3,000 nodes) with N volunteers (default 1,000,000).

Volunteers are generated in chunks by worker processes (encryption is the CPU cost) and
loaded with COPY on PostgreSQL, or with bulk_create elsewhere (fine for small N on SQLite).
"""

import multiprocessing
import os
import random
import sys
import time
from collections import Counter, deque
from contextlib import nullcontext
from datetime import date, timedelta
from itertools import islice

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from tqdm import tqdm

from wenming.accounts.models import RoleAssignment, User
from wenming.accounts.roles import Role
from wenming.core.audit import audit_record
from wenming.core.counters import counter_take
from wenming.dashboards.rebuild import rebuild_figures
from wenming.orgs.models import Node
from wenming.volunteers.models import MemberRole, Skill, Team, TeamLevel, TeamMember, Volunteer

from . import citypeople
from .citypeople import Context, Home, init_worker, make_chunk
from .citywork import seed_work
from .demo import refuse_if_populated
from .demo_accounts import DEMO_PASSWORD
from .hengyang import City, plan_city
from .names import HENGYANG_SURNAMES, Surnames, reference_date
from .pgbulk import copy_into, indexes_rebuilt_after
from .treeplan import insert_tree

CITY_SEED = 6600
CITY_VOLUNTEERS = 1_000_000
CHUNK_SIZE = 10_000
MAX_CHUNKS = 100  # each chunk owns 1/chunks of the ID order codes (500 per day and sex)
PARALLEL_FROM = 50_000  # below this, forking workers costs more than it saves
WORK_LABELS = {
    "service_records": "服务记录", "demands": "群众点单", "demand_events": "点单记录", "demand_offers": "派单",
    "grids_profiled": "网格", "households": "住户", "visits": "入户走访", "households_visited": "已走访住户",
    "tally_entries": "宣传统计填报", "reports": "信息报送", "reform_records": "移风易俗记录",
    "reform_voided": "其中作废", "online_activities": "云上活动", "engagement_views": "浏览",
    "engagement_shares": "分享", "engagement_participations": "参与", "party_checkins": "党员报到",
    "party_withdrawn": "其中取消报到", "star_awards": "星级认定",
}


def seed_city(volunteers: int = CITY_VOLUNTEERS, seed: int = CITY_SEED, progress: bool = True,
              workers: int | None = None, team_share: float = 0.3, service_records: int | None = None) -> dict:
    """Build the city in one transaction; returns a summary (counts, seconds).
    `service_records`: the ledger size (default 10 per volunteer); requests, visits,
    tallies and reports follow in proportion (seeding/citywork.py)."""
    started = time.perf_counter()
    say = (lambda msg: tqdm.write(msg, file=sys.stderr)) if progress else (lambda msg: None)
    refuse_if_populated()
    rng = random.Random(seed)
    surnames = Surnames(HENGYANG_SURNAMES)
    salt = rng.randrange(100_000_000)
    with transaction.atomic():
        city = plan_city(rng, surnames, salt)
        node_count = insert_tree(city.root)
        say(f"阵地：{node_count} 个")
        division_of, team_count = _create_teams(city)
        _network_built_before_registrations()
        admin = _create_admin(city)
        ctx = _context(city, division_of, seed, salt, volunteers, team_share)
        member_count = _load(ctx, volunteers, workers, progress)
        say("正在设定队长……")
        _mark_leaders()
        work = seed_work(ctx, volunteers=volunteers, service_records=service_records, progress=progress,
                         institute_ids=[i.node.pk for c in city.counties for i in c.institutes],
                         center_ids=[c.center.node.pk for c in city.counties],
                         office_ids=[c.office.node.pk for c in city.counties])
        say("工作数据：" + "，".join(f"{WORK_LABELS.get(k, k)} {v:,}" for k, v in work.items()))
        say("正在生成看板汇总……")
        figures = rebuild_figures()  # bulk-loaded past the services: the summaries from the rows
        summary = {
            "seed": seed,
            "nodes": node_count,
            "nodes_by_kind": dict(Counter(p.kind for p in city.root.walk())),
            "volunteers": volunteers,
            "teams": team_count,
            "team_members": member_count,
            "accounts": [admin.username],
            "backend": connection.vendor,
            "work": work,
            "figures": figures,
        }
        summary["seconds"] = round(time.perf_counter() - started, 1)
        audit_record(actor=admin, action="seed.city", obj=city.root.children[0].node,
                     node_path=city.root.node.path, changes=summary)
    summary["seconds"] = round(time.perf_counter() - started, 1)  # including the commit
    return summary


def _create_teams(city: City) -> tuple[dict[int, int], int]:
    """总队 per county center, 支队 per institute, 分队 per station; returns station → 分队 id."""
    corps = [Team(name=f"{c.name}新时代文明实践志愿服务总队", level=TeamLevel.CORPS, node=c.center.node)
             for c in city.counties]
    Team.objects.bulk_create(corps)
    detachments = {id(inst): Team(name=f"{inst.short}志愿服务支队", level=TeamLevel.DETACHMENT, node=inst.node,
                                  parent=corps[k])
                   for k, c in enumerate(city.counties) for inst in c.institutes}
    Team.objects.bulk_create(list(detachments.values()), batch_size=500)
    divisions = {id(s): Team(name=f"{s.short}志愿服务分队", level=TeamLevel.DIVISION, node=s.node,
                             parent=detachments[id(c.town_of[id(s)])])
                 for c in city.counties for s in c.stations}
    Team.objects.bulk_create(list(divisions.values()), batch_size=500)
    return {key: team.pk for key, team in divisions.items()}, len(corps) + len(detachments) + len(divisions)


def _network_built_before_registrations() -> None:
    """The centres, stations and teams stood before the first volunteer registered: a past
    period's work report counts the network as of its end (dashboards/asof.py)."""
    built = timezone.now() - citypeople.REGISTRATION_SPAN - timedelta(days=30)
    Node.objects.update(created_at=built)
    Team.objects.update(created_at=built)


def _create_admin(city: City) -> User:
    admin = User.objects.create(username="admin", display_name="系统管理员", is_superuser=True, is_staff=True,
                                password=make_password(DEMO_PASSWORD))
    RoleAssignment.objects.create(user=admin, role=Role.PLATFORM_ADMIN, node=city.root.node, granted_by=admin)
    return admin


def _context(city: City, division_of: dict[int, int], seed: int, salt: int, volunteers: int,
             team_share: float) -> Context:
    homes, cum, total = [], [], 0.0
    for k, county in enumerate(city.counties):
        weight = county.population / len(county.stations)  # people per station, by county
        for s in county.stations:
            town = county.town_of[id(s)].short
            homes.append(Home(
                county=k, station_id=s.node.pk, lat=s.lat, lon=s.lon,
                points=[(p.node.pk, p.lat, p.lon) for p in s.kids("point")],
                grids=[g.node.pk for g in s.kids("grid")], division_id=division_of[id(s)],
                address=f"{county.name}{town}{s.short}", village=s.tag == "village", name=s.node.name))
            total += weight
            cum.append(total)
    fields = Volunteer._meta.concrete_fields
    return Context(
        seed=seed, salt=salt, ref=reference_date(timezone.localdate()), now=timezone.now(),
        surnames=HENGYANG_SURNAMES, homes=homes, home_cum=cum, areas=[c.areas for c in city.counties],
        skill_ids=dict(Skill.objects.values_list("code", "pk")),
        number_prefix=settings.VOLUNTEER_NUMBER_PREFIX,
        # Same numbering as volunteers.services.volunteer_numbers, reserved in one step.
        first_number=counter_take("volunteer_no", volunteers) if volunteers else 1,
        first_id=(Volunteer.objects.aggregate(m=Max("id"))["m"] or 0) + 1,
        stride=1, team_share=team_share, as_text=connection.vendor == "postgresql",
        volunteer_columns=[f.attname for f in fields],
        volunteer_defaults={f.attname: f.get_default() for f in fields},
    )


def _jobs(count: int) -> list[tuple[int, int, int]]:
    size = max(CHUNK_SIZE, -(-count // MAX_CHUNKS))
    return [(i, start, min(size, count - start)) for i, start in enumerate(range(0, count, size))]


def _load(ctx: Context, count: int, workers: int | None, progress: bool) -> int:
    jobs = _jobs(count)
    ctx.stride = max(1, len(jobs))
    workers = 1 if count < PARALLEL_FROM else max(1, workers or os.cpu_count() or 1)
    write = _write_copy if ctx.as_text else _write_orm
    members = 0
    tables = [Volunteer._meta.db_table, Volunteer.skills.through._meta.db_table, TeamMember._meta.db_table]
    # The tables start empty (no nodes, so no volunteers): build their indexes once, at the end.
    rebuild = ctx.as_text and count >= PARALLEL_FROM
    with indexes_rebuilt_after(tables) if rebuild else nullcontext():
        with tqdm(total=count, desc="生成并写入志愿者", unit="人", unit_scale=True, disable=not progress,
                  file=sys.stderr) as bar:
            for chunk in _chunks(ctx, jobs, workers):
                write(chunk)
                members += chunk.member_count
                bar.update(chunk.count)
        if progress and rebuild:
            tqdm.write("正在重建索引与约束……", file=sys.stderr)
    for sql in connection.ops.sequence_reset_sql(no_style(), [Volunteer]):
        with connection.cursor() as cursor:
            cursor.execute(sql)  # ids were given explicitly; move the sequence past them
    return members


def _chunks(ctx: Context, jobs: list, workers: int):
    """Chunks in job order. Worker processes are forked after the context is set, so they
    inherit it (and never touch the parent's database connection)."""
    init_worker(ctx)
    if workers == 1:
        yield from map(make_chunk, jobs)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        todo = iter(jobs)
        pending = deque(pool.apply_async(make_chunk, (job,)) for job in islice(todo, 2 * workers))
        while pending:
            chunk = pending.popleft().get()
            nxt = next(todo, None)
            if nxt is not None:  # a bounded window: memory stays flat whatever the database's pace
                pending.append(pool.apply_async(make_chunk, (nxt,)))
            yield chunk
    citypeople._CTX = None


def _write_copy(chunk) -> None:
    copy_into(Volunteer._meta.db_table, [f.column for f in Volunteer._meta.concrete_fields], chunk.volunteers)
    copy_into(Volunteer.skills.through._meta.db_table, ["volunteer_id", "skill_id"], chunk.skills)
    copy_into(TeamMember._meta.db_table, ["team_id", "volunteer_id", "role", "joined_at"], chunk.members)


def _write_orm(chunk) -> None:
    Volunteer.objects.bulk_create([Volunteer(**row) for row in chunk.volunteers], batch_size=1000)
    through = Volunteer.skills.through
    through.objects.bulk_create([through(volunteer_id=v, skill_id=s) for v, s in chunk.skills], batch_size=2000)
    TeamMember.objects.bulk_create([TeamMember(team_id=t, volunteer_id=v, role=r) for t, v, r, _ in chunk.members],
                                   batch_size=2000)


def _mark_leaders() -> None:
    """Each 分队's earliest adult member leads it (one UPDATE, same on both databases)."""
    today = timezone.localdate()
    adult_born = date(today.year - 18, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    firsts = (TeamMember.objects.filter(volunteer__birth_date__lte=adult_born).values("team")
              .annotate(first=Min("id")).values("first"))
    TeamMember.objects.filter(id__in=firsts).update(role=MemberRole.LEADER)
