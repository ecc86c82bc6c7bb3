"""Volunteer pages for staff (list, detail, reveal) and the volunteer's own page.

Masked by default: pages show only `id_number_masked` / `phone_masked`. Unmasked values are
produced only by services.volunteer_reveal (privilege checked, every attempt audited), and
only into the one response that asked for them, sent with Cache-Control: no-store.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import login_page, staff_required
from wenming.core.errors import not_found
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.core.volunteer_record import honours_of
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor

from . import selectors, services
from .change_selectors import (
    changes_of_volunteer,
    latest_by_kind,
    pending_count_for_actor,
    profile_change_list_for_actor,
)
from .forms import CertificateForm, RevealForm, StatusForm, VolunteerFilterForm
from .page_selectors import team_choices_for_actor, teams_of_volunteer_for_actor

PAGE_SIZE = 20
OWN_FIELDS = ["id_number", "phone", "address", "guardian_phone"]
STAFF_REVEAL_FIELDS = ["id_number", "phone", "address", "guardian_phone"]
VIEW_PERMS = (Perm.VOLUNTEER_VIEW,)


@staff_required(*VIEW_PERMS, leaders=True)
def volunteer_list(request):
    actor = request.user
    selected = request.GET.get("node")
    filters = VolunteerFilterForm(
        request.GET or None,
        node_choices=node_choices_for_actor(actor=actor, exclude_kinds=[NodeKind.POINT, NodeKind.GRID],
                                            selected_id=parse_pk(selected)),
        team_choices=team_choices_for_actor(actor=actor),
    )
    qs = selectors.volunteer_list_for_actor(actor=actor, **(filters.selector_kwargs() if filters.is_valid() else {}))
    if filters.is_bound and not filters.is_valid():
        qs = qs.none()  # e.g. a node outside the actor's scope: nothing, not everything
    page = paginate(qs, request.GET.get("page", 1), PAGE_SIZE)
    scope = scope_for(actor)
    return render(request, "volunteers/list.html", {
        "filters": filters, "page": page, "can_edit": scope.has(Perm.VOLUNTEER_EDIT),
        "pending_changes": pending_count_for_actor(actor) if scope.has(Perm.VOLUNTEER_EDIT) else 0,
    })


def _detail_context(request, vol, **extra) -> dict:
    actor = request.user
    scope = scope_for(actor)
    can_edit = scope.allows(Perm.VOLUNTEER_EDIT, vol.home_node.path)
    return {
        "vol": vol,
        "skills": list(vol.skills.all()),
        "certificates": list(vol.certificates.all()),
        "today": timezone.localdate(),
        "teams": list(teams_of_volunteer_for_actor(actor=actor, volunteer=vol)),
        "honours": honours_of(vol),
        "can_edit": can_edit,
        "can_reveal": scope.may_reveal(vol.home_node.path),
        "reveal_form": RevealForm(),
        "status_form": StatusForm(initial={"status": vol.status}) if can_edit else None,
        "certificate_form": CertificateForm() if can_edit else None,
        "pending_changes": list(profile_change_list_for_actor(actor=actor).filter(volunteer=vol)) if can_edit else [],
        **extra,
    }


@staff_required(*VIEW_PERMS, leaders=True)
def volunteer_detail(request, volunteer_id: int):
    vol = selectors.volunteer_get_for_actor(actor=request.user, volunteer_id=volunteer_id)
    return render(request, "volunteers/detail.html", _detail_context(request, vol))


@never_cache
@require_POST
@staff_required(*VIEW_PERMS, leaders=True)
def volunteer_reveal(request, volunteer_id: int):
    """Show the full ID number, phone, address on this response only (no-store)."""
    vol = selectors.volunteer_get_for_actor(actor=request.user, volunteer_id=volunteer_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "volunteers/detail.html", _detail_context(request, vol, reveal_form=form), status=422)
    # Refused attempts are audited by the service and raise the 403 error page.
    revealed = services.volunteer_reveal(actor=request.user, volunteer=vol, fields=STAFF_REVEAL_FIELDS,
                                         reason=form.cleaned_data["reason"])
    return render(request, "volunteers/detail.html", _detail_context(request, vol, revealed=revealed))


@require_POST
@staff_required(Perm.VOLUNTEER_EDIT)
def volunteer_status(request, volunteer_id: int):
    vol = selectors.volunteer_get_editable(actor=request.user, volunteer_id=volunteer_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.volunteer_set_status(actor=request.user, volunteer=vol, status=form.cleaned_data["status"])
        messages.success(request, f"状态已改为“{vol.get_status_display()}”")
    return redirect("volunteers:detail", volunteer_id=vol.pk)


@require_POST
@staff_required(Perm.VOLUNTEER_EDIT)
def certificate_add(request, volunteer_id: int):
    vol = selectors.volunteer_get_editable(actor=request.user, volunteer_id=volunteer_id)
    form = CertificateForm(request.POST)
    if not form.is_valid():
        return render(request, "volunteers/detail.html",
                      _detail_context(request, vol, certificate_form=form), status=422)
    services.certificate_add(actor=request.user, volunteer=vol, **form.cleaned_data)
    messages.success(request, "已添加资格证书")
    return redirect("volunteers:detail", volunteer_id=vol.pk)


@require_POST
@staff_required(Perm.VOLUNTEER_EDIT)
def certificate_remove(request, volunteer_id: int, certificate_id: int):
    vol = selectors.volunteer_get_editable(actor=request.user, volunteer_id=volunteer_id)
    cert = vol.certificates.filter(pk=certificate_id).first()
    if cert is None:
        raise not_found()
    services.certificate_remove(actor=request.user, certificate=cert)
    messages.success(request, "已删除资格证书")
    return redirect("volunteers:detail", volunteer_id=vol.pk)


@never_cache
@login_page
def me(request):
    """The signed-in volunteer's own record, unmasked for themself (the reveal is audited)."""
    vol = selectors.volunteer_for_user(request.user)
    if vol is None:
        return render(request, "volunteers/me.html", {"vol": None})
    revealed = services.volunteer_reveal(actor=request.user, volunteer=vol, fields=OWN_FIELDS, reason="本人查看")
    return render(request, "volunteers/me.html", {
        "vol": vol, "revealed": revealed, "skills": list(vol.skills.all()),
        "certificates": list(vol.certificates.all()), "today": timezone.localdate(),
        "teams": list(teams_of_volunteer_for_actor(actor=request.user, volunteer=vol)),
        "honours": honours_of(vol),
        "changes": latest_by_kind(changes_of_volunteer(vol)),
        "own_record": True,  # the team pages are staff's: names without links
    })

