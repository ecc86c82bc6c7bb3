"""Nominations: a campaign's list (filters, sorts) and one nomination (masked personal data
only), nominate by a unit, a node or oneself, correct or withdraw, review, and the office's
selection at the final review."""

from ninja import Query, Router, Status

from wenming.core.api import PageOut, page_response
from wenming.core.pagination import paginate

from ..models import NominatedBy, NomineeKind
from ..selectors import nominees, records
from ..services import nominations as svc
from ..services import reviews
from .campaigns import campaign_of
from .schemas import (
    HonourNominationDetailOut,
    HonourNominationEditIn,
    HonourNominationFilters,
    HonourNominationIn,
    HonourNominationOut,
    HonourReasonIn,
    HonourReviewIn,
    HonourReviewOut,
    HonourSelectionIn,
)

router = Router(tags=["先进典型评选"])


def detail(request, pk: int):
    """One nomination as its answer shows it: reviews only for readers over its place."""
    nomination = nominees.nomination_detail_for_actor(actor=request.auth, pk=pk)
    nomination.visible_reviews = (list(nomination.reviews.all())
                                  if nominees.reviews_visible(request.auth, nomination) else [])
    return nomination


def nomination_of(request, nomination_id: str):
    return records.nomination_get_for_actor(actor=request.auth, pk=nomination_id)


@router.get("/honours/campaigns/{honour_campaign_id}/nominations", response=PageOut[HonourNominationOut],
            summary="评选活动的推荐（辖区内的；status 状态、priority=true 只看优先推荐、"
                    "sort=priority|votes|score|number）")
def list_nominations(request, honour_campaign_id: str, filters: Query[HonourNominationFilters]):
    campaign = campaign_of(request, honour_campaign_id)
    qs = records.nominations_for_actor(actor=request.auth, campaign=campaign, status=filters.status,
                                       sort=filters.sort, priority_only=filters.priority)
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/honours/campaigns/{honour_campaign_id}/nominations", response={201: HonourNominationDetailOut},
             summary="推荐（单位推荐、文明办/阵地推荐或个人自荐；照片和材料在页面上传）")
def create_nomination(request, honour_campaign_id: str, payload: HonourNominationIn):
    actor, kind = request.auth, payload.kind
    if payload.nominated_by == NominatedBy.SELF:  # anyone signed in, on a campaign the portal shows
        campaign = records.public_campaign(honour_campaign_id)
    else:
        campaign = campaign_of(request, honour_campaign_id)
    by = {}
    if payload.nominated_by == NominatedBy.UNIT:
        by["nominating_unit"] = nominees.nominating_unit_for_actor(actor=actor, unit_id=payload.nominating_unit_id)
    elif payload.nominated_by == NominatedBy.NODE:
        by["nominating_node"] = nominees.nominating_node_for_actor(actor=actor, node_id=payload.nominating_node_id)
    nominee: dict = {}
    if kind not in campaign.category.nominee_kinds:
        pass  # the service says which kinds the category takes, before any lookup
    elif kind == NomineeKind.VOLUNTEER and any(by.values()):
        # named from the nominating unit's or node's pool; a self-nomination (or a missing
        # nominating body, which the service refuses) names nobody here
        nominee["volunteer"] = nominees.volunteer_for_nominator(
            actor=actor, campaign=campaign, node=by.get("nominating_node"), unit=by.get("nominating_unit"),
            volunteer_id=payload.volunteer_id, volunteer_no=payload.volunteer_no, name=payload.name)
    elif kind in (NomineeKind.RESIDENT, NomineeKind.FAMILY):
        nominee |= {"name": payload.name, "id_number": payload.id_number, "phone": payload.phone,
                    "node": nominees.place_in_campaign(campaign=campaign, node_id=payload.node_id)}
    elif kind == NomineeKind.UNIT:
        nominee["unit"] = nominees.unit_for_nominator(actor=actor, unit_id=payload.unit_id)
    elif kind == NomineeKind.TEAM:
        nominee["team"] = nominees.team_for_nominator(actor=actor, team_id=payload.team_id)
    work_unit = nominees.unit_for_nominator(actor=actor, unit_id=payload.work_unit_id, field="work_unit_id")
    nomination = svc.nomination_create(
        actor=actor, campaign=campaign, kind=kind, nominated_by=payload.nominated_by, consent=payload.consent,
        recommenders=[r.dict() for r in payload.recommenders], work_unit=work_unit, title=payload.title,
        story=payload.story, priority=payload.priority, priority_note=payload.priority_note, **by, **nominee)
    return Status(201, detail(request, nomination.pk))


@router.get("/honours/nominations/{nomination_id}", response=HonourNominationDetailOut,
            summary="推荐详情（证件号码、电话只给掩码；评审意见只给辖区的工作人员和评审员）")
def get_nomination(request, nomination_id: str):
    return detail(request, nomination_of(request, nomination_id).pk)


@router.patch("/honours/nominations/{nomination_id}", response=HonourNominationDetailOut,
              summary="推荐方修改事迹（待初审或退回修改的；退回的改后重新进入初审）")
def update_nomination(request, nomination_id: str, payload: HonourNominationEditIn):
    nomination = svc.nomination_update(actor=request.auth, nomination=nomination_of(request, nomination_id),
                                       **payload.dict())
    return detail(request, nomination.pk)


@router.post("/honours/nominations/{nomination_id}/withdraw", response=HonourNominationDetailOut,
             summary="推荐方撤回推荐（初审结束前；须写明原因）")
def withdraw_nomination(request, nomination_id: str, payload: HonourReasonIn):
    nomination = svc.nomination_withdraw(actor=request.auth, nomination=nomination_of(request, nomination_id),
                                         reason=payload.reason)
    return detail(request, nomination.pk)


@router.post("/honours/nominations/{nomination_id}/reviews", response={201: HonourReviewOut},
             summary="评审：初审 pass/return/reject，复审 pass/reject；通过须为每项标准打分，"
                     "退回或不通过须写理由；与被推荐对象同单位须回避")
def submit_review(request, nomination_id: str, payload: HonourReviewIn):
    review = reviews.review_submit(actor=request.auth, nomination=nomination_of(request, nomination_id),
                                   decision=payload.decision, reason=payload.reason, scores=payload.scores)
    return Status(201, review)


@router.post("/honours/nominations/{nomination_id}/selection", response=HonourNominationDetailOut,
             summary="复审：确定拟表彰（selected=true，名额内）、取消拟表彰，或不予表彰（selected=false 并写理由）")
def set_selection(request, nomination_id: str, payload: HonourSelectionIn):
    nomination = reviews.selection_set(actor=request.auth, nomination=nomination_of(request, nomination_id),
                                       selected=payload.selected, reason=payload.reason)
    return detail(request, nomination.pk)
