"""Team pages (总队/支队/分队/小队): list as a tree, detail with members, create/edit, members."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import add_domain_error, form_submit, staff_required
from wenming.core.errors import CoreError, DomainError
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor
from wenming.orgs.selectors import node_get_for_actor

from . import selectors, team_services
from .errors import TeamError
from .forms import MemberAddForm, TeamForm
from .models import TeamLevel
from .page_selectors import (
    skill_by_code,
    team_choices_for_actor,
    team_tree_for_actor,
    volunteer_by_no_for_actor,
)

VIEW = (Perm.TEAM_VIEW,)


def _node_id(raw) -> int | None:
    return parse_pk(raw)


@staff_required(*VIEW, leaders=True)
def team_list(request):
    actor = request.user
    node_id = _node_id(request.GET.get("node"))
    node = node_get_for_actor(actor=actor, node_id=node_id) if node_id else None
    level = request.GET.get("level", "")
    level = level if level in TeamLevel.values else ""
    search = request.GET.get("q", "").strip()
    teams = team_tree_for_actor(actor=actor, node_id=node_id, level=level, search=search)
    return render(request, "volunteers/team_list.html", {
        "teams": teams, "node": node, "level": level, "q": search, "levels": TeamLevel.choices,
        "node_choices": node_choices_for_actor(actor=actor, exclude_kinds=[NodeKind.POINT, NodeKind.GRID],
                                               selected_id=node_id),
        "can_create": scope_for(actor).has(Perm.TEAM_EDIT),
    })


def _team_context(request, team, **extra) -> dict:
    return {
        "team": team,
        "members": list(selectors.team_members_for_actor(actor=request.user, team=team)),
        "can_edit": scope_for(request.user).allows(Perm.TEAM_EDIT, team.node.path),
        "member_form": MemberAddForm(),
        "children": list(selectors.team_list_for_actor(actor=request.user, parent_id=team.pk)),
        **extra,
    }


@staff_required(*VIEW, leaders=True)
def team_detail(request, team_id: int):
    team = selectors.team_get_for_actor(actor=request.user, team_id=team_id)
    return render(request, "volunteers/team_detail.html", _team_context(request, team))


def _form(request, post, initial=None, exclude_id=None) -> TeamForm:
    actor = request.user
    selected = (post.get("node") if post else (initial or {}).get("node")) or ""
    return TeamForm(post, initial=initial,
                    node_choices=node_choices_for_actor(actor=actor, exclude_kinds=[NodeKind.GRID],
                                                        selected_id=_node_id(str(selected))),
                    parent_choices=team_choices_for_actor(actor=actor, exclude_id=exclude_id))


def _resolve(request, data: dict) -> dict:
    """Form values → service arguments, every object looked up within the actor's scope."""
    actor = request.user
    try:
        node = node_get_for_actor(actor=actor, node_id=data["node"])
    except DomainError:
        raise TeamError.NODE_UNKNOWN.error("node") from None
    parent = None
    if data.get("parent"):
        try:
            parent = selectors.team_get_editable(actor=actor, team_id=data["parent"])
        except DomainError:
            raise TeamError.PARENT_SCOPE.error("parent") from None
    skill = skill_by_code(data.get("skill", ""))
    return {"name": data["name"], "level": data["level"], "kind": data["kind"], "node": node, "parent": parent,
            "description": data.get("description", ""), "skill": skill}


@staff_required(Perm.TEAM_EDIT)
def team_create(request):
    post = request.POST if request.method == "POST" else None
    node_id = _node_id(request.GET.get("node"))
    form = _form(request, post, initial={"node": node_id} if node_id else None)
    sent = form_submit(request, form, lambda d: team_services.team_create(actor=request.user, **_resolve(request, d)),
                       success=lambda team: f"已新建队伍“{team.name}”")
    if sent.done:
        return redirect("volunteers:team_detail", team_id=sent.value.pk)
    return render(request, "volunteers/team_form.html", {"form": form, "team": None}, status=sent.status)


@staff_required(Perm.TEAM_EDIT)
def team_edit(request, team_id: int):
    team = selectors.team_get_for_actor(actor=request.user, team_id=team_id)
    if not scope_for(request.user).allows(Perm.TEAM_EDIT, team.node.path):
        raise CoreError.FORBIDDEN.error()
    post = request.POST if request.method == "POST" else None
    initial = {"name": team.name, "level": team.level, "kind": team.kind, "node": team.node_id,
               "parent": team.parent_id, "skill": team.skill.code if team.skill_id else "",
               "description": team.description}
    form = _form(request, post, initial=None if post else initial, exclude_id=team.pk)
    status = 200
    if post is not None:
        status = 422
        if form.is_valid():
            try:
                team_services.team_update(actor=request.user, team=team, **_resolve(request, form.cleaned_data))
            except DomainError as exc:
                team = selectors.team_get_for_actor(actor=request.user, team_id=team_id)
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, "已保存")
                return redirect("volunteers:team_detail", team_id=team.pk)
    return render(request, "volunteers/team_form.html", {"form": form, "team": team}, status=status)


@require_POST
@staff_required(Perm.TEAM_EDIT)
def member_add(request, team_id: int):
    actor = request.user
    team = selectors.team_get_for_actor(actor=actor, team_id=team_id)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        vol = volunteer_by_no_for_actor(actor=actor, volunteer_no=form.cleaned_data["volunteer_no"])
        try:
            if vol is None:
                raise TeamError.MEMBER_UNKNOWN.error("volunteer_no")
            team_services.team_member_add(actor=actor, team=team, volunteer=vol, role=form.cleaned_data["role"])
        except DomainError as exc:
            add_domain_error(form, exc, {"volunteer": "volunteer_no"})
        else:
            messages.success(request, f"已将 {vol.name}（{vol.volunteer_no}）加入队伍")
            return redirect("volunteers:team_detail", team_id=team.pk)
    return render(request, "volunteers/team_detail.html", _team_context(request, team, member_form=form),
                  status=422)


@require_POST
@staff_required(Perm.TEAM_EDIT)
def member_remove(request, team_id: int, volunteer_id: int):
    actor = request.user
    team = selectors.team_get_for_actor(actor=actor, team_id=team_id)
    vol = selectors.volunteer_get_for_actor(actor=actor, volunteer_id=volunteer_id)
    try:
        team_services.team_member_remove(actor=actor, team=team, volunteer=vol)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已将 {vol.name} 移出队伍")
    return redirect("volunteers:team_detail", team_id=team.pk)
