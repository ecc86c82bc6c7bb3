"""Back-office pages of the nominations: the list (filters, sorts, Excel), one nomination
(nominee, story, evidence, registry figures, reviews, votes, objections) with what the
viewer may do there — review (or abstain, 回避), select at the final review, correct or
withdraw their own — and the form staff and liaisons nominate with."""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.core.decorators import button_action, form_submit, login_page
from wenming.core.errors import CoreError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk, pk_or_404
from wenming.core.uploads import image_response
from wenming.evaluation.services.attachments import attachment_response

from ..excel import nominations_workbook
from ..models import NominatedBy, NominationStatus, NomineeKind, ReviewStage, Stage
from ..selectors import records
from ..selectors import staff as reads
from ..services import nominations as nsvc
from ..services import reviews as rsvc
from ..web_errors import HonourWebError as W
from .forms import NominateForm, NominationEditForm, ReasonForm, ReviewForm, SelectRejectForm
from .staff_common import PAGE_SIZE, XLSX, campaign_for, clean_text

SORTS = [("priority", "优先推荐在前"), ("score", "复审平均分"), ("votes", "票数"), ("number", "推荐编号")]
CHANGEABLE = [NominationStatus.SUBMITTED, NominationStatus.RETURNED]
WITHDRAWABLE = [*CHANGEABLE, NominationStatus.SHORTLISTED]


@never_cache
@login_page
def nominations(request, campaign_id):
    actor = request.user
    c = campaign_for(request, campaign_id)
    status = request.GET.get("status", "")
    status = status if status in NominationStatus.values else ""
    sort = request.GET.get("sort", "priority")
    sort = sort if sort in dict(SORTS) else "priority"
    priority_only = request.GET.get("priority") == "1"
    q = clean_text(request.GET.get("q"))
    qs = records.nominations_for_actor(actor=actor, campaign=c, status=status, sort=sort, priority_only=priority_only)
    page = paginate(reads.search_nominations(qs, q), request.GET.get("page", 1), PAGE_SIZE)
    counts = reads.status_counts(actor=actor, campaign=c)
    office = reads.is_office(actor, c)
    return render(request, "honours/staff/nominations.html", {
        "campaign": c, "page": page, "nominations": page.items, "status": status, "sort": sort, "sorts": SORTS,
        "priority_only": priority_only, "q": q, "office": office, "total": sum(counts.values()),
        "selecting": office and c.stage == Stage.FINAL_REVIEW,
        "statuses": [(v, label, counts.get(v, 0)) for v, label in NominationStatus.choices if counts.get(v)],
        "may_nominate": c.stage == Stage.NOMINATING and bool(
            reads.nominating_nodes(actor=actor, campaign=c) or reads.nominating_units(actor=actor, campaign=c))})


@login_page
def export(request, campaign_id):
    c = campaign_for(request, campaign_id)
    data = nominations_workbook(actor=request.user, campaign=c)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="honours-{c.pk}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- one nomination -------------------------------------------------------------------------

def _context(request, n, *, review_form=None, reject_form=None) -> dict:
    actor = request.user
    c = n.campaign
    state = reads.review_state(actor, n)
    criteria = list(c.criteria.all())
    reviews = reads.reviews_of(n)
    names = {str(cr.pk): cr.name for cr in criteria}
    for r in reviews:
        r.score_rows = [(names.get(k, "（已删除的标准）"), v) for k, v in (r.scores or {}).items()]
    if review_form is None and state.may_submit:
        review_form = ReviewForm(stage=state.stage, criteria=criteria)
    files = list(n.files.select_related("image"))
    office = reads.is_office(actor, c)
    changeable = c.stage in reads.CHANGEABLE_STAGES and reads.may_change(actor, n)
    return {
        "n": n, "campaign": c, "state": state, "reviews": reviews, "averages": reads.review_averages(reviews),
        "criteria": criteria, "review_form": review_form if state.may_submit else None,
        "photos": [f for f in files if f.image_id], "docs": [f for f in files if f.file],
        "recommenders": list(n.recommenders.all()), "objections": list(n.objections.select_related("answered_by")),
        "votes": reads.nomination_vote_counts(n) if c.vote_enabled else None, "office": office,
        "selecting": office and c.stage == Stage.FINAL_REVIEW,
        "reject_form": reject_form or SelectRejectForm(),
        "may_edit": changeable and n.status in CHANGEABLE, "may_withdraw": changeable and n.status in WITHDRAWABLE,
        "withdraw_form": ReasonForm(), "stage_initial": ReviewStage.INITIAL,
        "staff": reads.staff_reads(actor, n),  # reviewers' names and scores, objectors' identity: staff only
    }


@never_cache
@login_page
def nomination(request, nomination_id):
    n = records.nomination_get_for_actor(actor=request.user, pk=nomination_id)
    return render(request, "honours/staff/nomination.html", _context(request, n))


@require_POST
@login_page
def review(request, nomination_id):
    """A reviewer's opinion with scores. One who shares a unit with the nominee sees no form
    and is refused here too (the service's conflict check)."""
    actor = request.user
    n = records.nomination_get_for_actor(actor=actor, pk=nomination_id)
    state = reads.review_state(actor, n)
    form = ReviewForm(request.POST, stage=state.stage or ReviewStage.INITIAL, criteria=n.campaign.criteria.all())
    done = form_submit(request, form, lambda d: rsvc.review_submit(
        actor=actor, nomination=n, decision=d["decision"], reason=d["reason"], scores=form.scores()),
        success=lambda r: f"已提交评审意见：{r.get_decision_display()}")
    if done.done:
        return redirect("honours:staff_nomination", nomination_id=n.pk)
    n.refresh_from_db()
    context = _context(request, n, review_form=form)
    if not state.may_submit:  # refused outright (回避, not a reviewer here, already reviewed): no form
        context["review_errors"] = [e for errors in form.errors.values() for e in errors]
    return render(request, "honours/staff/nomination.html", context, status=done.status)


@require_POST
@login_page
def select(request, nomination_id):
    """The office at the final review: 拟表彰, 取消拟表彰, 不予表彰 (with a reason)."""
    actor = request.user
    n = records.nomination_get_for_actor(actor=actor, pk=nomination_id)
    action = request.POST.get("action", "")
    reason = clean_text(request.POST.get("reason"), 500)
    if action == "select":
        button_action(request, lambda: rsvc.selection_set(actor=actor, nomination=n, selected=True),
                      f"已将 {n.name} 列为拟表彰对象")
    elif action == "unselect":
        button_action(request, lambda: rsvc.selection_set(actor=actor, nomination=n, selected=False),
                      f"已取消 {n.name} 的拟表彰")
    elif action == "reject":
        button_action(request, lambda: rsvc.selection_set(actor=actor, nomination=n, selected=False, reason=reason),
                      f"已将 {n.name} 定为不予表彰")
    else:
        raise CoreError.NOT_FOUND.error()
    back = request.POST.get("next", "")
    if back == "list":
        return redirect("honours:staff_nominations", campaign_id=n.campaign_id)
    return redirect("honours:staff_nomination", nomination_id=n.pk)


@never_cache
@login_page
def nomination_edit(request, nomination_id):
    """The nominator corrects the story (a returned nomination goes back to the initial review)."""
    actor = request.user
    n = records.nomination_get_for_actor(actor=actor, pk=nomination_id)
    if not reads.may_change(actor, n):
        raise CoreError.NOT_FOUND.error()
    form = NominationEditForm(request.POST or None, priority_label=n.campaign.priority_label, initial={
        "title": n.title, "story": n.story, "priority": n.priority, "priority_note": n.priority_note})
    returned = n.status == NominationStatus.RETURNED
    done = form_submit(request, form, lambda d: nsvc.nomination_update(
        actor=actor, nomination=n, consent=d["consent"], title=d["title"], story=d["story"], priority=d["priority"],
        priority_note=d["priority_note"]), success="已重新提交，等待初审" if returned else "已保存修改")
    if done.done:
        return redirect("honours:staff_nomination", nomination_id=n.pk)
    return render(request, "honours/staff/nomination_edit.html", {"n": n, "campaign": n.campaign, "form": form},
                  status=done.status)


@require_POST
@login_page
def nomination_withdraw(request, nomination_id):
    actor = request.user
    n = records.nomination_get_for_actor(actor=actor, pk=nomination_id)
    reason = clean_text(request.POST.get("reason"), 500)
    button_action(request, lambda: nsvc.nomination_withdraw(actor=actor, nomination=n, reason=reason),
                  f"已撤回推荐 {n.number}")
    return redirect("honours:staff_nomination", nomination_id=n.pk)


@login_page
def photo(request, nomination_id, file_id):
    n = records.nomination_get_for_actor(actor=request.user, pk=nomination_id)
    f = n.files.select_related("image").filter(pk=pk_or_404(file_id), image__isnull=False).first()
    return image_response(request, f.image if f else None, allowed=f is not None)


@login_page
def document(request, nomination_id, file_id):
    """A document, to someone who may read the nomination (the file name is random)."""
    n = records.nomination_get_for_actor(actor=request.user, pk=nomination_id)
    f = n.files.filter(pk=pk_or_404(file_id)).exclude(file="").first()
    response = attachment_response(f.file, f.file_name) if f else None
    if response is None:
        raise CoreError.NOT_FOUND.error()
    return response


# --- the nominate form ----------------------------------------------------------------------

def _node_label(node) -> str:
    return f"{node.name}（{node.code}）" if node.code else node.name


def _pick(items, raw):
    pk = parse_pk(raw)
    return next((i for i in items if i.pk == pk), None) if pk else None


@never_cache
@login_page
def nominate(request, campaign_id):
    """Nominate by node (in its own name) or by unit (a liaison's): the nominee, the story,
    the priority flag, consent, photos and documents. A finder above the form looks a
    volunteer up by name, pinyin or number in the nominator's scope."""
    actor = request.user
    c = campaign_for(request, campaign_id)
    nodes = reads.nominating_nodes(actor=actor, campaign=c)
    units = reads.nominating_units(actor=actor, campaign=c)
    if not nodes and not units:
        raise CoreError.FORBIDDEN.error()
    context = {"campaign": c, "open": c.stage == Stage.NOMINATING}
    if not context["open"]:  # the page says so; a POST is a conflict with the stage
        return render(request, "honours/staff/nominate.html", context, status=409 if request.method == "POST" else 200)
    ways = ([(NominatedBy.NODE, "以文明办/阵地名义推荐")] if nodes else []) + (
        [(NominatedBy.UNIT, "以文明单位名义推荐")] if units else [])
    kinds = [(k, NomineeKind(k).label) for k in c.category.nominee_kinds if k in NomineeKind.values]
    area_units, teams, places = reads.area_units(c), reads.area_teams(c), reads.area_places(c)
    # the finder: in the pool of one nominating node or unit
    pools = [(f"node-{n.pk}", _node_label(n)) for n in nodes] + [(f"unit-{u.pk}", u.name) for u in units]
    pool = request.GET.get("pool", "")
    pool = pool if pool in dict(pools) else pools[0][0]
    pool_node = _pick(nodes, pool[5:]) if pool.startswith("node-") else None
    pool_unit = _pick(units, pool[5:]) if pool.startswith("unit-") else None
    find = clean_text(request.GET.get("q"))
    found = reads.volunteer_search(actor=actor, campaign=c, text=find, node=pool_node, unit=pool_unit) if find else []
    initial = {"volunteer": clean_text(request.GET.get("pick"))}
    if initial["volunteer"]:
        initial |= {"kind": NomineeKind.VOLUNTEER} | (
            {"nominated_by": NominatedBy.NODE, "nominating_node": str(pool_node.pk)} if pool_node else
            {"nominated_by": NominatedBy.UNIT, "nominating_unit": str(pool_unit.pk)} if pool_unit else {})
    form = NominateForm(request.POST or None, request.FILES or None, priority_label=c.priority_label, ways=ways,
                        nodes=[(str(n.pk), _node_label(n)) for n in nodes], units=[(str(u.pk), u.name) for u in units],
                        kinds=kinds, unit_choices=[(str(u.pk), u.name) for u in area_units],
                        teams=[(str(t.pk), t.name) for t in teams], places=[(str(p.pk), p.name) for p in places],
                        initial=initial)

    def save(data):
        how, kind = data["nominated_by"], data["kind"]
        node = _pick(nodes, data["nominating_node"]) if how == NominatedBy.NODE else None
        unit = _pick(units, data["nominating_unit"]) if how == NominatedBy.UNIT else None
        values: dict = {}
        if kind == NomineeKind.VOLUNTEER:
            text = data["volunteer"]
            picked = reads.volunteer_pick(actor=actor, campaign=c, text=text, node=node, unit=unit)
            if not picked:
                raise W.VOLUNTEER_NOT_FOUND.error("volunteer", text=text)
            if len(picked) > 1:
                names = "、".join(f"{v.name}（{v.volunteer_no}，{v.home_node.name}）" for v in picked[:5])
                raise W.VOLUNTEER_AMBIGUOUS.error("volunteer", text=text, n=len(picked), names=names)
            values["volunteer"] = picked[0]
        elif kind == NomineeKind.UNIT:
            values["unit"] = _pick(area_units, data["unit"])
        elif kind == NomineeKind.TEAM:
            values["team"] = _pick(teams, data["team"])
        else:
            values |= {"name": data["name"], "id_number": data["id_number"], "phone": data["phone"],
                       "node": _pick(places, data["place"])}
        return nsvc.nomination_create(
            actor=actor, campaign=c, kind=kind, nominated_by=how, consent=data["consent"], nominating_unit=unit,
            nominating_node=node, photos=data["photos"], files=data["files"], title=data["title"],
            story=data["story"], priority=data["priority"], priority_note=data["priority_note"],
            work_unit=_pick(area_units, data["work_unit"]), **values)

    person = request.POST.get("kind") in (NomineeKind.RESIDENT, NomineeKind.FAMILY)
    aliases = {"node": "place", "file": "files", "recommenders": None, "name": "name" if person else None}
    done = form_submit(request, form, save, aliases=aliases,
                       success=lambda n: f"已提交推荐 {n.number}（{n.name}），等待初审")
    if done.done:
        return redirect("honours:staff_nomination", nomination_id=done.value.pk)
    context |= {"form": form, "pools": pools, "pool": pool, "find": find, "found": found,
                "searched": bool(find), "kinds": [k for k, _ in kinds]}
    return render(request, "honours/staff/nominate.html", context, status=done.status)
