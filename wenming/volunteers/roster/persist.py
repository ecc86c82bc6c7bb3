"""The database side of a roster import: one batch of validated rows at a time.

Existing volunteers are found by the ID number's blind index (one query per batch), compared
without decrypting unless a stored secret could be equal, and only changed rows are written.
New volunteers are bulk-created with a block of volunteer numbers, their skills through the
through table, and one audit row each.
"""

from dataclasses import dataclass, field, replace

from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from wenming.accounts.roles import Perm
from wenming.core.audit import audit_entry
from wenming.core.crypto import blind_index, decrypt, mask_phone
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry

from ..figures import profile_of, volunteers_changed
from ..models import PHONE_PURPOSE, Source, Volunteer
from ..services import AUDITED_FIELDS, fill_volunteer, volunteer_numbers
from ..validation import VolunteerValues
from .bulk import insert_objects, insert_records, update_objects
from .errors import RosterError
from .newrows import new_volunteer_record

SkillLink = Volunteer.skills.through
# What an import may change on an existing volunteer (what fill_volunteer sets, and updated_at).
UPDATED_FIELDS = [f.name for f in Volunteer._meta.concrete_fields if not f.primary_key and f.name not in {
    "volunteer_no", "status", "source", "user", "registered_at", "consent_terms_at"}]


@dataclass(slots=True)
class Pending:
    """A row that passed validation and awaits the database."""

    row: int
    raw: tuple
    values: VolunteerValues
    id_hash: str


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[Pending, DomainError]] = field(default_factory=list)


def persist_batch(*, actor, scope, batch: list[Pending], now, dry_run: bool) -> BatchResult:
    """Upsert one batch in one transaction; a lost race with another writer retries once."""
    for attempt in (1, 2):
        try:
            return _persist(actor=actor, scope=scope, batch=batch, now=now, dry_run=dry_run)
        except IntegrityError:
            if attempt == 2:
                result = BatchResult()
                result.failed = [(p, RosterError.ROW_CONFLICT.error("id_number")) for p in batch]
                return result
    raise AssertionError("unreachable")


def _persist(*, actor, scope, batch, now, dry_run) -> BatchResult:
    result = BatchResult()
    existing = {v.id_number_hash: v for v in Volunteer.objects.filter(
        id_number_hash__in=[p.id_hash for p in batch]).select_related("home_node")}
    skill_ids = _skill_ids([v.pk for v in existing.values()])
    creates: list[Pending] = []
    updates: list[tuple[Pending, Volunteer]] = []
    for p in batch:
        vol = existing.get(p.id_hash)
        if vol is None:
            creates.append(p)
        elif not scope.allows(Perm.VOLUNTEER_EDIT, vol.home_node.path):
            result.failed.append((p, RosterError.ID_ELSEWHERE.error("id_number")))
        elif is_unchanged(vol, p.values, skill_ids.get(vol.pk, set())):
            result.unchanged += 1
        else:
            updates.append((p, vol))
    result.created, result.updated = len(creates), len(updates)
    if dry_run or not (creates or updates):
        return result
    with transaction.atomic():
        _relax_durability()
        entries = _create(actor, creates, now)
        entries += _update(actor, updates, skill_ids, now)
        insert_objects(AuditEntry, entries, now)
    return result


def _relax_durability() -> None:
    """PostgreSQL: don't wait for this batch's WAL flush. WAL is flushed in order, so the import's
    final (synchronous) summary commit makes every batch durable before the report is returned;
    a crash before that loses only unacknowledged batches, and re-running the file is idempotent."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _skill_ids(volunteer_ids: list[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    if volunteer_ids:
        for vol_id, skill_id in SkillLink.objects.filter(volunteer_id__in=volunteer_ids).values_list(
                "volunteer_id", "skill_id"):
            out.setdefault(vol_id, set()).add(skill_id)
    return out


def _create(actor, creates: list[Pending], now) -> list:
    if not creates:
        return []
    numbers = volunteer_numbers(len(creates))
    records = [new_volunteer_record(p.values, id_hash=p.id_hash, number=number, now=now)
               for p, number in zip(creates, numbers, strict=True)]
    insert_records(Volunteer, records, now)
    # The block of numbers is this transaction's alone: it finds the new primary keys.
    pks = dict(Volunteer.objects.filter(volunteer_no__range=(numbers[0], numbers[-1])).values_list(
        "volunteer_no", "pk"))
    links, entries = [], []
    label = Volunteer._meta.label_lower
    for p, number in zip(creates, numbers, strict=True):
        pk = pks[number]
        links.extend({"volunteer_id": pk, "skill_id": skill.pk} for skill in p.values.skills)
        entry = audit_entry(actor=actor, action="volunteer.create", node_path=p.values.home_node.path,
                            changes={"source": Source.IMPORT, "row": p.row})
        entry.object_type, entry.object_id = label, str(pk)
        entries.append(entry)
    insert_records(SkillLink, links, now)
    new = Volunteer.objects.filter(pk__in=pks.values()).only("pk", "home_node_id", "status", "is_reserve",
                                                             "political_status", "registered_at")
    volunteers_changed([(None, profile_of(v)) for v in new])
    return entries


def _update(actor, updates: list[tuple[Pending, Volunteer]], skill_ids: dict[int, set[int]], now) -> list:
    """Changed volunteers: one bulk UPDATE, their skill links replaced, one audit row each."""
    if not updates:
        return []
    entries, vols, relink = [], [], []
    profiles = []
    for p, vol in updates:
        was = profile_of(vol)
        before = {f: getattr(vol, f) for f in AUDITED_FIELDS}
        old_phone = vol.phone_hash
        fill_volunteer(vol, p.values, now)
        vol.updated_at = now
        vols.append(vol)
        profiles.append((was, vol))
        if skill_ids.get(vol.pk, set()) != {s.pk for s in p.values.skills}:
            relink.append((vol.pk, p.values.skills))
        changes = {f: [str(before[f]), str(getattr(vol, f))] for f in AUDITED_FIELDS
                   if before[f] != getattr(vol, f)}
        if vol.phone_hash != old_phone:
            changes["phone"] = "已变更"
        if relink and relink[-1][0] == vol.pk:
            changes["skills"] = "已变更"
        changes.update(source=Source.IMPORT, row=p.row)
        entries.append(audit_entry(actor=actor, action="volunteer.update", obj=vol,
                                   node_path=vol.home_node.path, changes=changes))
    update_objects(Volunteer, vols, UPDATED_FIELDS)
    _figures_moved(profiles)
    if relink:
        SkillLink.objects.filter(volunteer_id__in=[pk for pk, _ in relink]).delete()
        insert_records(SkillLink, [{"volunteer_id": pk, "skill_id": s.pk} for pk, skills in relink for s in skills],
                       now)
    return entries


def _figures_moved(profiles: list) -> None:
    """Dashboard figures of updated volunteers: a new home node carries their last service
    day along (read only for those who moved)."""
    from wenming.service.ledger_models import HoursKind, ServiceRecord

    moved = [vol.pk for was, vol in profiles if was.node_id != vol.home_node_id]
    last = dict(ServiceRecord.objects.filter(volunteer_id__in=moved, kind__in=[HoursKind.AUTO, HoursKind.MAKEUP])
                .values("volunteer_id").annotate(last=Max("service_date")).values_list("volunteer_id", "last"))
    pairs = []
    for was, vol in profiles:
        day = last.get(vol.pk)
        pairs.append((replace(was, last_day=day), profile_of(vol, last_day=day)))
    volunteers_changed(pairs)


def is_unchanged(vol: Volunteer, values: VolunteerValues, skill_ids: set[int]) -> bool:
    """True when importing `values` onto `vol` would change nothing. Plain fields and blind
    indexes first; a stored secret is decrypted only when it could be equal."""
    ident = values.identity
    if (vol.name != values.name or vol.id_type != ident.id_type or vol.birth_date != ident.birth_date
            or vol.sex != ident.sex or vol.political_status != values.political_status
            or vol.home_node_id != values.home_node.pk
            or vol.grid_id != (values.grid.pk if values.grid is not None else None)
            or vol.lat != values.lat or vol.lon != values.lon or vol.availability != values.availability
            or vol.is_reserve != values.is_reserve or vol.insurance_valid_until != values.insurance_valid_until
            or (vol.consent_location_at is not None) != values.consent_location
            or (vol.consent_health_at is not None) != values.consent_health
            or (vol.guardian_consent_at is not None) != values.guardian_consent
            or vol.guardian_name != values.guardian_name
            or skill_ids != {s.pk for s in values.skills}
            or vol.phone_hash != blind_index(values.phone, PHONE_PURPOSE)):
        return False
    if values.guardian_phone:
        if vol.guardian_phone_masked != mask_phone(values.guardian_phone) or \
                decrypt(vol.guardian_phone_enc) != values.guardian_phone:
            return False
    elif vol.guardian_phone_enc:
        return False
    if values.address:
        return bool(vol.address_enc) and decrypt(vol.address_enc) == values.address
    return not vol.address_enc
