"""Synthetic people: Chinese names, GB 11643 ID numbers, phones and volunteer attributes.

Deterministic for a given `random.Random`. ID numbers and phones are unique by
construction (no retry loops, no database look-ups), so chunks of a large population can
be generated in parallel processes and still never collide.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from stdnum.cn import ric

from wenming.volunteers.validation import known_area

# Common surnames with rough national weights (per mille); regions add local weight below.
SURNAME_WEIGHTS = {
    "王": 72, "李": 71, "张": 68, "刘": 53, "陈": 45, "杨": 31, "黄": 23, "赵": 22, "吴": 20, "周": 19,
    "徐": 17, "孙": 15, "马": 14, "朱": 13, "胡": 13, "郭": 12, "何": 11, "高": 11, "林": 11, "罗": 10,
    "郑": 10, "梁": 9, "谢": 8, "宋": 8, "唐": 8, "许": 7, "韩": 7, "冯": 7, "邓": 7, "曹": 7,
    "彭": 6, "曾": 6, "肖": 6, "田": 6, "董": 6, "袁": 5, "潘": 5, "于": 5, "蒋": 5, "蔡": 5,
    "余": 5, "杜": 5, "叶": 5, "程": 5, "苏": 4, "魏": 4, "吕": 4, "丁": 4, "任": 4, "沈": 4,
    "姚": 4, "卢": 4, "姜": 4, "崔": 3, "钟": 3, "谭": 3, "陆": 3, "汪": 3, "范": 3, "金": 3,
    "石": 3, "廖": 3, "贾": 3, "夏": 3, "韦": 3, "付": 3, "方": 3, "白": 3, "邹": 3, "孟": 3,
    "熊": 3, "秦": 3, "邱": 3, "江": 3, "尹": 3, "薛": 2, "段": 2, "雷": 2, "侯": 2, "龙": 2,
    "史": 2, "陶": 2, "黎": 2, "贺": 2, "顾": 2, "毛": 2, "郝": 2, "龚": 2, "邵": 2, "万": 2,
    "覃": 2, "向": 2, "易": 2, "聂": 1, "柳": 1, "舒": 1, "颜": 1, "望": 1, "屈": 1, "欧阳": 1,
}
# 秭归 (western Hubei) and 衡阳 (Hunan) have their own frequent family names.
ZIGUI_SURNAMES = {"向": 28, "谭": 16, "郑": 12, "杜": 10, "覃": 8, "屈": 6, "望": 6, "周": 8, "王": 8, "田": 6}
HENGYANG_SURNAMES = {"刘": 10, "罗": 8, "陈": 6, "谭": 6, "彭": 6, "曾": 6, "邓": 6, "廖": 5, "欧阳": 3, "蒋": 4}


def _chars(text: str) -> list[str]:
    return list(dict.fromkeys(text))  # de-duplicated, order kept (determinism)


MALE_CHARS = _chars("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳峰建国志成文博晨昊轩睿泽远航毅诚瑞鸿"
                    "亮坤东海豪德胜兵永贵福生祥荣发顺")
FEMALE_CHARS = _chars("芳娜敏静丽艳娟霞燕玲英红梅琳丹萍雪琴云莉婷倩慧佳欣怡悦颖璐瑶婧雯琪萱涵月兰秀春晓彤薇洁蓉"
                      "桂凤翠霞美玉珍")
SHARED_CHARS = _chars("文明华春秋小晓子一家清永庆学新长玉金思雨诗可安心")

PHONE_PREFIXES = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
                  "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
                  "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"]

# Share of volunteers by age band: mostly working age, a few older, a few 14–17 with a guardian.
AGE_BANDS = [((14, 17), 3), ((18, 24), 14), ((25, 34), 22), ((35, 44), 24), ((45, 54), 20), ((55, 64), 13),
             ((65, 70), 4)]
ADULT_AGE = 18

# Codes from volunteers/migrations/0002_seed_skills.py, weighted by how common the skill is.
SKILL_WEIGHTS = {
    "medical": 6, "psychological": 3, "rescue": 4, "driving": 10, "legal": 3, "arts": 8, "it": 5,
    "education": 8, "publicity": 6, "repair": 4, "disinfection": 7, "translation": 2, "elderly_care": 10,
    "sign_language": 1, "cooking": 6, "logistics": 10,
}
SKILL_CODES = list(SKILL_WEIGHTS)
SKILL_CUM = list(accumulate(SKILL_WEIGHTS.values()))

# Availability bit flags (volunteers.models.Availability) and how often each is ticked.
AVAILABILITY_ODDS = [(1, 0.35), (2, 0.5), (4, 0.7), (8, 0.3)]


class Surnames:
    """Weighted surname draw; `local` adds regional weight on top of the national table."""

    def __init__(self, local: dict[str, int] | None = None):
        weights = dict(SURNAME_WEIGHTS)
        for name, extra in (local or {}).items():
            weights[name] = weights.get(name, 0) + extra
        self.names = list(weights)
        self.cum = list(accumulate(weights.values()))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cum)[0]


def _zipf(chars: list[str]) -> list[float]:
    """Cumulative weights falling with rank: the lists start with the most popular
    characters, so names repeat about as often as real ones do (张伟, 王芳…)."""
    return list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(chars))))


MALE_CUM, FEMALE_CUM, SHARED_CUM = _zipf(MALE_CHARS), _zipf(FEMALE_CHARS), _zipf(SHARED_CHARS)


def make_name(rng: random.Random, surnames: Surnames, male: bool) -> str:
    own, cum = (MALE_CHARS, MALE_CUM) if male else (FEMALE_CHARS, FEMALE_CUM)
    if rng.random() < 0.7:
        first = rng.choices(own, cum_weights=cum)[0]
    else:
        first = rng.choices(SHARED_CHARS, cum_weights=SHARED_CUM)[0]
    if rng.random() < 0.22:
        return surnames.draw(rng) + first
    return surnames.draw(rng) + first + rng.choices(own, cum_weights=cum)[0]


def reference_date(today: date) -> date:
    """Ages are drawn relative to 1 January of the current year, so a seed gives the same
    birth dates all year, and nobody drawn as 14 can be younger than 14 today."""
    return date(today.year, 1, 1)


def area_valid_in(area: str, year: int) -> bool:
    """The product's own rule (volunteers.validation.known_area): the code exists in the
    national table. A number carries the area where it was issued, so 420527 is right for a
    秭归 resident of any birth year."""
    return known_area(area)


def area_for(candidates: tuple[str, ...], year: int) -> str:
    for area in candidates:
        if area_valid_in(area, year):
            return area
    raise ValueError(f"no valid area code among {candidates} for {year}")


class IdAllocator:
    """Unique ID numbers without look-ups.

    The 3-digit order code gives 500 values per sex for each (area, birth date). Chunk
    `offset` of `stride` interleaved chunks takes the values offset, offset + stride, …,
    so parallel chunks never collide. `take` returns None when a day is full (redraw)."""

    def __init__(self, stride: int = 1, offset: int = 0):
        if not 0 <= offset < stride <= 100:
            raise ValueError("bad stride/offset")
        self.stride, self.offset = stride, offset
        self.used: dict[tuple, int] = {}

    def take(self, area: str, born: date, male: bool) -> str | None:
        key = (area, born, male)
        n = self.used.get(key, 0)
        value = n * self.stride + self.offset
        if value >= 500:
            return None
        self.used[key] = n + 1
        # Spread the order codes over 0–499 with a bijection per day, so they look issued, not counted.
        value = (value * 173 + born.toordinal()) % 500
        body = f"{area}{born:%Y%m%d}{value * 2 + (1 if male else 0):03d}"
        return body + ric.calc_check_digit(body + "0")


# Distinct index ranges keep volunteers', guardians' and contacts' phones apart.
GUARDIAN_PHONE_BASE = 60_000_000
CONTACT_PHONE_BASE = 90_000_000


def phone_for(index: int, salt: int, rng: random.Random) -> str:
    """A mobile number unique per index: the 8-digit tail is a bijection of the index
    (multiplying by a number coprime to 10^8), the prefix is free."""
    tail = (index * 61_803_399 + salt) % 100_000_000
    return f"{rng.choice(PHONE_PREFIXES)}{tail:08d}"


@dataclass
class Person:
    name: str
    male: bool
    born: date
    age: int
    id_number: str
    phone: str
    political_status: str
    skills: tuple[str, ...]
    availability: int
    is_reserve: bool
    insurance_valid_until: date | None
    guardian_name: str = ""
    guardian_phone: str = ""

    @property
    def minor(self) -> bool:
        return self.age < ADULT_AGE


class PeopleMaker:
    """Draws one synthetic volunteer at a time from a seeded RNG."""

    def __init__(self, rng: random.Random, *, surnames: Surnames, ref: date, salt: int,
                 ids: IdAllocator | None = None):
        self.rng, self.surnames, self.ref, self.salt = rng, surnames, ref, salt
        self.ids = ids or IdAllocator()
        self._bands = [band for band, _ in AGE_BANDS]
        self._band_cum = list(accumulate(w for _, w in AGE_BANDS))

    def person(self, index: int, areas: tuple[str, ...]) -> Person:
        """Volunteer number `index` (global, unique) whose ID was issued in one of `areas`
        (the current code first, older codes of the same county after it)."""
        rng = self.rng
        male = rng.random() < 0.52
        while True:
            low, high = rng.choices(self._bands, cum_weights=self._band_cum)[0]
            age = rng.randint(low, high)
            born = date(self.ref.year - age, 1, 1) - timedelta(days=rng.randrange(365))
            id_number = self.ids.take(area_for(areas, born.year), born, male)
            if id_number is not None:
                break
        person = Person(
            name=make_name(rng, self.surnames, male), male=male, born=born, age=age, id_number=id_number,
            phone=phone_for(index, self.salt, rng), political_status=self._political(age),
            skills=self._skills(), availability=self._availability(), is_reserve=rng.random() < 0.5,
            insurance_valid_until=self._insurance(),
        )
        if person.minor:
            person.guardian_name = person.name[0] + make_name(rng, self.surnames, rng.random() < 0.5)[1:]
            person.guardian_phone = phone_for(GUARDIAN_PHONE_BASE + index, self.salt, rng)
        return person

    def _political(self, age: int) -> str:
        r = self.rng.random()
        if age < ADULT_AGE:
            return "league_member" if r < 0.6 else "masses"
        if age <= 28:
            return ("party_member" if r < 0.18 else "probationary" if r < 0.21
                    else "league_member" if r < 0.66 else "masses")
        return ("party_member" if r < 0.34 else "probationary" if r < 0.35
                else "democratic_party" if r < 0.36 else "masses")

    def _skills(self) -> tuple[str, ...]:
        count = self.rng.choices((0, 1, 2, 3), cum_weights=(30, 70, 90, 100))[0]
        picked: list[str] = []
        for code in self.rng.choices(SKILL_CODES, cum_weights=SKILL_CUM, k=count):
            if code not in picked:
                picked.append(code)
        return tuple(picked)

    def _availability(self) -> int:
        flags = sum(flag for flag, odds in AVAILABILITY_ODDS if self.rng.random() < odds)
        return flags or 4  # everybody can do at least weekends

    def _insurance(self) -> date | None:
        if self.rng.random() < 0.25:
            return None
        return self.ref + timedelta(days=self.rng.randint(-90, 540))  # some already expired
