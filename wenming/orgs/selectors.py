"""Reads for nodes and units, filtered by the actor's scope."""

from django.db.models import Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError

from .models import Node, Unit
from .tree import ancestor_paths


def node_list_for_actor(*, actor, search: str = "", kind: str = "", parent_id: int | None = None,
                        under_id: int | None = None, include_archived: bool = False) -> QuerySet:
    qs = Node.objects.filter(scope_for(actor).q(Perm.NODE_VIEW, "path"))
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    if search:
        qs = qs.filter(Q(name__contains=search.strip()) | Q(code=search.strip()) | Q(admin_code=search.strip()))
    if kind:
        qs = qs.filter(kind=kind)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if under_id:
        base = Node.objects.filter(pk=under_id).values_list("path", flat=True).first()
        qs = qs.filter(path__startswith=base) if base else qs.none()
    return qs.order_by("path")


NODE_BY_KEY = f"SELECT * FROM {Node._meta.db_table} WHERE id = %s"


def node_get_for_actor(*, actor, node_id: int, with_parent: bool = True) -> Node:
    """A node the actor may see (node.view over its path; archived included), else 404.
    Looked up by key and checked against the scope in memory: the same rows as
    node_list_for_actor, without compiling its filter (hot on dashboards)."""
    if with_parent:
        node = Node.objects.select_related("parent").filter(pk=node_id).first()
    elif isinstance(node_id, int) and 0 < node_id < 2**63:  # a key the column can hold (raw SQL has no guard)
        # written out: the ORM's building of this one-row read cost more than running it
        node = next(iter(Node.objects.raw(NODE_BY_KEY, [node_id])), None)
    else:
        node = None
    if node is None or not scope_for(actor).allows(Perm.NODE_VIEW, node.path):
        raise CoreError.NOT_FOUND.error()
    return node


def node_path_for_actor(*, actor, node_id: int) -> str | None:
    """The path of a node the actor may see (archived included), for subtree filters; else None."""
    return node_list_for_actor(actor=actor, include_archived=True).filter(pk=node_id).values_list(
        "path", flat=True).first()


def node_roots_for_actor(*, actor) -> QuerySet:
    """The top of what the actor can see: its scope roots (or the real roots for an admin)."""
    scope = scope_for(actor)
    if scope.is_global:
        return Node.objects.filter(parent__isnull=True, archived_at__isnull=True).order_by("path")
    return Node.objects.filter(path__in=scope.paths(Perm.NODE_VIEW)).order_by("path")


def node_ancestors(node: Node) -> list[Node]:
    return list(Node.objects.filter(path__in=ancestor_paths(node.path)[:-1]).order_by("path"))


def node_public_list(*, kinds: list[str] | None = None, search: str = "") -> QuerySet:
    """Open, non-archived nodes anyone may pick (e.g. as a home node on self-registration)."""
    qs = Node.objects.filter(archived_at__isnull=True).exclude(status="closed")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if search:
        qs = qs.filter(name__contains=search.strip())
    return qs.order_by("path")


def unit_list_for_actor(*, actor, search: str = "", node_id: int | None = None, unit_type: str = "",
                        level: str = "", include_archived: bool = False) -> QuerySet:
    scope = scope_for(actor)
    q = scope.q(Perm.UNIT_VIEW, "node__path")
    own_units = [g.unit_id for g in scope.grants if g.unit_id]
    if own_units:
        q |= Q(pk__in=own_units)
    qs = Unit.objects.filter(q).select_related("node")
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    if search:
        qs = qs.filter(name__contains=search.strip())
    if node_id:
        base = node_path_for_actor(actor=actor, node_id=node_id)
        qs = qs.filter(node__path__startswith=base) if base else qs.none()
    if unit_type:
        qs = qs.filter(unit_type=unit_type)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("node__path", "name")


def unit_get_for_actor(*, actor, unit_id: int) -> Unit:
    unit = unit_list_for_actor(actor=actor, include_archived=True).filter(pk=unit_id).first()
    if unit is None:
        raise CoreError.NOT_FOUND.error()
    return unit
