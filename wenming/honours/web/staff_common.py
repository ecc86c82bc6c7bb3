"""What the back-office honours pages share: fetching within scope, the stage bar, and the
next step each stage asks of the office."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from wenming.core.errors import CoreError

from ..models import HonourCampaign, NominationStatus, ObjectionStatus, Stage
from ..selectors import records
from ..selectors import staff as reads
from ..services.campaigns import next_stage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 20


def campaign_for(request, campaign_id) -> HonourCampaign:
    return records.campaign_get_for_actor(actor=request.user, pk=campaign_id)


def office_campaign(request, campaign_id) -> HonourCampaign:
    """A campaign the actor runs (HONOUR_EDIT over its node); anyone else: not found."""
    campaign = campaign_for(request, campaign_id)
    if not reads.is_office(request.user, campaign):
        raise CoreError.NOT_FOUND.error()
    return campaign


def require_honours(request) -> None:
    if not reads.works_in_honours(request.user):
        raise CoreError.FORBIDDEN.error()


def clean_text(value, limit: int = 50) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


@dataclass
class StageStep:
    value: str
    label: str
    state: str  # done | current | todo


def stage_steps(campaign: HonourCampaign) -> list[StageStep]:
    order = campaign.stages
    current = order.index(campaign.stage) if campaign.stage in order else -1
    return [StageStep(s, Stage(s).label, "done" if i < current else "current" if i == current else "todo")
            for i, s in enumerate(order)]


def next_label(campaign: HonourCampaign) -> tuple[str, str] | None:
    target = next_stage(campaign)
    return (target, Stage(target).label) if target else None


def notice_ends(campaign: HonourCampaign):
    if campaign.notice_from is None:
        return None
    return campaign.notice_from + timedelta(days=campaign.notice_days)


def next_step_hint(campaign: HonourCampaign, counts: dict[str, int], open_objections: int = 0,
                   office: bool = True) -> str:
    """What the stage asks for now, in the office's words (the service decides; this guides)."""
    stage, when = campaign.stage, timezone.localtime
    if stage == Stage.DRAFT:
        return "设好评审标准、推荐时间和名额后，进入“推荐报名”。"
    if stage == Stage.NOMINATING:
        got = sum(counts.values()) - counts.get(NominationStatus.WITHDRAWN, 0)
        return (f"推荐报名时间 {campaign.nominate_from:%Y-%m-%d} 至 {campaign.nominate_until:%Y-%m-%d}，"
                f"已收到 {got} 份推荐。报名截止后进入“初审”。")
    if stage == Stage.INITIAL_REVIEW:
        waiting = counts.get(NominationStatus.SUBMITTED, 0)
        if waiting:
            return f"还有 {waiting} 份推荐待初审（由被推荐对象所在县区的评审员审核），全部审完才能进入下一阶段。"
        if not counts.get(NominationStatus.SHORTLISTED):
            return "还没有通过初审的推荐，不能进入下一阶段。"
        return "初审已完成，可进入下一阶段。" + ("" if campaign.vote_enabled else "本次评选不设网络投票。")
    if stage == Stage.VOTING:
        until = f"，截止 {when(campaign.vote_until):%Y-%m-%d %H:%M}" if campaign.vote_until else ""
        if not office:
            return f"网络投票进行中{until}。投票结束后由主办方组织复审。"
        return f"网络投票进行中{until}。在“投票监控”查看可疑投票并作废；提前进入复审即结束投票。"
    if stage == Stage.FINAL_REVIEW:
        return (f"复审评分中，已拟表彰 {campaign.selected_count} / {campaign.places} 名。"
                "在推荐名单中按得分、票数排序，逐个确定拟表彰对象后进入公示。")
    if stage == Stage.NOTICE:
        ends = notice_ends(campaign)
        until = f"公示期至 {when(ends):%Y-%m-%d %H:%M}" if ends else "公示中"
        tail = f"，还有 {open_objections} 条异议待答复" if open_objections else "，没有待答复的异议"
        return f"{until}{tail}。期满且异议全部答复后才能公布结果。"
    if stage == Stage.ANNOUNCED:
        return "评选结果已公布，表彰对象已列入光荣榜。"
    return "评选已取消。"


def open_objection_count(*, actor, campaign: HonourCampaign) -> int:
    return reads.objections_for_actor(actor=actor, campaign=campaign, status=ObjectionStatus.OPEN).count()
