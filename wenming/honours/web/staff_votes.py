"""Back-office pages of the public vote and the notice: the office's vote monitor (live counts,
suspicious clusters with their votes, voiding a cluster with a reason) and the objections
during the notice (list, answer, 异议成立)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.core.decorators import button_action, login_page, user_error
from wenming.core.errors import DomainError
from wenming.core.form_errors import join_messages
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.core.uploads import image_response

from ..models import ObjectionStatus, Stage
from ..selectors import staff as reads
from ..selectors.votes import vote_clusters
from ..services import notice as notice_svc
from ..services import votes as vote_svc
from ..web_errors import HonourWebError as W
from .forms import ObjectionAnswerForm, VoidForm
from .staff_common import PAGE_SIZE, campaign_for, notice_ends, office_campaign

VOIDABLE = [Stage.VOTING, Stage.FINAL_REVIEW]
SHOWN_PER_CLUSTER = 200
MAX_VOID = 10_000


def _form_errors(form) -> str:
    return join_messages(e for errors in form.errors.values() for e in errors)


@never_cache
@login_page
def votes(request, campaign_id):
    """Per-nominee live counts, the suspicious clusters (each with its votes) and what was
    voided (when, by whom, why, from whom). Voiding is possible during the vote and the final review."""
    c = office_campaign(request, campaign_id)
    totals = reads.vote_totals(c) if c.vote_enabled else []
    names = {n.pk: n.name for n in totals}
    may_void = c.vote_enabled and c.stage in VOIDABLE
    clusters = vote_clusters(c) if may_void else []
    for cluster in clusters:
        cluster.rows = reads.votes_by_id(cluster.vote_ids, SHOWN_PER_CLUSTER)
        cluster.ids = ",".join(str(i) for i in cluster.vote_ids[:MAX_VOID])
        cluster.nominee_names = "、".join(names.get(i, str(i)) for i in sorted(cluster.nominations))
        cluster.form = VoidForm(initial={"kind": cluster.kind, "key": cluster.key, "votes": cluster.ids},
                                auto_id=f"c{cluster.kind}-{cluster.key}-%s".replace(":", "-"))
    return render(request, "honours/staff/votes.html", {
        "campaign": c, "totals": totals, "summary": reads.vote_summary(c) if c.vote_enabled else None,
        "clusters": clusters, "may_void": may_void, "shown": SHOWN_PER_CLUSTER,
        "voids": reads.void_history(c) if c.vote_enabled else []})


@require_POST
@login_page
def votes_void(request, campaign_id):
    """Void a cluster's votes: those the page showed and still in the cluster now."""
    actor = request.user
    c = office_campaign(request, campaign_id)
    back = redirect("honours:staff_votes", campaign_id=c.pk)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return back
    data = form.cleaned_data
    posted = {parse_pk(x) for x in data["votes"].split(",")[:MAX_VOID]} - {None}
    cluster = next((cl for cl in vote_clusters(c) if cl.kind == data["kind"] and cl.key == data["key"]), None) \
        if c.stage in VOIDABLE else None
    ids = sorted(posted & set(cluster.vote_ids)) if cluster is not None else []
    try:
        if not ids:
            raise W.CLUSTER_CHANGED.error()
        n = vote_svc.votes_void(actor=actor, campaign=c, vote_ids=ids, reason=data["reason"])
    except DomainError as exc:
        user_error(request, exc)
    else:
        messages.success(request, f"已作废 {n} 张票（{cluster.label}），已从得票中扣除并记入日志")
    return back


# --- the notice -----------------------------------------------------------------------------

@never_cache
@login_page
def objections(request, campaign_id):
    actor = request.user
    c = campaign_for(request, campaign_id)
    status = request.GET.get("status", "")
    status = status if status in ObjectionStatus.values else ""
    page = paginate(reads.objections_for_actor(actor=actor, campaign=c, status=status), request.GET.get("page", 1),
                    PAGE_SIZE)
    office = reads.is_office(actor, c)
    answering = office and c.stage == Stage.NOTICE
    for o in page.items:
        o.form = ObjectionAnswerForm(auto_id=f"o{o.pk}-%s") if answering and o.status == ObjectionStatus.OPEN \
            else None
    open_n = reads.objections_for_actor(actor=actor, campaign=c, status=ObjectionStatus.OPEN).count()
    return render(request, "honours/staff/objections.html", {
        "campaign": c, "page": page, "objections": page.items, "status": status, "answering": answering,
        "office": office,  # who objected (name, masked phone): the office alone
        "open_count": open_n, "notice_ends": notice_ends(c), "statuses": ObjectionStatus.choices})


@require_POST
@login_page
def objection_answer(request, objection_id):
    actor = request.user
    o = reads.objection_get_for_actor(actor=actor, pk=objection_id)
    form = ObjectionAnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        button_action(request, lambda: notice_svc.objection_answer(actor=actor, objection=o, answer=data["answer"],
                                                                   upheld=data["upheld"]),
                      f"已答复异议 {o.number}" + ("：异议成立，已撤销该对象的拟表彰" if data["upheld"] else ""))
    else:
        messages.error(request, _form_errors(form))
    url = reverse("honours:staff_objections", args=[o.nomination.campaign_id])
    return redirect(f"{url}#objection-{o.pk}")


@login_page
def objection_photo(request, objection_id):
    o = reads.objection_get_for_actor(actor=request.user, pk=objection_id)
    return image_response(request, o.image, allowed=o.image_id is not None)
