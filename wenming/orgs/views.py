"""Pages for the node tree (阵地) and civilized units. Reads via selectors, writes via services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import add_domain_error, staff_required
from wenming.core.errors import CoreError, DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk

from . import services
from .forms import MoveForm, NodeForm, UnitFilterForm, UnitForm
from .page_selectors import (
    node_breadcrumbs,
    node_by_code_for_actor,
    node_children_for_actor,
    node_roots_with_counts,
    units_at_node,
)
from .selectors import node_get_for_actor, unit_get_for_actor, unit_list_for_actor

CHILD_PAGE_SIZE = 50


def _editable_node(request, node_id: int, perm: str = Perm.NODE_EDIT):
    """The node if visible (else 404) and editable by the actor (else 403)."""
    node = node_get_for_actor(actor=request.user, node_id=node_id)
    if not scope_for(request.user).allows(perm, node.path):
        raise CoreError.FORBIDDEN.error()
    return node


@staff_required(Perm.NODE_VIEW)
def tree(request):
    actor = request.user
    roots = list(node_roots_with_counts(actor=actor))
    # One root (the usual case for a station or county): show its next level straight away.
    children = list(node_children_for_actor(actor=actor, node=roots[0])[:CHILD_PAGE_SIZE]) if len(roots) == 1 else []
    return render(request, "orgs/tree.html", {"roots": roots, "children": children,
                                              "is_global": scope_for(actor).is_global,
                                              "can_import": scope_for(actor).has(Perm.NODE_EDIT)})


@staff_required(Perm.NODE_VIEW)
def node_detail(request, node_id: int):
    actor = request.user
    node = node_get_for_actor(actor=actor, node_id=node_id)
    scope = scope_for(actor)
    show_archived = request.GET.get("archived") == "1"
    children = paginate(node_children_for_actor(actor=actor, node=node, include_archived=show_archived),
                        request.GET.get("page", 1), CHILD_PAGE_SIZE)
    return render(request, "orgs/node_detail.html", {
        "node": node,
        "crumbs": node_breadcrumbs(actor=actor, node=node),
        "children": children,
        "show_archived": show_archived,
        "units": list(units_at_node(actor=actor, node=node)[:50]),
        "can_edit": scope.allows(Perm.NODE_EDIT, node.path),
        "can_edit_units": scope.allows(Perm.UNIT_EDIT, node.path),
        "can_see_volunteers": scope.allows(Perm.VOLUNTEER_VIEW, node.path),
        "can_see_teams": scope.allows(Perm.TEAM_VIEW, node.path),
        "parent_visible": node.parent_id is not None and scope.allows(Perm.NODE_VIEW, node.parent.path),
    })


@staff_required(Perm.NODE_EDIT)
def node_create(request, node_id: int | None = None):
    actor = request.user
    parent = _editable_node(request, node_id) if node_id else None
    if parent is None and not scope_for(actor).is_global:
        raise CoreError.FORBIDDEN.error()
    form = NodeForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            node = services.node_create(actor=actor, parent=parent, **form.create_kwargs())
        except DomainError as exc:
            add_domain_error(form, exc, {"parent": "kind"})
        else:
            messages.success(request, f"已新建阵地“{node.name}”")
            return redirect("orgs:node", node_id=node.pk)
    return render(request, "orgs/node_form.html", {"form": form, "parent": parent, "node": None},
                  status=422 if form.errors else 200)


@staff_required(Perm.NODE_EDIT)
def node_edit(request, node_id: int):
    actor = request.user
    node = _editable_node(request, node_id)
    form = NodeForm(request.POST or None, parent=node.parent, node=node)
    if request.method == "POST" and form.is_valid():
        try:
            services.node_update(actor=actor, node=node, **form.changes(node))
        except DomainError as exc:
            node.refresh_from_db()
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("orgs:node", node_id=node.pk)
    return render(request, "orgs/node_form.html", {"form": form, "parent": node.parent, "node": node},
                  status=422 if form.errors else 200)


@staff_required(Perm.NODE_EDIT)
def node_move(request, node_id: int):
    actor = request.user
    node = _editable_node(request, node_id)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_parent = node_by_code_for_actor(actor=actor, code=form.cleaned_data["parent_code"])
        if new_parent is None:
            form.add_error("parent_code", "未找到该编码的阵地，或不在您的管理范围内")
        else:
            try:
                services.node_move(actor=actor, node=node, new_parent=new_parent)
            except DomainError as exc:
                add_domain_error(form, exc, {"parent": "parent_code", "kind": "parent_code"})
            else:
                messages.success(request, f"已将“{node.name}”移动到“{new_parent.name}”之下")
                return redirect("orgs:node", node_id=node.pk)
    return render(request, "orgs/node_move.html", {"form": form, "node": node},
                  status=422 if form.errors else 200)


@require_POST
@staff_required(Perm.NODE_EDIT)
def node_archive(request, node_id: int):
    node = _editable_node(request, node_id)
    count = services.node_archive(actor=request.user, node=node)
    messages.success(request, f"已归档“{node.name}”及其下级，共 {count} 个阵地")
    return redirect("orgs:node", node_id=node.pk)


@require_POST
@staff_required(Perm.NODE_EDIT)
def node_restore(request, node_id: int):
    node = _editable_node(request, node_id)
    try:
        count = services.node_restore(actor=request.user, node=node)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已恢复“{node.name}”及其下级，共 {count} 个阵地")
    return redirect("orgs:node", node_id=node.pk)


@staff_required(Perm.UNIT_VIEW)
def unit_list(request):
    actor = request.user
    filters = UnitFilterForm(request.GET or None)
    f = filters.cleaned_data if filters.is_valid() else {}
    node = None
    node_id = parse_pk(request.GET.get("node"))
    if node_id is not None:
        node = node_get_for_actor(actor=actor, node_id=node_id)
    qs = unit_list_for_actor(actor=actor, search=f.get("q", ""), node_id=node.pk if node else None,
                             unit_type=f.get("unit_type", ""), level=f.get("level", ""))
    page = paginate(qs, request.GET.get("page", 1), 20)
    return render(request, "orgs/unit_list.html", {"filters": filters, "page": page, "node": node})


@staff_required(Perm.UNIT_EDIT)
def unit_create(request, node_id: int):
    node = _editable_node(request, node_id, Perm.UNIT_EDIT)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, node=node, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已新增文明单位“{unit.name}”")
            return redirect("orgs:node", node_id=node.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "node": node, "unit": None},
                  status=422 if form.errors else 200)


@staff_required(Perm.UNIT_EDIT)
def unit_edit(request, unit_id: int):
    actor = request.user
    unit = unit_get_for_actor(actor=actor, unit_id=unit_id)
    if not scope_for(actor).allows(Perm.UNIT_EDIT, unit.node.path):
        raise CoreError.FORBIDDEN.error()
    form = UnitForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=actor, unit=unit, **form.changes(unit))
        except DomainError as exc:
            unit.refresh_from_db()
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("orgs:node", node_id=unit.node_id)
    return render(request, "orgs/unit_form.html", {"form": form, "node": unit.node, "unit": unit},
                  status=422 if form.errors else 200)


@require_POST
@staff_required(Perm.UNIT_EDIT)
def unit_archive(request, unit_id: int):
    unit = unit_get_for_actor(actor=request.user, unit_id=unit_id)
    services.unit_archive(actor=request.user, unit=unit)
    messages.success(request, f"已归档文明单位“{unit.name}”")
    return redirect("orgs:node", node_id=unit.node_id)
