"""Turning raw input (form, API, Excel row) into clean volunteer values, with Chinese errors.

Pure functions: no database access except through the lookups passed in, so the importer
can validate 100,000 rows with batched lookups.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from pypinyin import Style, lazy_pinyin
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from wenming.core.dates import age_on
from wenming.orgs.models import PATH_STEP

from .errors import VolunteerError as E
from .models import Availability, IdType, PoliticalStatus, Sex

NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·•.\s]{2,30}$")
OTHER_ID_RE = re.compile(r"^[A-Za-z0-9]{6,20}$")
MIN_AGE = 14
ADULT_AGE = 18

POLITICAL_BY_LABEL = {label: value for value, label in PoliticalStatus.choices} | {
    "党员": PoliticalStatus.PARTY_MEMBER, "预备党员": PoliticalStatus.PROBATIONARY,
    "团员": PoliticalStatus.LEAGUE_MEMBER,
}
ID_TYPE_BY_LABEL = {label: value for value, label in IdType.choices} | {"身份证": IdType.RESIDENT}
AVAILABILITY_BY_LABEL = {label: value for value, label in Availability.choices}
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "同意", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "", "不同意", "无"}


@dataclass
class Identity:
    id_type: str
    number: str
    birth_date: date
    sex: str


def parse_identity(id_type: str, raw: str, birth_date: date | None = None, sex: str | None = None) -> Identity:
    """Validate an ID number; for resident IDs derive birth date and sex (GB 11643)."""
    number = re.sub(r"\s", "", str(raw or "")).upper()
    if not number:
        raise E.ID_REQUIRED.error("id_number")
    if id_type not in IdType.values:
        raise E.ID_TYPE_INVALID.error("id_type", value=id_type)
    if id_type != IdType.RESIDENT:
        if not OTHER_ID_RE.match(number):
            raise E.ID_OTHER_FORMAT.error("id_number")
        if birth_date is None or sex not in Sex.values:
            raise E.BIRTH_REQUIRED.error("birth_date")
        return Identity(id_type, number, birth_date, sex)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise E.ID_FORMAT.error("id_number")
    if ric.calc_check_digit(number) != number[17]:
        raise E.ID_CHECKSUM.error("id_number")
    try:
        born = ric.get_birth_date(number)
    except InvalidComponent:
        raise E.ID_BIRTH_DATE.error("id_number") from None
    if not known_area(number[:6]):
        raise E.ID_AREA.error("id_number")
    return Identity(id_type, number, born, Sex.MALE if int(number[16]) % 2 else Sex.FEMALE)


@lru_cache(maxsize=8192)
def known_area(code: str) -> bool:
    """The 6-digit area code exists in the national table, in any period. stdnum's own check
    also ties the code to the birth year, but a number carries the area where it was issued:
    someone born in 1970 and registered in 秭归 after 1992 rightly has 420527."""
    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


def normalize_phone(raw: str, field_name: str = "phone") -> str:
    """A mainland mobile number as 11 digits; accepts +86, spaces and dashes."""
    text = str(raw or "").strip()
    if not text:
        raise E.PHONE_REQUIRED.error(field_name)
    digits = re.sub(r"[\s\-()]", "", text)
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits  # the common case, without the cost of a full parse
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        raise E.PHONE_INVALID.error(field_name) from None
    national = str(parsed.national_number)
    if parsed.country_code != 86 or not re.fullmatch(r"1[3-9]\d{9}", national):
        raise E.PHONE_INVALID.error(field_name)
    return national


def check_age(born: date, today: date, guardian_name: str, guardian_phone: str, guardian_consent: bool) -> None:
    age = age_on(born, today)
    if age < MIN_AGE:
        raise E.UNDER_14.error("id_number")
    if age < ADULT_AGE and not (guardian_consent and guardian_name and guardian_phone):
        raise E.GUARDIAN_REQUIRED.error("guardian_name")


def clean_name(raw: str) -> str:
    name = re.sub(r"\s+", " ", str(raw or "")).strip()
    if not name:
        raise E.NAME_REQUIRED.error("name")
    if not NAME_RE.match(name):
        raise E.NAME_INVALID.error("name")
    return name


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """('zhangsanfeng', 'zsf') for search by full pinyin or by initials."""
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower(), "".join(initials).lower()


def parse_political(raw: str) -> str:
    value = str(raw or "").strip()
    if not value:
        return PoliticalStatus.MASSES
    if value in PoliticalStatus.values:
        return value
    if value in POLITICAL_BY_LABEL:
        return POLITICAL_BY_LABEL[value]
    raise E.POLITICAL_INVALID.error("political_status", value=value)


def parse_id_type(raw: str) -> str:
    value = str(raw or "").strip()
    if not value:
        return IdType.RESIDENT
    if value in IdType.values:
        return value
    if value in ID_TYPE_BY_LABEL:
        return ID_TYPE_BY_LABEL[value]
    raise E.ID_TYPE_INVALID.error("id_type", value=value)


def parse_availability(raw) -> int:
    """Accepts an int bitmask, a list of labels/ints, or '工作日白天、周末节假日'."""
    if raw in (None, ""):
        return 0
    if isinstance(raw, int):
        if 0 <= raw <= 15:
            return raw
        raise E.AVAILABILITY_INVALID.error("availability", value=raw)
    items = raw if isinstance(raw, (list, tuple)) else re.split(r"[、,，;；/\s]+", str(raw).strip())
    total = 0
    for item in items:
        if item in ("", None):
            continue
        if isinstance(item, int) or str(item).isdigit():
            flag = int(item)
            if flag not in Availability.values:
                raise E.AVAILABILITY_INVALID.error("availability", value=item)
        elif item in AVAILABILITY_BY_LABEL:
            flag = AVAILABILITY_BY_LABEL[item]
        else:
            raise E.AVAILABILITY_INVALID.error("availability", value=item)
        total |= flag
    return total


def parse_bool(raw, field_name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw if raw is not None else "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise E.BOOL_INVALID.error(field_name, value=raw)


def parse_date(raw, field_name: str) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise E.DATE_INVALID.error(field_name, value=raw) from None


def parse_coordinate(raw, low: int, high: int, field_name: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise E.COORDINATES_INVALID.error(field_name) from None
    if not (low <= value <= high):
        raise E.COORDINATES_INVALID.error(field_name)
    return value.quantize(Decimal("0.001"))


@dataclass
class VolunteerValues:
    """Clean values for one volunteer; `home_node` and `skills` are already resolved objects."""

    name: str
    identity: Identity
    phone: str
    home_node: object
    political_status: str = PoliticalStatus.MASSES
    grid: object = None
    skills: list = field(default_factory=list)
    address: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None
    availability: int = 0
    is_reserve: bool = False
    insurance_valid_until: date | None = None
    consent_location: bool = False
    consent_health: bool = False
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_consent: bool = False


def check_values(values: VolunteerValues, today: date) -> None:
    """Cross-field rules shared by every way in."""
    check_age(values.identity.birth_date, today, values.guardian_name, values.guardian_phone,
              values.guardian_consent)
    if (values.lat is None) != (values.lon is None):
        raise E.COORDINATES_INVALID.error("lat")
    if values.lat is not None and not values.consent_location:
        raise E.LOCATION_NEEDS_CONSENT.error("lat")
    if values.grid is not None and not grid_fits(values.grid, values.home_node):
        raise E.GRID_INVALID.error("grid")


def grid_fits(grid, home_node) -> bool:
    """A grid under the home node, or a grid of the same station as the home node."""
    if grid.kind != "grid":
        return False
    station_path = grid.path[:-PATH_STEP]
    return grid.path.startswith(home_node.path) or home_node.path.startswith(station_path)
