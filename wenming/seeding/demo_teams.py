"""Teams of the demo county: 总队 at the center, 支队 at sub-centers, institutes and for the
professions, 分队 at stations (plus party-member 分队), 小队 for grids and for shopping runs."""

import random
from dataclasses import dataclass, field

from wenming.volunteers.models import MemberRole, Skill, Team, TeamKind, TeamLevel, TeamMember

from .demo_accounts import DEMO_STATION_CORE
from .zigui import COUNTY, County

# Professional 支队 at the county center, joined by volunteers with the matching skill.
PROFESSIONAL = [
    ("medical", "医疗卫生志愿服务支队", "医护人员为主，承担测温验码、健康监测与医疗保障"),
    ("psychological", "心理疏导志愿服务支队", "心理咨询师与社工，值守心理疏导热线"),
    ("rescue", "应急救援志愿服务支队", "应急演练、抢险救灾与防疫消杀"),
    ("driving", "驾驶员志愿服务支队", "物资转运、就医接送与宣传车巡回"),
]
PARTY_KINDS = {"party_member", "probationary"}


@dataclass
class TeamSet:
    teams: list[Team] = field(default_factory=list)
    members: dict[int, list] = field(default_factory=dict)  # team pk → Seeded, in joining order
    leaders: dict[int, object] = field(default_factory=dict)  # team pk → the Seeded leading it
    division_of: dict[int, Team] = field(default_factory=dict)  # id(station plan) → its 分队
    member_count: int = 0


def _save(teams: TeamSet, level_rows: list[Team]) -> list[Team]:
    """One bulk insert per level, so each level's parents already have ids."""
    Team.objects.bulk_create(level_rows, batch_size=500)
    teams.teams.extend(level_rows)
    return level_rows


def create_teams(rng: random.Random, county: County, seeded: list) -> TeamSet:
    skill_ids = dict(Skill.objects.values_list("code", "pk"))
    out = TeamSet()
    center = county.center.node
    (corps,) = _save(out, [Team(name=f"{COUNTY}新时代文明实践志愿服务总队", level=TeamLevel.CORPS, node=center,
                                description="全县志愿服务队伍的总队，统筹调度各支队")])
    professional = {code: Team(name=name, level=TeamLevel.DETACHMENT, kind=TeamKind.PROFESSIONAL, node=center,
                               parent=corps, skill_id=skill_ids.get(code), description=text)
                    for code, name, text in PROFESSIONAL}
    party_corps = Team(name="党员志愿服务支队", level=TeamLevel.DETACHMENT, kind=TeamKind.PARTY, node=center,
                       parent=corps, description="县直机关党员志愿者")
    departments = [Team(name=f"{sub.tag}志愿服务支队", level=TeamLevel.DETACHMENT, node=sub.node, parent=corps,
                        description="县直单位支队，认领城区网格小区") for sub in county.subcenters]
    towns = {inst.code: Team(name=f"{inst.tag}志愿服务支队", level=TeamLevel.DETACHMENT, node=inst.node,
                             parent=corps) for inst in county.institutes}
    _save(out, [*professional.values(), party_corps, *departments, *towns.values()])

    divisions, party_divisions, level3 = {}, {}, []
    for n, station in enumerate(county.stations):
        town = towns[county.town_of[id(station)].code]
        div = Team(name=f"{station.short}志愿服务分队", level=TeamLevel.DIVISION, node=station.node, parent=town)
        divisions[id(station)] = div
        level3.append(div)
        if station.tag != "village" or n % 3 == 0:
            party = Team(name=f"{station.short}党员志愿服务分队", level=TeamLevel.DIVISION, kind=TeamKind.PARTY,
                         node=station.node, parent=town, description="在职党员到社区（村）报到服务")
            party_divisions[id(station)] = party
            level3.append(party)
    _save(out, level3)
    out.division_of = divisions

    squads_by_grid, shopping = {}, {}
    for station in county.stations:
        for grid in station.kids("grid"):
            squads_by_grid[grid.node.pk] = Team(
                name=f"{grid.name}志愿服务小队", level=TeamLevel.SQUAD, node=station.node,
                parent=divisions[id(station)], description="敲门排查、代购配送、文明劝导")
    for inst in county.institutes:
        shopping[inst.code] = Team(name=f"{inst.tag}代购配送小队", level=TeamLevel.SQUAD, node=inst.node,
                                   parent=towns[inst.code], description="为居家群众统一采购、分户配送生活物资")
    _save(out, [*squads_by_grid.values(), *shopping.values()])

    joins: dict[int, list] = {t.pk: [] for t in out.teams}
    by_town: dict[str, list] = {code: [] for code in towns}
    for i, s in enumerate(seeded):
        inst = county.town_of[id(s.station)]
        by_town[inst.code].append(s)
        if i < DEMO_STATION_CORE or rng.random() < 0.9:  # the demo station's core always joins
            joins[divisions[id(s.station)].pk].append(s)
        if s.person.political_status in PARTY_KINDS:
            party = party_divisions.get(id(s.station))
            if party is not None and rng.random() < 0.8:
                joins[party.pk].append(s)
            elif party is None and rng.random() < 0.1:
                joins[party_corps.pk].append(s)
        if s.vol.grid_id and rng.random() < 0.5:
            joins[squads_by_grid[s.vol.grid_id].pk].append(s)
        if s.person.minor:
            continue
        for code in s.person.skills:
            if code in professional and rng.random() < 0.35:
                joins[professional[code].pk].append(s)
        if s.station.tag == "urban" and rng.random() < 0.15:
            joins[rng.choice(departments).pk].append(s)
        if {"logistics", "driving"} & set(s.person.skills) and rng.random() < 0.3:
            joins[shopping[inst.code].pk].append(s)

    # A 总队 or town 支队 has no direct members; its head comes from the people it covers.
    heads_from = {towns[code].pk: people for code, people in by_town.items()}
    heads_from[corps.pk] = [s for s in seeded if s.station.tag == "urban"]
    rows = []
    for team in out.teams:
        members = joins[team.pk]
        adults = [s for s in (members or heads_from.get(team.pk, [])) if not s.person.minor]
        roles = {}
        if adults:
            leader = rng.choice(adults)
            roles[id(leader)] = MemberRole.LEADER
            out.leaders[team.pk] = leader
            if len(adults) >= 6:
                roles.setdefault(id(rng.choice(adults)), MemberRole.DEPUTY)
            if not members:
                members = [leader]
        out.members[team.pk] = members
        rows.extend(TeamMember(team=team, volunteer=s.vol, role=roles.get(id(s), MemberRole.MEMBER))
                    for s in members)
    TeamMember.objects.bulk_create(rows, batch_size=1000)
    out.member_count = len(rows)
    return out
