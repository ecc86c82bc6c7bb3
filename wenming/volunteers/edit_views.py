"""Staff pages that write volunteers: register one (新增志愿者) and edit one.

The stored ID number, phone, address and guardian phone are never put into the edit page:
those inputs start empty and, left empty, keep their current values.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from wenming.accounts.roles import Perm
from wenming.core.decorators import add_domain_error, staff_required
from wenming.core.errors import DomainError
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor

from . import selectors, services
from .forms import StaffVolunteerForm, edit_initial
from .inputs import build_values, current_input, skills_index
from .page_selectors import grid_choices_for_actor, node_resolver_for_actor


def _choices(request, data, initial_node=None) -> dict:
    actor = request.user
    node_q = (data.get("node_q") if data else "") or ""
    selected = (data.get("home_node") if data else initial_node) or ""
    return {
        "node_choices": node_choices_for_actor(actor=actor, exclude_kinds=[NodeKind.GRID], search=node_q,
                                               selected_id=parse_pk(selected)),
        "grid_choices": grid_choices_for_actor(actor=actor, home_node_id=selected),
    }


def _values(request, data: dict):
    return build_values(data, resolve_node=node_resolver_for_actor(request.user), skills_by_key=skills_index())


def _bind(form, post) -> bool:
    """Validate a bound form; a “查找” press only refreshes the choices, so drop its errors."""
    valid = form.is_valid()
    if post.get("action") == "search":
        form.errors.clear()
        return False
    return valid


@staff_required(Perm.VOLUNTEER_EDIT)
def volunteer_create(request):
    post = request.POST if request.method == "POST" else None
    initial_node = request.GET.get("node")
    form = StaffVolunteerForm(post, initial={"home_node": initial_node} if initial_node else None,
                              **_choices(request, post, initial_node))
    status = 200
    if post is not None and _bind(form, post):
        try:
            vol = services.volunteer_register(actor=request.user, values=_values(request, form.to_input()))
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, f"已登记志愿者 {vol.name}（{vol.volunteer_no}）")
            return redirect("volunteers:detail", volunteer_id=vol.pk)
    elif form.errors:
        status = 422
    return render(request, "volunteers/form.html", {"form": form, "vol": None}, status=status)


@staff_required(Perm.VOLUNTEER_EDIT)
@sensitive_variables()  # current_input() holds decrypted values
@sensitive_post_parameters()
def volunteer_edit(request, volunteer_id: int):
    vol = selectors.volunteer_get_editable(actor=request.user, volunteer_id=volunteer_id)
    post = request.POST if request.method == "POST" else None
    masked = {"id_number": vol.id_number_masked, "phone": vol.phone_masked,
              "guardian_phone": vol.guardian_phone_masked, "address": "已填写" if vol.address_enc else ""}
    form = StaffVolunteerForm(post, initial=None if post else edit_initial(vol), editing=True, masked=masked,
                              **_choices(request, post, vol.home_node_id))
    status = 200
    if post is not None and _bind(form, post):
        try:
            values = _values(request, current_input(vol) | form.to_input())
            services.volunteer_update(actor=request.user, volunteer=vol, values=values)
        except DomainError as exc:
            vol = selectors.volunteer_get_editable(actor=request.user, volunteer_id=volunteer_id)
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, "已保存")
            return redirect("volunteers:detail", volunteer_id=vol.pk)
    elif form.errors:
        status = 422
    return render(request, "volunteers/form.html", {"form": form, "vol": vol}, status=status)
