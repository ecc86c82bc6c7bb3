"""Generating one chunk of city volunteers: rows for the volunteer table, its skills table
and team members, with personal data encrypted and indexed exactly as the product does.

Pure CPU work with no database access, so chunks run in worker processes. Each chunk has
its own RNG (seeded from the seed and the chunk number) and its own slice of the ID-number
space, so the result does not depend on how many processes run or in which order.
"""

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from wenming.core.crypto import blind_index, encrypt, mask_id_number, mask_phone
from wenming.volunteers.models import ID_PURPOSE, PHONE_PURPOSE
from wenming.volunteers.validation import name_pinyin

from .names import IdAllocator, PeopleMaker, Surnames

REGISTRATION_SPAN = timedelta(days=5 * 365)  # registrations spread over the last five years


@dataclass
class Home:
    """A station where volunteers live, with its points and grids (ids and coordinates)."""

    county: int
    station_id: int
    lat: float
    lon: float
    points: list[tuple[int, float, float]]
    grids: list[int]
    division_id: int  # the station's 分队
    address: str
    village: bool
    name: str = ""  # the station's name


@dataclass
class Context:
    seed: int
    salt: int
    ref: date
    now: datetime
    surnames: dict[str, int]
    homes: list[Home]
    home_cum: list[float]
    areas: list[tuple[str, ...]]  # per county
    skill_ids: dict[str, int]
    number_prefix: str
    first_number: int
    first_id: int
    stride: int  # number of chunks: each chunk owns 1/stride of the ID order codes
    team_share: float
    as_text: bool  # COPY text (PostgreSQL) or dict rows (bulk_create elsewhere)
    volunteer_columns: list[str] = field(default_factory=list)
    volunteer_defaults: dict = field(default_factory=dict)


@dataclass
class Chunk:
    count: int
    volunteers: object  # str (COPY text) or list[dict]
    skills: object  # str or list[(volunteer_id, skill_id)]
    members: object  # str or list[(team_id, volunteer_id, role, joined_at)]
    member_count: int


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    return str(value)


def copy_line(values) -> str:
    return "\t".join(map(copy_text, values)) + "\n"


# Set in the parent before the worker processes fork (or passed to `init_worker`).
_CTX: Context | None = None


def init_worker(ctx: Context) -> None:
    global _CTX
    _CTX = ctx


def make_chunk(job: tuple[int, int, int]) -> Chunk:
    """Volunteers start … start+size-1 of the whole run (chunk number `index`)."""
    index, start, size = job
    ctx = _CTX
    rng = random.Random(f"{ctx.seed}:{index}")
    maker = PeopleMaker(rng, surnames=Surnames(ctx.surnames), ref=ctx.ref, salt=ctx.salt,
                        ids=IdAllocator(stride=ctx.stride, offset=index))
    homes = rng.choices(ctx.homes, cum_weights=ctx.home_cum, k=size)
    vols, skills, members = [], [], []
    for j, home in enumerate(homes):
        n = start + j
        vid = ctx.first_id + n
        row = _volunteer(ctx, rng, maker.person(n, ctx.areas[home.county]), home, n, vid)
        vols.append(row)
        skills.extend((vid, skill_id) for skill_id in row.pop("_skills"))
        if rng.random() < ctx.team_share:
            members.append((home.division_id, vid, "member", row["registered_at"]))
    member_count = len(members)
    if ctx.as_text:
        cols, defaults = ctx.volunteer_columns, ctx.volunteer_defaults
        vols = "".join(copy_line(row.get(c, defaults.get(c)) for c in cols) for row in vols)
        skills = "".join(f"{v}\t{s}\n" for v, s in skills)
        members = "".join(map(copy_line, members))
    return Chunk(size, vols, skills, members, member_count)


def _volunteer(ctx: Context, rng: random.Random, person, home: Home, n: int, vid: int) -> dict:
    if home.points and rng.random() < 0.65:
        node_id, lat, lon = rng.choice(home.points)
    else:
        node_id, lat, lon = home.station_id, home.lat, home.lon
    located = rng.random() < 0.6
    registered = ctx.now - timedelta(seconds=rng.randrange(int(REGISTRATION_SPAN.total_seconds())))
    if home.village:
        address = f"{home.address}{rng.randint(1, 15)}组{rng.randint(1, 99)}号"
    else:
        address = f"{home.address}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
    pinyin, initials = name_pinyin(person.name)
    return {
        "id": vid,
        "name": person.name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "id_type": "resident",
        "id_number_enc": encrypt(person.id_number),
        "id_number_hash": blind_index(person.id_number, ID_PURPOSE),
        "id_number_masked": mask_id_number(person.id_number),
        "birth_date": person.born,
        "sex": "M" if person.male else "F",
        "phone_enc": encrypt(person.phone),
        "phone_hash": blind_index(person.phone, PHONE_PURPOSE),
        "phone_masked": mask_phone(person.phone),
        "volunteer_no": f"{ctx.number_prefix}{ctx.first_number + n:010d}",
        "political_status": person.political_status,
        "home_node_id": node_id,
        "grid_id": rng.choice(home.grids) if home.grids else None,
        "address_enc": encrypt(address),
        "lat": Decimal(f"{lat + rng.uniform(-0.004, 0.004):.3f}") if located else None,
        "lon": Decimal(f"{lon + rng.uniform(-0.004, 0.004):.3f}") if located else None,
        "availability": person.availability,
        "is_reserve": person.is_reserve,
        "insurance_valid_until": person.insurance_valid_until,
        "consent_terms_at": registered,
        "consent_location_at": registered if located else None,
        "consent_health_at": registered if rng.random() < 0.4 else None,
        "guardian_name": person.guardian_name,
        "guardian_phone_enc": encrypt(person.guardian_phone),
        "guardian_phone_masked": mask_phone(person.guardian_phone) if person.guardian_phone else "",
        "guardian_consent_at": registered if person.minor else None,
        "status": "active",
        "source": "seed",
        "user_id": None,
        "registered_at": registered,
        "updated_at": registered,
        "_skills": [ctx.skill_ids[code] for code in person.skills if code in ctx.skill_ids],
    }
