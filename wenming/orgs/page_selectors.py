"""Reads the organisation pages need, built on the scoped selectors in selectors.py."""

from django.db.models import Count, Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for

from .models import Node
from .selectors import node_ancestors, node_list_for_actor, node_roots_for_actor, unit_list_for_actor

_LIVE_CHILDREN = Count("children", filter=Q(children__archived_at__isnull=True))


def node_roots_with_counts(*, actor) -> QuerySet:
    return node_roots_for_actor(actor=actor).annotate(child_count=_LIVE_CHILDREN)


def node_children_for_actor(*, actor, node: Node, include_archived: bool = False) -> QuerySet:
    return node_list_for_actor(actor=actor, parent_id=node.pk, include_archived=include_archived).annotate(
        child_count=_LIVE_CHILDREN)


def node_breadcrumbs(*, actor, node: Node) -> list[Node]:
    """Ancestors of `node`, but only those inside the actor's scope."""
    scope = scope_for(actor)
    return [a for a in node_ancestors(node) if scope.allows(Perm.NODE_VIEW, a.path)]


def node_by_code_for_actor(*, actor, code: str) -> Node | None:
    code = (code or "").strip()
    if not code:
        return None
    return node_list_for_actor(actor=actor).filter(code=code).first()


def units_at_node(*, actor, node: Node) -> QuerySet:
    """Units attached to this very node (not its subtree)."""
    return unit_list_for_actor(actor=actor, node_id=node.pk).filter(node_id=node.pk)


def node_choices_for_actor(*, actor, kinds: list[str] | None = None, exclude_kinds: list[str] | None = None,
                           search: str = "", selected_id: int | None = None,
                           limit: int = 300) -> list[tuple[str, str]]:
    """(id, label) pairs for a node <select>, indented by depth and bounded, so a city's
    3,000 nodes never land in one page (narrow with `search`)."""
    qs = node_list_for_actor(actor=actor, search=search)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if exclude_kinds:
        qs = qs.exclude(kind__in=exclude_kinds)
    fields = ("pk", "name", "code", "depth")
    rows = list(qs.values_list(*fields)[:limit])
    if selected_id and selected_id not in {r[0] for r in rows}:
        extra = node_list_for_actor(actor=actor, include_archived=True).filter(pk=selected_id).values_list(
            *fields).first()
        if extra:
            rows.insert(0, extra)
    top = min((r[3] for r in rows), default=0)
    indent = "" if search else "\u3000"
    return [(str(pk), f"{indent * (depth - top)}{name}（{code}）") for pk, name, code, depth in rows]
