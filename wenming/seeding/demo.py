"""`seed_demo`: the demo county (秭归县) with its practice network, units, volunteers, teams,
one login per role and volunteer-service data at the demo station. Runs in seconds on SQLite and gives the same data for a seed."""

import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from wenming.core.audit import audit_record
from wenming.dashboards.rebuild import rebuild_figures
from wenming.orgs.models import Node, Unit
from wenming.volunteers.models import IdType, Skill, Source, Volunteer, VolunteerStatus
from wenming.volunteers.services import fill_volunteer, volunteer_numbers
from wenming.volunteers.validation import VolunteerValues, check_values, parse_identity

from . import SeedRefused
from .demo_accounts import DEMO_STATION, DEMO_STATION_CORE, create_accounts
from .demo_evaluation import create_evaluation
from .demo_honours import create_honours
from .demo_photos import create_project_photos
from .demo_requests import create_requests
from .demo_service import create_service
from .demo_teams import create_teams
from .names import ZIGUI_SURNAMES, PeopleMaker, Person, Surnames, make_name, reference_date
from .treeplan import Plan, insert_tree
from .zigui import AREA_CODES, COUNTY, ESTATES, County, plan_county

DEMO_SEED = 2020
DEMO_VOLUNTEERS = 10_016
STATION_WEIGHT = {"urban": 6, "seat": 3, "village": 1}  # county-seat communities are the most populous


@dataclass
class Seeded:
    """A generated volunteer with what the later steps need to know about them."""

    vol: Volunteer
    person: Person
    station: Plan


def refuse_if_populated() -> None:
    count = Node.objects.count()
    if count:
        raise SeedRefused(
            f"数据库中已有 {count} 个阵地，为避免把演示数据混入真实数据，已拒绝生成。"
            "请使用一个空数据库（例如把 WENMING_VAR_DIR 指向新目录，或为 DATABASE_URL 新建数据库）后再试。"
        )


def seed_demo(seed: int = DEMO_SEED, volunteers: int = DEMO_VOLUNTEERS, progress: bool = True) -> dict:
    """Build the demo county in one transaction; returns a summary (counts, seconds)."""
    started = time.perf_counter()
    say = (lambda msg: tqdm.write(msg, file=sys.stderr)) if progress else (lambda msg: None)
    if volunteers < DEMO_STATION_CORE:
        raise ValueError(f"演示数据至少需要 {DEMO_STATION_CORE} 名志愿者（演示队长和志愿者账号要从中产生）")
    refuse_if_populated()
    rng = random.Random(seed)
    surnames = Surnames(ZIGUI_SURNAMES)
    salt = rng.randrange(100_000_000)
    now = timezone.now()
    with transaction.atomic():
        county = plan_county(rng, surnames, salt)
        node_count = insert_tree(county.root)
        say(f"阵地：{node_count} 个")
        units = create_units(rng, county, surnames)
        say(f"文明单位：{len(units)} 个")
        seeded = create_volunteers(rng, county, volunteers, surnames, salt, now, progress)
        teams = create_teams(rng, county, seeded)
        say(f"队伍：{len(teams.teams)} 支，队员 {teams.member_count} 人次")
        accounts = create_accounts(county, teams, units, seeded)
        station = next(s for s in county.stations if s.short == DEMO_STATION)
        service = create_service(rng, station.node, teams.division_of[id(station)])
        service["photos"] = create_project_photos(station.node)
        service["requests"] = create_requests(rng, station.node, teams.division_of[id(station)])
        service["evaluation"] = create_evaluation(rng, county.county.node, [(s.node, s.tag) for s in county.stations])
        service["honours"] = create_honours(rng, county.county.node)
        say(f"志愿服务：项目 {service['projects']} 个，报名 {service['enrollments']} 人次，证明 {service['certificate']}")
        # volunteers and teams were bulk-loaded past the services: build the dashboards' summaries once
        figures = rebuild_figures()
        summary = {
            "seed": seed,
            "nodes": node_count,
            "nodes_by_kind": dict(Counter(p.kind for p in county.root.walk())),
            "units": len(units),
            "volunteers": len(seeded),
            "teams": len(teams.teams),
            "team_members": teams.member_count,
            "accounts": [a.username for a in accounts],
            "service": service,
            "figures": figures,
        }
        summary["seconds"] = round(time.perf_counter() - started, 2)
        audit_record(actor=accounts[0], action="seed.demo", obj=county.county.node,
                     node_path=county.root.node.path, changes=summary)
    return summary


UNIT_LEVELS = (["county"] * 50) + (["city"] * 30) + (["provincial"] * 15) + (["national"] * 5)
LIAISON_UNIT = "秭归县教育局"  # always named a 文明单位: the unit_liaison demo login speaks for it


def _unit_name(dept: str) -> str:
    return COUNTY + dept[1:] if dept.startswith("县") else dept


def create_units(rng: random.Random, county: County, surnames: Surnames) -> list[Unit]:
    """Civilized units (文明单位/社区/村镇/校园/家庭) attached where they belong."""
    units: list[Unit] = []

    def add(node: Node, name: str, unit_type: str, level: str | None = None) -> None:
        units.append(Unit(node=node, name=name, unit_type=unit_type, level=level or rng.choice(UNIT_LEVELS),
                          address=node.address, contact_name=make_name(rng, surnames, rng.random() < 0.5),
                          awarded_year=rng.randint(2015, 2023)))

    for sub in county.subcenters:
        name = _unit_name(sub.tag)
        if name == LIAISON_UNIT:
            add(sub.node, name, "unit", "provincial")
        elif any(word in sub.tag for word in ("中学", "小学", "职业教育")):
            add(sub.node, name, "campus")
        elif rng.random() < 0.6:
            add(sub.node, name, "unit")
    for inst in county.institutes:
        town = inst.tag
        if town in ("茅坪镇", "屈原镇", "九畹溪镇"):
            add(inst.node, f"{COUNTY}{town}", "village", "provincial")
        if rng.random() < 0.5:
            add(inst.node, f"{COUNTY}{town}中心小学", "campus")
        if rng.random() < 0.4:
            add(inst.node, f"{COUNTY}{town}初级中学", "campus")
    for station in county.stations:
        if station.tag == "urban" or (station.tag == "seat" and rng.random() < 0.5):
            add(station.node, station.short, "community")
        elif station.tag == "village" and rng.random() < 0.2:
            add(station.node, f"{county.town_of[id(station)].tag}{station.short}", "village")
    families = set()
    while len(families) < 60:
        station = rng.choice(county.stations)
        name = f"{make_name(rng, surnames, rng.random() < 0.5)}家庭"
        if (station.code, name) not in families:
            families.add((station.code, name))
            add(station.node, name, "family", rng.choice(["county"] * 14 + ["city"] * 5 + ["provincial"]))
    return Unit.objects.bulk_create(units, batch_size=500)


def _home_stations(rng: random.Random, county: County, count: int) -> list[Plan]:
    stations = county.stations
    cum, total = [], 0
    for s in stations:
        total += STATION_WEIGHT[s.tag]
        cum.append(total)
    picks = rng.choices(stations, cum_weights=cum, k=count)
    demo_station = next(s for s in stations if s.short == DEMO_STATION)
    return [demo_station] * min(count, DEMO_STATION_CORE) + picks[DEMO_STATION_CORE:]


def _address(rng: random.Random, county: County, station: Plan) -> str:
    town = county.town_of[id(station)].tag
    if station.tag == "village":
        return f"{COUNTY}{town}{station.short}{rng.randint(1, 12)}组{rng.randint(1, 99)}号"
    return (f"{COUNTY}{town}{station.short}{rng.choice(ESTATES)}{rng.randint(1, 24)}栋"
            f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室")


def _near(rng: random.Random, node: Node) -> tuple[Decimal, Decimal]:
    """Coarse coordinates (3 decimals, as the product stores them) near the home node."""
    return (Decimal(f"{float(node.lat) + rng.uniform(-0.005, 0.005):.3f}"),
            Decimal(f"{float(node.lon) + rng.uniform(-0.005, 0.005):.3f}"))


def create_volunteers(rng: random.Random, county: County, count: int, surnames: Surnames, salt: int, now,
                      progress: bool) -> list[Seeded]:
    """Volunteers homed at stations and points, through the product's own validation and
    fill_volunteer (same encryption, blind indexes, masks and pinyin as a registration)."""
    maker = PeopleMaker(rng, surnames=surnames, ref=reference_date(timezone.localdate()), salt=salt)
    today = timezone.localdate()
    numbers = volunteer_numbers(count) if count else []
    skill_ids = dict(Skill.objects.values_list("code", "pk"))
    seeded: list[Seeded] = []
    for i, station in enumerate(tqdm(_home_stations(rng, county, count), desc="生成志愿者", unit="人",
                                     disable=not progress, file=sys.stderr)):
        person = maker.person(i, AREA_CODES)
        points = station.kids("point")
        home = station if rng.random() < 0.35 or not points else rng.choice(points)
        grids = station.kids("grid")
        consent_location = rng.random() < 0.6
        lat, lon = _near(rng, home.node) if consent_location else (None, None)
        values = VolunteerValues(
            name=person.name, identity=parse_identity(IdType.RESIDENT, person.id_number), phone=person.phone,
            home_node=home.node, political_status=person.political_status,
            grid=rng.choice(grids).node if grids else None, address=_address(rng, county, station),
            lat=lat, lon=lon, availability=person.availability, is_reserve=person.is_reserve,
            insurance_valid_until=person.insurance_valid_until, consent_location=consent_location,
            consent_health=rng.random() < 0.4, guardian_name=person.guardian_name,
            guardian_phone=person.guardian_phone, guardian_consent=person.minor,
        )
        check_values(values, today)
        registered = now - timedelta(days=rng.randint(0, 5 * 365))
        vol = Volunteer(source=Source.SEED, status=VolunteerStatus.ACTIVE, volunteer_no=numbers[i],
                        consent_terms_at=registered)
        fill_volunteer(vol, values, registered)
        seeded.append(Seeded(vol, person, station))
    Volunteer.objects.bulk_create([s.vol for s in seeded], batch_size=500)
    # bulk_create stamps registered_at with "now"; give the roster its five-year history back.
    for s in seeded:
        s.vol.registered_at = s.vol.consent_terms_at
    Volunteer.objects.bulk_update([s.vol for s in seeded], ["registered_at"], batch_size=500)
    through = Volunteer.skills.through
    through.objects.bulk_create(
        [through(volunteer_id=s.vol.pk, skill_id=skill_ids[code]) for s in seeded for code in s.person.skills],
        batch_size=2000,
    )
    return seeded
