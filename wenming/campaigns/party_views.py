"""Pages of party-member check-ins (党员志愿者报到): the list with counts per station, a
volunteer's own check-in, staff checking a member in by volunteer number, withdrawal."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import add_domain_error, form_submit, login_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import node_choices_for_actor
from wenming.volunteers.models import Volunteer
from wenming.volunteers.selectors import volunteer_for_user, volunteer_visibility_q

from . import party_services, selectors
from .errors import CampaignError
from .forms import CheckinForm, NodeFilterForm, ReasonForm
from .models import PartyCheckin

PAGE_SIZE = 20


@never_cache
@login_page
def party(request):
    actor = request.user
    scope = scope_for(actor)
    own = volunteer_for_user(actor)
    if not scope.has(Perm.VOLUNTEER_VIEW) and own is None:
        raise CoreError.FORBIDDEN.error()
    filters = NodeFilterForm(request.GET or None, node_choices=node_choices_for_actor(
        actor=actor, perm=Perm.VOLUNTEER_VIEW, selected_id=parse_pk(request.GET.get("node"))))
    node_id = filters.cleaned_data.get("node") if filters.is_valid() else None
    qs = selectors.checkin_list_for_actor(actor=actor, node_id=node_id, active=None)
    if filters.is_bound and not filters.is_valid():
        qs = qs.none()
    context = {"filters": filters, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE),
               "staff": scope.has(Perm.VOLUNTEER_VIEW), "own": own,
               "can_checkin_others": scope.has(Perm.VOLUNTEER_EDIT)}
    if node_id:
        try:
            node = selectors.campaign_node_get_for_actor(actor=actor, node_id=node_id)
            context["total"], context["children"] = selectors.checkin_counts_for_actor(actor=actor, node=node)
            context["node"] = node
        except DomainError:
            pass  # the list is filtered all the same; counts need node.view
    if own is not None:
        context["own_checkins"] = list(PartyCheckin.objects.filter(volunteer=own).select_related("station"))
        context["own_station"] = party_services.home_station(own)
    return render(request, "campaigns/party.html", context)


def _volunteer_by_number(actor, number: str) -> Volunteer:
    vol = (Volunteer.objects.filter(volunteer_visibility_q(actor)).select_related("home_node")
           .filter(volunteer_no=number.strip().upper()).first())
    if vol is None:
        raise CoreError.NOT_FOUND.error("volunteer_no")
    return vol


@never_cache
@login_page
def checkin(request):
    """POST: the logged-in volunteer checks in (no fields), or staff give a volunteer number."""
    actor = request.user
    if request.method != "POST":
        return redirect("campaigns:party")
    form = CheckinForm(request.POST) if "volunteer_no" in request.POST else None
    try:
        if form is None:
            volunteer = volunteer_for_user(actor)
            if volunteer is None:
                raise CampaignError.NOT_A_VOLUNTEER.error()
        elif form.is_valid():
            volunteer = _volunteer_by_number(actor, form.cleaned_data["volunteer_no"])
        else:
            return render(request, "campaigns/party_checkin.html", {"form": form}, status=422)
        dated = form.cleaned_data if form is not None else {}
        row, created = party_services.party_checkin(actor=actor, volunteer=volunteer,
                                                    checked_in_on=dated.get("checked_in_on"),
                                                    late_reason=dated.get("late_reason", ""))
    except DomainError as exc:
        if form is None:
            messages.error(request, exc.message)
            return redirect("campaigns:party")
        add_domain_error(form, exc, {"volunteer_id": "volunteer_no"})  # checked_in_on, late_reason: their own
        return render(request, "campaigns/party_checkin.html", {"form": form}, status=exc.status)
    messages.success(request, f"{volunteer.name}已到{row.station.name}报到" if created
                     else f"{volunteer.name}已在{row.station.name}报到过，无需重复报到")
    return redirect("campaigns:party")


@never_cache
@login_page
def withdraw(request, checkin_id: int):
    actor = request.user
    row = selectors.checkin_get_for_actor(actor=actor, checkin_id=checkin_id)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    sent = form_submit(request, form, lambda d: party_services.party_checkin_withdraw(
        actor=actor, checkin=row, reason=d["reason"]), success="已取消报到")
    if sent.done:
        return redirect("campaigns:party")
    return render(request, "campaigns/party_withdraw.html", {"form": form, "checkin": row}, status=sent.status)
