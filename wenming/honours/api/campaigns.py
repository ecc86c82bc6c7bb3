"""Campaigns for the office: the list and one campaign (staff over its area), set up and
change the plan and the rules, the review criteria, the next stage, cancel."""

from ninja import Router, Status

from wenming.core.errors import CoreError
from wenming.orgs.page_selectors import nodes_with_perm

from ..access import HONOUR_EDIT
from ..errors import HonourError as E
from ..models import HonourCategory
from ..selectors import records
from ..services import campaigns as svc
from .schemas import (
    HonourCampaignDetailOut,
    HonourCampaignIn,
    HonourCampaignOut,
    HonourCampaignPatchIn,
    HonourCategoryOut,
    HonourCriterionIn,
    HonourCriterionOut,
    HonourReasonIn,
    HonourStageIn,
)

router = Router(tags=["先进典型评选"])
# fields a null in a PATCH cannot clear (the service keeps the old value of an absent one)
NOT_NULL = {"nominate_from", "nominate_until"}


def campaign_of(request, honour_campaign_id: str):
    return records.campaign_get_for_actor(actor=request.auth, pk=honour_campaign_id)


@router.get("/honours/categories", response=list[HonourCategoryOut], summary="典型类别（道德模范、身边好人…）")
def list_categories(request):
    return list(HonourCategory.objects.all())


@router.get("/honours/campaigns", response=list[HonourCampaignOut],
            summary="评选活动：本辖区及上级文明办主办的（最近 200 个）")
def list_campaigns(request):
    return list(records.campaigns_for_actor(actor=request.auth)[:200])


@router.post("/honours/campaigns", response={201: HonourCampaignDetailOut},
             summary="新建评选活动（县级及以上文明办；须有组织评选权限）")
def create_campaign(request, payload: HonourCampaignIn):
    node = nodes_with_perm(actor=request.auth, perm=HONOUR_EDIT).filter(pk=payload.node_id).first()
    if node is None:
        raise CoreError.NOT_FOUND.error("node_id")
    code = payload.category.replace("\x00", "").strip()
    category = HonourCategory.objects.filter(code=code).first() if code else None
    if category is None:
        raise E.CHOICE_INVALID.error("category", what="典型类别")
    rules = payload.dict(exclude={"node_id", "category", "name", "year", "nominate_from", "nominate_until", "places",
                                  "vote_from", "vote_until"}, exclude_none=True)
    campaign = svc.campaign_create(actor=request.auth, node=node, category=category, name=payload.name,
                                   year=payload.year, nominate_from=payload.nominate_from,
                                   nominate_until=payload.nominate_until, places=payload.places,
                                   vote_from=payload.vote_from, vote_until=payload.vote_until, **rules)
    return Status(201, records.campaign_get_for_actor(actor=request.auth, pk=campaign.pk))


@router.get("/honours/campaigns/{honour_campaign_id}", response=HonourCampaignDetailOut,
            summary="评选活动详情（规则、评审标准、阶段）")
def get_campaign(request, honour_campaign_id: str):
    return campaign_of(request, honour_campaign_id)


@router.patch("/honours/campaigns/{honour_campaign_id}", response=HonourCampaignDetailOut,
              summary="修改评选计划和规则（只改提交的字段；投票开始后投票规则不能改）")
def update_campaign(request, honour_campaign_id: str, payload: HonourCampaignPatchIn):
    campaign = campaign_of(request, honour_campaign_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if not (v is None and k in NOT_NULL)}
    return svc.campaign_update(actor=request.auth, campaign=campaign, **values)


@router.post("/honours/campaigns/{honour_campaign_id}/criteria", response={201: HonourCriterionOut},
             summary="添加评审标准（名称和满分；推荐截止后不能再改）")
def add_criterion(request, honour_campaign_id: str, payload: HonourCriterionIn):
    campaign = campaign_of(request, honour_campaign_id)
    return Status(201, svc.criterion_add(actor=request.auth, campaign=campaign, name=payload.name,
                                         points=payload.points))


@router.post("/honours/campaigns/{honour_campaign_id}/stage", response=HonourCampaignDetailOut,
             summary="进入下一阶段（to 须为下一阶段：nominating → initial_review → voting → final_review "
                     "→ notice → announced）")
def advance_stage(request, honour_campaign_id: str, payload: HonourStageIn):
    campaign = campaign_of(request, honour_campaign_id)
    return svc.stage_advance(actor=request.auth, campaign=campaign, to=payload.to)


@router.post("/honours/campaigns/{honour_campaign_id}/cancel", response=HonourCampaignDetailOut,
             summary="取消评选（公布前；须写明原因）")
def cancel_campaign(request, honour_campaign_id: str, payload: HonourReasonIn):
    campaign = campaign_of(request, honour_campaign_id)
    return svc.campaign_cancel(actor=request.auth, campaign=campaign, reason=payload.reason)
