"""The volunteer updates their own insurance and skills (pending until staff confirm), and
staff confirm or return those updates from a list of what waits for them.

A sign-up refused for insurance or skills links here (service/refusals.py) with ?next=
the project page, so the volunteer can go back to it once the update is confirmed.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.core.decorators import add_domain_error, login_page, staff_required, user_error
from wenming.core.errors import DomainError
from wenming.core.pagination import paginate
from wenming.core.params import pk_or_404
from wenming.core.uploads import image_response
from wenming.service.refusals import safe_next_url

from . import change_selectors as sel
from . import change_services as cs
from .change_models import ChangeKind, ChangeStatus
from .selectors import volunteer_for_user
from .self_forms import InsuranceForm, RejectForm, SkillsForm

PAGE_SIZE = 20
FIELD_ALIASES = {"insurance_valid_until": "valid_until"}


def _next_url(request) -> str:
    """Where to go back to after the update (a page of this site only)."""
    return safe_next_url(request)


def _self_page(request, *, kind: str, form, template: str, status: int = 200, **extra):
    vol = extra.pop("vol")
    changes = sel.changes_of_volunteer(vol)
    latest = sel.latest_by_kind(changes).get(kind)
    return render(request, template, {
        "vol": vol, "form": form, "latest": latest, "next": _next_url(request), "today": timezone.localdate(),
        **extra,
    }, status=status)


def _not_a_volunteer(request):
    return render(request, "volunteers/self/not_volunteer.html", status=200)


def _after_submit(request, url_name: str):
    target = reverse(url_name)
    nxt = _next_url(request)
    return redirect(f"{target}?{urlencode({'next': nxt})}" if nxt else target)


@never_cache
@login_page
def my_insurance(request):
    vol = volunteer_for_user(request.user)
    if vol is None:
        return _not_a_volunteer(request)
    form = InsuranceForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                cs.insurance_change_submit(actor=request.user, volunteer=vol, insurer=data["insurer"],
                                           policy_no=data["policy_no"], valid_until=data["valid_until"],
                                           evidence=data["evidence"], note=data["note"])
            except DomainError as exc:
                add_domain_error(form, exc, FIELD_ALIASES)
                status = exc.status
            else:
                messages.success(request, "已提交保险信息，待所属阵地工作人员审核；确认后即可报名要求保险的项目。")
                return _after_submit(request, "volunteers:my_insurance")
    return _self_page(request, kind=ChangeKind.INSURANCE, form=form, template="volunteers/self/insurance.html",
                      status=status, vol=vol, record=sel.confirmed_insurance(vol))


@never_cache
@login_page
def my_skills(request):
    vol = volunteer_for_user(request.user)
    if vol is None:
        return _not_a_volunteer(request)
    current = list(vol.skills.all())
    form = SkillsForm(request.POST or None, request.FILES or None,
                      initial={"skills": [s.pk for s in current]} if request.method != "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                cs.skills_change_submit(actor=request.user, volunteer=vol, skills=list(data["skills"]),
                                        note=data["note"], evidence=data["evidence"])
            except DomainError as exc:
                add_domain_error(form, exc, FIELD_ALIASES)
                status = exc.status
            else:
                messages.success(request, "已提交技能特长，待所属阵地工作人员审核；确认后按新技能核验报名。")
                return _after_submit(request, "volunteers:my_skills")
    return _self_page(request, kind=ChangeKind.SKILLS, form=form, template="volunteers/self/skills.html",
                      status=status, vol=vol, current=current)


@require_POST
@login_page
def my_change_withdraw(request, change_id: str):
    change = sel.own_change_get(actor=request.user, change_id=pk_or_404(change_id))
    try:
        cs.profile_change_withdraw(actor=request.user, change=change)
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, "已撤回，可重新提交。")
    name = "volunteers:my_insurance" if change.kind == ChangeKind.INSURANCE else "volunteers:my_skills"
    return redirect(name)


@never_cache
@login_page
def change_evidence(request, change_id: str):
    """The evidence photo, for the volunteer themself and the staff who may decide."""
    change = sel.evidence_change_for_actor(actor=request.user, change_id=pk_or_404(change_id))
    return image_response(request, change.evidence if change else None, allowed=change is not None)


# ---- staff ------------------------------------------------------------------------------


def _list_page(request, *, reject_forms: dict | None = None, status: int = 200):
    shown = request.GET.get("status", ChangeStatus.PENDING)
    if shown not in (ChangeStatus.PENDING, ChangeStatus.CONFIRMED, ChangeStatus.REJECTED):
        shown = ChangeStatus.PENDING
    page = paginate(sel.profile_change_list_for_actor(actor=request.user, status=shown),
                    request.GET.get("page", 1), PAGE_SIZE)
    forms = reject_forms or {}
    for change in page.items:
        change.reject_form = forms.get(change.pk) or RejectForm(auto_id=f"reject-{change.pk}-%s")
    return render(request, "volunteers/self/change_list.html", {
        "page": page, "shown": shown, "pending": shown == ChangeStatus.PENDING, "today": timezone.localdate(),
        "statuses": [(ChangeStatus.PENDING, "待审核"), (ChangeStatus.CONFIRMED, "已确认"),
                     (ChangeStatus.REJECTED, "已退回")],
    }, status=status)


@staff_required(Perm.VOLUNTEER_EDIT)
def change_list(request):
    return _list_page(request)


@require_POST
@staff_required(Perm.VOLUNTEER_EDIT)
def change_confirm(request, change_id: str):
    change = sel.profile_change_get_for_actor(actor=request.user, change_id=pk_or_404(change_id))
    try:
        cs.profile_change_confirm(actor=request.user, change=change)
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, f"已确认 {change.volunteer.name} 的{change.get_kind_display()}")
    return redirect("volunteers:changes")


@require_POST
@staff_required(Perm.VOLUNTEER_EDIT)
def change_reject(request, change_id: str):
    change = sel.profile_change_get_for_actor(actor=request.user, change_id=pk_or_404(change_id))
    form = RejectForm(request.POST, auto_id=f"reject-{change.pk}-%s")
    if form.is_valid():
        try:
            cs.profile_change_reject(actor=request.user, change=change, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if exc.field != "reason":
                user_error(request, exc)
                return redirect("volunteers:changes")
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已退回 {change.volunteer.name} 的{change.get_kind_display()}，对方会收到原因")
            return redirect("volunteers:changes")
    return _list_page(request, reject_forms={change.pk: form}, status=422)
