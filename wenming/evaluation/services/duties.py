"""The duty table (责任分解表) and inspection sites (点位)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.files import file_delete
from wenming.orgs.models import Node, Unit
from wenming.service.venue import parse_coordinates

from ..access import EVAL_EDIT, require
from ..board_cache import unit_changed
from ..errors import EvaluationError as E
from ..models import Campaign, Duty, DutyRole, Indicator, Level, Site, SiteDuty, SiteType
from .attachments import attachment_response, store_file
from .common import require_open, text_checked, text_of


def duty_save(*, actor, campaign: Campaign, indicator: Indicator, unit: Unit, role: str = DutyRole.LEAD,
              head_name: str = "", head_title: str = "", plan: str = "", task_force: str = "",
              due_on=None) -> Duty:
    """Give an indicator (or deduction item) to a unit, or change what the table says."""
    require(actor, EVAL_EDIT, campaign.node.path)
    require_open(campaign, "修改责任分解")
    if indicator.campaign_id != campaign.pk or indicator.level not in (Level.INDICATOR, Level.DEDUCTION):
        raise E.NOT_SCORED.error("indicator", name=indicator.name)
    if not unit.node.path.startswith(campaign.node.path):
        raise E.UNIT_OUT_OF_SCOPE.error("unit", name=unit.name)
    if role not in DutyRole.values:
        raise E.CHOICE_INVALID.error("role", what="职责")
    fields = dict(role=role, head_name=text_of(head_name, 50), head_title=text_of(head_title, 50),
                  plan=text_of(plan, 5000), task_force=text_of(task_force, 500), due_on=due_on)
    if role == DutyRole.LEAD:
        lead = Duty.objects.filter(indicator=indicator, role=DutyRole.LEAD).exclude(unit=unit).select_related("unit")
        if lead.exists():
            raise E.LEAD_TAKEN.error("role", code=indicator.code, name=lead.first().unit.name)
    try:
        with transaction.atomic():
            duty, created = Duty.objects.update_or_create(campaign=campaign, indicator=indicator, unit=unit,
                                                          defaults=fields)
            unit_changed(campaign.pk, unit.pk)  # its board lists what it leads
            audit_record(actor=actor, action="evaluation.duty_save", obj=duty,
                         changes={"indicator": indicator.code, "unit": unit.pk, "role": role, "created": created})
    except IntegrityError:  # another lead committed in between
        raise E.LEAD_TAKEN.error("role", code=indicator.code, name="（其他单位）") from None
    return duty


def duty_remove(*, actor, duty: Duty) -> None:
    require(actor, EVAL_EDIT, duty.campaign.node.path)
    require_open(duty.campaign, "修改责任分解")
    with transaction.atomic():
        audit_record(actor=actor, action="evaluation.duty_remove", obj=duty,
                     changes={"indicator": duty.indicator.code, "unit": duty.unit_id, "role": duty.role})
        duty.delete()
        unit_changed(duty.campaign_id, duty.unit_id)


def duty_plan_upload(*, actor, duty: Duty, upload) -> Duty:
    """Attach the work plan's file (一个指标、一个方案): checked and stored before the
    transaction; the file it replaces is removed once the new one is committed."""
    require(actor, EVAL_EDIT, duty.campaign.node.path)
    require_open(duty.campaign, "修改责任分解")
    if upload is None:
        raise E.PLAN_FILE_REQUIRED.error("file")
    stored, shown = store_file(upload, purpose="evaluation_plan")
    old = duty.plan_file
    try:
        with transaction.atomic():
            Duty.objects.filter(pk=duty.pk).update(plan_file=stored, plan_file_name=shown)
            audit_record(actor=actor, action="evaluation.duty_plan_file", obj=duty, changes={"file": shown})
            if old:
                transaction.on_commit(lambda: file_delete(old))
    except BaseException:
        file_delete(stored)
        raise
    duty.refresh_from_db()
    return duty


def duty_plan_response(duty: Duty):
    """The plan file as a download (the caller read `duty` through its scoped selector)."""
    return attachment_response(duty.plan_file, duty.plan_file_name)


def site_save(*, actor, node: Node, site_type: SiteType, name: str, code: str, address: str = "", lat=None,
              lon=None, radius_m: int = 300, unit: Unit | None = None, site: Site | None = None) -> Site:
    require(actor, EVAL_EDIT, node.path)
    name = text_checked(name, 100, what="点位名称", field="name")
    code = text_checked(code, 32, what="点位编码", field="code")
    if not name:
        raise E.NAME_REQUIRED.error("name", what="点位名称")
    if not code:
        raise E.NAME_REQUIRED.error("code", what="点位编码")
    # the site's unit is attached at the site's place, inside it, or above it (a county bureau)
    if unit is not None and not (unit.node.path.startswith(node.path) or node.path.startswith(unit.node.path)):
        raise E.UNIT_OUT_OF_SCOPE.error("unit", name=unit.name)
    given = (lat not in (None, ""), lon not in (None, ""))
    if given == (True, True):
        lat, lon = parse_coordinates(lat, lon)
    elif any(given):
        raise E.COORDINATES_HALF.error("lat")
    else:
        lat = lon = None
    if not isinstance(radius_m, int) or not 10 <= radius_m <= 5000:
        raise E.CHOICE_INVALID.error("radius_m", what="核验半径（10 到 5000 米）")
    fields = dict(node=node, site_type=site_type, name=name, code=code, address=text_of(address, 200),
                  lat=None if lat is None else round(lat, 6), lon=None if lon is None else round(lon, 6),
                  radius_m=radius_m, unit=unit)
    try:
        with transaction.atomic():
            if site is None:
                site = Site.objects.create(**fields)
            else:
                Site.objects.filter(pk=site.pk).update(**fields)
                site.refresh_from_db()
            audit_record(actor=actor, action="evaluation.site_save", obj=site)
    except IntegrityError:
        raise E.NAME_TAKEN.error("code", what="点位（编码或同一阵地下的名称）", name=f"{name} / {code}") from None
    return site


def site_archive(*, actor, site: Site) -> Site:
    require(actor, EVAL_EDIT, site.node.path)
    with transaction.atomic():
        Site.objects.filter(pk=site.pk, archived_at__isnull=True).update(archived_at=timezone.now())
        audit_record(actor=actor, action="evaluation.site_archive", obj=site)
    site.refresh_from_db()
    return site


def site_duty_save(*, actor, site: Site, indicator: Indicator, unit: Unit | None) -> SiteDuty | None:
    """The unit that answers for `indicator` at this site (None: back to the duty table)."""
    require(actor, EVAL_EDIT, site.node.path)
    if indicator.level not in (Level.INDICATOR, Level.DEDUCTION):
        raise E.NOT_SCORED.error("indicator", name=indicator.name)
    with transaction.atomic():
        if unit is None:
            SiteDuty.objects.filter(site=site, indicator=indicator).delete()
            result = None
        else:
            result, _ = SiteDuty.objects.update_or_create(site=site, indicator=indicator, defaults={"unit": unit})
        audit_record(actor=actor, action="evaluation.site_duty", obj=site,
                     changes={"indicator": indicator.code, "unit": getattr(unit, "pk", None)})
    return result
