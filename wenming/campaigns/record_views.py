"""Pages of 移风易俗 records and online activities (云上活动), and the public activity page
where residents view, share and take part (counted once per person per day)."""

import uuid

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import error_page, form_submit, login_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.middleware import client_ip
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import node_choices_for_actor

from . import online_services, reform_services, reform_totals, selectors
from .forms import ActivityForm, NodeFilterForm, ReasonForm, ReformFilterForm, ReformForm, ReformTotalForm
from .models import EngagementKind

PAGE_SIZE = 20
VISITOR_COOKIE = "wm_visitor"
VISITOR_MAX_AGE = 365 * 24 * 3600


def _guard(actor, perm: str = Perm.NODE_VIEW) -> None:
    if not scope_for(actor).has(perm):
        raise CoreError.FORBIDDEN.error()


def _nodes(actor, perm: str = Perm.NODE_VIEW, selected=None, strict: bool = True) -> list[tuple[str, str]]:
    return node_choices_for_actor(actor=actor, perm=perm, selected_id=parse_pk(selected), strict_selected=strict)


def _post(request):
    return request.POST if request.method == "POST" else None


# ---- 移风易俗 -----------------------------------------------------------------------------

@never_cache
@login_page
def reform(request):
    actor = request.user
    _guard(actor)
    filters = ReformFilterForm(request.GET or None,
                               node_choices=_nodes(actor, selected=request.GET.get("node"), strict=False))
    valid = filters.is_valid()
    node_id = filters.cleaned_data.get("node") if valid else None
    qs = selectors.reform_list_for_actor(actor=actor, node_id=node_id,
                                         kind=filters.cleaned_data.get("kind", "") if valid else "")
    if filters.is_bound and not valid:
        qs = qs.none()
    node = selectors.campaign_node_get_for_actor(actor=actor, node_id=node_id) if node_id else None
    counts = selectors.reform_counts_for_actor(actor=actor, node=node) if node else None
    return render(request, "campaigns/reform.html", {
        "filters": filters, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE), "node": node,
        "counts": counts, "can_edit": scope_for(actor).has(Perm.NODE_EDIT)})


@never_cache
@login_page
def reform_new(request):
    actor = request.user
    _guard(actor, Perm.NODE_EDIT)
    post = _post(request)
    raw = (post or request.GET).get("node") or ""
    form = ReformForm(post, initial={"node": raw} if raw else None, node_choices=_nodes(actor, Perm.NODE_EDIT, raw))
    def create(d):
        node = selectors.campaign_node_get_for_actor(actor=actor, node_id=d["node"], perm=Perm.NODE_EDIT)
        return reform_services.reform_record_create(actor=actor, node=node, kind=d["kind"], household=d["household"],
                                                    head_name=d["head_name"], occurred_on=d["occurred_on"],
                                                    note=d["note"], late_reason=d["late_reason"])

    sent = form_submit(request, form, create, success="已登记移风易俗记录", aliases={"node_id": "node"})
    if sent.done:
        return redirect(reverse("campaigns:reform") + f"?node={sent.value.node_id}")
    return render(request, "campaigns/reform_form.html", {"form": form}, status=sent.status)


@never_cache
@login_page
def reform_total(request):
    """按合计填报: a month's total of households for a kind at a node, beside the records."""
    actor = request.user
    _guard(actor, Perm.NODE_EDIT)
    post = _post(request)
    raw = (post or request.GET).get("node") or ""
    form = ReformTotalForm(post, initial={"node": raw} if raw else None,
                           node_choices=_nodes(actor, Perm.NODE_EDIT, raw))

    def save(d):
        node = selectors.campaign_node_get_for_actor(actor=actor, node_id=d["node"], perm=Perm.NODE_EDIT)
        return node, reform_totals.reform_total_set(actor=actor, node=node, kind=d["kind"], period=d["month"],
                                                    total=d["total"], note=d["note"], late_reason=d["late_reason"])

    sent = form_submit(request, form, save, aliases={"node_id": "node", "period": "month"},
                       success=lambda done: "已撤销该月合计" if done[1] is None else
                       f"已填报合计：{done[1].get_kind_display()} {done[1].total} 户（其中未逐户登记 {done[1].remainder} 户）")
    if sent.done:
        return redirect(reverse("campaigns:reform") + f"?node={sent.value[0].pk}")
    return render(request, "campaigns/reform_total.html", {
        "form": form, "totals": selectors.reform_totals_for_actor(actor=actor)[:20]}, status=sent.status)


@never_cache
@login_page
def reform_void(request, record_id: int):
    actor = request.user
    record = selectors.reform_get_for_actor(actor=actor, record_id=record_id)
    form = ReasonForm(_post(request))
    sent = form_submit(request, form, lambda d: reform_services.reform_record_void(
        actor=actor, record=record, reason=d["reason"]), success="记录已作废，不再计入统计")
    if sent.done:
        return redirect("campaigns:reform")
    return render(request, "campaigns/reform_void.html", {"form": form, "record": record}, status=sent.status)


# ---- online activities (staff) ------------------------------------------------------------

@never_cache
@login_page
def online(request):
    actor = request.user
    _guard(actor)
    filters = NodeFilterForm(request.GET or None,
                             node_choices=_nodes(actor, selected=request.GET.get("node"), strict=False))
    node_id = filters.cleaned_data.get("node") if filters.is_valid() else None
    qs = selectors.activity_list_for_actor(actor=actor, node_id=node_id)
    if filters.is_bound and not filters.is_valid():
        qs = qs.none()
    node = selectors.campaign_node_get_for_actor(actor=actor, node_id=node_id) if node_id else None
    return render(request, "campaigns/online.html", {
        "filters": filters, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE), "node": node,
        "counts": selectors.online_counts_for_actor(actor=actor, node=node) if node else None,
        "can_edit": scope_for(actor).has(Perm.NODE_EDIT)})


@never_cache
@login_page
def online_form(request, activity_id: int | None = None):
    actor = request.user
    _guard(actor, Perm.NODE_EDIT)
    activity = selectors.activity_get_for_actor(actor=actor, activity_id=activity_id) if activity_id else None
    post = _post(request)
    initial = ({f: getattr(activity, f) for f in ("title", "description", "link", "starts_at", "ends_at")}
               | {"node": activity.node_id}) if activity else {"node": request.GET.get("node", "")}
    form = ActivityForm(post, initial=initial, node_choices=_nodes(actor, Perm.NODE_EDIT, initial.get("node")))
    if activity:
        form.fields["node"].disabled = True  # what was counted stays with its node
    def save(d):
        fields = {k: d[k] for k in ("title", "description", "link", "starts_at", "ends_at")}
        if activity:
            online_services.activity_update(actor=actor, activity=activity, **fields)
            return activity
        node = selectors.campaign_node_get_for_actor(actor=actor, node_id=d["node"], perm=Perm.NODE_EDIT)
        return online_services.activity_create(actor=actor, node=node, **fields)

    sent = form_submit(request, form, save, success="云上活动已保存", aliases={"node_id": "node"})
    if sent.done:
        return redirect("campaigns:online_detail", activity_id=sent.value.pk)
    return render(request, "campaigns/online_form.html", {"form": form, "activity": activity}, status=sent.status)


@never_cache
@login_page
def online_detail(request, activity_id: int):
    actor = request.user
    activity = selectors.activity_get_for_actor(actor=actor, activity_id=activity_id)
    return render(request, "campaigns/online_detail.html", {
        "activity": activity, "stats": selectors.activity_stats(activity),
        "public_url": request.build_absolute_uri(reverse("campaigns:online_public", args=[activity.pk])),
        "can_edit": scope_for(actor).allows(Perm.NODE_EDIT, activity.node.path)})


# ---- the public page ----------------------------------------------------------------------

def _visitor(request) -> tuple[str, bool]:
    """The visitor token of this browser (a random id in a cookie), and whether it is new."""
    token = request.COOKIES.get(VISITOR_COOKIE, "")
    if online_services.PERSON_TOKEN.fullmatch(token or ""):
        return token, False
    return uuid.uuid4().hex, True


@never_cache
def online_public(request, activity_id: int):
    """Anyone may open an activity; opening it counts a view, the buttons a share or a
    participation — once per person (the logged-in user, else this browser) per day."""
    try:
        activity = selectors.activity_public_get(activity_id=activity_id)
    except DomainError as exc:
        return error_page(request, exc)
    token, new = _visitor(request)
    key = online_services.person_key_for(user=request.user, person=token)
    kind = request.POST.get("kind") if request.method == "POST" else EngagementKind.VIEW
    counted, note, status = False, "", 200
    try:
        counted = online_services.engagement_register(activity=activity, kind=kind, person_key=key,
                                                      client=client_ip(request) or "")
        if request.method == "POST":
            note = {"share": "感谢分享！", "participate": "感谢参与！"}.get(kind, "") if counted else "今天已记录过，感谢支持！"
    except DomainError as exc:
        note, status = (exc.message, exc.status) if request.method == "POST" else (exc.message, 200)
    response = render(request, "campaigns/online_public.html", {
        "activity": activity, "note": note, "counted": counted, "stats": selectors.activity_stats(activity)},
        status=status)
    if new:
        response.set_cookie(VISITOR_COOKIE, token, max_age=VISITOR_MAX_AGE, httponly=True, samesite="Lax")
    return response
