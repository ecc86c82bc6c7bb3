"""Writes for a volunteer's own update of insurance and skills, and staff's decision on it.

    change = insurance_change_submit(actor=user, volunteer=vol, insurer=…, policy_no=…,
                                     valid_until=date, evidence=request.FILES["evidence"])
    profile_change_confirm(actor=staff, change=change)      # copies the values onto the volunteer
    profile_change_reject(actor=staff, change=change, reason="照片看不清保单号")

Only the volunteer themself submits or withdraws; only staff with volunteer.edit over the
volunteer's home node confirm or return, never their own change. Each write is one
transaction with an audit row; the volunteer is notified of the decision.
"""

import re
import unicodedata
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError, DomainError
from wenming.core.notify import notify
from wenming.core.uploads import image_discard, image_store

from .change_models import ChangeKind, ChangeStatus, ProfileChange
from .errors import ChangeError as E
from .models import Skill, Volunteer

EVIDENCE_PURPOSE = "volunteer_evidence"
MAX_YEARS_AHEAD = 10  # an insurance valid for longer than this is a typo (2205 for 2025)
_POLICY = re.compile(r"[A-Z0-9-]{4,64}")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def clean_insurer(raw) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        raise E.INSURER_REQUIRED.error("insurer")
    if len(text) < 2 or len(text) > 100 or _has_control(text):
        raise E.INSURER_INVALID.error("insurer")
    return text


def clean_policy_no(raw) -> str:
    """Full-width digits and letters are folded (NFKC), spaces dropped, letters upper-cased."""
    text = unicodedata.normalize("NFKC", str(raw or "")).replace(" ", "").strip().upper()
    if not text:
        raise E.POLICY_REQUIRED.error("policy_no")
    if not _POLICY.fullmatch(text):
        raise E.POLICY_INVALID.error("policy_no")
    return text


def latest_valid_until(today: date) -> date:
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def clean_valid_until(value, today: date | None = None) -> date:
    today = today or timezone.localdate()
    if not isinstance(value, date):
        raise E.VALID_UNTIL_REQUIRED.error("valid_until")
    if value < today:
        raise E.VALID_UNTIL_PAST.error("valid_until")
    limit = latest_valid_until(today)
    if value > limit:
        raise E.VALID_UNTIL_FAR.error("valid_until", limit=f"{limit:%Y-%m-%d}")
    return value


def clean_note(raw) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if len(text) > 200 or _has_control(text.replace("\n", "").replace("\r", "")):
        raise E.NOTE_INVALID.error("note")
    return text


def clean_reason(raw) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        raise E.REASON_REQUIRED.error("reason")
    if len(text) > 200 or _has_control(text):
        raise E.REASON_INVALID.error("reason")
    return text


def _own(actor, volunteer: Volunteer) -> None:
    if volunteer.user_id is None or volunteer.user_id != getattr(actor, "pk", None):
        raise CoreError.NOT_FOUND.error()


def _submit(*, actor, volunteer: Volunteer, kind: str, evidence, fields: dict, skills=None,
            audit: dict) -> ProfileChange:
    image = image_store(actor=actor, upload=evidence, purpose=EVIDENCE_PURPOSE) if evidence else None
    try:
        with transaction.atomic():
            # One submission per volunteer at a time (a row lock on PostgreSQL; SQLite writers
            # are serialized already): the earlier pending change is withdrawn, then this one
            # is written; the partial unique constraint backs that up.
            Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk").first()
            withdrawn = list(ProfileChange.objects.filter(volunteer=volunteer, kind=kind,
                                                          status=ChangeStatus.PENDING).values_list("pk", flat=True))
            if withdrawn:
                ProfileChange.objects.filter(pk__in=withdrawn).update(status=ChangeStatus.WITHDRAWN)
            change = ProfileChange.objects.create(volunteer=volunteer, kind=kind, evidence=image,
                                                  submitted_by=actor, **fields)
            if skills is not None:
                change.skills.set(skills)
            audit_record(actor=actor, action="volunteer.change_submit", obj=change,
                         node_path=volunteer.home_node.path,
                         changes={"kind": kind, **audit, **({"replaces": withdrawn} if withdrawn else {})})
    except IntegrityError:
        if image is not None:
            image_discard(image)
        raise CoreError.CONFLICT.error() from None
    except BaseException:
        if image is not None:
            image_discard(image)
        raise
    return change


def insurance_change_submit(*, actor, volunteer: Volunteer, insurer, policy_no, valid_until, evidence,
                            note="") -> ProfileChange:
    """The volunteer's renewed insurance, with a photo or scan of the policy, for staff to confirm."""
    _own(actor, volunteer)
    errors = []
    values = {}
    for name, check, raw in (("insurer", clean_insurer, insurer), ("policy_no", clean_policy_no, policy_no),
                             ("insurance_valid_until", clean_valid_until, valid_until), ("note", clean_note, note)):
        try:
            values[name] = check(raw)
        except DomainError as exc:
            errors.append(exc)
    if not evidence:
        errors.append(E.EVIDENCE_REQUIRED.error("evidence"))
    if errors:
        raise errors[0]
    return _submit(actor=actor, volunteer=volunteer, kind=ChangeKind.INSURANCE, evidence=evidence, fields=values,
                   audit={"insurer": values["insurer"], "valid_until": f"{values['insurance_valid_until']}"})


def skills_change_submit(*, actor, volunteer: Volunteer, skills: list[Skill], note="", evidence=None) -> ProfileChange:
    """The whole set of skills the volunteer holds (added and removed ones), optionally with
    a photo of a certificate, for staff to confirm."""
    _own(actor, volunteer)
    note = clean_note(note)
    wanted = {s.pk for s in skills}
    if wanted == set(volunteer.skills.values_list("pk", flat=True)):
        raise E.SKILLS_UNCHANGED.error("skills")
    return _submit(actor=actor, volunteer=volunteer, kind=ChangeKind.SKILLS, evidence=evidence,
                   fields={"note": note}, skills=list(skills),
                   audit={"skills": sorted(s.name for s in skills)})


def profile_change_withdraw(*, actor, change: ProfileChange) -> ProfileChange:
    _own(actor, change.volunteer)
    with transaction.atomic():
        if not ProfileChange.objects.filter(pk=change.pk, status=ChangeStatus.PENDING).update(
                status=ChangeStatus.WITHDRAWN):
            change.refresh_from_db()
            raise E.NOT_PENDING.error(status=change.get_status_display())
        audit_record(actor=actor, action="volunteer.change_withdraw", obj=change,
                     node_path=change.volunteer.home_node.path, changes={"kind": change.kind})
    change.refresh_from_db()
    return change


def _decider(actor, change: ProfileChange) -> Volunteer:
    volunteer = change.volunteer
    if not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path):
        raise CoreError.NOT_FOUND.error()
    if volunteer.user_id is not None and volunteer.user_id == getattr(actor, "pk", None):
        raise E.OWN_CHANGE.error()
    return volunteer


def _decide(change: ProfileChange, *, actor, status: str, reason: str = "") -> None:
    """The conditional UPDATE that makes a decision happen once (a second tap, or a second
    staff member at the same moment, finds it decided)."""
    if not ProfileChange.objects.filter(pk=change.pk, status=ChangeStatus.PENDING).update(
            status=status, decided_by=actor, decided_at=timezone.now(), reject_reason=reason):
        current = ProfileChange.objects.filter(pk=change.pk).first()
        raise E.NOT_PENDING.error(status=current.get_status_display() if current else "已删除")


def profile_change_confirm(*, actor, change: ProfileChange) -> ProfileChange:
    """Confirm: the values become the volunteer's (and count for sign-up from now on)."""
    volunteer = _decider(actor, change)
    with transaction.atomic():
        _decide(change, actor=actor, status=ChangeStatus.CONFIRMED)
        if change.kind == ChangeKind.INSURANCE:
            before = Volunteer.objects.filter(pk=volunteer.pk).values_list("insurance_valid_until", flat=True).get()
            Volunteer.objects.filter(pk=volunteer.pk).update(insurance_valid_until=change.insurance_valid_until,
                                                             updated_at=timezone.now())
            changes = {"insurance_valid_until": [str(before), str(change.insurance_valid_until)]}
            what = f"保险信息（有效期至 {change.insurance_valid_until:%Y-%m-%d}）"
        else:
            before = sorted(volunteer.skills.values_list("name", flat=True))
            wanted = list(change.skills.all())
            volunteer.skills.set(wanted)
            changes = {"skills": [before, sorted(s.name for s in wanted)]}
            what = "技能特长"
        audit_record(actor=actor, action="volunteer.change_confirm", obj=change, node_path=volunteer.home_node.path,
                     changes={"kind": change.kind, **changes})
        notify(users_or_volunteers=[volunteer], subject=f"{change.get_kind_display()}已确认",
               body=f"您提交的{what}已由所属阵地确认，报名时按新信息核验。", link="/volunteers/me/")
    change.refresh_from_db()
    volunteer.refresh_from_db()
    return change


def profile_change_reject(*, actor, change: ProfileChange, reason) -> ProfileChange:
    """Return it with a reason the volunteer sees; nothing on the volunteer changes."""
    volunteer = _decider(actor, change)
    reason = clean_reason(reason)
    with transaction.atomic():
        _decide(change, actor=actor, status=ChangeStatus.REJECTED, reason=reason)
        audit_record(actor=actor, action="volunteer.change_reject", obj=change, node_path=volunteer.home_node.path,
                     changes={"kind": change.kind, "reason": reason})
        link = "/volunteers/me/insurance/" if change.kind == ChangeKind.INSURANCE else "/volunteers/me/skills/"
        notify(users_or_volunteers=[volunteer], subject=f"{change.get_kind_display()}被退回",
               body=f"您提交的{change.get_kind_display()}被退回，原因：{reason}。请修改后重新提交。", link=link)
    change.refresh_from_db()
    return change
