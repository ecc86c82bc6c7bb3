"""Visit pages: the volunteer's own grids and the form used at the door (mobile first), the
staff list with filters and its Excel export, a visit's page with correction, voiding, the
follow-up into a resident request, and the audited reveal of the full address."""

from io import BytesIO

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import form_submit, login_page
from wenming.core.pagination import paginate
from wenming.core.params import pk_or_404
from wenming.core.sorting import natural_sorted
from wenming.orgs.models import PATH_STEP, NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor

from . import page_selectors as pages
from . import selectors, visit_services
from .export import XLSX_TYPE, export_filename, visits_workbook
from .forms import CorrectForm, FollowUpForm, ReasonForm, VisitFilterForm, VisitForm, new_token

PAGE_SIZE = 30
RECENT = 20
CLAIMABLE_LIMIT = 100


def _post(request):
    return request.POST if request.method == "POST" else None


# ---- the volunteer's side -------------------------------------------------------------------

@never_cache
@login_page
def mine(request):
    """My grids today (claims of my teams) with a big button each, and my latest visits."""
    actor = request.user
    claims = list(selectors.my_claims(actor=actor))
    found = selectors.coverage_of_many(list({c.grid_id: c.grid for c in claims}.values()))
    is_staff = scope_for(actor).has(Perm.NODE_VIEW)
    # A team leader without a node scope finds here the grids of their teams' area to claim.
    leads = not is_staff and bool(selectors.led_team_ids(actor))
    return render(request, "grids/mine.html", {
        "claims": [(c, found[c.grid_id]) for c in claims],
        "recent": list(selectors.visit_list_for_actor(actor=actor, mine=True)[:RECENT]),
        "is_staff": is_staff,
        "claimable": natural_sorted(selectors.grid_list_for_actor(actor=actor)[:CLAIMABLE_LIMIT],
                                    key=lambda g: g.name, group=lambda g: g.path[:-PATH_STEP]) if leads else [],
    })


@never_cache
@login_page
def visit_new(request, grid_id: str):
    actor = request.user
    grid = selectors.grid_get_for_actor(actor=actor, grid_id=pk_or_404(grid_id))
    teams = pages.recording_teams_for(actor=actor, grid=grid, day=timezone.localdate())
    post = _post(request)
    form = VisitForm(post, initial={"client_token": new_token()}, flag_choices=pages.flag_choices(),
                     team_choices=[(str(t.pk), t.name) for t in teams])
    def record(d):
        team = {t.pk: t for t in teams}.get(d.get("team")) if d.get("team") else None
        return visit_services.visit_record(actor=actor, grid=grid, address=d["address"], visited_at=d["visited_at"],
                                           residents_count=d["residents_count"], flags=d["flags"], note=d["note"],
                                           team=team, client_token=d["client_token"],
                                           late_reason=d["late_reason"])

    sent = form_submit(request, form, record, aliases={"grid": None})
    if sent.done:
        visit = sent.value
        if visit.duplicate:
            messages.info(request, f"{visit.address_masked} 刚才已登记，未重复记录；如需修改请打开该记录更正")
        else:
            messages.success(request, f"已登记：{visit.address_masked}。请继续登记下一户")
        return redirect("grids:visit_new", grid_id=grid.pk)
    return render(request, "grids/visit_form.html", {
        "form": form, "grid": grid, "coverage": selectors.coverage_of(grid),
        "recent": list(selectors.visit_list_for_actor(actor=actor, grid_id=grid.pk, mine=True)[:5]),
    }, status=sent.status)


# ---- lists and export -------------------------------------------------------------------------

def _filtered(request):
    actor = request.user
    form = VisitFilterForm(request.GET or None, flag_choices=pages.flag_choices(active_only=False),
                           node_choices=node_choices_for_actor(actor=actor, exclude_kinds=[NodeKind.GRID],
                                                               selected_id=None))
    filters: dict = {}
    if form.is_bound and form.is_valid():
        filters = form.filters()
    grid_id = request.GET.get("grid")
    if grid_id:
        filters["grid_id"] = pk_or_404(grid_id)
    qs = selectors.visit_list_for_actor(actor=actor, **filters)
    if form.is_bound and not form.is_valid():
        qs = qs.none()  # a node outside the scope: nothing, not everything
    return form, filters, qs


@never_cache
@login_page
def visits(request):
    form, filters, qs = _filtered(request)
    grid = (selectors.grid_get_for_actor(actor=request.user, grid_id=filters["grid_id"])
            if filters.get("grid_id") else None)
    return render(request, "grids/visits.html", {
        "filters": form, "grid": grid, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE),
        "query": request.GET.urlencode()})


@never_cache
@login_page
def visits_export(request):
    form, filters, qs = _filtered(request)
    data, _ = visits_workbook(actor=request.user, queryset=qs, filters=filters)
    return FileResponse(BytesIO(data), as_attachment=True, filename=export_filename(), content_type=XLSX_TYPE)


# ---- one visit ----------------------------------------------------------------------------------

@never_cache
@login_page
def visit(request, visit_id: str):
    actor = request.user
    found = selectors.visit_get_for_actor(actor=actor, visit_id=pk_or_404(visit_id))
    revealed = None
    if request.method == "POST":  # 查看完整地址: audited, refusals too
        revealed = visit_services.visit_reveal(actor=actor, visit=found,
                                               reason=request.POST.get("reason", ""))["address"]
    scope = scope_for(actor)
    live = found.voided_at is None
    return render(request, "grids/visit.html", {
        "visit": found, "revealed": revealed, "void_form": ReasonForm(),
        "may_manage": live and visit_services.may_manage_visit(actor, found),
        "may_follow_up": live and not found.demand_id and scope.allows(Perm.DEMAND_EDIT, found.grid.path),
        "may_reveal": scope.may_reveal(found.grid.path),
    })


@never_cache
@login_page
def visit_correct(request, visit_id: str):
    actor = request.user
    found = selectors.visit_get_for_actor(actor=actor, visit_id=pk_or_404(visit_id))
    post = _post(request)
    initial = {"residents_count": found.residents_count, "note": found.note,
               "flags": [f.code for f in found.flags.all()],
               "visited_at": timezone.localtime(found.visited_at).replace(second=0, microsecond=0)}
    form = CorrectForm(post, initial=initial, flag_choices=pages.flag_choices(active_only=False))
    sent = form_submit(request, form, lambda d: visit_services.visit_correct(
        actor=actor, visit=found, reason=d["reason"], address=d["address"] or None, visited_at=d["visited_at"],
        residents_count=d["residents_count"], flags=d["flags"], note=d["note"]), success="走访记录已更正")
    if sent.done:
        return redirect("grids:visit", visit_id=found.pk)
    return render(request, "grids/correct_form.html", {"form": form, "visit": found}, status=sent.status)


@require_POST
@login_page
def visit_void(request, visit_id: str):
    actor = request.user
    found = selectors.visit_get_for_actor(actor=actor, visit_id=pk_or_404(visit_id))
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    visit_services.visit_void(actor=actor, visit=found, reason=reason)
    messages.success(request, "走访记录已作废，不再计入覆盖率和统计")
    return redirect("grids:visit", visit_id=found.pk)


@never_cache
@login_page
def visit_follow_up(request, visit_id: str):
    actor = request.user
    found = selectors.visit_get_for_actor(actor=actor, visit_id=pk_or_404(visit_id))
    post = _post(request)
    form = FollowUpForm(post, category_choices=pages.category_choices(),
                        initial={"description": visit_services.follow_up_description(found)})
    sent = form_submit(request, form, lambda d: visit_services.visit_follow_up(
        actor=actor, visit=found, name=d["name"], phone=d["phone"], category=d["category"],
        description=d["description"], urgency=d["urgency"]),
        success=lambda made: f"已转为群众点单 {made[0].tracking_no}，查询码 {made[1]}（请告知住户，仅显示一次）")
    if sent.done:
        return redirect("grids:visit", visit_id=found.pk)
    return render(request, "grids/follow_up_form.html", {"form": form, "visit": found}, status=sent.status)
