"""Public notice (公示): anyone may object to a selected nominee, named or anonymous, with
evidence; the office answers every objection before the result can be announced
(campaigns._blocked). An upheld objection drops the nominee and frees their place."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.counters import counter_take
from wenming.core.crypto import encrypt, mask_phone
from wenming.core.errors import CoreError
from wenming.core.ratelimit import allow
from wenming.core.uploads import image_store
from wenming.volunteers.validation import clean_name, normalize_phone

from ..access import HONOUR_EDIT, require
from ..errors import HonourError as E
from ..models import HonourCampaign, Nomination, NominationStatus, Objection, ObjectionStatus, Stage
from .common import require_stage, text_of

OBJECTIONS_PER_ADDRESS_HOUR = 10


def objection_submit(*, nomination: Nomination, text: str, anonymous: bool = True, name: str = "", phone: str = "",
                     photo=None, address: str = "", now: datetime | None = None) -> Objection:
    now = now or timezone.now()
    campaign = nomination.campaign
    require_stage(campaign, [Stage.NOTICE], "提出异议")
    if nomination.status != NominationStatus.SELECTED:
        raise E.NOT_ON_BALLOT.error("nomination")
    text = text_of(text, 5000, what="异议内容", field="text")
    if len(text) < 10:
        raise E.OBJECTION_TEXT.error("text")
    contact = {}
    if not anonymous:
        if not str(name or "").strip() or not str(phone or "").strip():
            raise E.NAMED_NEEDS_CONTACT.error("name")
        number = normalize_phone(str(phone)[:40])
        contact = {"name": clean_name(name), "phone_enc": encrypt(number), "phone_masked": mask_phone(number)}
    if address and not allow("honour-objection", address, limit=OBJECTIONS_PER_ADDRESS_HOUR, window=3600):
        raise CoreError.RATE_LIMITED.error()
    image = image_store(actor=None, upload=photo, purpose="honour_objection") if photo else None
    with transaction.atomic():
        seq = counter_take(f"honour-objection:{campaign.pk}")
        objection = Objection.objects.create(nomination=nomination, number=f"YY{campaign.pk:03d}-{seq:04d}",
                                             anonymous=bool(anonymous), text=text, image=image, created_at=now,
                                             **contact)
    return objection


def objection_answer(*, actor, objection: Objection, answer: str, upheld: bool,
                     now: datetime | None = None) -> Objection:
    """The office's answer; an upheld objection drops the nominee (公示后撤销)."""
    nomination = objection.nomination
    campaign: HonourCampaign = nomination.campaign
    require(actor, HONOUR_EDIT, campaign.node.path)
    require_stage(campaign, [Stage.NOTICE], "答复异议")
    answer = text_of(answer, 5000, what="答复", field="answer", required=True)
    now = now or timezone.now()
    with transaction.atomic():
        if not Objection.objects.filter(pk=objection.pk, status=ObjectionStatus.OPEN).update(
                status=ObjectionStatus.ANSWERED, answer=answer, upheld=bool(upheld), answered_by=actor,
                answered_at=now):
            raise E.OBJECTION_DONE.error(number=objection.number)
        if upheld and Nomination.objects.filter(pk=nomination.pk, status=NominationStatus.SELECTED).update(
                status=NominationStatus.DROPPED, status_reason=f"公示异议 {objection.number} 成立"):
            HonourCampaign.objects.filter(pk=campaign.pk).update(selected_count=F("selected_count") - 1)
        audit_record(actor=actor, action="honours.objection_answer", obj=objection, node_path=nomination.node.path,
                     changes={"nomination": nomination.number, "upheld": bool(upheld)})
    objection.refresh_from_db()
    return objection
