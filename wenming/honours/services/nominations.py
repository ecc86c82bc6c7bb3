"""Nominations (推荐): by a civilized unit, by a node in its own name, or by a person for
themselves with co-signers; the nominee from the registry (a volunteer, a unit, a team) or
typed in (a resident, a family).

Duplicates: one person once per campaign, whoever nominates them — a database constraint on
`person_key`: a person's is the keyed hash of their ID number (a volunteer's comes from the
registry with the same key, so typing a registered volunteer in as a resident is caught); a
unit's and a team's are their ids. Personal data: the ID number and phones are encrypted,
shown masked; the nominator confirms the nominee's consent; every write is audited.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.models import PHONE_PURPOSE
from wenming.core.audit import audit_record
from wenming.core.counters import counter_take
from wenming.core.crypto import blind_index, encrypt, mask_id_number, mask_phone
from wenming.core.uploads import image_store
from wenming.orgs.models import Node, Unit
from wenming.volunteers.models import ID_PURPOSE, IdType, Team, Volunteer
from wenming.volunteers.validation import clean_name, normalize_phone, parse_identity

from ..access import HONOUR_NOMINATE, liaison_unit_ids, may, may_change_nomination
from ..errors import HonourError as E
from ..models import (
    HonourCampaign,
    NominatedBy,
    Nomination,
    NominationFile,
    NominationStatus,
    NomineeKind,
    Recommender,
    Stage,
)
from .common import require_stage, text_of

MAX_PHOTOS, MAX_FILES, MAX_RECOMMENDERS = 9, 5, 20
EDITABLE = [NominationStatus.SUBMITTED, NominationStatus.RETURNED]


def _in(path: str, area: str) -> bool:
    return path.startswith(area)


def _open_for_nominations(campaign: HonourCampaign, now: datetime) -> None:
    require_stage(campaign, [Stage.NOMINATING], "推荐")
    today = timezone.localtime(now).date()
    if not campaign.nominate_from <= today <= campaign.nominate_until:
        raise E.NOMINATION_CLOSED.error(start=campaign.nominate_from, end=campaign.nominate_until)


def _nominator(actor, campaign: HonourCampaign, how: str, unit: Unit | None, node: Node | None) -> dict:
    """Check who nominates; the nominating unit/node fields of the row."""
    area = campaign.node.path
    if how == NominatedBy.UNIT:
        if not campaign.by_units:
            raise E.NOMINATOR_NOT_ALLOWED.error("nominated_by", how="单位推荐")
        if unit is None or unit.pk not in liaison_unit_ids(actor):
            raise E.NO_UNIT.error("nominating_unit")
        if not _in(unit.node.path, area):
            raise E.NOMINEE_OUT_OF_SCOPE.error("nominating_unit")
        return {"nominating_unit": unit}
    if how == NominatedBy.NODE:
        if not campaign.by_nodes:
            raise E.NOMINATOR_NOT_ALLOWED.error("nominated_by", how="文明办/阵地推荐")
        if node is None or not _in(node.path, area) or not may(actor, HONOUR_NOMINATE, node.path):
            raise E.NOMINATOR_NOT_ALLOWED.error("nominating_node", how="以该阵地名义推荐")
        return {"nominating_node": node}
    if how == NominatedBy.SELF:
        if not campaign.self_nomination or not getattr(actor, "is_authenticated", False):
            raise E.NOMINATOR_NOT_ALLOWED.error("nominated_by", how="个人自荐")
        return {}
    raise E.CHOICE_INVALID.error("nominated_by", what="推荐方式")


def _nominee(actor, campaign: HonourCampaign, kind: str, how: str, values: dict, nominator: dict) -> dict:
    """The nominee's fields of the row, checked: in the campaign's area (and, for a node, in
    its own subtree); for a self-nomination, the actor themselves."""
    area = campaign.node.path
    within = nominator["nominating_node"].path if "nominating_node" in nominator else area
    out: dict = {}
    if kind == NomineeKind.VOLUNTEER:
        vol: Volunteer | None = values.get("volunteer")
        if how == NominatedBy.SELF:
            vol = Volunteer.objects.filter(user=actor).first()
        if vol is None:
            raise E.NOMINEE_MISSING.error("volunteer", kind="志愿者")
        if not _in(vol.home_node.path, within):
            raise E.NOMINEE_OUT_OF_SCOPE.error("volunteer")
        stats = getattr(vol, "stats", None)
        out = {"volunteer": vol, "name": vol.name, "node": vol.home_node, "person_key": f"id:{vol.id_number_hash}",
               "id_number_masked": vol.id_number_masked, "phone_masked": vol.phone_masked,
               "star_level": stats.star_level if stats else 0,
               "service_hours": round(stats.total_hours, 1) if stats else 0}
    elif kind in (NomineeKind.RESIDENT, NomineeKind.FAMILY):
        name = clean_name(values.get("name"))
        ident = parse_identity(IdType.RESIDENT, str(values.get("id_number") or "")[:40])
        node: Node | None = values.get("node")
        if node is None or not _in(node.path, within):
            raise E.NOMINEE_OUT_OF_SCOPE.error("node")
        prefix = "id" if kind == NomineeKind.RESIDENT else "family"
        out = {"name": name, "node": node, "person_key": f"{prefix}:{blind_index(ident.number, ID_PURPOSE)}",
               "id_number_enc": encrypt(ident.number), "id_number_masked": mask_id_number(ident.number)}
        if how == NominatedBy.SELF and kind == NomineeKind.RESIDENT:
            _require_self(actor, ident.number, values.get("phone"))
    elif kind == NomineeKind.UNIT:
        unit: Unit | None = values.get("unit")
        if unit is None:
            raise E.NOMINEE_MISSING.error("unit", kind="单位")
        if not _in(unit.node.path, within):
            raise E.NOMINEE_OUT_OF_SCOPE.error("unit")
        out = {"unit": unit, "name": unit.name, "node": unit.node, "person_key": f"unit:{unit.pk}"}
    elif kind == NomineeKind.TEAM:
        team: Team | None = values.get("team")
        if team is None:
            raise E.NOMINEE_MISSING.error("team", kind="队伍")
        if not _in(team.node.path, within):
            raise E.NOMINEE_OUT_OF_SCOPE.error("team")
        out = {"team": team, "name": team.name, "node": team.node, "person_key": f"team:{team.pk}"}
    else:
        raise E.CHOICE_INVALID.error("kind", what="推荐对象")
    if how == NominatedBy.SELF and kind in (NomineeKind.UNIT, NomineeKind.TEAM):
        raise E.NOMINATOR_NOT_ALLOWED.error("kind", how="以自荐方式推荐单位或队伍")
    phone = values.get("phone")
    if phone and kind != NomineeKind.VOLUNTEER:
        number = normalize_phone(str(phone)[:40])
        out |= {"phone_enc": encrypt(number), "phone_masked": mask_phone(number)}
    return out


def _require_self(actor, id_number: str, phone) -> None:
    """A self-nomination names its author: the ID number of their registry record, or else
    the phone their account is bound to (an account cannot self-nominate a stranger)."""
    own = Volunteer.objects.filter(user=actor).first()
    if own is not None:
        if own.id_number_hash != blind_index(id_number, ID_PURPOSE):
            raise E.NOMINATOR_NOT_ALLOWED.error("id_number", how="为他人自荐")
        return
    number = normalize_phone(str(phone or "")[:40]) if phone else ""
    if not actor.phone_hash or blind_index(number, PHONE_PURPOSE) != actor.phone_hash:
        raise E.SELF_PHONE.error("phone")


def _recommenders(campaign: HonourCampaign, how: str, rows) -> list[Recommender]:
    out, seen = [], set()
    for row in list(rows or [])[:MAX_RECOMMENDERS]:
        name = clean_name((row or {}).get("name"))
        phone = normalize_phone(str((row or {}).get("phone") or "")[:40], "recommenders")
        key = blind_index(phone, "honour.recommender")
        if key in seen:
            continue
        seen.add(key)
        out.append(Recommender(name=name, phone_enc=encrypt(phone), phone_masked=mask_phone(phone), phone_hash=key))
    if how == NominatedBy.SELF and len(out) < campaign.recommenders_required:
        raise E.RECOMMENDERS_SHORT.error("recommenders", need=campaign.recommenders_required, have=len(out))
    return out


def _story(values: dict) -> dict:
    title = text_of(values.get("title"), 100, what="事迹标题", field="title", required=True)
    story = text_of(values.get("story"), 20000, what="主要事迹", field="story", required=True)
    if len(story) < 20:
        raise E.STORY_SHORT.error("story")
    return {"title": title, "story": story, "priority": bool(values.get("priority")),
            "priority_note": text_of(values.get("priority_note"), 200, what="优先推荐说明", field="priority_note")}


def _evidence(actor, photos, files) -> tuple[list, list]:
    """Check and store photos and documents before the transaction (it can take a while)."""
    from wenming.evaluation.services.attachments import store_file

    photos, files = [p for p in (photos or []) if p], [f for f in (files or []) if f]
    if len(photos) > MAX_PHOTOS or len(files) > MAX_FILES:
        raise E.TOO_MANY_FILES.error("photos", photos=MAX_PHOTOS, files=MAX_FILES)
    images = [image_store(actor=actor, upload=p, purpose="honour_evidence") for p in photos]
    stored = [store_file(f, purpose="honour_evidence") for f in files]
    return images, stored


def nomination_create(*, actor, campaign: HonourCampaign, kind: str, nominated_by: str, consent: bool,
                      nominating_unit: Unit | None = None, nominating_node: Node | None = None, recommenders=(),
                      photos=(), files=(), now: datetime | None = None, **values) -> Nomination:
    now = now or timezone.now()
    _open_for_nominations(campaign, now)
    if kind not in campaign.category.nominee_kinds:
        raise E.KIND_NOT_ALLOWED.error("kind", category=campaign.category.name,
                                       kind=dict(NomineeKind.choices).get(kind, "该类对象"))
    nominator = _nominator(actor, campaign, nominated_by, nominating_unit, nominating_node)
    nominee = _nominee(actor, campaign, kind, nominated_by, values, nominator)
    story = _story(values)
    work_unit = values.get("work_unit")
    if work_unit is not None and not _in(work_unit.node.path, campaign.node.path):
        raise E.NOMINEE_OUT_OF_SCOPE.error("work_unit")
    if not consent:
        raise E.CONSENT_REQUIRED.error("consent")
    cosigners = _recommenders(campaign, nominated_by, recommenders)
    existing = _duplicate(campaign, nominee["person_key"])
    if existing:
        raise E.DUPLICATE.error("name", number=existing)
    images, stored = _evidence(actor, photos, files)
    try:
        with transaction.atomic():
            seq = counter_take(f"honour-nomination:{campaign.pk}")
            nomination = Nomination.objects.create(
                campaign=campaign, number=f"{campaign.year}-{campaign.pk:03d}-{seq:04d}", kind=kind,
                nominated_by=nominated_by, consent_at=now, created_at=now, submitted_by=actor, work_unit=work_unit,
                **nominator, **nominee, **story)
            for r in cosigners:
                r.nomination = nomination
            Recommender.objects.bulk_create(cosigners)
            NominationFile.objects.bulk_create(
                [NominationFile(nomination=nomination, image=i) for i in images]
                + [NominationFile(nomination=nomination, file=s, file_name=n) for s, n in stored])
            audit_record(actor=actor, action="honours.nomination_create", obj=nomination,
                         node_path=nomination.node.path,
                         changes={"campaign": campaign.pk, "kind": kind, "by": nominated_by,
                                  "priority": story["priority"]})
    except IntegrityError:  # the same person nominated by someone else a moment ago
        raise E.DUPLICATE.error("name", number=_duplicate(campaign, nominee["person_key"]) or "（刚刚提交）") from None
    return nomination


def _duplicate(campaign: HonourCampaign, person_key: str) -> str | None:
    return (Nomination.objects.filter(campaign=campaign, person_key=person_key)
            .exclude(status=NominationStatus.WITHDRAWN).values_list("number", flat=True).first())


def nomination_update(*, actor, nomination: Nomination, consent: bool, **values) -> Nomination:
    """Correct the story (a returned nomination goes back to the initial review)."""
    campaign = nomination.campaign
    if not may_change_nomination(actor, nomination):
        raise E.NOT_EDITABLE.error(number=nomination.number, status=nomination.get_status_display(), action="修改")
    require_stage(campaign, [Stage.NOMINATING, Stage.INITIAL_REVIEW], "修改推荐")
    story = _story(values)
    if not consent:
        raise E.CONSENT_REQUIRED.error("consent")
    with transaction.atomic():
        if not Nomination.objects.filter(pk=nomination.pk, status__in=EDITABLE).update(
                status=NominationStatus.SUBMITTED, status_reason="", **story):
            nomination.refresh_from_db()
            raise E.NOT_EDITABLE.error(number=nomination.number, status=nomination.get_status_display(), action="修改")
        audit_record(actor=actor, action="honours.nomination_update", obj=nomination, node_path=nomination.node.path,
                     changes={"resubmitted": nomination.status == NominationStatus.RETURNED})
    nomination.refresh_from_db()
    return nomination


def nomination_withdraw(*, actor, nomination: Nomination, reason: str) -> Nomination:
    if not may_change_nomination(actor, nomination):
        raise E.NOT_EDITABLE.error(number=nomination.number, status=nomination.get_status_display(), action="撤回")
    reason = text_of(reason, 500, what="撤回原因", field="reason", required=True)
    with transaction.atomic():
        if not Nomination.objects.filter(
                pk=nomination.pk, status__in=[*EDITABLE, NominationStatus.SHORTLISTED],
                campaign__stage__in=[Stage.NOMINATING, Stage.INITIAL_REVIEW]).update(
                    status=NominationStatus.WITHDRAWN, status_reason=reason):
            nomination.refresh_from_db()
            raise E.NOT_EDITABLE.error(number=nomination.number, status=nomination.get_status_display(), action="撤回")
        audit_record(actor=actor, action="honours.nomination_withdraw", obj=nomination,
                     node_path=nomination.node.path, changes={"reason": reason})
    nomination.refresh_from_db()
    return nomination
