"""Grid pages: coverage for any node (its children and its grids), a grid's page (profile,
claims with conflicts, recent visits), setting households and boundary, claiming.

Which rows show comes from the scoped selectors; every write goes through a service (which
checks the scope again and writes the audit row). Coverage is read from the dashboard
summaries. Ids in URLs and query strings are parsed with pk_or_404/parse_pk.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import form_submit, login_page
from wenming.core.errors import DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk, pk_or_404
from wenming.core.sorting import natural_page
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_breadcrumbs, node_choices_for_actor

from . import page_selectors as pages
from . import selectors, services
from .forms import ClaimForm, ProfileForm

PAGE_SIZE = 50


def _post(request):
    return request.POST if request.method == "POST" else None


def _node_or_none(actor, raw):
    pk = parse_pk(raw)
    try:
        return selectors.coverage_node_for_actor(actor=actor, node_id=pk) if pk else None
    except DomainError:
        return None


# ---- coverage -----------------------------------------------------------------------------

@never_cache
@login_page
def index(request):
    """Coverage of a node: its headline, its children ranked, its grids with their claims.
    Someone without node.view (a volunteer, a team leader) lands on their own grids."""
    actor = request.user
    if not scope_for(actor).has(Perm.NODE_VIEW):
        return redirect("grids:mine")
    roots = pages.coverage_roots_for_actor(actor=actor)
    node = _node_or_none(actor, request.GET.get("node")) or (roots[0] if roots else None)
    context = {"node": node, "node_choices": node_choices_for_actor(
        actor=actor, exclude_kinds=[NodeKind.GRID], selected_id=node and node.pk)}
    if node is not None:
        search = request.GET.get("q", "").strip()[:50]
        # 第1网格 … 第10网格 by station (a subtree's grids are few: sorted in Python, core.sorting)
        grids = natural_page(selectors.grid_list_for_actor(actor=actor, node_id=node.pk, search=search),
                             request.GET.get("page", 1), PAGE_SIZE, group="parent__path")
        found = selectors.coverage_of_many(grids.items)
        claims = pages.current_claims_by_grid(actor=actor, grid_ids=[g.pk for g in grids.items],
                                              day=timezone.localdate())
        rows = [{"grid": g, "coverage": found[g.pk], "claims": claims[g.pk]} for g in grids.items]
        children = selectors.coverage_children_for_actor(actor=actor, node=node)
        children.sort(key=lambda pair: (pair[1].ratio is None, -(pair[1].ratio or 0)))
        context |= {"coverage": selectors.coverage_of(node), "children": children, "grids": grids, "rows": rows,
                    "search": search, "crumbs": node_breadcrumbs(actor=actor, node=node),
                    "may_see_visits": scope_for(actor).has(Perm.DEMAND_VIEW),
                    "may_enter_totals": scope_for(actor).has(Perm.DEMAND_EDIT)}
    return render(request, "grids/index.html", context)


# ---- one grid -----------------------------------------------------------------------------

@never_cache
@login_page
def grid(request, grid_id: str):
    actor = request.user
    found = selectors.grid_get_for_actor(actor=actor, grid_id=pk_or_404(grid_id))
    today = timezone.localdate()
    claims = list(selectors.claim_list_for_actor(actor=actor, grid_id=found.pk).filter(ends_on__gte=today))
    conflicts = selectors.conflicts_by_claim(claims)
    visits = selectors.visit_list_for_actor(actor=actor, grid_id=found.pk)
    scope = scope_for(actor)
    return render(request, "grids/grid.html", {
        "grid": found, "profile": selectors.profile_of(found), "coverage": selectors.coverage_of(found),
        "claims": [(c, conflicts[c.pk]) for c in claims], "today": today,
        "recent": list(visits[:20]), "visit_count": visits.count(),
        "crumbs": node_breadcrumbs(actor=actor, node=found),
        "can_edit": scope.allows(Perm.NODE_EDIT, found.path) and found.archived_at is None,
        "can_claim": found.archived_at is None and bool(pages.claim_teams_for(actor=actor, grid=found)),
        "can_record": pages.may_record(actor=actor, grid=found, day=today),
        "may_withdraw": {c.pk for c in claims if services.may_claim_for(actor, found, c.team)},
    })


@never_cache
@login_page
def profile_edit(request, grid_id: str):
    actor = request.user
    found = selectors.grid_get_for_actor(actor=actor, grid_id=pk_or_404(grid_id))
    services.check_node_perm(actor, found, Perm.NODE_EDIT)
    profile = selectors.profile_of(found)
    post = _post(request)
    form = ProfileForm(post, initial={"household_count": profile.household_count if profile else 0,
                                      "boundary": profile.boundary if profile else ""})
    sent = form_submit(request, form, lambda d: services.grid_profile_set(
        actor=actor, grid=found, household_count=d["household_count"], boundary=d["boundary"]),
        success=f"已更新{found.name}的户数和边界")
    if sent.done:
        return redirect("grids:grid", grid_id=found.pk)
    return render(request, "grids/profile_form.html", {"form": form, "grid": found}, status=sent.status)


@never_cache
@login_page
def claim_new(request, grid_id: str):
    actor = request.user
    found = selectors.grid_get_for_actor(actor=actor, grid_id=pk_or_404(grid_id))
    teams = {t.pk: t for t in pages.claim_teams_for(actor=actor, grid=found)}
    choices = [(str(t.pk), f"{t.name}（{t.node.name}）") for t in teams.values()]
    post = _post(request)
    form = ClaimForm(post, team_choices=choices)
    def claim(d):
        team = teams.get(d["team"])
        if team is None:
            raise services.E.CLAIM_FORBIDDEN.error("team")
        return services.grid_claim_create(actor=actor, grid=found, team=team, starts_on=d["starts_on"],
                                          ends_on=d["ends_on"], note=d["note"])

    sent = form_submit(request, form, claim)
    if sent.done:
        made = sent.value
        text = f"{made.team.name}已认领{found.name}（{made.starts_on} 至 {made.ends_on}）"
        if made.conflicts:
            others = "、".join(sorted({c.team.name for c in made.conflicts}))
            messages.warning(request, f"{text}。注意：同期还有其他队伍认领了该网格：{others}，请协调分工")
        else:
            messages.success(request, text)
        return redirect("grids:grid", grid_id=found.pk)
    return render(request, "grids/claim_form.html", {"form": form, "grid": found}, status=sent.status)


@require_POST
@login_page
def claim_withdraw(request, claim_id: str):
    actor = request.user
    claim = selectors.claim_get_for_actor(actor=actor, claim_id=pk_or_404(claim_id))
    services.grid_claim_withdraw(actor=actor, claim=claim)
    messages.success(request, f"已撤销{claim.team.name}对{claim.grid.name}的认领")
    return redirect("grids:grid", grid_id=claim.grid_id)


@never_cache
@login_page
def claims(request):
    """Claims the actor sees (live today by default), each with its conflicts."""
    actor = request.user
    show_all = request.GET.get("all") == "1"
    qs = selectors.claim_list_for_actor(actor=actor, current_on=None if show_all else timezone.localdate())
    node = _node_or_none(actor, request.GET.get("node"))
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    page = paginate(qs, request.GET.get("page", 1), PAGE_SIZE)
    conflicts = selectors.conflicts_by_claim(page.items)
    return render(request, "grids/claims.html", {
        "page": page, "rows": [(c, conflicts[c.pk]) for c in page.items], "show_all": show_all, "node": node,
        "conflict_count": sum(1 for c in page.items if conflicts[c.pk])})
