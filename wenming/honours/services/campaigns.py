"""Honour campaigns: set up, configure, and move through the stages in order.

The stage machine: draft → nominating → initial_review → voting (only with a public vote)
→ final_review → notice → announced; cancelled from anywhere before announced. Only the
next stage may be entered, by a conditional UPDATE on the current one (two offices pressing
at once move it once), and only when the stage being left is finished:
- leaving the initial review: no nomination still waits for it;
- entering the vote: a closing time in the future and someone on the ballot;
- entering the notice (公示): at least one nominee selected;
- announcing: the notice period is over and every objection is answered; the selected
  become honoured, the rest of the ballot not selected (复审未入选).
"""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.orgs.models import KIND_RANK, Node, NodeKind

from ..access import HONOUR_EDIT, require
from ..errors import HonourError as E
from ..models import (
    Criterion,
    HonourCampaign,
    HonourCategory,
    HonourLevel,
    Nomination,
    NominationStatus,
    Objection,
    ObjectionStatus,
    Stage,
)
from .common import int_of, require_stage, text_of

RULES = {  # field: (low, high)
    "places": (1, 1000),
    "recommenders_required": (0, 20),
    "votes_per_nominee_per_day": (1, 10),
    "votes_per_day": (1, 100),
    "votes_per_address_per_hour": (1, 100_000),
    "vote_weight_percent": (0, 100),
    "notice_days": (1, 30),
}
FLAGS = ("by_units", "by_nodes", "self_nomination", "vote_enabled")


def _level(node: Node) -> str:
    if KIND_RANK[node.kind] > KIND_RANK[NodeKind.COUNTY]:
        raise E.NODE_INVALID.error("node")
    return HonourLevel.COUNTY if node.kind == NodeKind.COUNTY else (
        HonourLevel.CITY if node.kind == NodeKind.CITY else HonourLevel.PROVINCE)


def _rules(values: dict) -> dict:
    out = {}
    for key, (low, high) in RULES.items():
        if values.get(key) is not None:
            out[key] = int_of(values[key], what=HonourCampaign._meta.get_field(key).verbose_name, field=key,
                              low=low, high=high)
    for key in FLAGS:
        if values.get(key) is not None:
            out[key] = bool(values[key])
    if "priority_label" in values:
        out["priority_label"] = text_of(values["priority_label"], 30, what="优先推荐标识", field="priority_label")
    if "intro" in values:
        out["intro"] = text_of(values["intro"], 5000, what="评选说明", field="intro")
    return out


def _vote_window(vote_from, vote_until) -> None:
    if vote_from and vote_until and vote_until <= vote_from:
        raise E.DATES_INVALID.error("vote_until", what="投票")


def campaign_create(*, actor, node: Node, category: HonourCategory, name: str, year: int, nominate_from: date,
                    nominate_until: date, places: int, vote_from: datetime | None = None,
                    vote_until: datetime | None = None, **rules) -> HonourCampaign:
    require(actor, HONOUR_EDIT, node.path)
    level = _level(node)
    name = text_of(name, 100, what="评选名称", field="name", required=True)
    year = int_of(year, what="年度", field="year", low=2000, high=2100)
    if nominate_until < nominate_from:
        raise E.DATES_INVALID.error("nominate_until", what="推荐")
    _vote_window(vote_from, vote_until)
    fields = _rules({**rules, "places": places})
    with transaction.atomic():
        campaign = HonourCampaign.objects.create(
            category=category, node=node, level=level, name=name, year=year, nominate_from=nominate_from,
            nominate_until=nominate_until, vote_from=vote_from, vote_until=vote_until, created_by=actor, **fields)
        audit_record(actor=actor, action="honours.campaign_create", obj=campaign, node_path=node.path,
                     changes={"category": category.code, "places": campaign.places})
    return campaign


def campaign_update(*, actor, campaign: HonourCampaign, **values) -> HonourCampaign:
    """The plan and the rules. The vote's rules are fixed once the vote has begun (changing
    them midway would treat voters unequally); nothing changes after the announcement."""
    require(actor, HONOUR_EDIT, campaign.node.path)
    require_stage(campaign, [Stage.DRAFT, Stage.NOMINATING, Stage.INITIAL_REVIEW, Stage.VOTING,
                             Stage.FINAL_REVIEW, Stage.NOTICE], "修改")
    fields = _rules(values)
    if "name" in values:
        fields["name"] = text_of(values["name"], 100, what="评选名称", field="name", required=True)
    for key in ("nominate_from", "nominate_until", "vote_from", "vote_until"):
        if key in values:
            fields[key] = values[key]
    vote_rules = {"vote_enabled", "votes_per_nominee_per_day", "votes_per_day", "votes_per_address_per_hour",
                  "vote_from"}
    if campaign.stage in (Stage.VOTING, Stage.FINAL_REVIEW, Stage.NOTICE) and any(k in fields and fields[k] != getattr(campaign, k) for k in vote_rules):
        raise E.STAGE_WRONG.error(name=campaign.name, stage=Stage(campaign.stage).label, action="修改投票规则")
    if "places" in fields and fields["places"] < campaign.selected_count:
        raise E.PLACES_FULL.error("places", places=campaign.selected_count)
    merged = {k: fields.get(k, getattr(campaign, k)) for k in ("nominate_from", "nominate_until", "vote_from",
                                                                "vote_until")}
    if merged["nominate_until"] < merged["nominate_from"]:
        raise E.DATES_INVALID.error("nominate_until", what="推荐")
    _vote_window(merged["vote_from"], merged["vote_until"])
    with transaction.atomic():
        try:
            HonourCampaign.objects.filter(pk=campaign.pk).update(**fields)
        except IntegrityError:  # places below what was selected in the meantime
            raise E.PLACES_FULL.error("places", places=campaign.places) from None
        audit_record(actor=actor, action="honours.campaign_update", obj=campaign, node_path=campaign.node.path,
                     changes={k: str(v) for k, v in fields.items() if k not in ("intro",)})
    campaign.refresh_from_db()
    return campaign


def criterion_add(*, actor, campaign: HonourCampaign, name: str, points: int) -> Criterion:
    """A review criterion; fixed once reviews have begun (scores would not compare)."""
    require(actor, HONOUR_EDIT, campaign.node.path)
    require_stage(campaign, [Stage.DRAFT, Stage.NOMINATING], "修改评审标准")
    name = text_of(name, 60, what="评审标准", field="name", required=True)
    points = int_of(points, what="满分", field="points", low=1, high=100)
    try:
        with transaction.atomic():
            sort = campaign.criteria.count() * 10 + 10
            criterion = Criterion.objects.create(campaign=campaign, name=name, points=points, sort=sort)
            audit_record(actor=actor, action="honours.criterion_add", obj=criterion, node_path=campaign.node.path)
    except IntegrityError:
        raise E.DUPLICATE_CRITERION.error("name", name=name) from None
    return criterion


def next_stage(campaign: HonourCampaign) -> str | None:
    order = campaign.stages
    if campaign.stage not in order or campaign.stage == Stage.ANNOUNCED:
        return None
    return order[order.index(campaign.stage) + 1]


def _open_objections(campaign: HonourCampaign) -> int:
    return Objection.objects.filter(nomination__campaign=campaign, status=ObjectionStatus.OPEN).count()


def stage_blocker(campaign: HonourCampaign, now: datetime | None = None) -> str | None:
    """Why the campaign cannot enter its next stage yet (shown beside the button), or None."""
    now = now or timezone.now()
    target = next_stage(campaign)
    if target is None:
        return None
    noms = Nomination.objects.filter(campaign=campaign)
    if campaign.stage == Stage.INITIAL_REVIEW:
        waiting = noms.filter(status=NominationStatus.SUBMITTED).count()
        if waiting:
            return f"还有 {waiting} 份推荐待初审"
        if not noms.filter(status=NominationStatus.SHORTLISTED).exists():
            return "没有通过初审的推荐"
    if target == Stage.VOTING and (campaign.vote_until is None or campaign.vote_until <= now):
        return "请先设置晚于现在的投票截止时间"
    if target == Stage.NOTICE and not campaign.selected_count:
        return "复审还没有确定拟表彰对象"
    if target == Stage.ANNOUNCED:
        ends = (campaign.notice_from or now) + timedelta(days=campaign.notice_days)
        if now < ends:
            return f"公示期至 {timezone.localtime(ends):%Y-%m-%d %H:%M}，期满后才能公布"
        open_n = _open_objections(campaign)
        if open_n:
            return f"还有 {open_n} 条公示异议未答复"
    return None


def stage_advance(*, actor, campaign: HonourCampaign, to: str, now: datetime | None = None) -> HonourCampaign:
    """Move to `to`, which must be the next stage."""
    require(actor, HONOUR_EDIT, campaign.node.path)
    now = now or timezone.now()
    campaign.refresh_from_db()  # the caller's copy may predate selections and other moves
    target = next_stage(campaign)
    if to not in Stage.values or to != target:
        raise E.STAGE_ORDER.error("to", name=campaign.name, stage=Stage(campaign.stage).label,
                                  next=Stage(target).label if target else "（无）")
    if target == Stage.ANNOUNCED and (campaign.notice_from or now) + timedelta(days=campaign.notice_days) <= now:
        open_n = _open_objections(campaign)
        if open_n:
            raise E.OBJECTIONS_OPEN.error("to", n=open_n)
    why = stage_blocker(campaign, now)
    if why:
        raise E.STAGE_BLOCKED.error("to", next=Stage(target).label, why=why)
    extra = {}
    if target == Stage.VOTING and (campaign.vote_from is None or campaign.vote_from > now):
        extra["vote_from"] = now
    if target == Stage.FINAL_REVIEW and campaign.stage == Stage.VOTING and campaign.vote_until > now:
        extra["vote_until"] = now  # the vote closes when the office closes it
    if target == Stage.NOTICE:
        extra["notice_from"] = now
    if target == Stage.ANNOUNCED:
        extra["announced_at"] = now
    with transaction.atomic():
        if not HonourCampaign.objects.filter(pk=campaign.pk, stage=campaign.stage).update(stage=target, **extra):
            campaign.refresh_from_db()
            raise E.STAGE_ORDER.error("to", name=campaign.name, stage=Stage(campaign.stage).label,
                                      next=Stage(next_stage(campaign)).label if next_stage(campaign) else "（无）")
        if target == Stage.ANNOUNCED:
            Nomination.objects.filter(campaign=campaign, status=NominationStatus.SELECTED).update(
                status=NominationStatus.HONOURED)
            # the rest of the ballot learns its outcome too, not "入围" for ever
            Nomination.objects.filter(campaign=campaign, status=NominationStatus.SHORTLISTED).update(
                status=NominationStatus.REJECTED, status_reason="复审未入选")
        audit_record(actor=actor, action="honours.stage_advance", obj=campaign, node_path=campaign.node.path,
                     changes={"from": campaign.stage, "to": target})
    campaign.refresh_from_db()
    return campaign


def campaign_cancel(*, actor, campaign: HonourCampaign, reason: str) -> HonourCampaign:
    require(actor, HONOUR_EDIT, campaign.node.path)
    reason = text_of(reason, 200, what="取消原因", field="reason", required=True)
    with transaction.atomic():
        if not HonourCampaign.objects.filter(pk=campaign.pk).exclude(
                stage__in=[Stage.ANNOUNCED, Stage.CANCELLED]).update(stage=Stage.CANCELLED):
            campaign.refresh_from_db()
            raise E.STAGE_WRONG.error(name=campaign.name, stage=Stage(campaign.stage).label, action="取消")
        audit_record(actor=actor, action="honours.campaign_cancel", obj=campaign, node_path=campaign.node.path,
                     changes={"reason": reason})
    campaign.refresh_from_db()
    return campaign
