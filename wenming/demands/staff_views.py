"""The dispatcher's pages: the board (queue by state with due times, overdue first to the
eye), a request's page with the actions its state allows (受理 / 不予受理 / 派单 / 办结), the
audited 查看联系方式, and the operator's form for requests heard on the hotline.

Visibility is demand_list_for_actor / demand_get_for_actor (demand.view over the request's
node; out of scope and missing are the same 404); the workflow services check demand.edit
and the state again. The resident's contact is masked unless revealed (contact.py, audited).
Candidates come from ranking.rank_candidates when that module is installed; the dispatcher
can always type volunteer numbers (志愿者编号) instead.
"""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.crypto import mask_name
from wenming.core.decorators import add_domain_error, staff_required, user_error
from wenming.core.errors import DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm
from wenming.volunteers.page_selectors import volunteer_by_no_for_actor
from wenming.volunteers.selectors import team_list_for_actor, volunteer_list_for_actor

from . import workflow
from .contact import demand_contact_reveal, may_see_contact
from .forms import BOARD_STATUSES, BoardFilterForm, DispatchForm, EnterDemandForm, NoteForm, ReasonForm
from .intake import demand_enter
from .models import DemandStatus
from .selectors import (
    demand_get_by_ref_for_actor,
    demand_list_for_actor,
    demand_search_for_actor,
    tracking_number,
)
from .views import staff_history

try:  # candidate ranking (skill, distance, load, rating, availability) is another module's work
    from .ranking import rank_candidates
except ImportError:  # not installed yet: dispatch by volunteer number only
    rank_candidates = None

S = DemandStatus
GROUP_LIMIT = 20
PAGE_SIZE = 30
CANDIDATES = 10
TEAM_CHOICES = 30
MAX_VOLUNTEERS, MAX_TEAMS = 50, 20
VIEWERS = (Perm.DEMAND_VIEW,)
EDITORS = (Perm.DEMAND_EDIT,)


def _with_overdue(rows, now) -> list:
    for d in rows:
        d.overdue = d.due_at is not None and d.due_at < now
    return rows


@never_cache
@staff_required(*VIEWERS)
def board(request):
    """Requests not yet closed, grouped by state, each group soonest-due first."""
    actor, now = request.user, timezone.now()
    form = BoardFilterForm(request.GET or None)
    valid = form.is_valid()
    status = form.cleaned_data["status"] if valid else ""
    number = form.cleaned_data["q"] if valid else ""
    if number:
        return _board_search(request, form, number)
    counts = dict(demand_list_for_actor(actor=actor).order_by().values_list("status").annotate(n=Count("pk")))
    labels = dict(S.choices)
    page = None
    if status:
        page = paginate(demand_list_for_actor(actor=actor, status=status), request.GET.get("page", 1), PAGE_SIZE)
        groups = [{"status": status, "label": labels[status], "rows": _with_overdue(page.items, now),
                   "count": counts.get(status, 0)}]
    else:
        groups = [{"status": s.value, "label": s.label, "count": counts.get(s.value, 0),
                   "rows": _with_overdue(list(demand_list_for_actor(actor=actor, status=s)[:GROUP_LIMIT]), now)}
                  for s in BOARD_STATUSES if counts.get(s.value)]
    return render(request, "demands/staff/board.html", {
        "form": form, "status": status, "groups": groups, "page": page, "group_limit": GROUP_LIMIT,
        "tabs": [(s.value, s.label, counts.get(s.value, 0)) for s in S],
        "can_enter": scope_for(actor).has(Perm.DEMAND_EDIT), "now": now,
    })


def _board_search(request, form, number: str):
    """点单编号 search: every state, newest first; the one request whose whole number was
    typed opens straight away."""
    found = demand_search_for_actor(actor=request.user, number=number)
    exact = found.filter(tracking_no=tracking_number(number)).first() if tracking_number(number) else None
    if exact is not None:
        return redirect("demands:detail", demand_id=exact.pk)
    page = paginate(found, request.GET.get("page", 1), PAGE_SIZE)
    now = timezone.now()
    counts = dict(demand_list_for_actor(actor=request.user).order_by().values_list("status").annotate(n=Count("pk")))
    return render(request, "demands/staff/board.html", {
        "form": form, "status": "", "search": number, "page": page, "group_limit": PAGE_SIZE,
        "groups": [{"status": "search", "label": f"编号含“{number}”", "rows": _with_overdue(page.items, now),
                    "count": page.count}] if page.count else [],
        "tabs": [(s.value, s.label, counts.get(s.value, 0)) for s in S],
        "can_enter": scope_for(request.user).has(Perm.DEMAND_EDIT), "now": now,
    })


# ---- a request's page --------------------------------------------------------------------

def _reason_row(reason) -> dict:
    if isinstance(reason, str):
        return {"label": "", "points": None, "max": None, "text": reason}
    return {"label": getattr(reason, "label", ""), "points": getattr(reason, "points", None),
            "max": getattr(reason, "max_points", None), "text": getattr(reason, "text", str(reason))}


def _candidate_rows(request, demand, offered: set[int]) -> list[dict]:
    """ranking.Candidate rows (volunteer_id, masked name, volunteer_no, score, distance_km,
    reasons with label/points/text) for the checkboxes; already-offered ones marked."""
    if rank_candidates is None:
        return []
    try:
        ranked = rank_candidates(actor=request.user, demand=demand, limit=CANDIDATES)
    except DomainError as exc:  # e.g. the state moved on between the check and the ranking
        messages.info(request, f"暂无推荐候选人：{exc.message}")
        return []
    return [{"id": c.volunteer_id, "name": c.name, "no": c.volunteer_no, "score": getattr(c, "score", None),
             "distance_km": getattr(c, "distance_km", None), "offered": c.volunteer_id in offered,
             "reasons": [_reason_row(r) for r in getattr(c, "reasons", [])]} for c in ranked]


def _detail(request, demand, *, contact=None, reject_form=None, dispatch_form=None, status=200):
    actor, now = request.user, timezone.now()
    can_edit = scope_for(actor).allows(Perm.DEMAND_EDIT, demand.node.path)
    offers = list(demand.offers.select_related("volunteer", "team").order_by("rank", "id"))
    for o in offers:
        o.masked_name = mask_name(o.volunteer.name) if o.volunteer_id else ""
    dispatching = can_edit and demand.status in (S.REVIEWED, S.DISPATCHED)
    offered_vols = {o.volunteer_id for o in offers if o.volunteer_id}
    offered_teams = {o.team_id for o in offers if o.team_id}
    teams = []
    if dispatching:
        teams = [t for t in team_list_for_actor(actor=actor, node_id=demand.node_id)[:TEAM_CHOICES]
                 if t.pk not in offered_teams]
    return render(request, "demands/staff/detail.html", {
        "demand": demand, "overdue": demand.due_at is not None and demand.due_at < now,
        "contact": contact, "may_reveal": contact is None and may_see_contact(actor, demand),
        "items": list(demand.items.all()), "photos": list(demand.photos.all()),
        "history": staff_history(demand), "offers": offers, "can_edit": can_edit,
        "can_review": can_edit and demand.status == S.SUBMITTED,
        "can_close": can_edit and demand.status in (S.COMPLETED, S.RATED),
        "dispatching": dispatching, "ranking": rank_candidates is not None,
        "candidates": _candidate_rows(request, demand, offered_vols) if dispatching else [],
        "teams": teams,
        "reject_form": reject_form or ReasonForm(), "dispatch_form": dispatch_form or DispatchForm(),
        "close_form": NoteForm(),
        # the delivery runs this request was on (wenming.deliveries), newest first
        "stops": _runs_of(actor, demand),
    }, status=status)


def _runs_of(actor, demand) -> list:
    """The delivery runs this request was on that the viewer may open (wenming.deliveries)."""
    from wenming.deliveries.selectors import run_list_for_actor

    return list(demand.delivery_stops.filter(run__in=run_list_for_actor(actor=actor).values("pk"))
                .select_related("run").order_by("-id"))


def _get(request, demand_id: str):
    """By id or by request number (/demands/D20260000001/), within the actor's scope."""
    return demand_get_by_ref_for_actor(actor=request.user, ref=demand_id)


@never_cache
@staff_required(*VIEWERS)
def detail(request, demand_id: str):
    return _detail(request, _get(request, demand_id))


@never_cache
@require_POST
@staff_required(*VIEWERS)
def contact(request, demand_id: str):
    """查看联系方式: the contact in clear on this one response, audited (403 without the right)."""
    demand = _get(request, demand_id)
    return _detail(request, demand, contact=demand_contact_reveal(actor=request.user, demand=demand))


def _back(demand):
    return redirect("demands:detail", demand_id=demand.pk)


@require_POST
@staff_required(*EDITORS)
def review(request, demand_id: str):
    demand = _get(request, demand_id)
    try:
        workflow.demand_review(actor=request.user, demand=demand)
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, "已受理，请派单")
    return _back(demand)


@require_POST
@staff_required(*EDITORS)
def reject(request, demand_id: str):
    demand = _get(request, demand_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _detail(request, demand, reject_form=form, status=422)
    try:
        workflow.demand_reject(actor=request.user, demand=demand, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, "已不予受理，原因群众查询进度时可见")
    return _back(demand)


def _picked(request, name: str, limit: int) -> list[int]:
    ids = []
    for pk in map(parse_pk, request.POST.getlist(name)):
        if pk is not None and pk not in ids:
            ids.append(pk)
    return ids[:limit]


@require_POST
@staff_required(*EDITORS)
def dispatch(request, demand_id: str):
    """派单 to the ticked candidates (in rank order), then the typed numbers, then teams."""
    actor = request.user
    demand = _get(request, demand_id)
    form = DispatchForm(request.POST)
    if not form.is_valid():
        return _detail(request, demand, dispatch_form=form, status=422)
    ids = _picked(request, "volunteer", MAX_VOLUNTEERS)
    found = {v.pk: v for v in volunteer_list_for_actor(actor=actor).filter(pk__in=ids)}
    volunteers = [found[pk] for pk in ids if pk in found]
    missing = []
    for number in form.number_list():
        vol = volunteer_by_no_for_actor(actor=actor, volunteer_no=number)
        if vol is None:
            missing.append(number)
        elif vol.pk not in {v.pk for v in volunteers}:
            volunteers.append(vol)
    if missing:
        form.add_error("numbers", f"未找到编号为 {'、'.join(missing)} 的志愿者，或不在您的管理范围内")
        return _detail(request, demand, dispatch_form=form, status=422)
    team_ids = _picked(request, "team", MAX_TEAMS)
    teams = list(team_list_for_actor(actor=actor).filter(pk__in=team_ids))
    try:
        workflow.demand_dispatch(actor=actor, demand=demand, volunteers=volunteers[:MAX_VOLUNTEERS], teams=teams,
                                 at_once=form.cleaned_data["at_once"])
    except DomainError as exc:
        if exc.status != 422:
            user_error(request, exc)  # e.g. 已派过此单, or the request is no longer waiting for dispatch
            return _back(demand)
        form.add_error(None, exc.message)
        return _detail(request, demand, dispatch_form=form, status=exc.status)
    who = [f"{len(volunteers)} 名志愿者"] * bool(volunteers) + [f"{len(teams)} 支队伍"] * bool(teams)
    messages.success(request, f"已派单给{'、'.join(who)}，按顺序同时派出 {form.cleaned_data['at_once']} 个")
    return _back(demand)


@require_POST
@staff_required(*EDITORS)
def close(request, demand_id: str):
    demand = _get(request, demand_id)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        workflow.demand_close(actor=request.user, demand=demand, note=note)
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, "已办结")
    return _back(demand)


# ---- hotline entry -----------------------------------------------------------------------

@never_cache
@staff_required(*EDITORS)
def enter(request):
    """录入电话点单: the operator picks the node the call is for; routing finds the station."""
    actor = request.user
    post = request.POST if request.method == "POST" else None
    raw = (post or request.GET).get("node") or ""
    choices = node_choices_for_actor(actor=actor, perm=Perm.DEMAND_EDIT,
                                     exclude_kinds=[NodeKind.GRID, NodeKind.POINT],
                                     selected_id=parse_pk(raw), strict_selected=True)
    initial = {"node": raw or (choices[0][0] if len(choices) == 1 else "")}
    form = EnterDemandForm(post, node_choices=choices, initial=initial)
    status = 200
    if post is not None:
        status = 422
        if form.is_valid():
            node = node_with_perm(actor=actor, perm=Perm.DEMAND_EDIT, node_id=form.cleaned_data["node"])
            if node is None:
                form.add_error("node", "请选择您管理范围内的阵地")
            else:
                try:
                    demand, code = demand_enter(actor=actor, data=form.demand_input(within=node))
                except DomainError as exc:
                    add_domain_error(form, exc)
                    status = exc.status
                else:
                    return render(request, "demands/public/submitted.html",
                                  {"demand": demand, "code": code, "entered": True})
    return render(request, "demands/staff/enter.html", {"form": form}, status=status)
