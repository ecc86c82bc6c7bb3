"""Pages of civilized units as participants: the office list of units with their figures
(文明单位参与情况), a unit's page (volunteers, teams, pairings, figures for the year, call
answers, the annual review), and the liaison's forms — add a volunteer, link a team, add a
pairing, answer a 招募令 with a team. Reads go through selectors/units.py and
selectors/participation.py; writes through services/units.py."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import button_action, form_submit, login_page
from wenming.core.errors import CoreError
from wenming.core.pagination import Page, paginate
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import node_choices_for_actor
from wenming.orgs.selectors import node_get_for_actor

from ..access import EVAL_VIEW, unit_ids
from ..selectors import units as sel
from ..selectors.participation import (
    FIRST_YEAR,
    ORDERS,
    unit_annual_review,
    unit_campaign,
    unit_participation,
    units_participation_for_actor,
)
from ..services import units as services
from ..unit_errors import UnitError as UE
from .unit_forms import CallAnswerForm, ListFilterForm, MemberForm, PairingEndForm, PairingForm, TeamLinkForm

PAGE_SIZE = 50
MEMBERS_PAGE = 30
YEARS_SHOWN = 6


def _post(request):
    return request.POST if request.method == "POST" else None


def _years() -> list[int]:
    now = timezone.localdate().year
    return [y for y in range(now, now - YEARS_SHOWN, -1) if y >= FIRST_YEAR]


def _year_of(request) -> int:
    year = parse_pk(request.GET.get("year"))
    return year if year in _years() else timezone.localdate().year


def _unit(request, unit_id: str):
    return sel.unit_get_for_actor(actor=request.user, pk=unit_id)


def _managed(request, unit_id: str):
    return sel.unit_get_managed(actor=request.user, pk=unit_id)


def _back(unit):
    return redirect("evaluation:unit_detail", unit_id=unit.pk)


# ---- the office list ------------------------------------------------------------------------

@never_cache
@login_page
def unit_list(request):
    actor = request.user
    scope = scope_for(actor)
    readers = scope.has(Perm.UNIT_VIEW) or scope.has(EVAL_VIEW)
    mine = unit_ids(actor)
    if not readers:
        if len(mine) == 1:
            return redirect("evaluation:unit_detail", unit_id=mine[0])
        if not mine:
            raise CoreError.FORBIDDEN.error()
    node_choices = node_choices_for_actor(actor=actor, selected_id=parse_pk(request.GET.get("node"))) \
        if scope.has(Perm.NODE_VIEW) else []
    form = ListFilterForm(request.GET or None, years=_years(), node_choices=node_choices)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or timezone.localdate().year
    node = node_get_for_actor(actor=actor, node_id=data["node"]) if data.get("node") else None
    order = data.get("order") or ""
    rows = units_participation_for_actor(actor=actor, node=node, year=year, search=data.get("q") or "",
                                         order=order if order in ORDERS else "")
    page_no = parse_pk(request.GET.get("page")) or 1
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page_no = min(max(page_no, 1), pages)
    page = Page(rows[(page_no - 1) * PAGE_SIZE:page_no * PAGE_SIZE], len(rows), page_no, PAGE_SIZE)
    return render(request, "evaluation/unit_list.html", {"form": form, "page": page, "rows": page.items,
                                                          "year": year, "node": node})


# ---- a unit's page --------------------------------------------------------------------------

@never_cache
@login_page
def unit_detail(request, unit_id: str):
    actor = request.user
    unit = _unit(request, unit_id)
    year = _year_of(request)
    manage = sel.may_manage(actor, unit)
    campaign = unit_campaign(unit=unit, year=year)
    review = unit_annual_review(campaign=campaign, unit=unit) if campaign else None
    figures = review.participation if review else unit_participation(unit=unit, year=year)
    members = paginate(sel.members_of(unit), request.GET.get("page", 1), MEMBERS_PAGE)
    return render(request, "evaluation/unit_detail.html", {
        "unit": unit, "year": year, "years": _years(), "manage": manage, "area": sel.area_of(unit),
        "figures": figures, "review": review, "members": members, "teams": list(sel.teams_of(unit)),
        "pairings": sel.pairings_sorted(unit), "answers": list(sel.call_answers_of(unit)[:20]),
        "open_calls": sel.calls_for_unit(unit=unit).filter(answered=False).count() if manage else 0,
    })


# ---- members --------------------------------------------------------------------------------

@never_cache
@login_page
def unit_member_add(request, unit_id: str):
    actor = request.user
    unit = _managed(request, unit_id)
    by_number = scope_for(actor).has(Perm.VOLUNTEER_VIEW)
    form = MemberForm(_post(request), by_number=by_number)
    sent = form_submit(request, form, lambda d: services.member_add(
        actor=actor, unit=unit, volunteer_no=d.get("volunteer_no") or "", name=d["name"], phone=d["phone"],
        joined_on=d["joined_on"]), success=lambda m: f"已添加单位志愿者：{m.volunteer.name}",
        aliases={"volunteer_id": "volunteer_no", "volunteer": None})
    if sent.done:
        if "again" in request.POST:
            return redirect("evaluation:unit_member_add", unit_id=unit.pk)
        return _back(unit)
    return render(request, "evaluation/unit_form.html", {
        "unit": unit, "form": form, "title": "添加单位志愿者", "submit": "添加",
        "intro": "单位志愿者须已注册为志愿者。联络员请填写志愿者的姓名和注册手机号；"
                 "没有注册的职工，请先在“志愿者注册”页面实名注册。",
        "again": True}, status=sent.status)


@require_POST
@login_page
def unit_member_remove(request, unit_id: str, member_id: str):
    unit = _managed(request, unit_id)
    member = sel.member_get(unit=unit, pk=member_id)
    button_action(request, lambda: services.member_remove(actor=request.user, member=member),
                  f"已将{member.volunteer.name}移出本单位志愿者")
    return _back(unit)


# ---- teams ----------------------------------------------------------------------------------

@never_cache
@login_page
def unit_team_link(request, unit_id: str):
    actor = request.user
    unit = _managed(request, unit_id)
    teams = {t.pk: t for t in sel.team_candidates(actor=actor, unit=unit)}
    form = TeamLinkForm(_post(request), team_choices=[(str(t.pk), f"{t.name}（{t.node.name}）")
                                                      for t in teams.values()])

    def link(d):
        team = teams.get(d["team"])
        if team is None:
            raise UE.TEAM_NOT_ELIGIBLE.error("team")
        return services.team_link(actor=actor, unit=unit, team=team)

    sent = form_submit(request, form, link, success=lambda t: f"已关联志愿服务队：{t.team.name}")
    if sent.done:
        return _back(unit)
    return render(request, "evaluation/unit_form.html", {
        "unit": unit, "form": form, "title": "关联本单位志愿服务队", "submit": "关联", "empty": not teams,
        "intro": "可关联由本单位志愿者担任队长的队伍；工作人员还可关联本单位所在阵地及以下、由其管理的队伍。"
                 "一支队伍只能属于一个单位。队伍的服务项目和入户走访计入本单位的参与情况。"},
        status=sent.status)


@require_POST
@login_page
def unit_team_unlink(request, unit_id: str, team_id: str):
    unit = _managed(request, unit_id)
    link = sel.unit_team_get(unit=unit, team_pk=team_id)
    button_action(request, lambda: services.team_unlink(actor=request.user, link=link),
                  f"已取消关联：{link.team.name}")
    return _back(unit)


# ---- pairings -------------------------------------------------------------------------------

@never_cache
@login_page
def unit_pairing_add(request, unit_id: str):
    actor = request.user
    unit = _managed(request, unit_id)
    search = (request.GET.get("q") or "").replace("\x00", "")[:50]
    nodes = {n.pk: n for n in sel.pairing_node_choices(unit=unit, search=search)}
    choices = [(str(n.pk), f"{n.name}（{n.get_kind_display()}{'，' + n.parent.name if n.parent_id else ''}）")
               for n in nodes.values()]
    form = PairingForm(_post(request), node_choices=choices)

    def pair(d):
        node = nodes.get(d["node"])
        if node is None:
            raise UE.PAIRING_KIND.error("node")
        return services.pairing_add(actor=actor, unit=unit, node=node, started_on=d["started_on"], note=d["note"])

    sent = form_submit(request, form, pair, success=lambda p: f"已与{p.node.name}结对共建")
    if sent.done:
        return _back(unit)
    return render(request, "evaluation/unit_form.html", {
        "unit": unit, "form": form, "title": "新增联点共建", "submit": "结对", "search": search, "searchable": True,
        "intro": f"可与{sel.area_of(unit).name}范围内的村（社区）新时代文明实践站、实践点或网格结对共建。"},
        status=sent.status)


@require_POST
@login_page
def unit_pairing_end(request, unit_id: str, pairing_id: str):
    unit = _managed(request, unit_id)
    pairing = sel.pairing_get(unit=unit, pk=pairing_id)
    form = PairingEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写正确的结束日期")
        return _back(unit)
    button_action(request, lambda: services.pairing_end(actor=request.user, pairing=pairing,
                                                         ended_on=form.cleaned_data["ended_on"]),
                  f"已结束与{pairing.node.name}的结对共建")
    return _back(unit)


# ---- calls ----------------------------------------------------------------------------------

@never_cache
@login_page
def unit_calls(request, unit_id: str):
    unit = _unit(request, unit_id)
    return render(request, "evaluation/unit_calls.html", {
        "unit": unit, "calls": list(sel.calls_for_unit(unit=unit)[:100]), "manage": sel.may_manage(request.user, unit),
        "has_teams": sel.teams_of(unit).exists(), "area": sel.area_of(unit)})


@never_cache
@login_page
def unit_call_answer(request, unit_id: str, call_id: str):
    actor = request.user
    unit = _managed(request, unit_id)
    call = sel.call_for_unit(unit=unit, pk=call_id)
    links = {t.team_id: t for t in sel.teams_of(unit)}
    form = CallAnswerForm(_post(request), team_choices=[(str(pk), f"{t.team.name}（{t.member_count} 人）")
                                                        for pk, t in links.items()])

    def answer(d):
        link = links.get(d["team"])
        if link is None:
            raise UE.TEAM_NOT_LINKED.error("team", name="所选队伍")
        return services.unit_call_answer(actor=actor, unit=unit, call=call, team=link.team,
                                         headcount=d["headcount"], note=d["note"])

    sent = form_submit(request, form, answer,
                       success=lambda a: f"已响应招募令“{call.title}”，已通知 {a.told} 名队员自行报名"
                       + (f"；另有 {a.without_link} 名队员没有登录账号，需由发起阵地代为报名" if a.without_link else ""))
    if sent.done:
        return _back(unit)
    return render(request, "evaluation/unit_form.html", {
        "unit": unit, "form": form, "title": f"响应招募令：{call.title}", "submit": "响应招募令", "call": call,
        "empty": not links,
        "intro": "响应后，所选队伍的每名队员都会收到招募令和本人的报名链接，由队员自行报名；"
                 "名额有限，报满后进入候补。每个单位对同一招募令只能响应一次。"}, status=sent.status)
