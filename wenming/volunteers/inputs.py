"""Build VolunteerValues from a dict of raw input (API body, form, Excel row).

Node and skill lookups are passed in, so each caller resolves them its own way: the API
within the actor's scope, self-registration among public nodes, the importer from a cache.
"""

import re
from collections.abc import Callable

from .errors import VolunteerError as E
from .models import Skill, Volunteer
from .validation import (
    VolunteerValues,
    clean_name,
    normalize_phone,
    parse_availability,
    parse_bool,
    parse_coordinate,
    parse_date,
    parse_id_type,
    parse_identity,
    parse_political,
)

NodeLookup = Callable[[object], object]


def build_values(data: dict, *, resolve_node: NodeLookup, skills_by_key: dict[str, Skill]) -> VolunteerValues:
    """Every field is validated; the first error raised names its field."""
    name = clean_name(data.get("name"))
    id_type = parse_id_type(data.get("id_type"))
    identity = parse_identity(id_type, data.get("id_number"), parse_date(data.get("birth_date"), "birth_date"),
                              data.get("sex") or None)
    phone = normalize_phone(data.get("phone"))
    node_key = data.get("home_node")
    if node_key in (None, ""):
        raise E.NODE_REQUIRED.error("home_node")
    home_node = resolve_node(node_key)
    if home_node is None:
        raise E.NODE_UNKNOWN.error("home_node", value=node_key)
    grid = None
    if data.get("grid") not in (None, ""):
        grid = resolve_node(data["grid"])
        if grid is None:
            raise E.GRID_INVALID.error("grid")
    skills = []
    for key in _split(data.get("skills")):
        skill = skills_by_key.get(key)
        if skill is None:
            raise E.SKILL_UNKNOWN.error("skills", value=key)
        skills.append(skill)
    guardian_phone = ""
    if data.get("guardian_phone") not in (None, ""):
        guardian_phone = normalize_phone(data["guardian_phone"], "guardian_phone")
    return VolunteerValues(
        name=name,
        identity=identity,
        phone=phone,
        home_node=home_node,
        political_status=parse_political(data.get("political_status")),
        grid=grid,
        skills=skills,
        address=str(data.get("address") or "").strip()[:200],
        lat=parse_coordinate(data.get("lat"), -90, 90, "lat"),
        lon=parse_coordinate(data.get("lon"), -180, 180, "lon"),
        availability=parse_availability(data.get("availability")),
        is_reserve=parse_bool(data.get("is_reserve"), "is_reserve"),
        insurance_valid_until=parse_date(data.get("insurance_valid_until"), "insurance_valid_until"),
        consent_location=parse_bool(data.get("consent_location"), "consent_location"),
        consent_health=parse_bool(data.get("consent_health"), "consent_health"),
        guardian_name=str(data.get("guardian_name") or "").strip()[:50],
        guardian_phone=guardian_phone,
        guardian_consent=parse_bool(data.get("guardian_consent"), "guardian_consent"),
    )


def _split(raw) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, (list, tuple)):
        return [str(x).strip() for x in raw if str(x).strip()]
    return [x for x in re.split(r"[、,，;；/\s]+", str(raw).strip()) if x]


def skills_index() -> dict[str, Skill]:
    """Skills by code and by Chinese name."""
    out = {}
    for skill in Skill.objects.all():
        out[skill.code] = skill
        out[skill.name] = skill
    return out


def current_input(vol: Volunteer) -> dict:
    """A volunteer's present values as raw input, for partial updates. Decrypts internally;
    the result must never be sent to a client."""
    return {
        "name": vol.name,
        "id_type": vol.id_type,
        "id_number": vol.reveal_id_number(),
        "birth_date": vol.birth_date,
        "sex": vol.sex,
        "phone": vol.reveal_phone(),
        "home_node": vol.home_node_id,
        "grid": vol.grid_id,
        "political_status": vol.political_status,
        "skills": [s.code for s in vol.skills.all()],
        "address": vol.reveal_address(),
        "lat": vol.lat,
        "lon": vol.lon,
        "availability": vol.availability,
        "is_reserve": vol.is_reserve,
        "insurance_valid_until": vol.insurance_valid_until,
        "consent_location": vol.consent_location_at is not None,
        "consent_health": vol.consent_health_at is not None,
        "guardian_name": vol.guardian_name,
        "guardian_phone": vol.reveal_guardian_phone(),
        "guardian_consent": vol.guardian_consent_at is not None,
    }
