"""Writes for volunteers: register, update, reveal, status, certificates (ARCHITECTURE rule 1)."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.counters import counter_take
from wenming.core.crypto import blind_index, encrypt, mask_id_number, mask_phone
from wenming.core.errors import CoreError

from .errors import VolunteerError as E
from .figures import profile_changed, profile_of, stored_profile
from .models import ID_PURPOSE, PHONE_PURPOSE, Source, Volunteer, VolunteerCertificate, VolunteerStatus
from .validation import VolunteerValues, check_values, name_pinyin

# Fields whose old/new values may be written to the audit log (no personal data).
AUDITED_FIELDS = [
    "name", "political_status", "home_node_id", "grid_id", "availability", "is_reserve",
    "insurance_valid_until", "status", "id_type",
]
REVEALABLE = {
    "id_number": Volunteer.reveal_id_number,
    "phone": Volunteer.reveal_phone,
    "address": Volunteer.reveal_address,
    "guardian_phone": Volunteer.reveal_guardian_phone,
}


def volunteer_numbers(count: int) -> list[str]:
    first = counter_take("volunteer_no", count)
    prefix = settings.VOLUNTEER_NUMBER_PREFIX
    return [f"{prefix}{n:010d}" for n in range(first, first + count)]


def fill_volunteer(vol: Volunteer, values: VolunteerValues, now) -> None:
    """Copy clean values onto a row, encrypting and indexing personal data. No save."""
    ident = values.identity
    vol.name = values.name
    vol.name_pinyin, vol.name_initials = name_pinyin(values.name)
    vol.id_type = ident.id_type
    if vol.id_number_hash != blind_index(ident.number, ID_PURPOSE):
        vol.id_number_enc = encrypt(ident.number)
        vol.id_number_hash = blind_index(ident.number, ID_PURPOSE)
        vol.id_number_masked = mask_id_number(ident.number)
    vol.birth_date = ident.birth_date
    vol.sex = ident.sex
    if vol.phone_hash != blind_index(values.phone, PHONE_PURPOSE):
        vol.phone_enc = encrypt(values.phone)
        vol.phone_hash = blind_index(values.phone, PHONE_PURPOSE)
        vol.phone_masked = mask_phone(values.phone)
    vol.political_status = values.political_status
    vol.home_node = values.home_node
    vol.grid = values.grid
    if values.address != (vol.reveal_address() if vol.address_enc else ""):
        vol.address_enc = encrypt(values.address)
    vol.lat, vol.lon = values.lat, values.lon
    vol.availability = values.availability
    vol.is_reserve = values.is_reserve
    vol.insurance_valid_until = values.insurance_valid_until
    vol.consent_location_at = _keep_or_stamp(vol.consent_location_at, values.consent_location, now)
    vol.consent_health_at = _keep_or_stamp(vol.consent_health_at, values.consent_health, now)
    vol.guardian_name = values.guardian_name
    if values.guardian_phone != (vol.reveal_guardian_phone() if vol.guardian_phone_enc else ""):
        vol.guardian_phone_enc = encrypt(values.guardian_phone)
        vol.guardian_phone_masked = mask_phone(values.guardian_phone) if values.guardian_phone else ""
    vol.guardian_consent_at = _keep_or_stamp(vol.guardian_consent_at, values.guardian_consent, now)


def _keep_or_stamp(current, given: bool, now):
    """A consent keeps the time it was first given; withdrawing it clears it."""
    if not given:
        return None
    return current or now


def volunteer_register(*, actor, values: VolunteerValues, source: str = Source.STAFF, user=None) -> Volunteer:
    """Register one volunteer. Staff need VOLUNTEER_EDIT over the home node; self-registration
    (source=self) needs no actor scope but records the terms consent."""
    now = timezone.now()
    if source != Source.SELF and not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, values.home_node.path):
        raise E.NODE_UNKNOWN.error("home_node", value=values.home_node.name)
    check_values(values, timezone.localdate())
    vol = Volunteer(source=source, user=user, consent_terms_at=now)
    fill_volunteer(vol, values, now)
    if Volunteer.objects.filter(id_number_hash=vol.id_number_hash).exists():
        raise E.ID_DUPLICATE.error("id_number")
    try:
        with transaction.atomic():
            vol.volunteer_no = volunteer_numbers(1)[0]
            vol.save()
            vol.skills.set(values.skills)
            profile_changed(None, profile_of(vol))
            audit_record(actor=actor if actor is not None else user, action="volunteer.create", obj=vol,
                         node_path=vol.home_node.path, changes={"source": source})
    except IntegrityError:
        # Two registrations of one ID at the same moment: the unique blind index decides.
        if Volunteer.objects.filter(id_number_hash=vol.id_number_hash).exists():
            raise E.ID_DUPLICATE.error("id_number") from None
        raise
    return vol


def volunteer_update(*, actor, volunteer: Volunteer, values: VolunteerValues) -> Volunteer:
    scope = scope_for(actor)
    for path in {volunteer.home_node.path, values.home_node.path}:
        if not scope.allows(Perm.VOLUNTEER_EDIT, path):
            raise E.NODE_UNKNOWN.error("home_node", value=values.home_node.name)
    check_values(values, timezone.localdate())
    before = {f: getattr(volunteer, f) for f in AUDITED_FIELDS}
    old_hash, old_phone = volunteer.id_number_hash, volunteer.phone_hash
    fill_volunteer(volunteer, values, timezone.now())
    if volunteer.id_number_hash != old_hash and Volunteer.objects.filter(
        id_number_hash=volunteer.id_number_hash
    ).exclude(pk=volunteer.pk).exists():
        raise E.ID_DUPLICATE.error("id_number")
    changes = {f: [str(before[f]), str(getattr(volunteer, f))] for f in AUDITED_FIELDS
               if before[f] != getattr(volunteer, f)}
    if volunteer.id_number_hash != old_hash:
        changes["id_number"] = "已变更"
    if volunteer.phone_hash != old_phone:
        changes["phone"] = "已变更"
    with transaction.atomic():
        was = stored_profile(volunteer.pk)
        volunteer.save()
        volunteer.skills.set(values.skills)
        profile_changed(was, profile_of(volunteer, last_day=was.last_day if was else None))
        audit_record(actor=actor, action="volunteer.update", obj=volunteer, node_path=volunteer.home_node.path,
                     changes=changes)
    return volunteer


def volunteer_set_status(*, actor, volunteer: Volunteer, status: str) -> Volunteer:
    if status not in VolunteerStatus.values:
        raise E.STATUS_INVALID.error("status", value=status)
    if not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path):
        raise CoreError.FORBIDDEN.error()
    old = volunteer.status
    with transaction.atomic():
        was = stored_profile(volunteer.pk)
        volunteer.status = status
        volunteer.save(update_fields=["status", "updated_at"])
        profile_changed(was, profile_of(volunteer, last_day=was.last_day if was else None))
        audit_record(actor=actor, action="volunteer.status", obj=volunteer, node_path=volunteer.home_node.path,
                     changes={"status": [old, status]})
    return volunteer


def volunteer_reveal(*, actor, volunteer: Volunteer, fields: list[str], reason: str = "") -> dict[str, str]:
    """Unmask personal data. Needs the reveal privilege over the volunteer's node, or to be
    the volunteer themself; every reveal is audited, even a refused one."""
    scope = scope_for(actor)
    own = volunteer.user_id is not None and volunteer.user_id == getattr(actor, "pk", None)
    wanted = [f for f in fields if f in REVEALABLE] or list(REVEALABLE)
    allowed = own or scope.may_reveal(volunteer.home_node.path)
    audit_record(actor=actor, action="volunteer.reveal" if allowed else "volunteer.reveal_denied",
                 obj=volunteer, node_path=volunteer.home_node.path,
                 changes={"fields": wanted, "reason": reason[:200]})
    if not allowed:
        raise E.REVEAL_FORBIDDEN.error()
    return {f: REVEALABLE[f](volunteer) for f in wanted}


def certificate_add(*, actor, volunteer: Volunteer, name: str, number: str = "", issuer: str = "",
                    issued_on=None, expires_on=None) -> VolunteerCertificate:
    if not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path) and volunteer.user_id != actor.pk:
        raise CoreError.FORBIDDEN.error()
    with transaction.atomic():
        cert = VolunteerCertificate.objects.create(
            volunteer=volunteer, name=name, number=number, issuer=issuer, issued_on=issued_on, expires_on=expires_on
        )
        audit_record(actor=actor, action="volunteer.certificate_add", obj=volunteer,
                     node_path=volunteer.home_node.path, changes={"certificate": name})
    return cert


def certificate_remove(*, actor, certificate: VolunteerCertificate) -> None:
    volunteer = certificate.volunteer
    if not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path) and volunteer.user_id != actor.pk:
        raise CoreError.FORBIDDEN.error()
    with transaction.atomic():
        audit_record(actor=actor, action="volunteer.certificate_remove", obj=volunteer,
                     node_path=volunteer.home_node.path, changes={"certificate": certificate.name})
        certificate.delete()

