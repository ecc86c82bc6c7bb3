"""A prefecture city at single-installation scale (SPEC 3): 衡阳市, 12 counties and districts,
about 3,000 nodes. Place names below township level are generated."""

import random
from dataclasses import dataclass

from .names import CONTACT_PHONE_BASE, Surnames, make_name, phone_for
from .treeplan import Plan
from .zigui import VILLAGE_HEADS, VILLAGE_TAILS, cn_number

CITY = "衡阳市"
CITY_LAT, CITY_LON = 26.894, 112.572
CITY_AREA = "430400"  # 衡阳市 itself: valid for every birth year, the last resort

# name, ID area codes (current first, older codes after), population (10k), lat, lon, urban district?
COUNTIES = [
    ("珠晖区", ("430405", "430402"), 40, 26.894, 112.621, True),
    ("雁峰区", ("430406", "430403"), 30, 26.868, 112.613, True),
    ("石鼓区", ("430407", "430404"), 30, 26.939, 112.598, True),
    ("蒸湘区", ("430408", "430411"), 40, 26.911, 112.567, True),
    ("南岳区", ("430412",), 6, 27.254, 112.736, False),
    ("衡阳县", ("430421", "432721"), 100, 26.970, 112.370, False),
    ("衡南县", ("430422", "432722"), 85, 26.738, 112.677, False),
    ("衡山县", ("430423", "432723"), 38, 27.231, 112.868, False),
    ("衡东县", ("430424", "432724"), 60, 27.081, 112.953, False),
    ("祁东县", ("430426", "432726"), 80, 26.799, 112.090, False),
    ("耒阳市", ("430481", "439003", "430427", "432830"), 110, 26.422, 112.860, False),
    ("常宁市", ("430482", "430425", "432725"), 80, 26.421, 112.399, False),
]
KNOWN_TOWNS = {
    "珠晖区": ["东风路街道", "广东路街道", "冶金街道", "苗圃街道", "粤汉街道", "衡州路街道", "茶山坳镇", "酃湖乡"],
    "雁峰区": ["天马山街道", "先锋街道", "雁峰街道", "白沙洲街道", "黄茶岭街道", "岳屏镇"],
    "石鼓区": ["人民路街道", "青山街道", "五一街道", "潇湘街道", "合江街道", "角山镇"],
    "蒸湘区": ["红湘街道", "蒸湘街道", "联合街道", "呆鹰岭镇", "雨母山镇"],
    "南岳区": ["南岳镇", "寿岳乡", "南岳衡山街道"],
}
CITY_DEPARTMENTS = ("市委宣传部 市文明办 市教育局 市卫生健康委 市民政局 市应急管理局 市团委 市妇联 市总工会 市科协"
                    " 市文旅广体局 市退役军人事务局 市城管局 市公安局交警支队 市红十字会 市残联 市融媒体中心"
                    " 市中心医院 衡阳师范学院 南华大学").split()
COUNTY_DEPARTMENTS = "宣传部 教育局 卫健局 民政局 团委 妇联 应急管理局 融媒体中心 文旅局 人民医院".split()
STATIONS_TOTAL, POINTS_PER_STATION, GRIDS_PER_COMMUNITY = 1150, (0, 2), 2


@dataclass
class CityCounty:
    name: str
    areas: tuple[str, ...]  # ID area codes, current first; the city code as a last resort
    population: int
    office: Plan
    center: Plan
    institutes: list[Plan]
    stations: list[Plan]
    town_of: dict[int, Plan]  # id(station plan) → institute plan


@dataclass
class City:
    root: Plan
    counties: list[CityCounty]


def _town_names(rng: random.Random, county: str, count: int, urban: bool) -> list[str]:
    names = KNOWN_TOWNS.get(county, [])[:count]
    while len(names) < count:
        suffix = "街道" if urban else rng.choice(["镇", "镇", "镇", "乡"])
        name = rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_TAILS) + suffix
        if name not in names:
            names.append(name)
    return names


def plan_city(rng: random.Random, surnames: Surnames, salt: int) -> City:
    contacts = iter(range(1, 10**6))

    def contact() -> dict:
        return {"contact_name": make_name(rng, surnames, rng.random() < 0.5),
                "contact_phone": phone_for(CONTACT_PHONE_BASE + next(contacts), salt, rng)}

    def near(lat: float, lon: float, spread: float) -> dict:
        return {"lat": lat + rng.uniform(-spread, spread), "lon": lon + rng.uniform(-spread, spread)}

    root = Plan("湖南省文明办", "province", "HN", admin_code="430000000000", address="湖南省长沙市",
                lat=28.228, lon=112.939)
    office = root.add(Plan(f"{CITY}文明办", "city", "HY", admin_code="430400000000", address=f"湖南省{CITY}",
                           lat=CITY_LAT, lon=CITY_LON, **contact()))
    city_center = office.add(Plan(f"{CITY}新时代文明实践指导中心", "center", "HY-C", address=f"湖南省{CITY}蒸湘区",
                                  **near(CITY_LAT, CITY_LON, 0.01), **contact()))
    for i, dept in enumerate(CITY_DEPARTMENTS, start=1):
        city_center.add(Plan(f"{dept}分中心", "subcenter", f"HY-C-F{i:02d}", tag=dept,
                             **near(CITY_LAT, CITY_LON, 0.03), **contact()))
    total_pop = sum(c[2] for c in COUNTIES)
    counties = []
    for k, (name, areas, pop, lat, lon, urban) in enumerate(COUNTIES, start=1):
        code6 = areas[0]
        prefix = f"HY{k:02d}"
        seat = f"湖南省{CITY}{name}"
        county_office = office.add(Plan(f"{name}文明办", "county", prefix, admin_code=f"{code6}000000",
                                        address=seat, lat=lat, lon=lon, **contact()))
        center = county_office.add(Plan(f"{name}新时代文明实践中心", "center", f"{prefix}-C", address=seat,
                                        **near(lat, lon, 0.01), **contact()))
        for d, dept in enumerate(COUNTY_DEPARTMENTS, start=1):
            center.add(Plan(f"{name}{dept}分中心", "subcenter", f"{prefix}-F{d:02d}", tag=dept, address=seat,
                            **near(lat, lon, 0.02), **contact()))
        n_towns = max(3, round(pop / 5))
        n_stations = max(n_towns, round(STATIONS_TOTAL * pop / total_pop))
        institutes, stations, town_of = [], [], {}
        for t, town in enumerate(_town_names(rng, name, n_towns, urban), start=1):
            code9 = f"{code6}{t:03d}"
            institutes.append(center.add(Plan(
                f"{town}新时代文明实践所", "institute", f"{prefix}-I{t:02d}", admin_code=code9 + "000",
                address=f"{seat}{town}", tag=town, short=town, **near(lat, lon, 0.12), **contact())))
        taken: set[str] = set()
        for s in range(n_stations):
            inst = institutes[s % len(institutes)]
            community = urban or inst.short.endswith("街道") or s < len(institutes)
            while True:
                place = rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_TAILS) + ("社区" if community else "村")
                if place not in taken:
                    taken.add(place)
                    break
            number = len(inst.children) + 1
            station = inst.add(Plan(
                f"{place}新时代文明实践站", "station", f"{inst.code}-S{number:03d}",
                admin_code=f"{inst.admin_code[:9]}{number + (0 if community else 199):03d}",
                address=f"{inst.address}{place}", tag="community" if community else "village", short=place,
                **near(inst.lat, inst.lon, 0.03), **contact()))
            stations.append(station)
            town_of[id(station)] = inst
            for p in range(1, rng.randint(*POINTS_PER_STATION) + 1):
                station.add(Plan(f"{place}第{cn_number(p)}{'小区' if community else '村民小组'}文明实践点", "point",
                                 f"{station.code}-P{p:02d}", address=station.address,
                                 **near(station.lat, station.lon, 0.006)))
            if community and urban:
                for g in range(1, GRIDS_PER_COMMUNITY + 1):
                    station.add(Plan(f"{place}第{g}网格", "grid", f"{station.code}-G{g:02d}",
                                     address=station.address, lat=station.lat, lon=station.lon))
        counties.append(CityCounty(name, (*areas, CITY_AREA), pop, county_office, center, institutes, stations,
                                   town_of))
    return City(root, counties)
