"""The demo county, shaped like 秭归县 in its 2020 work report (SPEC 3).

1 center, 89 sub-centers (county departments), 12 institutes (the 12 townships),
270 stations (villages and communities), 2,052 points (村落 and housing estates) and
134 grids (urban grid communities, mostly in the county seat 茅坪镇).
"""

import random
from dataclasses import dataclass

from .names import CONTACT_PHONE_BASE, Surnames, make_name, phone_for
from .treeplan import Plan

COUNTY = "秭归县"
COUNTY_CODE = "420527"
AREA_CODES = ("420527",)
CENTER_LAT, CENTER_LON = 30.825, 110.978
SUBCENTER_COUNT, STATION_COUNT, POINT_COUNT, GRID_COUNT = 89, 270, 2052, 134

# Township, admin code (9 digits), stations, lat, lon. 茅坪镇 is the county seat.
TOWNSHIPS = [
    ("茅坪镇", "420527100", 40, 30.828, 110.978), ("归州镇", "420527101", 26, 30.985, 110.715),
    ("屈原镇", "420527102", 22, 30.948, 110.800), ("沙镇溪镇", "420527103", 22, 30.928, 110.555),
    ("两河口镇", "420527104", 20, 31.045, 110.585), ("郭家坝镇", "420527105", 26, 30.870, 110.742),
    ("杨林桥镇", "420527106", 22, 30.775, 110.820), ("九畹溪镇", "420527107", 26, 30.832, 110.880),
    ("水田坝乡", "420527200", 20, 31.070, 110.720), ("泄滩乡", "420527201", 16, 30.980, 110.450),
    ("梅家河乡", "420527202", 16, 30.700, 110.680), ("磨坪乡", "420527203", 14, 30.630, 110.880),
]
URBAN_COMMUNITIES = ["金缸城社区", "平湖社区", "东门社区", "南门社区", "凤凰山社区", "长宁社区", "滨湖社区",
                     "西陵社区", "橘颂社区", "九龙社区"]
URBAN_GRIDS_EACH = 12  # 10 × 12 = 120 grids in the county seat
SEAT_GRID_TOWNS = ["归州镇", "屈原镇", "沙镇溪镇", "两河口镇", "郭家坝镇", "杨林桥镇", "九畹溪镇"]  # 2 grids each
KNOWN_VILLAGES = {"茅坪镇": ["九里村", "杨贵店村", "兰陵溪村", "银杏沱村"], "屈原镇": ["乐平里村"]}

SUBCENTER_DEPARTMENTS = """
县委办公室 县人大常委会办公室 县政府办公室 县政协办公室 县纪委监委 县委组织部 县委宣传部 县委统战部 县委政法委
县委编办 县委党校 县委网信办 县委老干部局 县发展和改革局 县教育局 县科技和经济信息化局 县公安局 县民政局 县司法局
县财政局 县人力资源和社会保障局 县自然资源和规划局 县生态环境分局 县住房和城乡建设局 县交通运输局 县水利和湖泊局
县农业农村局 县商务局 县文化和旅游局 县卫生健康局 县退役军人事务局 县应急管理局 县审计局 县市场监督管理局 县统计局
县医疗保障局 县林业局 县城市管理执法局 县信访局 县政务服务和大数据管理局 县融媒体中心 县总工会 团县委 县妇联 县科协
县残联 县工商联 县红十字会 县文联 县供销社 县税务局 县人民法院 县人民检察院 县人武部 县消防救援大队 县气象局
县烟草专卖局 县邮政分公司 县供电公司 县移动分公司 县电信分公司 县联通分公司 县人民医院 县中医医院 县妇幼保健院
县疾病预防控制中心 县第一中学 县第二中学 县职业教育中心 县实验小学 县图书馆 县文化馆 县屈原纪念馆 县经济开发区管委会
县港航事务中心 县农村商业银行 县农业银行 县工商银行 县建设银行 县中国银行 县邮储银行 县公路事业发展中心
县机关事务服务中心 县档案馆 县新华书店 县水务集团 县城市建设投资公司 县公共交通公司 县社会福利院
""".split()

VILLAGE_HEADS = ("王家 李家 向家 谭家 杨家 周家 郑家 杜家 覃家 屈家 黄家 陈家 刘家 张家 田家 望家 龙 凤 青 松 柏 桃 杏 竹"
                 " 梨 枣 石 高 长 新 老 大 小 白 红 金 银 茶 橘 桂 花 三 五 九 双 万 千 兰 泉 云 月 松树 桃花 杏花 柑橘"
                 " 银杏 石门 青龙 白鹤 金竹 花果 五龙 长岭").split()
VILLAGE_TAILS = "坪 湾 岭 冲 坡 垭 沟 河 坝 岩 溪 包 坳 堡 店 园 台 桥 嘴 口 垴 淌 沱 岗 槽 坊".split()
ESTATES = ("滨江花园 橘颂苑 屈原广场 长江明珠 平湖佳苑 凤凰新城 西陵峡苑 阳光嘉园 锦绣华庭 和美家园 江南春城 丹阳苑"
           " 金缸城小区 九龙湾 港湾新村 移民新村 桂花园 翠屏苑 东山小区 南苑小区").split()
CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (small ordinals in names)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def village_names(rng: random.Random, town: str, count: int, taken: set[str]) -> list[str]:
    names = [n for n in KNOWN_VILLAGES.get(town, []) if n not in taken][:count]
    taken.update(names)
    while len(names) < count:
        name = rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_TAILS) + "村"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def split_exact(rng: random.Random, sizes: list[int], total: int, low: int) -> list[int]:
    """Nudge `sizes` up or down one at a time (never below `low`) until they sum to `total`."""
    sizes = list(sizes)
    while sum(sizes) != total:
        i = rng.randrange(len(sizes))
        if sum(sizes) < total:
            sizes[i] += 1
        elif sizes[i] > low:
            sizes[i] -= 1
    return sizes


@dataclass
class County:
    root: Plan  # 湖北省
    county: Plan
    center: Plan
    subcenters: list[Plan]
    institutes: list[Plan]
    stations: list[Plan]  # tag: "urban" (county-seat community), "seat" (township seat) or "village"
    town_of: dict[int, Plan]  # id(station plan) → its institute plan


class _Contacts:
    def __init__(self, rng: random.Random, surnames: Surnames, salt: int):
        self.rng, self.surnames, self.salt, self.n = rng, surnames, salt, 0

    def __call__(self) -> dict:
        self.n += 1
        return {"contact_name": make_name(self.rng, self.surnames, self.rng.random() < 0.5),
                "contact_phone": phone_for(CONTACT_PHONE_BASE + self.n, self.salt, self.rng)}


def _jitter(rng: random.Random, lat: float, lon: float, spread: float) -> dict:
    return {"lat": lat + rng.uniform(-spread, spread), "lon": lon + rng.uniform(-spread, spread)}


def plan_county(rng: random.Random, surnames: Surnames, salt: int) -> County:
    contact = _Contacts(rng, surnames, salt)
    seat = f"湖北省宜昌市{COUNTY}"
    root = Plan("湖北省文明办", "province", "HB", admin_code="420000000000", address="湖北省武汉市武昌区",
                lat=30.546, lon=114.342)
    city = root.add(Plan("宜昌市文明办", "city", "HB-YC", admin_code="420500000000", address="湖北省宜昌市西陵区",
                         lat=30.702, lon=111.286))
    county = city.add(Plan(f"{COUNTY}文明办", "county", "ZG", admin_code="420527000000",
                           address=f"{seat}茅坪镇长宁大道", lat=CENTER_LAT, lon=CENTER_LON, **contact()))
    center = county.add(Plan(f"{COUNTY}新时代文明实践中心", "center", "ZG-C", address=f"{seat}茅坪镇屈原广场",
                             lat=CENTER_LAT + 0.003, lon=CENTER_LON + 0.002, **contact()))
    if sum(t[2] for t in TOWNSHIPS) != STATION_COUNT:
        raise AssertionError(f"expected {STATION_COUNT} stations in TOWNSHIPS")
    if len(SUBCENTER_DEPARTMENTS) != SUBCENTER_COUNT:
        raise AssertionError(f"expected {SUBCENTER_COUNT} departments, have {len(SUBCENTER_DEPARTMENTS)}")
    subcenters = [
        center.add(Plan(f"{dept}分中心", "subcenter", f"ZG-F{i:02d}", address=f"{seat}茅坪镇",
                        tag=dept, **_jitter(rng, CENTER_LAT, CENTER_LON, 0.012), **contact()))
        for i, dept in enumerate(SUBCENTER_DEPARTMENTS, start=1)
    ]
    institutes, stations, town_of = [], [], {}
    taken: set[str] = set()
    for t, (town, code9, n_stations, lat, lon) in enumerate(TOWNSHIPS, start=1):
        inst = center.add(Plan(f"{town}新时代文明实践所", "institute", f"ZG-I{t:02d}", admin_code=code9 + "000",
                               address=f"{seat}{town}", tag=town, lat=lat, lon=lon, **contact()))
        institutes.append(inst)
        if town == "茅坪镇":
            names = [(n, "urban") for n in URBAN_COMMUNITIES]
        else:
            names = [(town[:-1] + "社区", "seat")]
        names += [(n, "village") for n in village_names(rng, town, n_stations - len(names), taken)]
        for s, (name, tag) in enumerate(names, start=1):
            number = s if tag != "village" else 199 + s  # statistical codes: 0xx communities, 2xx villages
            spread = 0.012 if tag != "village" else 0.06
            station = inst.add(Plan(f"{name}新时代文明实践站", "station", f"ZG-I{t:02d}-S{s:03d}",
                                    admin_code=f"{code9}{number:03d}", address=f"{seat}{town}{name}", tag=tag,
                                    short=name, **_jitter(rng, lat, lon, spread), **contact()))
            stations.append(station)
            town_of[id(station)] = inst
    _add_points(rng, stations, contact)
    _add_grids(stations, town_of)
    return County(root, county, center, subcenters, institutes, stations, town_of)


def _add_points(rng: random.Random, stations: list[Plan], contact) -> None:
    ranges = {"urban": (2, 4), "seat": (3, 6), "village": (5, 11)}
    sizes = [rng.randint(*ranges[s.tag]) for s in stations]
    sizes = split_exact(rng, sizes, POINT_COUNT, low=2)
    for station, size in zip(stations, sizes, strict=True):
        estates = rng.sample(ESTATES, k=min(size, len(ESTATES))) if station.tag != "village" else []
        for p in range(1, size + 1):
            if station.tag == "village":
                name = f"{station.short}第{cn_number(p)}村落文明实践点"
            else:
                name = f"{station.short}{estates[(p - 1) % len(estates)]}文明实践点"
            station.add(Plan(name, "point", f"{station.code}-P{p:02d}", address=f"{station.address}{p}组",
                             **_jitter(rng, station.lat, station.lon, 0.008), **contact()))


def _add_grids(stations: list[Plan], town_of: dict[int, Plan]) -> None:
    count = 0
    for station in stations:
        town = town_of[id(station)].tag
        if station.tag == "urban":
            size = URBAN_GRIDS_EACH
        elif station.tag == "seat" and town in SEAT_GRID_TOWNS:
            size = 2
        else:
            continue
        for g in range(1, size + 1):
            station.add(Plan(f"{station.short}第{g}网格", "grid", f"{station.code}-G{g:02d}",
                             address=station.address, lat=station.lat, lon=station.lon))
            count += 1
    if count != GRID_COUNT:
        raise AssertionError(f"expected {GRID_COUNT} grids, planned {count}")
