"""Column values of a new imported volunteer, without building a model instance.

For a fresh row this is what services.fill_volunteer() writes (test_roster checks that the two
agree field by field), minus its per-object overhead: the ID number's blind index is already
known, nothing needs comparing with stored values, and defaults come from the model once.
"""

from wenming.core.crypto import blind_index, encrypt, mask_id_number, mask_phone

from ..models import PHONE_PURPOSE, Source, Volunteer
from ..validation import VolunteerValues, name_pinyin
from .bulk import field_defaults

_DEFAULTS: dict | None = None


def new_volunteer_record(values: VolunteerValues, *, id_hash: str, number: str, now) -> dict:
    global _DEFAULTS
    if _DEFAULTS is None:
        _DEFAULTS = field_defaults(Volunteer)
    ident = values.identity
    pinyin, initials = name_pinyin(values.name)
    guardian_phone = values.guardian_phone
    record = dict(_DEFAULTS)
    record.update(
        name=values.name, name_pinyin=pinyin, name_initials=initials, id_type=ident.id_type,
        id_number_enc=encrypt(ident.number), id_number_hash=id_hash, id_number_masked=mask_id_number(ident.number),
        birth_date=ident.birth_date, sex=ident.sex,
        phone_enc=encrypt(values.phone), phone_hash=blind_index(values.phone, PHONE_PURPOSE),
        phone_masked=mask_phone(values.phone), volunteer_no=number, political_status=values.political_status,
        home_node_id=values.home_node.pk, grid_id=values.grid.pk if values.grid is not None else None,
        address_enc=encrypt(values.address) if values.address else "", lat=values.lat, lon=values.lon,
        availability=values.availability, is_reserve=values.is_reserve,
        insurance_valid_until=values.insurance_valid_until, consent_terms_at=now,
        consent_location_at=now if values.consent_location else None,
        consent_health_at=now if values.consent_health else None,
        guardian_name=values.guardian_name,
        guardian_phone_enc=encrypt(guardian_phone) if guardian_phone else "",
        guardian_phone_masked=mask_phone(guardian_phone) if guardian_phone else "",
        guardian_consent_at=now if values.guardian_consent else None,
        source=Source.IMPORT, registered_at=now, updated_at=now,
    )
    return record
