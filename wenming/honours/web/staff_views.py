"""Back-office pages of the honours (先进典型评选): the campaigns — list, set-up, the plan
and rules, criteria, the stage bar and moving on, cancelling.

Every read goes through the scoped selectors (selectors/records.py, selectors/staff.py),
every write through the services, which check the actor and the stage again and audit.
Nominations, review and selection: staff_nominations.py; the vote and the notice:
staff_votes.py."""

from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.core.decorators import button_action, form_submit, login_page
from wenming.core.errors import CoreError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm

from ..access import HONOUR_EDIT
from ..models import HonourCategory, NominationStatus, Stage
from ..selectors import records
from ..selectors import staff as reads
from ..services import campaigns as svc
from ..web_errors import HonourWebError as W
from ..workbench import honours_todos
from .forms import RULE_FIELDS, CampaignForm, CriterionForm, ReasonForm
from .staff_common import (
    PAGE_SIZE,
    campaign_for,
    clean_text,
    next_label,
    next_step_hint,
    office_campaign,
    open_objection_count,
    require_honours,
    stage_steps,
)

OFFICE_KINDS = ["province", "city", "county"]
CRITERIA_STAGES = [Stage.DRAFT, Stage.NOMINATING]
LIVE = [Stage.DRAFT, *reads.LIVE_STAGES]


@never_cache
@login_page
def index(request):
    """The actor's campaigns, live ones first, with their stage; what waits for them."""
    actor = request.user
    require_honours(request)
    show = request.GET.get("show", "")
    qs = records.campaigns_for_actor(actor=actor)
    if show != "all":
        qs = qs.filter(stage__in=LIVE)
    page = paginate(qs.order_by("-year", "-id"), request.GET.get("page", 1), PAGE_SIZE)
    todos = honours_todos(actor)
    return render(request, "honours/staff/index.html", {
        "page": page, "campaigns": page.items, "show": show, "todos": todos,
        "may_create": bool(node_choices_for_actor(actor=actor, perm=HONOUR_EDIT, kinds=OFFICE_KINDS, limit=1))})


def _rules(data: dict) -> dict:
    return {k: data[k] for k in RULE_FIELDS if k in data and k != "name"}


@never_cache
@login_page
def campaign_new(request):
    actor = request.user
    choices = node_choices_for_actor(actor=actor, perm=HONOUR_EDIT, kinds=OFFICE_KINDS)
    if not choices:
        raise CoreError.FORBIDDEN.error()
    categories = [(str(c.pk), c.name) for c in HonourCategory.objects.all()]
    year = timezone.localdate().year
    form = CampaignForm(request.POST or None, categories=categories, node_choices=choices,
                        initial={"year": year, "node": choices[0][0] if len(choices) == 1 else ""})

    def create(data):
        node = node_with_perm(actor=actor, perm=HONOUR_EDIT, node_id=data["node"])
        category = HonourCategory.objects.filter(pk=parse_pk(data["category"])).first()
        if node is None or category is None:
            raise CoreError.NOT_FOUND.error("node" if node is None else "category")
        rules = _rules(data)
        return svc.campaign_create(actor=actor, node=node, category=category, name=data["name"], year=data["year"],
                                   **rules)

    done = form_submit(request, form, create, success="已新建评选：请添加评审标准，再进入“推荐报名”")
    if done.done:
        return redirect("honours:staff_campaign", campaign_id=done.value.pk)
    return render(request, "honours/staff/campaign_form.html", {"form": form, "campaign": None},
                  status=done.status)


def _same(new, old) -> bool:
    if isinstance(new, datetime) and isinstance(old, datetime):  # the form keeps minutes only
        return new == old.replace(second=0, microsecond=0)
    return new == old


@never_cache
@login_page
def campaign_edit(request, campaign_id):
    """The plan and the rules (the vote's rules are fixed once the vote has begun)."""
    actor = request.user
    campaign = office_campaign(request, campaign_id)
    initial = {k: getattr(campaign, k) for k in RULE_FIELDS}
    form = CampaignForm(request.POST or None, edit=True, initial=initial)

    def save(data):
        changed = {k: v for k, v in data.items() if k in RULE_FIELDS and not _same(v, getattr(campaign, k))}
        if not changed:
            raise W.NOTHING_CHANGED.error()
        return svc.campaign_update(actor=actor, campaign=campaign, **changed)

    done = form_submit(request, form, save, success="已保存评选方案")
    if done.done:
        return redirect("honours:staff_campaign", campaign_id=campaign.pk)
    return render(request, "honours/staff/campaign_form.html", {"form": form, "campaign": campaign},
                  status=done.status)


@never_cache
@login_page
def campaign(request, campaign_id):
    """The plan and the rules, the stage bar with the next step, counts by status; for the
    office the criteria, moving on and cancelling."""
    actor = request.user
    c = campaign_for(request, campaign_id)
    office = reads.is_office(actor, c)
    counts = reads.status_counts(actor=actor, campaign=c)
    open_objections = open_objection_count(actor=actor, campaign=c) if c.stage == Stage.NOTICE else 0
    criterion_form, status = None, 200
    if office and c.stage in CRITERIA_STAGES:
        criterion_form = CriterionForm(request.POST or None)
        done = form_submit(request, criterion_form, lambda d: svc.criterion_add(
            actor=actor, campaign=c, name=d["name"], points=d["points"]),
            success=lambda cr: f"已添加评审标准：{cr}")
        if done.done:
            return redirect("honours:staff_campaign", campaign_id=c.pk)
        status = done.status
    elif request.method == "POST":
        raise CoreError.NOT_FOUND.error()
    may_nominate = c.stage == Stage.NOMINATING and bool(
        reads.nominating_nodes(actor=actor, campaign=c) or reads.nominating_units(actor=actor, campaign=c))
    criteria = list(c.criteria.all())
    return render(request, "honours/staff/campaign.html", {
        "campaign": c, "office": office, "steps": stage_steps(c), "next": next_label(c),
        "hint": next_step_hint(c, counts, open_objections, office=office), "criteria": criteria,
        "blocker": svc.stage_blocker(c) if office else None,
        "criteria_points": sum(cr.points for cr in criteria), "criterion_form": criterion_form,
        "cancel_form": ReasonForm() if office else None, "may_nominate": may_nominate,
        "counts": [(value, label, counts.get(value, 0)) for value, label in NominationStatus.choices],
        "total": sum(counts.values()), "open_objections": open_objections,
        "live": c.stage not in (Stage.ANNOUNCED, Stage.CANCELLED)}, status=status)


@require_POST
@login_page
def campaign_advance(request, campaign_id):
    c = office_campaign(request, campaign_id)
    to = clean_text(request.POST.get("to"), 30)
    label = Stage(to).label if to in Stage.values else to
    button_action(request, lambda: svc.stage_advance(actor=request.user, campaign=c, to=to), f"已进入“{label}”阶段")
    return redirect("honours:staff_campaign", campaign_id=c.pk)


@require_POST
@login_page
def campaign_cancel(request, campaign_id):
    c = office_campaign(request, campaign_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "取消评选须填写原因（最多 200 字）")
    else:
        button_action(request, lambda: svc.campaign_cancel(actor=request.user, campaign=c,
                                                           reason=form.cleaned_data["reason"]), "评选已取消")
    return redirect("honours:staff_campaign", campaign_id=c.pk)
