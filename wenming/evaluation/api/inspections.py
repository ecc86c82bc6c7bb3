"""测评 API: campaigns and their indicator tree, the duty table, sites, inspection rounds,
findings and rectification, accountability, scoreboards."""

from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from wenming.core.api import PageOut, page_response
from wenming.core.errors import CoreError
from wenming.core.pagination import paginate
from wenming.core.params import pk_or_404
from wenming.core.uploads import image_response
from wenming.orgs.models import Node, Unit
from wenming.orgs.selectors import node_get_for_actor

from ..access import EVAL_VIEW, may, unit_ids
from ..errors import EvaluationError as E
from ..models import SiteType
from ..selectors import records, scoreboard
from ..services import campaigns, duties, inspections, rectification
from .schemas import (
    AccountabilityIn,
    AccountabilityOut,
    BoardOut,
    CampaignIn,
    CampaignOut,
    DutyFilters,
    DutyIn,
    DutyOut,
    FindingDetailOut,
    FindingFilters,
    FindingOut,
    IndicatorIn,
    IndicatorOut,
    NoteIn,
    RankingOut,
    ReasonIn,
    RoundIn,
    RoundOut,
    SiteDutyIn,
    SiteDutyOut,
    SiteFilters,
    SiteIn,
    SiteOut,
    StatusIn,
)

router = Router(tags=["测评"])
PHOTOS = File(None)
OPTIONAL_FILE = File(None)  # a missing file is answered by the service, after the scope check


def _campaign(request, campaign_id):
    return records.campaign_get_for_actor(actor=request.auth, pk=campaign_id)


def _unit_in_scope(request, unit_id) -> Unit:
    """A unit the actor may name: in their view scope, or their own (a liaison)."""
    unit = Unit.objects.select_related("node").filter(pk=pk_or_404(unit_id)).first()
    if unit is None or not (may(request.auth, EVAL_VIEW, unit.node.path) or unit.pk in unit_ids(request.auth)):
        raise CoreError.NOT_FOUND.error()
    return unit


def _finding_detail(finding) -> dict:
    return {"finding": finding, "routes": list(finding.routes.select_related("unit")),
            "events": list(finding.events.prefetch_related("photos"))}


@router.get("/evaluation/campaigns", response=list[CampaignOut], summary="测评活动列表")
def list_campaigns(request):
    return list(records.campaigns_for_actor(actor=request.auth)[:200])


@router.post("/evaluation/campaigns", response={201: CampaignOut}, summary="新建测评活动")
def create_campaign(request, payload: CampaignIn):
    node = node_get_for_actor(actor=request.auth, node_id=payload.node_id)
    extra = payload.dict(include={"days_minor", "days_major", "days_severe", "escalate_after_days",
                                  "repeat_window_days"})
    return Status(201, campaigns.campaign_create(actor=request.auth, node=node, name=payload.name, year=payload.year,
                                                 starts_on=payload.starts_on, ends_on=payload.ends_on, **extra))


@router.get("/evaluation/campaigns/{campaign_id}", response=CampaignOut, summary="测评活动详情")
def get_campaign(request, campaign_id: str):
    return _campaign(request, campaign_id)


@router.post("/evaluation/campaigns/{campaign_id}/status", response=CampaignOut,
             summary="设置测评活动状态（筹备中/测评中/已结束）")
def set_status(request, campaign_id: str, payload: StatusIn):
    return campaigns.campaign_set_status(actor=request.auth, campaign=_campaign(request, campaign_id),
                                         status=payload.status)


@router.get("/evaluation/campaigns/{campaign_id}/indicators", response=list[IndicatorOut], summary="测评体系（指标树）")
def list_indicators(request, campaign_id: str):
    return records.indicators_of(_campaign(request, campaign_id))


def _indicator_fields(campaign, payload: IndicatorIn) -> dict:
    parent = records.indicator_get(campaign=campaign, pk=payload.parent_id) if payload.parent_id else None
    sub = campaign.subsystems.filter(pk=payload.subsystem_id).first() if payload.subsystem_id else None
    if payload.subsystem_id and sub is None:
        raise CoreError.NOT_FOUND.error()
    types = list(SiteType.objects.filter(code__in=payload.site_types[:50]))
    fields = payload.dict(exclude={"parent_id", "subsystem_id", "site_types"})
    return fields | {"parent": parent, "subsystem": sub, "site_types": types}


@router.post("/evaluation/campaigns/{campaign_id}/indicators", response={201: IndicatorOut}, summary="新增指标")
def create_indicator(request, campaign_id: str, payload: IndicatorIn):
    campaign = _campaign(request, campaign_id)
    return Status(201, campaigns.indicator_save(actor=request.auth, campaign=campaign,
                                                **_indicator_fields(campaign, payload)))


@router.put("/evaluation/campaigns/{campaign_id}/indicators/{indicator_id}", response=IndicatorOut, summary="修改指标")
def update_indicator(request, campaign_id: str, indicator_id: str, payload: IndicatorIn):
    campaign = _campaign(request, campaign_id)
    indicator = records.indicator_get(campaign=campaign, pk=indicator_id)
    return campaigns.indicator_save(actor=request.auth, campaign=campaign, indicator=indicator,
                                    **_indicator_fields(campaign, payload))


@router.get("/evaluation/campaigns/{campaign_id}/duties", response=PageOut[DutyOut],
            summary="责任分解表（联络员只看到本单位的）")
def list_duties(request, campaign_id: str, filters: Query[DutyFilters]):
    qs = records.duties_for_actor(actor=request.auth, campaign=_campaign(request, campaign_id),
                                  unit_id=filters.unit_id if filters.unit_id and 0 < filters.unit_id < 10**18 else None,
                                  indicator_id=filters.indicator_id if filters.indicator_id and
                                  0 < filters.indicator_id < 10**18 else None, role=filters.role[:8])
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/evaluation/campaigns/{campaign_id}/duties", response={201: DutyOut}, summary="分解指标到责任单位")
def save_duty(request, campaign_id: str, payload: DutyIn):
    campaign = _campaign(request, campaign_id)
    indicator = records.indicator_get(campaign=campaign, pk=payload.indicator_id)
    unit = _unit_in_scope(request, payload.unit_id)
    return Status(201, duties.duty_save(actor=request.auth, campaign=campaign, indicator=indicator, unit=unit,
                                        **payload.dict(exclude={"indicator_id", "unit_id"})))


@router.delete("/evaluation/campaigns/{campaign_id}/duties/{duty_id}", response={204: None}, summary="删除责任分解")
def remove_duty(request, campaign_id: str, duty_id: str):
    campaign = _campaign(request, campaign_id)
    duties.duty_remove(actor=request.auth, duty=records.duty_get_for_actor(actor=request.auth, campaign=campaign,
                                                                           pk=duty_id))
    return Status(204, None)


@router.post("/evaluation/campaigns/{campaign_id}/duties/{duty_id}/plan", response=DutyOut,
             summary="上传工作方案附件（PDF、Word、Excel、图片或 ZIP）")
def upload_plan(request, campaign_id: str, duty_id: str, file: UploadedFile | None = OPTIONAL_FILE):
    campaign = _campaign(request, campaign_id)
    duty = records.duty_get_for_actor(actor=request.auth, campaign=campaign, pk=duty_id)
    return duties.duty_plan_upload(actor=request.auth, duty=duty, upload=file)


@router.get("/evaluation/campaigns/{campaign_id}/duties/{duty_id}/plan", response={200: None},
            summary="下载工作方案附件")
def download_plan(request, campaign_id: str, duty_id: str):
    campaign = _campaign(request, campaign_id)
    response = duties.duty_plan_response(records.duty_get_for_actor(actor=request.auth, campaign=campaign,
                                                                     pk=duty_id))
    if response is None:
        raise CoreError.NOT_FOUND.error()
    return response


@router.get("/evaluation/site-types", response=list[dict], summary="点位类型")
def site_types(request):
    return [{"code": t.code, "name": t.name} for t in SiteType.objects.all()]


@router.get("/evaluation/sites", response=PageOut[SiteOut], summary="测评点位")
def list_sites(request, filters: Query[SiteFilters]):
    qs = records.sites_for_actor(actor=request.auth, site_type=filters.site_type, search=filters.search)
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.post("/evaluation/sites", response={201: SiteOut}, summary="新增测评点位")
def create_site(request, payload: SiteIn):
    node = node_get_for_actor(actor=request.auth, node_id=payload.node_id)
    site_type = records.site_type_by_code(payload.site_type)
    if site_type is None:
        raise CoreError.NOT_FOUND.error()
    unit = _unit_in_scope(request, payload.unit_id) if payload.unit_id else None
    return Status(201, duties.site_save(actor=request.auth, node=node, site_type=site_type, name=payload.name,
                                        code=payload.code, address=payload.address, lat=payload.lat, lon=payload.lon,
                                        radius_m=payload.radius_m, unit=unit))


@router.get("/evaluation/sites/{site_id}", response=SiteOut, summary="点位详情")
def get_site(request, site_id: str):
    return records.site_get_for_actor(actor=request.auth, pk=site_id)


@router.post("/evaluation/sites/{site_id}/duties", response=SiteDutyOut,
             summary="点位责任：某指标在本点位由哪个单位负责（不填单位则按责任分解表）")
def set_site_duty(request, site_id: str, payload: SiteDutyIn):
    site = records.site_get_for_actor(actor=request.auth, pk=site_id)
    campaign = _campaign(request, payload.campaign_id)
    indicator = records.indicator_get(campaign=campaign, pk=payload.indicator_id)
    unit = _unit_in_scope(request, payload.unit_id) if payload.unit_id else None
    duties.site_duty_save(actor=request.auth, site=site, indicator=indicator, unit=unit)
    return {"site_id": site.pk, "indicator_id": indicator.pk, "unit_id": getattr(unit, "pk", None)}


@router.get("/evaluation/campaigns/{campaign_id}/rounds", response=list[RoundOut],
            summary="督查安排（仅督查员和创建办可见）")
def list_rounds(request, campaign_id: str):
    return list(records.rounds_for_actor(actor=request.auth, campaign=_campaign(request, campaign_id))
                .prefetch_related("sites")[:200])


@router.post("/evaluation/campaigns/{campaign_id}/rounds", response={201: RoundOut}, summary="安排督查（默认不打招呼）")
def plan_round(request, campaign_id: str, payload: RoundIn):
    campaign = _campaign(request, campaign_id)
    node = node_get_for_actor(actor=request.auth, node_id=payload.node_id)
    sites = [records.site_get_for_actor(actor=request.auth, pk=s) for s in dict.fromkeys(payload.site_ids[:500])]
    indicators = [records.indicator_get(campaign=campaign, pk=i) for i in dict.fromkeys(payload.indicator_ids[:500])]
    return Status(201, inspections.round_plan(actor=request.auth, campaign=campaign, node=node, title=payload.title,
                                              planned_on=payload.planned_on, sites=sites, indicators=indicators,
                                              announced=payload.announced))


@router.post("/evaluation/rounds/{round_id}/finish", response=RoundOut, summary="结束督查")
def finish_round(request, round_id: str):
    return inspections.round_finish(actor=request.auth, rnd=records.round_get_for_actor(actor=request.auth,
                                                                                        pk=round_id))


@router.post("/evaluation/rounds/{round_id}/findings", response={201: FindingDetailOut},
             summary="现场录入问题（照片、位置核验；自动交办责任单位；同一 submission_id 只记一次）")
def record_finding(request, round_id: str, site_id: Form[str] = "", indicator_id: Form[str] = "",
                   description: Form[str] = "", deduction_id: Form[str] = "", points: Form[str] = "", severity: Form[str] = "minor",
                   lat: Form[str] = "", lon: Form[str] = "", accuracy: Form[str] = "",
                   submission_id: Form[str] = "", photos: list[UploadedFile] = PHOTOS):
    rnd = records.round_get_for_actor(actor=request.auth, pk=round_id)
    if not site_id.strip() or not indicator_id.strip():  # the form's fields, checked after the round
        raise E.CHOICE_INVALID.error("site_id" if not site_id.strip() else "indicator_id",
                                     what="点位" if not site_id.strip() else "指标")
    site = records.site_get_for_actor(actor=request.auth, pk=site_id)
    indicator = records.indicator_get(campaign=rnd.campaign, pk=indicator_id)
    deduction = records.indicator_get(campaign=rnd.campaign, pk=deduction_id) if deduction_id else None
    finding = inspections.finding_record(actor=request.auth, rnd=rnd, site=site, indicator=indicator,
                                         deduction=deduction, description=description, points=points or None,
                                         severity=severity, photos=photos or [], lat=lat or None, lon=lon or None,
                                         accuracy=accuracy or None, submission_id=submission_id)
    return Status(201, _finding_detail(finding))


@router.get("/evaluation/findings", response=PageOut[FindingOut], summary="督查问题（整改任务）")
def list_findings(request, filters: Query[FindingFilters]):
    campaign = _campaign(request, filters.campaign_id) if filters.campaign_id else None
    qs = records.findings_for_actor(actor=request.auth, campaign=campaign, status=filters.status[:12],
                                    unit_id=filters.unit_id if filters.unit_id and 0 < filters.unit_id < 10**18
                                    else None, overdue=filters.overdue, repeat=filters.repeat, search=filters.search)
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.get("/evaluation/findings/{finding_id}", response=FindingDetailOut, summary="问题详情与处理记录")
def get_finding(request, finding_id: str):
    return _finding_detail(records.finding_get_for_actor(actor=request.auth, pk=finding_id))


@router.get("/evaluation/findings/{finding_id}/photos/{photo_id}", response={200: None}, summary="问题或整改照片")
def finding_photo(request, finding_id: str, photo_id: str):
    finding = records.finding_get_for_actor(actor=request.auth, pk=finding_id)
    photo = finding.photos.select_related("image").filter(pk=pk_or_404(photo_id)).first()
    image = photo.image if photo else None
    return image_response(request, image, allowed=image is not None)


@router.post("/evaluation/findings/{finding_id}/answer", response=FindingDetailOut,
             summary="提交整改（责任单位联络员，附整改后照片）")
def answer(request, finding_id: str, text: Form[str] = "", photos: list[UploadedFile] = PHOTOS):
    finding = records.finding_get_for_actor(actor=request.auth, pk=finding_id)
    return _finding_detail(rectification.finding_answer(actor=request.auth, finding=finding, text=text,
                                                        photos=photos or []))


@router.post("/evaluation/findings/{finding_id}/accept", response=FindingDetailOut, summary="复查通过")
def accept(request, finding_id: str, payload: NoteIn):
    finding = records.finding_get_for_actor(actor=request.auth, pk=finding_id)
    return _finding_detail(rectification.finding_accept(actor=request.auth, finding=finding, note=payload.note))


@router.post("/evaluation/findings/{finding_id}/return", response=FindingDetailOut, summary="复查退回（须说明原因）")
def return_(request, finding_id: str, payload: ReasonIn):
    finding = records.finding_get_for_actor(actor=request.auth, pk=finding_id)
    return _finding_detail(rectification.finding_return(actor=request.auth, finding=finding, reason=payload.reason))


@router.post("/evaluation/findings/{finding_id}/withdraw", response=FindingDetailOut, summary="撤销问题（须说明原因）")
def withdraw(request, finding_id: str, payload: ReasonIn):
    finding = records.finding_get_for_actor(actor=request.auth, pk=finding_id)
    return _finding_detail(inspections.finding_withdraw(actor=request.auth, finding=finding, reason=payload.reason))


@router.get("/evaluation/campaigns/{campaign_id}/accountability", response=list[AccountabilityOut],
            summary="问责记录")
def list_accountability(request, campaign_id: str):
    campaign = _campaign(request, campaign_id)
    return list(records.accountability_for_actor(actor=request.auth, campaign=campaign)[:500])


@router.post("/evaluation/campaigns/{campaign_id}/accountability", response={201: AccountabilityOut},
             summary="记录问责（提醒/约谈/通报）")
def record_accountability(request, campaign_id: str, payload: AccountabilityIn):
    campaign = _campaign(request, campaign_id)
    unit = _unit_in_scope(request, payload.unit_id)
    finding = records.finding_get_for_actor(actor=request.auth, pk=payload.finding_id) if payload.finding_id else None
    return Status(201, rectification.accountability_record(actor=request.auth, campaign=campaign, unit=unit,
                                                           kind=payload.kind, reason=payload.reason, finding=finding))


def _board_node(request, campaign, node_id) -> Node:
    if not node_id:
        return records.board_node_for_actor(actor=request.auth, campaign=campaign)
    node = node_get_for_actor(actor=request.auth, node_id=pk_or_404(node_id))
    if not node.path.startswith(campaign.node.path) or not may(request.auth, EVAL_VIEW, node.path):
        raise CoreError.NOT_FOUND.error()
    return node


@router.get("/evaluation/campaigns/{campaign_id}/scoreboard", response=BoardOut,
            summary="得分：某阵地（默认本人辖区）各指标得分、总分、趋势")
def node_scoreboard(request, campaign_id: str, node_id: str = ""):
    campaign = _campaign(request, campaign_id)
    return scoreboard.node_board(campaign, _board_node(request, campaign, node_id))


@router.get("/evaluation/campaigns/{campaign_id}/units/{unit_id}/scoreboard", response=BoardOut,
            summary="得分：某责任单位")
def unit_scoreboard(request, campaign_id: str, unit_id: str):
    campaign = _campaign(request, campaign_id)
    return scoreboard.unit_board(campaign, _unit_in_scope(request, unit_id))


@router.get("/evaluation/campaigns/{campaign_id}/ranking", response=RankingOut, summary="责任单位排名与红黑榜")
def ranking(request, campaign_id: str, node_id: str = ""):
    campaign = _campaign(request, campaign_id)
    node = _board_node(request, campaign, node_id)
    ranked = scoreboard.unit_ranking(campaign, node)
    red, black = scoreboard.red_black(campaign, ranked)
    return {"ranking": ranked, "red": red, "black": black}
