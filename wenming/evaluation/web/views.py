"""Pages of the evaluation for the office, inspectors and unit liaisons.

Every read goes through the scoped selectors (selectors/records.py), every write through
the services (which check the actor and the state again and audit). Inspectors work on a
phone at the site: a site's QR code opens the recording form for it."""

import re
import uuid
from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.core.decorators import button_action, form_submit, login_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.form_errors import join_messages
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk, pk_or_404
from wenming.core.uploads import image_response
from wenming.orgs.models import Unit
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm
from wenming.service.venue import venue_qr_svg

from ..access import EVAL_EDIT, EVAL_INSPECT, EVAL_VIEW, has, is_liaison, may, unit_ids
from ..export import scoreboard_workbook
from ..models import OWED, FindingStatus, Level, RoundStatus, Rule
from ..selectors import records, scoreboard
from ..services import campaigns, duties, inspections, rectification
from .forms import (
    AccountabilityForm,
    AnswerForm,
    CampaignForm,
    DutyForm,
    FindingForm,
    NoteForm,
    ReasonForm,
    RoundForm,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 20


def _campaign(request, campaign_id):
    return records.campaign_get_for_actor(actor=request.user, pk=campaign_id)


def _unit(request, unit_id) -> Unit:
    """A unit the viewer may look at: in their view scope, or their own."""
    unit = Unit.objects.select_related("node").filter(pk=pk_or_404(unit_id)).first()
    if unit is None or not (may(request.user, EVAL_VIEW, unit.node.path) or unit.pk in unit_ids(request.user)):
        raise CoreError.NOT_FOUND.error()
    return unit


def _active_campaign(request):
    """The campaign named in ?campaign=, else the actor's current one."""
    pk = parse_pk(request.GET.get("campaign"))
    if pk:
        return records.campaign_get_for_actor(actor=request.user, pk=pk)
    return records.campaign_current_for_actor(actor=request.user)


@never_cache
@login_page
def index(request):
    """The workbench: a liaison's tasks, an inspector's re-inspections and rounds, the office's
    overdue and escalated tasks; the campaigns the actor takes part in."""
    actor = request.user
    campaigns = list(records.campaigns_for_actor(actor=actor)[:20])
    if not campaigns and not is_liaison(actor) and not has(actor, EVAL_VIEW):
        raise CoreError.FORBIDDEN.error()
    campaign = _active_campaign(request) if campaigns else None
    context = {"campaigns": campaigns, "campaign": campaign, "liaison": is_liaison(actor),
               "inspector": has(actor, EVAL_INSPECT), "office": has(actor, EVAL_EDIT)}
    if campaign is not None:
        findings = records.findings_for_actor(actor=actor, campaign=campaign)
        if context["liaison"]:
            mine = unit_ids(actor)
            context["units"] = list(Unit.objects.filter(pk__in=mine))
            owed = findings.filter(status__in=OWED, routes__unit_id__in=mine).distinct()
            context["owed_count"] = owed.count()
            context["owed"] = list(owed.order_by("deadline")[:20])
            context["waiting"] = list(findings.filter(status=FindingStatus.ANSWERED, routes__unit_id__in=mine)
                                      .distinct()[:20])
            context["unit_boards"] = [(u, scoreboard.unit_board(campaign, u)) for u in context["units"]]
        if context["inspector"]:
            to_check = findings.filter(status=FindingStatus.ANSWERED)
            context["to_check_count"] = to_check.count()
            context["to_check"] = list(to_check.order_by("recorded_at")[:10])
            context["rounds"] = list(records.rounds_for_actor(actor=actor, campaign=campaign)
                                     .filter(status=RoundStatus.PLANNED).order_by("planned_on")[:10])
        if has(actor, EVAL_VIEW):
            context["overdue"] = list(findings.filter(status__in=OWED, overdue=True).order_by("deadline")[:5])
            node = records.board_node_for_actor(actor=actor, campaign=campaign)
            context["board_node"] = node
            context["board"] = scoreboard.node_board(campaign, node, trend=False)
    return render(request, "evaluation/index.html", context)


@never_cache
@login_page
def campaign_new(request):
    """A new campaign (then its tree and duty table by Excel, or a copy of last year's)."""
    actor = request.user
    if not has(actor, EVAL_EDIT):
        raise CoreError.NOT_FOUND.error()
    choices = node_choices_for_actor(actor=actor, perm=EVAL_EDIT, kinds=["province", "city", "county"])
    year = timezone.localdate().year
    form = CampaignForm(request.POST or None, node_choices=choices,
                        initial={"year": year, "starts_on": date(year, 1, 1), "ends_on": date(year, 12, 31)})

    def create(data):
        node = node_with_perm(actor=actor, perm=EVAL_EDIT, node_id=data["node"])
        if node is None:
            raise CoreError.NOT_FOUND.error("node")
        return campaigns.campaign_create(actor=actor, node=node, name=data["name"], year=data["year"],
                                         starts_on=data["starts_on"], ends_on=data["ends_on"])

    done = form_submit(request, form, create, success="已新建测评活动：请导入测评体系和责任分解表")
    if done.done:
        return redirect("evaluation:campaign", campaign_id=done.value.pk)
    return render(request, "evaluation/campaign_new.html", {"form": form}, status=done.status)


@require_POST
@login_page
def campaign_status(request, campaign_id):
    c = _campaign(request, campaign_id)
    status = request.POST.get("status", "")
    button_action(request, lambda: campaigns.campaign_set_status(actor=request.user, campaign=c, status=status),
                  "已更新测评活动状态")
    return redirect("evaluation:campaign", campaign_id=c.pk)


@never_cache
@login_page
def campaign(request, campaign_id):
    """A node's board: every indicator's score under its items and areas, the sub-systems,
    the trend over the campaign."""
    actor = request.user
    c = _campaign(request, campaign_id)
    if not has(actor, EVAL_VIEW):
        raise CoreError.NOT_FOUND.error()
    node = records.board_node_for_actor(actor=actor, campaign=c)
    wanted = node_with_perm(actor=actor, perm=EVAL_VIEW, node_id=request.GET.get("node"))
    if wanted is not None and wanted.path.startswith(c.node.path):
        node = wanted
    board = scoreboard.node_board(c, node)
    top = max([s for _, s in board.trend] + [board.main_full or 1])
    bars = [(m, s, int(s * 100 / top) if top else 0) for m, s in board.trend]
    # the levels a board is read at (not every point and grid of a city)
    children = node_choices_for_actor(actor=actor, perm=EVAL_VIEW, selected_id=node.pk,
                                      kinds=["province", "city", "county", "center", "subcenter", "institute",
                                             "station"])
    return render(request, "evaluation/campaign.html", {
        "campaign": c, "node": node, "board": board, "bars": bars, "node_choices": children,
        "office": may(actor, EVAL_EDIT, c.node.path), "inspector": has(actor, EVAL_INSPECT)})


@login_page
def board_export(request, campaign_id):
    c = _campaign(request, campaign_id)
    if not has(request.user, EVAL_VIEW):
        raise CoreError.NOT_FOUND.error()
    node = records.board_node_for_actor(actor=request.user, campaign=c)
    data = scoreboard_workbook(actor=request.user, campaign=c, node=node)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="scoreboard-{c.pk}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_page
def ranking(request, campaign_id):
    c = _campaign(request, campaign_id)
    if not has(request.user, EVAL_VIEW):
        raise CoreError.NOT_FOUND.error()
    node = records.board_node_for_actor(actor=request.user, campaign=c)
    ranked = scoreboard.unit_ranking(c, node)
    red, black = scoreboard.red_black(c, ranked)
    return render(request, "evaluation/ranking.html", {"campaign": c, "node": node, "ranking": ranked,
                                                       "red": red, "black": black})


@never_cache
@login_page
def duty_table(request, campaign_id):
    """The 责任分解表: each duty with the unit's open findings and score beside it. A liaison
    sees exactly their unit's rows."""
    actor = request.user
    c = _campaign(request, campaign_id)
    role = request.GET.get("role", "")
    unit_id = parse_pk(request.GET.get("unit"))
    qs = records.duties_for_actor(actor=actor, campaign=c, unit_id=unit_id, role=role if role in ("lead", "coop")
                                  else "")
    page = paginate(qs, request.GET.get("page", 1), 50)
    # each unit's score and open findings beside its rows: one read for the page's units
    summaries = {r.unit_id: r for r in scoreboard.unit_ranking(c, c.node, unit_ids=[d.unit_id for d in page.items])}
    for duty in page.items:
        duty.summary = summaries.get(duty.unit_id)
    office = may(actor, EVAL_EDIT, c.node.path)
    form = None
    if office:
        indicators = [(i.pk, f"{i.code} {i.name}") for i in records.indicators_of(c)
                      if i.level in (Level.INDICATOR, Level.DEDUCTION)]
        units = [(u.pk, u.name) for u in Unit.objects.filter(node__path__startswith=c.node.path,
                                                             archived_at__isnull=True).order_by("name")[:500]]
        form = DutyForm(request.POST or None, indicators=indicators, units=units)

        def save(data):
            return duties.duty_save(actor=actor, campaign=c, indicator=records.indicator_get(campaign=c,
                                                                                            pk=data["indicator"]),
                                    unit=_unit(request, data["unit"]), role=data["role"],
                                    head_name=data["head_name"], head_title=data["head_title"], plan=data["plan"],
                                    task_force=data["task_force"], due_on=data["due_on"])

        done = form_submit(request, form, save, success="已保存责任分解")
        if done.done:
            return redirect("evaluation:duties", campaign_id=c.pk)
    return render(request, "evaluation/duties.html", {"campaign": c, "page": page, "duties": page.items,
                                                      "form": form, "role": role, "unit_id": unit_id or ""},
                  status=422 if form is not None and form.errors else 200)


@login_page
def duty_plan(request, campaign_id, duty_id):
    """GET: the plan file; POST (the office): upload it."""
    c = _campaign(request, campaign_id)
    duty = records.duty_get_for_actor(actor=request.user, campaign=c, pk=duty_id)
    if request.method == "POST":
        button_action(request, lambda: duties.duty_plan_upload(actor=request.user, duty=duty,
                                                                upload=request.FILES.get("file")),
                      "已上传工作方案")
        return redirect(reverse("evaluation:duties", args=[c.pk]) + f"#duty-{duty.pk}")
    response = duties.duty_plan_response(duty)
    if response is None:
        raise CoreError.NOT_FOUND.error()
    return response


@never_cache
@login_page
def unit_board(request, campaign_id, unit_id):
    actor = request.user
    c = _campaign(request, campaign_id)
    unit = _unit(request, unit_id)
    board = scoreboard.unit_board(c, unit)
    findings = records.findings_for_actor(actor=actor, campaign=c, unit_id=unit.pk)[:50]
    office = may(actor, EVAL_EDIT, unit.node.path)
    form = AccountabilityForm(request.POST or None) if office else None
    if form is not None:
        done = form_submit(request, form, lambda d: rectification.accountability_record(
            actor=actor, campaign=c, unit=unit, kind=d["kind"], reason=d["reason"]), success="已记录问责")
        if done.done:
            return redirect("evaluation:unit_board", campaign_id=c.pk, unit_id=unit.pk)
    return render(request, "evaluation/unit_board.html", {
        "campaign": c, "unit": unit, "board": board, "findings": findings, "form": form,
        "accountability": records.accountability_for_actor(actor=actor, campaign=c).filter(unit=unit)[:50]})


@never_cache
@login_page
def sites(request):
    actor = request.user
    if not has(actor, EVAL_VIEW):
        raise CoreError.NOT_FOUND.error()
    search = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    page = paginate(records.sites_for_actor(actor=actor, search=search), request.GET.get("page", 1), PAGE_SIZE)
    return render(request, "evaluation/sites.html", {"page": page, "sites": page.items, "q": search})


@never_cache
@login_page
def site(request, site_id):
    actor = request.user
    s = records.site_get_for_actor(actor=actor, pk=site_id)
    link = request.build_absolute_uri(reverse("evaluation:site_code", args=[s.code]))
    findings = records.findings_for_actor(actor=actor).filter(site=s)[:30]
    return render(request, "evaluation/site.html", {"site": s, "qr": venue_qr_svg(link), "link": link,
                                                    "findings": findings,
                                                    "inspector": may(actor, EVAL_INSPECT, s.node.path)})


@login_page
def site_code(request, code):
    """Where a site's QR code leads: for an inspector, the recording form of their open round
    covering the site (or the choice of rounds); for others, the site's page."""
    actor = request.user
    s = records.site_by_code_for_actor(actor=actor, code=code)
    if not may(actor, EVAL_INSPECT, s.node.path):
        return redirect("evaluation:site", site_id=s.pk)
    rounds = [r for r in records.rounds_for_actor(actor=actor).filter(status=RoundStatus.PLANNED)
              .order_by("-planned_on", "-id")
              if s.node.path.startswith(r.node.path) and (not r.sites.exists() or r.sites.filter(pk=s.pk).exists())]
    if len(rounds) == 1:
        return redirect("evaluation:record", round_id=rounds[0].pk, site_id=s.pk)
    return render(request, "evaluation/site_rounds.html", {"site": s, "rounds": rounds})


@never_cache
@login_page
def rounds(request):
    actor = request.user
    if not has(actor, EVAL_INSPECT):
        raise CoreError.NOT_FOUND.error()
    campaign = _active_campaign(request)
    if campaign is None:
        return render(request, "evaluation/rounds.html", {"campaign": None})
    choices = node_choices_for_actor(actor=actor, perm=EVAL_INSPECT, selected_id=parse_pk(request.POST.get("node")))
    form = RoundForm(request.POST or None, node_choices=choices,
                     initial={"node": campaign.node.pk if may(actor, EVAL_INSPECT, campaign.node.path) else ""})

    def plan(data):
        node = node_with_perm(actor=actor, perm=EVAL_INSPECT, node_id=data["node"])
        if node is None:
            raise CoreError.NOT_FOUND.error("node")
        codes = [c for c in re.split(r"[\s,，;；、]+", data["site_codes"]) if c][:500]
        found = [records.site_by_code_for_actor(actor=actor, code=code) for code in dict.fromkeys(codes)]
        return inspections.round_plan(actor=actor, campaign=campaign, node=node, title=data["title"],
                                      planned_on=data["planned_on"], sites=found, announced=data["announced"])

    done = form_submit(request, form, plan, success="已安排督查", aliases={"sites": "site_codes"})
    if done.done:
        return redirect("evaluation:round", round_id=done.value.pk)
    return render(request, "evaluation/rounds.html", {
        "campaign": campaign, "form": form,
        "rounds": records.rounds_for_actor(actor=actor, campaign=campaign).order_by("-planned_on")[:50]},
        status=done.status)


@never_cache
@login_page
def round_page(request, round_id):
    actor = request.user
    rnd = records.round_get_for_actor(actor=actor, pk=round_id)
    planned = list(rnd.sites.select_related("site_type", "node"))
    search = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    if not planned or search:
        pool = records.sites_for_actor(actor=actor, search=search).filter(node__path__startswith=rnd.node.path)
        planned = planned if planned and not search else list(pool[:30])
    return render(request, "evaluation/round.html", {
        "round": rnd, "sites": planned, "q": search,
        "findings": rnd.findings.select_related("site", "indicator", "lead_unit").order_by("-recorded_at")[:100]})


@require_POST
@login_page
def round_finish(request, round_id):
    rnd = records.round_get_for_actor(actor=request.user, pk=round_id)
    button_action(request, lambda: inspections.round_finish(actor=request.user, rnd=rnd), "督查已结束")
    return redirect("evaluation:round", round_id=rnd.pk)


def _indicator_choices(campaign, site):
    """The site's indicators first (those checked at its type), then the rest."""
    inds = records.indicators_of(campaign)
    scored = [i for i in inds if i.level == Level.INDICATOR and i.rule == Rule.DEDUCT]
    at_type = [i for i in scored if site.site_type_id in {t.pk for t in i.site_types.all()}]
    rest = [i for i in scored if i not in at_type]
    deductions = [(d.pk, f"{d.code} {d.name}（扣 {d.deduct_points} 分）") for d in inds if d.level == Level.DEDUCTION]
    return ([(i.pk, f"{i.code} {i.name}") for i in at_type + rest], deductions)


@never_cache
@login_page
def record(request, round_id, site_id):
    """Record a finding at the site, on a phone: indicator, photos, text, points; the browser's
    position is checked against the site (pass/fail and distance only)."""
    actor = request.user
    rnd = records.round_get_for_actor(actor=actor, pk=round_id)
    s = records.site_get_for_actor(actor=actor, pk=site_id)
    indicators, deductions = _indicator_choices(rnd.campaign, s)
    form = FindingForm(request.POST or None, request.FILES or None, indicators=indicators, deductions=deductions,
                       initial={"submission": uuid.uuid4()})

    def save(data):
        c = rnd.campaign
        indicator = records.indicator_get(campaign=c, pk=data["indicator"])
        deduction = records.indicator_get(campaign=c, pk=data["deduction"]) if data["deduction"] else None
        return inspections.finding_record(actor=actor, rnd=rnd, site=s, indicator=indicator, deduction=deduction,
                                          description=data["description"], points=data["points"] or None,
                                          severity=data["severity"], photos=data["photos"],
                                          lat=data["lat"] or None, lon=data["lon"] or None,
                                          accuracy=data["accuracy"] or None, submission_id=data["submission"])

    done = form_submit(request, form, save, success=lambda f: f"已录入问题 {f.number}，已交办责任单位",
                       aliases={"lat": None, "lon": None})
    if done.done:
        return redirect("evaluation:finding", finding_id=done.value.pk)
    return render(request, "evaluation/record.html", {"round": rnd, "site": s, "form": form}, status=done.status)


@never_cache
@login_page
def findings(request):
    actor = request.user
    campaign = _active_campaign(request)
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    search = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    qs = records.findings_for_actor(actor=actor, campaign=campaign, status=status, overdue=overdue,
                                    repeat=request.GET.get("repeat") == "1", search=search,
                                    unit_id=parse_pk(request.GET.get("unit")))
    page = paginate(qs, request.GET.get("page", 1), PAGE_SIZE)
    return render(request, "evaluation/findings.html", {
        "campaign": campaign, "page": page, "findings": page.items, "status": status, "overdue": overdue, "q": search,
        "statuses": [("live", "未办结"), ("owed", "待整改"), (FindingStatus.ANSWERED, "待复查"),
                     (FindingStatus.ACCEPTED, "已整改"), (FindingStatus.WITHDRAWN, "已撤销")]})


@never_cache
@login_page
def finding(request, finding_id):
    actor = request.user
    f = records.finding_get_for_actor(actor=actor, pk=finding_id)
    inspector = records.may_inspect(actor, f)
    context = {"finding": f, "events": f.events.select_related("actor", "unit").prefetch_related("photos"),
               "routes": f.routes.select_related("unit"), "inspector": inspector,
               "may_answer": records.may_answer(actor, f),
               "answer_form": AnswerForm(), "return_form": ReasonForm(), "withdraw_form": ReasonForm(),
               "accept_form": NoteForm()}
    return render(request, "evaluation/finding.html", context)


def _finding_post(request, finding_id, form_class, action, success):
    actor = request.user
    f = records.finding_get_for_actor(actor=actor, pk=finding_id)
    form = form_class(request.POST, request.FILES or None)
    if form.is_valid():
        try:
            action(actor, f, form.cleaned_data)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, success)
    else:
        messages.error(request, join_messages(e for errs in form.errors.values() for e in errs))
    return redirect("evaluation:finding", finding_id=f.pk)


@require_POST
@login_page
def answer(request, finding_id):
    return _finding_post(request, finding_id, AnswerForm, lambda a, f, d: rectification.finding_answer(
        actor=a, finding=f, text=d["text"], photos=d["photos"]), "已提交整改，等待督查员复查")


@require_POST
@login_page
def accept(request, finding_id):
    return _finding_post(request, finding_id, NoteForm, lambda a, f, d: rectification.finding_accept(
        actor=a, finding=f, note=d["note"]), "复查通过，问题已办结")


@require_POST
@login_page
def return_(request, finding_id):
    return _finding_post(request, finding_id, ReasonForm, lambda a, f, d: rectification.finding_return(
        actor=a, finding=f, reason=d["reason"]), "已退回责任单位重新整改")


@require_POST
@login_page
def withdraw(request, finding_id):
    return _finding_post(request, finding_id, ReasonForm, lambda a, f, d: inspections.finding_withdraw(
        actor=a, finding=f, reason=d["reason"]), "问题已撤销（记录保留）")


@login_page
def photo(request, finding_id, photo_id):
    f = records.finding_get_for_actor(actor=request.user, pk=finding_id)
    p = f.photos.select_related("image").filter(pk=pk_or_404(photo_id)).first()
    image = p.image if p else None
    return image_response(request, image, allowed=image is not None)

