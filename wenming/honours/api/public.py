"""The public portal's honours (no token): campaigns and their nominees with live counts, the
vote — a text code, the voter pass, cast, see and take back one's votes — objections during
the public notice, and the honour roll.

The voter pass (from `voter-pass`) goes in the body's `token` or the `X-Voter-Pass` header;
the page's device id in `X-Device-Id`; the client address is the request's (behind a proxy,
the header WENMING_CLIENT_IP_HEADER names). Ids are parsed here: "²" or 23 digits are 404."""

from django.utils import timezone
from ninja import Header, Query, Router, Status

from wenming.core.api import PageOut, page_response
from wenming.core.middleware import client_ip
from wenming.core.pagination import paginate
from wenming.core.params import pk_or_404

from ..models import HonourLevel
from ..selectors import ballot, records
from ..selectors import votes as vote_reads
from ..services import notice
from ..services import votes as sv
from .schemas import (
    HonourCastOut,
    HonourMessageOut,
    HonourMyVoteOut,
    HonourMyVotesOut,
    HonourObjectionIn,
    HonourPassOut,
    HonourPhoneIn,
    HonourPublicCampaignDetailOut,
    HonourPublicCampaignOut,
    HonourPublicNomineeDetailOut,
    HonourReceiptOut,
    HonourRollFilters,
    HonourRollOut,
    HonourTokenIn,
    HonourVerifyIn,
    HonourVoteIn,
)

router = Router(tags=["先进典型评选"])
PASS_HEADER = Header("", alias="X-Voter-Pass", description="投票凭证（也可放在请求体的 token 中）")
DEVICE_HEADER = Header("", alias="X-Device-Id", description="页面生成并保存的设备标识")


def _campaign(honour_campaign_id: str):
    return records.public_campaign(honour_campaign_id)


def _token(body_token: str, header_token: str) -> str:
    return (body_token or header_token or "").strip()


def _address(request) -> str:
    return client_ip(request) or ""


@router.get("/honours/public/campaigns", response=list[HonourPublicCampaignOut], auth=None,
            summary="公开的评选活动（筹备中和已取消的除外）")
def public_campaigns(request):
    return list(records.public_campaigns()[:100])


@router.get("/honours/public/campaigns/{honour_campaign_id}", response=HonourPublicCampaignDetailOut, auth=None,
            summary="评选活动和公开的候选人：投票中为投票名单（实时票数），公示中为拟表彰对象，公布后为表彰名单")
def public_campaign(request, honour_campaign_id: str):
    campaign = _campaign(honour_campaign_id)
    campaign.nominees = list(records.public_nominations(campaign)[:500])
    why = sv.voting_state(campaign, timezone.now())
    campaign.vote_open, campaign.vote_state = why is None, why or ""
    campaign.total_votes = ballot.live_total(campaign.nominees)
    return campaign


@router.get("/honours/public/campaigns/{honour_campaign_id}/nominees/{nomination_id}",
            response=HonourPublicNomineeDetailOut, auth=None, summary="候选人事迹")
def public_nominee(request, honour_campaign_id: str, nomination_id: str):
    return records.public_nomination(_campaign(honour_campaign_id), nomination_id)


@router.post("/honours/public/campaigns/{honour_campaign_id}/vote-code", response={202: HonourMessageOut},
             auth=None, summary="投票：获取短信验证码（每个手机号每分钟一次）")
def vote_code(request, honour_campaign_id: str, payload: HonourPhoneIn):
    sv.vote_code_send(campaign=_campaign(honour_campaign_id), phone=payload.phone, address=_address(request))
    return Status(202, {"message": "验证码已发送，请查收短信（10 分钟内有效）"})


@router.post("/honours/public/campaigns/{honour_campaign_id}/voter-pass", response={201: HonourPassOut},
             auth=None, summary="投票：以验证码验证手机号，取得投票凭证（两小时内有效）")
def voter_pass(request, honour_campaign_id: str, payload: HonourVerifyIn, device: str = DEVICE_HEADER):
    campaign = _campaign(honour_campaign_id)
    token = sv.vote_verify(campaign=campaign, phone=payload.phone, code=payload.code, address=_address(request),
                           device=device)
    return Status(201, {"token": token, "expires_at": sv.voter_pass(campaign, token).expires_at,
                        "message": "验证成功，可以投票了"})


@router.post("/honours/public/campaigns/{honour_campaign_id}/votes", response={200: HonourCastOut, 201: HonourCastOut},
             auth=None, summary="投票（201 新投的一票；200 同一 submission 的重复点击，返回第一次的票）")
def cast_vote(request, honour_campaign_id: str, payload: HonourVoteIn, token: str = PASS_HEADER,
              device: str = DEVICE_HEADER):
    nominee = ballot.ballot_entry(honour_campaign_id, payload.nomination_id)
    campaign = nominee.campaign
    vote, created = sv.vote_cast(campaign=campaign, nomination=nominee, token=_token(payload.token, token),
                                 address=_address(request), device=device, submission=payload.submission)
    vote.nomination = nominee
    return Status(201 if created else 200, {
        "vote": vote, "created": created, "used_today": ballot.votes_used_today(campaign, vote.phone_hash),
        "votes_per_day": campaign.votes_per_day})


@router.get("/honours/public/campaigns/{honour_campaign_id}/votes", response=HonourMyVotesOut, auth=None,
            summary="我的投票（凭 X-Voter-Pass）：每一票及今天已用的票数")
def my_votes(request, honour_campaign_id: str, token: str = PASS_HEADER):
    campaign = _campaign(honour_campaign_id)
    vp = sv.voter_pass(campaign, token.strip())
    return {"votes_per_day": campaign.votes_per_day, "votes_per_nominee_per_day": campaign.votes_per_nominee_per_day,
            "used_today": ballot.votes_used_today(campaign, vp.phone_hash),
            "votes": list(vote_reads.my_votes(campaign, vp)[:200])}


@router.post("/honours/public/campaigns/{honour_campaign_id}/votes/{vote_id}/undo", response=HonourMyVoteOut,
             auth=None, summary="撤回自己的一票（投票期间；票数减一，当天可投票数恢复）")
def undo_vote(request, honour_campaign_id: str, vote_id: str, payload: HonourTokenIn | None = None,
              token: str = PASS_HEADER):
    campaign = _campaign(honour_campaign_id)
    vote = sv.vote_undo(campaign=campaign, vote_id=pk_or_404(vote_id),
                        token=_token(payload.token if payload else "", token))
    return vote


@router.post("/honours/public/campaigns/{honour_campaign_id}/objections", response={201: HonourReceiptOut},
             auth=None, summary="公示期间对拟表彰对象提出异议（可匿名；实名须填姓名和手机号；照片在页面上传）")
def submit_objection(request, honour_campaign_id: str, payload: HonourObjectionIn):
    campaign = _campaign(honour_campaign_id)
    nominee = records.public_nomination(campaign, payload.nomination_id)
    objection = notice.objection_submit(nomination=nominee, text=payload.text, anonymous=payload.anonymous,
                                        name=payload.name, phone=payload.phone, address=_address(request))
    return Status(201, {"number": objection.number, "message": "异议已收到，我们会及时核实并答复"})


@router.get("/honours/public/honour-roll", response=PageOut[HonourRollOut], auth=None,
            summary="光荣榜：已公布的表彰（level=county|city|province，year 年度）")
def honour_roll(request, filters: Query[HonourRollFilters]):
    level = filters.level if filters.level in HonourLevel.values else ""
    return page_response(paginate(records.honour_roll(level=level, year=filters.year), filters.page,
                                  filters.page_size))

