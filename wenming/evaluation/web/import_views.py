"""Excel pages of the office (EVAL_EDIT): upload the indicator tree, the duty table and the
sites and see each bad row; download the current workbooks and blank templates; copy a
campaign into a new year. Reads go through the scoped selectors, writes through the
evaluation.excel services and campaigns.campaign_copy (which check the right again)."""

import re
from datetime import date
from io import BytesIO

from django import forms
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wenming.accounts.roles import Perm
from wenming.core.decorators import add_domain_error, staff_required
from wenming.core.errors import DomainError

from .. import excel
from ..access import EVAL_EDIT, require
from ..excel import duties as duty_book
from ..excel import sites as site_book
from ..excel import tree as tree_book
from ..excel.common import column_help, file_too_large, max_bytes, safe_filename
from ..selectors.records import campaign_get_for_actor
from ..services import campaigns as campaign_services

SHOWN_ERRORS = 500
office_page = staff_required(Perm.EVAL_EDIT)


class WorkbookForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + excel.XLSX}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(file_too_large().message)
        return upload


class CopyForm(forms.Form):
    name = forms.CharField(label="新活动名称", max_length=100)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    with_duties = forms.BooleanField(label="同时复制责任分解表（牵头、配合单位和方案）", required=False, initial=True)


def _campaign(request, campaign_id: str):
    """The campaign (404 when not the actor's), and 403 when they may read it but not edit it."""
    campaign = campaign_get_for_actor(actor=request.user, pk=campaign_id)
    require(request.user, EVAL_EDIT, campaign.node.path)
    return campaign


def _xlsx(data: bytes, name: str) -> FileResponse:
    return FileResponse(BytesIO(data), as_attachment=True, filename=f"{safe_filename(name)}.xlsx",
                        content_type=excel.XLSX)


def _upload_page(request, *, template: str, context: dict, run):
    """GET: the form. POST: run the import; the counts and each bad row, or the file's error."""
    form = WorkbookForm(request.POST or None, request.FILES or None)
    context = {**context, "form": form, "max_size": max_bytes(), "max_rows": excel.MAX_ROWS}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=422)
    upload = form.cleaned_data["file"]
    try:
        result = run(upload, upload.name or "")
    except DomainError as exc:
        add_domain_error(form, exc, {"file": "file"})
        return render(request, template, context, status=exc.status)
    context |= {"form": WorkbookForm(), "result": result, "shown_errors": result.errors[:SHOWN_ERRORS],
                "hidden_errors": max(len(result.errors) - SHOWN_ERRORS, 0)}
    return render(request, template, context)


@never_cache
@office_page
def import_tree(request, campaign_id: str):
    campaign = _campaign(request, campaign_id)
    return _upload_page(request, template="evaluation/import_tree.html", context={
        "campaign": campaign, "columns": column_help(tree_book.COLUMNS),
        "sub_columns": column_help(tree_book.SUB_COLUMNS)},
        run=lambda upload, name: excel.indicator_workbook_import(actor=request.user, campaign=campaign,
                                                                 upload=upload, file_name=name))


@never_cache
@office_page
def import_duties(request, campaign_id: str):
    campaign = _campaign(request, campaign_id)
    return _upload_page(request, template="evaluation/import_duties.html", context={
        "campaign": campaign, "columns": column_help(duty_book.COLUMNS)},
        run=lambda upload, name: excel.duty_workbook_import(actor=request.user, campaign=campaign,
                                                            upload=upload, file_name=name))


@never_cache
@office_page
def import_sites(request):
    return _upload_page(request, template="evaluation/import_sites.html", context={
        "columns": column_help(site_book.COLUMNS)},
        run=lambda upload, name: excel.site_workbook_import(actor=request.user, upload=upload, file_name=name))


@require_GET
@office_page
def export_tree(request, campaign_id: str):
    campaign = _campaign(request, campaign_id)
    return _xlsx(excel.indicator_workbook_export(actor=request.user, campaign=campaign), f"测评体系-{campaign.name}")


@require_GET
@office_page
def export_tree_template(request, campaign_id: str):
    campaign = _campaign(request, campaign_id)
    return _xlsx(excel.tree_template(actor=request.user, campaign=campaign), "测评体系导入模板")


@require_GET
@office_page
def export_duties(request, campaign_id: str):
    campaign = _campaign(request, campaign_id)
    return _xlsx(excel.duty_workbook_export(actor=request.user, campaign=campaign), f"责任分解表-{campaign.name}")


@require_GET
@office_page
def export_duties_template(request, campaign_id: str):
    campaign = _campaign(request, campaign_id)
    return _xlsx(excel.duty_template(actor=request.user, campaign=campaign), f"责任分解表模板-{campaign.name}")


@require_GET
@office_page
def export_sites(request):
    return _xlsx(excel.site_workbook_export(actor=request.user), "测评点位")


@require_GET
@office_page
def export_sites_template(request):
    return _xlsx(excel.site_template(actor=request.user), "测评点位导入模板")


def _next_year(campaign) -> dict:
    year = min(campaign.year + 1, 2100)

    def shift(day: date) -> date:
        try:
            return day.replace(year=day.year + 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year + 1, day=28)

    name = re.sub(str(campaign.year), str(year), campaign.name, count=1)
    if name == campaign.name:
        name = f"{year}年度{campaign.name}"[:100]
    return {"name": name, "year": year, "starts_on": shift(campaign.starts_on), "ends_on": shift(campaign.ends_on),
            "with_duties": True}


def campaign_url(campaign) -> str:
    """The campaign's own page when the app has one, else its indicator import page."""
    for name in ("evaluation:campaign_detail", "evaluation:campaign"):
        try:
            return reverse(name, args=[campaign.pk])
        except NoReverseMatch:
            continue
    return reverse("evaluation:import_tree", args=[campaign.pk])


@never_cache
@office_page
def import_copy(request, campaign_id: str):
    source = _campaign(request, campaign_id)
    form = CopyForm(request.POST or None, initial=_next_year(source))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = campaign_services.campaign_copy(
                    actor=request.user, source=source, name=data["name"], year=data["year"],
                    starts_on=data["starts_on"], ends_on=data["ends_on"], with_duties=data["with_duties"])
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, f"已复制为“{campaign.name}”：测评体系 {campaign.indicators.count()} 项，"
                                          f"责任分解 {campaign.duties.count()} 条")
                return redirect(campaign_url(campaign))
    return render(request, "evaluation/import_copy.html", {"campaign": source, "form": form}, status=status)
