"""The office watching the vote and the notice: suspicious clusters of votes and voiding
them, the objections of the public notice and their answers."""

from ninja import Query, Router

from wenming.core.params import pk_or_404

from ..access import HONOUR_EDIT, require
from ..selectors import objections as objection_reads
from ..selectors import votes as vote_reads
from ..services import notice, votes
from .campaigns import campaign_of
from .schemas import (
    HonourAnswerIn,
    HonourClusterOut,
    HonourObjectionFilters,
    HonourObjectionOut,
    HonourVoidIn,
    HonourVoidOut,
)

router = Router(tags=["先进典型评选"])


@router.get("/honours/campaigns/{honour_campaign_id}/vote-clusters", response=list[HonourClusterOut],
            summary="可疑投票（同一网络地址/设备多个手机号、短时集中、新号码、虚拟号段），每组列出其有效票")
def list_vote_clusters(request, honour_campaign_id: str):
    campaign = campaign_of(request, honour_campaign_id)
    require(request.auth, HONOUR_EDIT, campaign.node.path)
    return [{"kind": c.kind, "label": c.label, "key": c.key, "votes": len(c.vote_ids), "phones": len(c.phones),
             "vote_ids": c.vote_ids, "nomination_ids": sorted(c.nominations), "first": c.first, "last": c.last}
            for c in vote_reads.vote_clusters(campaign)]


@router.post("/honours/campaigns/{honour_campaign_id}/votes/void", response=HonourVoidOut,
             summary="作废投票（须写明原因；作废的票不再计入票数，审计记录列出每张票）")
def void_votes(request, honour_campaign_id: str, payload: HonourVoidIn):
    campaign = campaign_of(request, honour_campaign_id)
    return {"voided": votes.votes_void(actor=request.auth, campaign=campaign, vote_ids=payload.vote_ids,
                                       reason=payload.reason)}


@router.get("/honours/campaigns/{honour_campaign_id}/objections", response=list[HonourObjectionOut],
            summary="公示异议（待答复的在前；status=open|answered）")
def list_objections(request, honour_campaign_id: str, filters: Query[HonourObjectionFilters]):
    campaign = campaign_of(request, honour_campaign_id)
    return list(objection_reads.objections_for_actor(actor=request.auth, campaign=campaign,
                                                     status=filters.status)[:500])


@router.post("/honours/objections/{objection_id}/answer", response=HonourObjectionOut,
             summary="答复公示异议（upheld=true：异议成立，撤销拟表彰并空出名额）")
def answer_objection(request, objection_id: str, payload: HonourAnswerIn):
    objection = objection_reads.objection_get_for_actor(actor=request.auth, pk=pk_or_404(objection_id))
    notice.objection_answer(actor=request.auth, objection=objection, answer=payload.answer, upheld=payload.upheld)
    return objection_reads.objection_get_for_actor(actor=request.auth, pk=objection.pk)
