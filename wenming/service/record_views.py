"""Pages for service records: hour verification by leaders and staff, make-up hours and
ledger corrections by staff, and a volunteer's own certificates (志愿服务记录证明).

Every write goes through hours_services / certificate_services; which rows a user sees is
decided by record_selectors. On the staff pages a volunteer's name is masked; the volunteer
number is shown in full, since staff look volunteers up by it.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.crypto import mask_name
from wenming.core.decorators import add_domain_error, login_page, staff_required
from wenming.core.errors import DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm
from wenming.volunteers.page_selectors import volunteer_by_no_for_actor
from wenming.volunteers.selectors import volunteer_for_user

from . import record_selectors as sel
from .certificate_services import certificate_issue_own
from .errors import ServiceError
from .hours_services import attendance_hours, hours_correct, hours_makeup, hours_verify

PAGE_SIZE = 50
RUN_PERMS = (Perm.PROJECT_EDIT,)


# ---- forms (they only shape input; the services validate and write) ---------------------


class MakeupForm(forms.Form):
    volunteer_no = forms.CharField(label="志愿者编号", max_length=20)
    hours = forms.DecimalField(label="时长（小时）", max_digits=5, decimal_places=2)
    service_date = forms.DateField(label="服务日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="补录原因", max_length=200, help_text="如：疫情期间卡口值守，纸质签到表补录")
    node = forms.ChoiceField(label="服务阵地")

    def __init__(self, *args, node_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = node_choices


class CorrectForm(forms.Form):
    delta = forms.DecimalField(label="更正时长（小时）", max_digits=5, decimal_places=2,
                               help_text="正数为增加，负数为扣减，如 -0.5")
    reason = forms.CharField(label="更正原因", max_length=200)


# ---- hour verification ------------------------------------------------------------------


def _attendance_row(attendance) -> dict:
    vol = attendance.enrollment.volunteer
    return {"attendance": attendance, "shift": attendance.enrollment.shift, "name": mask_name(vol.name),
            "volunteer_no": vol.volunteer_no, "hours": attendance_hours(attendance)}


def _ledger_context(request) -> dict:
    """The ledger of one volunteer (?volunteer=<number>) for staff who may see them."""
    scope = scope_for(request.user)
    if not scope.has(Perm.VOLUNTEER_VIEW):
        return {}
    number = (request.GET.get("volunteer") or "").strip()
    volunteer = volunteer_by_no_for_actor(actor=request.user, volunteer_no=number) if number else None
    return {
        "show_ledger": True, "volunteer_no": number, "ledger_volunteer": volunteer,
        "ledger_name": mask_name(volunteer.name) if volunteer else "",
        "records": list(sel.service_record_list_for_actor(actor=request.user, volunteer=volunteer)[:100])
        if volunteer else [],
        "stats": sel.stats_row(volunteer),
        "can_edit_records": scope.has(Perm.VOLUNTEER_EDIT),
    }


def _back_to_hours(request):
    page = parse_pk(request.POST.get("page"))
    return redirect(reverse("service_records:hours") + (f"?page={page}" if page else ""))


@staff_required(*RUN_PERMS, leaders=True)
def hours(request):
    page = paginate(sel.attendance_unverified_for_actor(actor=request.user), request.GET.get("page", 1), PAGE_SIZE)
    return render(request, "service/records/hours.html", {
        "page": page, "rows": [_attendance_row(a) for a in page.items], **_ledger_context(request),
    })


@require_POST
@staff_required(*RUN_PERMS, leaders=True)
def verify(request, attendance_id: int):
    attendance = sel.attendance_get_runnable(actor=request.user, attendance_id=attendance_id)
    try:
        record = hours_verify(actor=request.user, attendance=attendance)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已核定 {mask_name(record.volunteer.name)} 的服务时长 {record.hours} 小时")
    return _back_to_hours(request)


@require_POST
@staff_required(*RUN_PERMS, leaders=True)
def verify_page(request):
    """Verify the rows the page showed, each in its own transaction; report what was refused."""
    ids = [pk for pk in map(parse_pk, request.POST.getlist("attendance")) if pk is not None][:PAGE_SIZE]
    done, refused = 0, []
    for attendance in sel.attendance_runnable_list(actor=request.user).filter(pk__in=ids):
        try:
            hours_verify(actor=request.user, attendance=attendance)
            done += 1
        except DomainError as exc:
            refused.append(f"{mask_name(attendance.enrollment.volunteer.name)}：{exc.message}")
    if done:
        messages.success(request, f"已核定 {done} 条签到记录的服务时长")
    for line in refused:
        messages.error(request, line)
    if not done and not refused:
        messages.info(request, "没有需要核定的记录")
    return _back_to_hours(request)


# ---- make-up hours and corrections (staff over the volunteer) ----------------------------


def _to_ledger(volunteer):
    return redirect(reverse("service_records:hours") + f"?volunteer={volunteer.volunteer_no}#ledger")


@staff_required(Perm.VOLUNTEER_EDIT)
def makeup(request):
    # Where the actor may record hours: nodes they manage projects at (project.edit).
    node_choices = node_choices_for_actor(actor=request.user, perm=Perm.PROJECT_EDIT, exclude_kinds=[NodeKind.GRID])
    form = MakeupForm(request.POST or None, node_choices=node_choices,
                      initial={"volunteer_no": request.GET.get("volunteer", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        volunteer = volunteer_by_no_for_actor(actor=request.user, volunteer_no=data["volunteer_no"])
        node = node_with_perm(actor=request.user, perm=Perm.PROJECT_EDIT, node_id=data["node"])
        if volunteer is None:
            form.add_error("volunteer_no", "未找到该编号的志愿者，或不在您的管理范围内")
        elif node is None:
            form.add_error("node", "请选择您管理范围内的阵地")
        else:
            try:
                record = hours_makeup(actor=request.user, volunteer=volunteer, hours=data["hours"],
                                      service_date=data["service_date"], reason=data["reason"], node=node)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"已为 {mask_name(volunteer.name)} 补录 {record.hours} 小时")
                return _to_ledger(volunteer)
    return render(request, "service/records/makeup.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


@staff_required(Perm.VOLUNTEER_EDIT)
def correct(request, record_id: int):
    # 404 when the volunteer is not visible, 403 when visible but not editable (as the API).
    record = sel.service_record_get_editable(actor=request.user, record_id=record_id)
    form = CorrectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hours_correct(actor=request.user, record=record, delta=form.cleaned_data["delta"],
                          reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc, {"hours": "delta"})
        else:
            messages.success(request, "已录入更正，原记录保持不变")
            return _to_ledger(record.volunteer)
    return render(request, "service/records/correct.html", {
        "form": form, "record": record, "name": mask_name(record.volunteer.name),
        "net_hours": sel.record_net_hours(record),
    }, status=422 if request.method == "POST" else 200)


# ---- a volunteer's own certificates ------------------------------------------------------


@never_cache
@login_page
def my_certificates(request):
    volunteer = volunteer_for_user(request.user)
    stats = sel.stats_row(volunteer)
    return render(request, "service/records/my_certificates.html", {
        "volunteer": volunteer, "stats": stats,
        "certificates": list(sel.own_certificates(actor=request.user, volunteer=volunteer)[:50]) if volunteer else [],
        # certificate_issue lets a volunteer issue their own, in the name of their home node
        # (certificate_services._check_may_issue); it still refuses a ledger with no hours.
        "may_issue": volunteer is not None and stats is not None and stats.total_hours > 0,
    })


@require_POST
@login_page
def my_certificate_issue(request):
    volunteer = volunteer_for_user(request.user)
    if volunteer is None:
        raise ServiceError.NOT_A_VOLUNTEER.error()
    try:
        cert, created = certificate_issue_own(actor=request.user, volunteer=volunteer)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if created:
            messages.success(request, f"已出具志愿服务记录证明 {cert.number}")
        else:  # a double tap or nothing new since: no second certificate number
            messages.info(request, f"最新的证明 {cert.number} 已包含您全部的服务时长，可直接下载")
    return redirect("service_records:my_certificates")
