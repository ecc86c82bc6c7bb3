"""Campaigns and their indicator system: create, configure, copy last year's."""

import re
from datetime import date

from django.db import IntegrityError, transaction

from wenming.core.audit import audit_record
from wenming.orgs.models import KIND_RANK, Node, NodeKind

from ..access import EVAL_EDIT, require
from ..board_cache import campaign_changed
from ..errors import EvaluationError as E
from ..models import (
    LEVEL_RANK,
    Campaign,
    CampaignStatus,
    Duty,
    Indicator,
    Level,
    Method,
    Rule,
    SiteType,
    SubSystem,
    Survey,
    SurveyStatus,
)
from .common import points_of, require_open, text_checked, text_of

CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,19}")
# The level a parent must have for each level (an indicator may hang under an area directly).
PARENT_LEVELS = {Level.AREA: (None,), Level.ITEM: (Level.AREA,), Level.INDICATOR: (Level.AREA, Level.ITEM),
                 Level.DEDUCTION: (Level.INDICATOR,)}


def campaign_create(*, actor, node: Node, name: str, year: int, starts_on: date, ends_on: date, **settings) -> Campaign:
    require(actor, EVAL_EDIT, node.path)
    if KIND_RANK[node.kind] > KIND_RANK[NodeKind.COUNTY]:
        raise E.NODE_INVALID.error("node")
    name = text_of(name, 100)
    if not name:
        raise E.NAME_REQUIRED.error("name", what="测评活动名称")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise E.YEAR_INVALID.error("year")
    if ends_on < starts_on:
        raise E.DATES_INVALID.error("ends_on")
    allowed = {"days_minor", "days_major", "days_severe", "escalate_after_days", "repeat_window_days",
               "red_list_size", "black_list_size"}
    extra = {k: v for k, v in settings.items() if k in allowed and v is not None}
    for key, value in extra.items():
        if not isinstance(value, int) or not 0 <= value <= 365:
            raise E.CHOICE_INVALID.error(key, what=Campaign._meta.get_field(key).verbose_name)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(node=node, name=name, year=year, starts_on=starts_on, ends_on=ends_on,
                                               created_by=actor, **extra)
            audit_record(actor=actor, action="evaluation.campaign_create", obj=campaign)
    except IntegrityError:
        raise E.NAME_TAKEN.error("name", what="测评活动", name=name) from None
    return campaign


def campaign_set_status(*, actor, campaign: Campaign, status: str) -> Campaign:
    require(actor, EVAL_EDIT, campaign.node.path)
    if status not in CampaignStatus.values:
        raise E.CHOICE_INVALID.error("status", what="状态")
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(status=status)
        closed = 0
        if status == CampaignStatus.CLOSED:  # a closed campaign's scores do not move: its surveys stop too
            closed = Survey.objects.filter(campaign=campaign, status=SurveyStatus.OPEN).update(
                status=SurveyStatus.CLOSED)
        audit_record(actor=actor, action="evaluation.campaign_status", obj=campaign,
                     changes={"status": status, "surveys_closed": closed})
    campaign.refresh_from_db()
    return campaign


def subsystem_create(*, actor, campaign: Campaign, name: str, floor_percent, share_percent) -> SubSystem:
    require(actor, EVAL_EDIT, campaign.node.path)
    require_open(campaign, "修改测评体系")
    name = text_of(name, 60)
    if not name:
        raise E.NAME_REQUIRED.error("name", what="单列体系名称")
    floor, share = points_of(floor_percent, "门槛得分率"), points_of(share_percent, "占比")
    if floor > 100 or share >= 100:
        raise E.RATES_INVALID.error("share_percent")
    try:
        with transaction.atomic():
            sub = SubSystem.objects.create(campaign=campaign, name=name, floor_percent=floor, share_percent=share)
            campaign_changed(campaign.pk)
            audit_record(actor=actor, action="evaluation.subsystem_create", obj=sub)
    except IntegrityError:
        raise E.NAME_TAKEN.error("name", what="单列体系", name=name) from None
    return sub


def _methods(values) -> list[str]:
    out = []
    for value in values or []:
        value = str(value).strip()
        code = value if value in Method.values else next((m.value for m in Method if m.label == value), None)
        if code is None:
            raise E.METHOD_INVALID.error("methods", value=value[:20])
        if code not in out:
            out.append(code)
    return out


def indicator_save(*, actor, campaign: Campaign, code: str, name: str, level: str, parent: Indicator | None = None,
                   points=0, weight=1, methods=(), site_types=(), rule: str = Rule.DEDUCT, deduct_points=0,
                   survey_full_rate=90, survey_zero_rate=60, subsystem: SubSystem | None = None,
                   is_feature: bool = False, indicator: Indicator | None = None) -> Indicator:
    """Create an indicator (or update `indicator`), checking its place in the tree."""
    require(actor, EVAL_EDIT, campaign.node.path)
    require_open(campaign, "修改测评体系")
    code = text_checked(code, 20, what="编号", field="code")
    if not CODE.fullmatch(code):
        raise E.CODE_INVALID.error("code")
    name = text_checked(name, 200, what="指标名称", field="name")
    if not name:
        raise E.NAME_REQUIRED.error("name", what="指标名称")
    if level not in Level.values:
        raise E.CHOICE_INVALID.error("level", what="层级")
    if rule not in Rule.values:
        raise E.CHOICE_INVALID.error("rule", what="计分规则")
    wanted = PARENT_LEVELS[level]
    if (parent.level if parent else None) not in wanted or (parent and parent.campaign_id != campaign.pk):
        labels = "、".join(Level(w).label for w in wanted if w) or "（无，顶层）"
        raise E.PARENT_INVALID.error("parent", level=Level(level).label, parent=labels)
    full, zero = points_of(survey_full_rate, "问卷满分达标率"), points_of(survey_zero_rate, "问卷零分线")
    if full > 100 or zero > full:
        raise E.RATES_INVALID.error("survey_zero_rate")
    weight = points_of(weight, "权重")
    if weight <= 0:
        raise E.POINTS_INVALID.error("weight", what="权重")
    if subsystem is not None and subsystem.campaign_id != campaign.pk:
        raise E.CHOICE_INVALID.error("subsystem", what="单列体系")
    fields = dict(code=code, name=name, level=level, parent=parent, points=points_of(points), weight=weight,
                  methods=_methods(methods), rule=rule, deduct_points=points_of(deduct_points, "每处扣分"),
                  survey_full_rate=full, survey_zero_rate=zero, subsystem=subsystem, is_feature=bool(is_feature))
    clash = Indicator.objects.filter(campaign=campaign, code=code).exclude(pk=getattr(indicator, "pk", None)).first()
    if clash is not None:
        raise E.CODE_TAKEN.error("code", code=code, name=clash.name)
    try:
        with transaction.atomic():
            if indicator is None:
                last = (Indicator.objects.filter(campaign=campaign).order_by("-sort")
                        .values_list("sort", flat=True).first())
                indicator = Indicator.objects.create(campaign=campaign, sort=(last or 0) + 10, **fields)
                action = "evaluation.indicator_create"
            else:
                Indicator.objects.filter(pk=indicator.pk).update(**fields)
                indicator.refresh_from_db()
                action = "evaluation.indicator_update"
            indicator.site_types.set(site_types)
            campaign_changed(campaign.pk)  # points, weights, names and the tree are on every board
            audit_record(actor=actor, action=action, obj=indicator,
                         changes={"code": code, "points": str(fields["points"])})
    except IntegrityError:  # the same code committed by someone else in between
        raise E.CODE_TAKEN.error("code", code=code, name="（刚刚新增的指标）") from None
    return indicator


def campaign_copy(*, actor, source: Campaign, name: str, year: int, starts_on: date, ends_on: date,
                  with_duties: bool = True) -> Campaign:
    """Next year's campaign from this one: the same settings, sub-systems, indicator tree and
    (unless told otherwise) duty table; no sites change (they are not per campaign)."""
    fields = {f: getattr(source, f) for f in ("days_minor", "days_major", "days_severe", "escalate_after_days",
                                               "repeat_window_days", "red_list_size", "black_list_size")}
    with transaction.atomic():
        campaign = campaign_create(actor=actor, node=source.node, name=name, year=year, starts_on=starts_on,
                                   ends_on=ends_on, **fields)
        Campaign.objects.filter(pk=campaign.pk).update(copied_from=source, red_min_rate=source.red_min_rate,
                                                       black_below_rate=source.black_below_rate)
        subs = {s.pk: SubSystem.objects.create(campaign=campaign, name=s.name, floor_percent=s.floor_percent,
                                               share_percent=s.share_percent) for s in source.subsystems.all()}
        mapping: dict[int, Indicator] = {}
        # parents before children: by level rank
        olds = sorted(source.indicators.prefetch_related("site_types"), key=lambda i: (LEVEL_RANK[i.level], i.sort))
        for old in olds:
            new = Indicator.objects.create(
                campaign=campaign, parent=mapping.get(old.parent_id), level=old.level, code=old.code, name=old.name,
                points=old.points, weight=old.weight, methods=old.methods, rule=old.rule,
                deduct_points=old.deduct_points, survey_full_rate=old.survey_full_rate,
                survey_zero_rate=old.survey_zero_rate, subsystem=subs.get(old.subsystem_id),
                is_feature=old.is_feature, sort=old.sort)
            new.site_types.set(old.site_types.all())
            mapping[old.pk] = new
        if with_duties:
            Duty.objects.bulk_create([
                Duty(campaign=campaign, indicator=mapping[d.indicator_id], unit_id=d.unit_id, role=d.role,
                     head_name=d.head_name, head_title=d.head_title, plan=d.plan, task_force=d.task_force)
                for d in source.duties.all()])
        audit_record(actor=actor, action="evaluation.campaign_copy", obj=campaign,
                     changes={"from": source.pk, "indicators": len(mapping)})
    campaign.refresh_from_db()
    return campaign


def site_type_save(*, actor, code: str, name: str, sort: int = 0) -> SiteType:
    """Site types are shared by every campaign and office: a platform admin's setting."""
    require(actor, EVAL_EDIT, "")
    code, name = text_of(code, 30), text_of(name, 30)
    if not re.fullmatch(r"[a-z0-9_-]{1,30}", code) or not name:
        raise E.CHOICE_INVALID.error("code", what="点位类型代码（小写字母、数字）和名称")
    with transaction.atomic():
        site_type, _ = SiteType.objects.update_or_create(code=code, defaults={"name": name, "sort": sort})
        audit_record(actor=actor, action="evaluation.site_type_save", obj=site_type)
    return site_type
