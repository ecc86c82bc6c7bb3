"""测评 Excel API: the indicator tree, the duty table (责任分解表) and the sites as workbooks
(download the current one, a blank template, or upload one), and copying a campaign.

An upload answers 200 with the counts and one entry per bad row (the good rows landed);
a file that cannot be used at all answers {"code", "message"} with its status."""

from datetime import date
from io import BytesIO

from django.http import FileResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from .. import excel
from ..excel.common import safe_filename
from ..excel.excel_errors import ExcelError
from ..models import Campaign
from ..selectors.records import campaign_get_for_actor
from ..services import campaigns as campaign_services

router = Router(tags=["测评"])
OPTIONAL_FILE = File(None)  # a missing file is answered after the scope check, with its own code


class RowErrorOut(Schema):
    row: int
    sheet: str
    code: str
    reason: str
    message: str  # "第 5 行：…"


class ImportOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    errors: list[RowErrorOut]


class CopyIn(Schema):
    name: str
    year: int
    starts_on: date
    ends_on: date
    with_duties: bool = True


class CampaignCopyOut(Schema):
    id: int
    name: str
    year: int
    node_id: int
    status: str
    starts_on: date
    ends_on: date
    copied_from_id: int | None
    indicators: int
    duties: int

    @staticmethod
    def resolve_indicators(obj: Campaign) -> int:
        return obj.indicators.count()

    @staticmethod
    def resolve_duties(obj: Campaign) -> int:
        return obj.duties.count()


def _campaign(request, campaign_id: int) -> Campaign:
    return campaign_get_for_actor(actor=request.auth, pk=campaign_id)


def _xlsx(data: bytes, name: str) -> FileResponse:
    return FileResponse(BytesIO(data), as_attachment=True, filename=f"{safe_filename(name)}.xlsx",
                        content_type=excel.XLSX)


@router.get("/evaluation/campaigns/{campaign_id}/indicator-workbook", response={200: None},
            summary="导出测评体系（Excel）")
def export_tree(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    return _xlsx(excel.indicator_workbook_export(actor=request.auth, campaign=campaign), f"测评体系-{campaign.name}")


@router.get("/evaluation/campaigns/{campaign_id}/indicator-workbook/template", response={200: None},
            summary="测评体系导入模板（Excel）")
def tree_template(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    return _xlsx(excel.tree_template(actor=request.auth, campaign=campaign), "测评体系导入模板")


def _require(file) -> None:
    if file is None:
        raise ExcelError.FILE_REQUIRED.error("file")


@router.post("/evaluation/campaigns/{campaign_id}/indicator-workbook", response=ImportOut,
             summary="导入测评体系（逐行校验：正确的行导入，有误的行逐行说明）")
def import_tree(request, campaign_id: int, file: UploadedFile | None = OPTIONAL_FILE):
    campaign = _campaign(request, campaign_id)
    _require(file)
    result = excel.indicator_workbook_import(actor=request.auth, campaign=campaign, upload=file,
                                             file_name=file.name or "")
    return result.as_dict()


@router.get("/evaluation/campaigns/{campaign_id}/duty-workbook", response={200: None},
            summary="导出责任分解表（Excel）")
def export_duties(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    return _xlsx(excel.duty_workbook_export(actor=request.auth, campaign=campaign), f"责任分解表-{campaign.name}")


@router.get("/evaluation/campaigns/{campaign_id}/duty-workbook/template", response={200: None},
            summary="责任分解表导入模板（列出本活动的指标，单位待填）")
def duty_template(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    return _xlsx(excel.duty_template(actor=request.auth, campaign=campaign), f"责任分解表模板-{campaign.name}")


@router.post("/evaluation/campaigns/{campaign_id}/duty-workbook", response=ImportOut,
             summary="导入责任分解表（逐行校验：正确的行导入，有误的行逐行说明）")
def import_duties(request, campaign_id: int, file: UploadedFile | None = OPTIONAL_FILE):
    campaign = _campaign(request, campaign_id)
    _require(file)
    result = excel.duty_workbook_import(actor=request.auth, campaign=campaign, upload=file,
                                        file_name=file.name or "")
    return result.as_dict()


@router.get("/evaluation/site-workbook", response={200: None}, summary="导出测评点位（本辖区，Excel）")
def export_sites(request):
    return _xlsx(excel.site_workbook_export(actor=request.auth), "测评点位")


@router.get("/evaluation/site-workbook/template", response={200: None}, summary="测评点位导入模板（Excel）")
def site_template(request):
    return _xlsx(excel.site_template(actor=request.auth), "测评点位导入模板")


@router.post("/evaluation/site-workbook", response=ImportOut,
             summary="导入测评点位（逐行校验：正确的行导入，有误的行逐行说明）")
def import_sites(request, file: UploadedFile | None = OPTIONAL_FILE):
    _require(file)
    result = excel.site_workbook_import(actor=request.auth, upload=file, file_name=file.name or "")
    return result.as_dict()


@router.post("/evaluation/campaigns/{campaign_id}/copy", response={201: CampaignCopyOut},
             summary="复制为新一年度的测评活动（测评体系、单列体系、责任分解）")
def copy_campaign(request, campaign_id: int, payload: CopyIn):
    source = _campaign(request, campaign_id)
    campaign = campaign_services.campaign_copy(actor=request.auth, source=source, name=payload.name,
                                               year=payload.year, starts_on=payload.starts_on,
                                               ends_on=payload.ends_on, with_duties=payload.with_duties)
    return Status(201, campaign)
