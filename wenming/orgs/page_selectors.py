"""Reads the organisation pages need, built on the scoped selectors in selectors.py."""

from django.db.models import Count, Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.params import parse_pk

from .models import Node
from .selectors import node_ancestors, node_list_for_actor, node_roots_for_actor, unit_list_for_actor

NODE_CHOICE_LIMIT = 300
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


def nodes_with_perm(*, actor, perm: str = Perm.NODE_VIEW, search: str = "",
                    include_archived: bool = False) -> QuerySet:
    """Nodes the actor sees where they also hold `perm` (project.edit: may publish there)."""
    qs = node_list_for_actor(actor=actor, search=search, include_archived=include_archived)
    return qs if perm == Perm.NODE_VIEW else qs.filter(scope_for(actor).q(perm, "path"))


def node_with_perm(*, actor, perm: str, node_id) -> Node | None:
    """One live node where the actor holds `perm`, by a raw id from a form or query string;
    None for bad input and out-of-scope alike."""
    pk = parse_pk(node_id)
    if pk is None:
        return None
    return nodes_with_perm(actor=actor, perm=perm).filter(pk=pk).first()


def node_choices_for_actor(*, actor, perm: str = Perm.NODE_VIEW, kinds: list[str] | None = None,
                           exclude_kinds: list[str] | None = None, search: str = "",
                           selected_id: int | None = None, strict_selected: bool = False,
                           limit: int = NODE_CHOICE_LIMIT) -> list[tuple[str, str]]:
    """(id, label) pairs for a node <select>: the live nodes where the actor holds `perm`,
    indented by depth and bounded, so a city's 3,000 nodes never land in one page (narrow
    with `search`).

    `selected_id` is kept even past the limit: with `strict_selected` only if it is itself a
    choice (a write target), otherwise any node the actor sees, archived too (a filter's
    current value).
    """
    def choices(search: str = "") -> QuerySet:
        qs = nodes_with_perm(actor=actor, perm=perm, search=search)
        if kinds:
            qs = qs.filter(kind__in=kinds)
        return qs.exclude(kind__in=exclude_kinds) if exclude_kinds else qs

    fields = ("pk", "name", "code", "depth")
    rows = list(choices(search).values_list(*fields)[:limit])
    if selected_id and selected_id not in {r[0] for r in rows}:
        pool = choices() if strict_selected else node_list_for_actor(actor=actor, include_archived=True)
        extra = pool.filter(pk=selected_id).values_list(*fields).first()
        if extra:
            rows.insert(0, extra)
    top = min((r[3] for r in rows), default=0)
    indent = "" if search else "\u3000"
    return [(str(pk), f"{indent * (depth - top)}{name}（{code}）") for pk, name, code, depth in rows]
