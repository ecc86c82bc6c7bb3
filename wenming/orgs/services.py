"""Writes for the organisation tree and civilized units."""

import re

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError

from . import signals
from .errors import OrgError as E
from .models import KIND_RANK, Node, NodeKind, Unit
from .tree import encode_step, hold_paths

NODE_FIELDS = ["name", "kind", "code", "admin_code", "address", "lat", "lon", "contact_name", "contact_phone",
               "status"]
UNIT_FIELDS = ["name", "unit_type", "level", "node_id", "credit_code", "address", "contact_name",
               "contact_phone", "awarded_year"]


def _check_kind(parent: Node | None, kind: str) -> None:
    if kind not in NodeKind.values:
        raise E.KIND_INVALID.error("kind", value=kind)
    if parent is not None and KIND_RANK[kind] <= KIND_RANK[parent.kind]:
        raise E.KIND_NOT_ALLOWED.error("kind", parent=parent.name, parent_kind=parent.get_kind_display(),
                                       kind=NodeKind(kind).label)


def _check_fields(fields: dict) -> None:
    admin_code = fields.get("admin_code") or ""
    if admin_code and not re.fullmatch(r"\d{12}", admin_code):
        raise E.BAD_ADMIN_CODE.error("admin_code")
    for key, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        value = fields.get(key)
        if value is not None and not (low <= value <= high):
            raise E.BAD_COORDINATES.error(key)


def _next_child_path(parent: Node | None) -> tuple[str, int]:
    """Reserve the next path under `parent`. Call inside a transaction: the UPDATE locks the
    parent row, and its path is read back after it, so a move that committed since the
    caller loaded `parent` is seen. Roots take max + 1; a clash is retried by the caller."""
    if parent is None:
        last = Node.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        n = int(last, 36) + 1 if last else 1
        return encode_step(n), 1
    Node.objects.filter(pk=parent.pk).update(child_seq=F("child_seq") + 1)
    path, depth, seq = Node.objects.values_list("path", "depth", "child_seq").get(pk=parent.pk)
    return path + encode_step(seq), depth + 1


def node_create(*, actor, parent: Node | None, name: str, kind: str, code: str = "", **fields) -> Node:
    scope = scope_for(actor)
    if parent is None and not scope.is_global:
        raise E.ROOT_NEEDS_ADMIN.error()
    if parent is not None:
        if not scope.allows(Perm.NODE_EDIT, parent.path):
            raise CoreError.NOT_FOUND.error()
        if parent.archived_at:
            raise E.ARCHIVED_PARENT.error("parent", parent=parent.name)
    _check_kind(parent, kind)
    _check_fields(fields)
    for attempt in range(5):
        try:
            with transaction.atomic():
                path, depth = _next_child_path(parent)
                node = Node(parent=parent, name=name.strip(), kind=kind, path=path, depth=depth,
                            code=code.strip() or f"N{path}", **fields)
                node.save()
                audit_record(actor=actor, action="node.create", obj=node, node_path=node.path,
                             changes={"name": node.name, "kind": kind, "parent": parent.pk if parent else None})
            return node
        except IntegrityError:
            if code.strip() and Node.objects.filter(code=code.strip()).exists():
                raise E.CODE_TAKEN.error("code", code=code) from None
            if parent is not None or attempt == 4:
                raise
    raise AssertionError("unreachable")


def node_update(*, actor, node: Node, **changes) -> Node:
    if not scope_for(actor).allows(Perm.NODE_EDIT, node.path):
        raise CoreError.NOT_FOUND.error()
    if "kind" in changes:
        _check_kind(node.parent, changes["kind"])
        child_kinds = set(node.children.values_list("kind", flat=True))
        if any(KIND_RANK[k] <= KIND_RANK[changes["kind"]] for k in child_kinds):
            raise E.KIND_NOT_ALLOWED.error("kind", parent=node.name, parent_kind=NodeKind(changes["kind"]).label,
                                           kind="现有下级")
    _check_fields(changes)
    before = {f: getattr(node, f) for f in NODE_FIELDS}
    for key, value in changes.items():
        if key not in NODE_FIELDS:
            raise CoreError.INVALID_INPUT.error(key, detail=f"不能修改字段 {key}")
        setattr(node, key, value)
    diff = {f: [str(before[f]), str(getattr(node, f))] for f in NODE_FIELDS if before[f] != getattr(node, f)}
    try:
        with transaction.atomic():
            node.save()
            audit_record(actor=actor, action="node.update", obj=node, node_path=node.path, changes=diff)
    except IntegrityError:
        raise E.CODE_TAKEN.error("code", code=node.code) from None
    return node


def node_move(*, actor, node: Node, new_parent: Node) -> Node:
    """Move a node and its whole subtree under `new_parent`: one UPDATE rewrites every path."""
    scope = scope_for(actor)
    if not scope.allows(Perm.NODE_EDIT, node.path) or not scope.allows(Perm.NODE_EDIT, new_parent.path):
        raise CoreError.NOT_FOUND.error()
    if node.parent_id is None:
        raise E.ROOT_NEEDS_ADMIN.error()
    if new_parent.path.startswith(node.path):
        raise E.MOVE_INTO_SELF.error("parent")
    if new_parent.archived_at:
        raise E.ARCHIVED_PARENT.error("parent", parent=new_parent.name)
    _check_kind(new_parent, node.kind)
    with transaction.atomic():
        # One move at a time (and no month total is entered meanwhile: its count reads paths);
        # then re-read both — the paths the caller loaded may predate another move.
        hold_paths()
        node = Node.objects.get(pk=node.pk)
        new_parent = Node.objects.get(pk=new_parent.pk)
        if new_parent.path.startswith(node.path):
            raise E.MOVE_INTO_SELF.error("parent")
        old_parent = Node.objects.get(pk=node.parent_id)
        # dependents take their locks (before the node rows below) or refuse the move
        signals.subtree_moving.send(sender=Node, node=node, old_parent=old_parent, new_parent=new_parent)
        # lock both rows (a no-op on SQLite, where BEGIN IMMEDIATE already serializes writers)
        node = Node.objects.select_for_update().get(pk=node.pk)
        new_parent = Node.objects.select_for_update().get(pk=new_parent.pk)
        old_path, old_parent_id = node.path, node.parent_id
        # the dashboards' summaries: the subtree's totals leave the old ancestors, join the new
        from wenming.dashboards.summary import subtree_moved

        subtree_moved(node=node, old_parent_id=old_parent_id, new_parent_id=new_parent.pk)
        new_path, new_depth = _next_child_path(new_parent)
        delta = new_depth - node.depth
        Node.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
            depth=F("depth") + delta,
        )
        Node.objects.filter(pk=node.pk).update(parent=new_parent)
        node.refresh_from_db()
        signals.subtree_moved.send(sender=Node, node=node, old_path=old_path, old_parent=old_parent,
                                   new_parent=new_parent)
        audit_record(actor=actor, action="node.move", obj=node, node_path=node.path,
                     changes={"parent": [old_parent_id, new_parent.pk], "path": [old_path, node.path]})
    return node


def _lock_subtree(path: str) -> None:
    """Hold every node row under `path` (PostgreSQL FOR NO KEY UPDATE, in path order: an
    ancestor before its descendants, the same order for every caller) for the transaction,
    so archives and restores of overlapping subtrees run one after another and each sees
    the other's result; grid writers hold their grid row FOR SHARE (grids.figures.hold_grid)
    and are waited for. SQLite serializes writers anyway."""
    list(Node.objects.select_for_update(no_key=True).filter(path__startswith=path).order_by("path")
         .values_list("pk", flat=True))


def node_archive(*, actor, node: Node) -> int:
    """Archive a node and its subtree. Rows that refer to them stay; lists hide them."""
    if not scope_for(actor).allows(Perm.NODE_EDIT, node.path):
        raise CoreError.NOT_FOUND.error()
    with transaction.atomic():
        _lock_subtree(node.path)
        # the grids' coverage stocks: the grids this call archives leave the roll-up (read
        # after the lock, so what a concurrent restore or visit committed is counted)
        from wenming.grids.figures import grids_archived

        grids_archived(path=node.path, sign=-1)
        count = Node.objects.filter(path__startswith=node.path, archived_at__isnull=True).update(
            archived_at=timezone.now())
        audit_record(actor=actor, action="node.archive", obj=node, node_path=node.path,
                     changes={"archived_nodes": count})
    node.refresh_from_db()
    return count


def node_restore(*, actor, node: Node) -> int:
    """Bring back an archived subtree (not under an archived parent)."""
    if not scope_for(actor).allows(Perm.NODE_EDIT, node.path):
        raise CoreError.NOT_FOUND.error()
    with transaction.atomic():
        # the parent first (an archive of it holds it), then the subtree; then check again
        # what a concurrent archive or restore may have changed meanwhile
        parent = (Node.objects.select_for_update(no_key=True).filter(pk=node.parent_id).first()
                  if node.parent_id else None)
        _lock_subtree(node.path)
        node.refresh_from_db()
        if node.archived_at is None:
            raise E.NOT_ARCHIVED.error()
        if parent is not None and parent.archived_at:
            raise E.ARCHIVED_PARENT.error("parent", parent=parent.name)
        # the grids' coverage stocks: every archived grid under the path rejoins the roll-up
        from wenming.grids.figures import grids_archived

        grids_archived(path=node.path, sign=+1)
        count = Node.objects.filter(path__startswith=node.path).update(archived_at=None)
        audit_record(actor=actor, action="node.restore", obj=node, node_path=node.path,
                     changes={"restored_nodes": count})
    node.refresh_from_db()
    return count


def unit_create(*, actor, node: Node, name: str, unit_type: str, level: str, **fields) -> Unit:
    if not scope_for(actor).allows(Perm.UNIT_EDIT, node.path):
        raise CoreError.NOT_FOUND.error()
    unit = Unit(node=node, name=name.strip(), unit_type=unit_type, level=level, **fields)
    try:
        with transaction.atomic():
            unit.save()
            audit_record(actor=actor, action="unit.create", obj=unit, node_path=node.path,
                         changes={"name": unit.name})
    except IntegrityError:
        raise E.UNIT_NAME_TAKEN.error("name", name=unit.name) from None
    return unit


def unit_update(*, actor, unit: Unit, **changes) -> Unit:
    scope = scope_for(actor)
    if not scope.allows(Perm.UNIT_EDIT, unit.node.path):
        raise CoreError.NOT_FOUND.error()
    if "node" in changes and not scope.allows(Perm.UNIT_EDIT, changes["node"].path):
        raise CoreError.NOT_FOUND.error()
    before = {f: getattr(unit, f) for f in UNIT_FIELDS}
    for key, value in changes.items():
        setattr(unit, key, value)
    diff = {f: [str(before[f]), str(getattr(unit, f))] for f in UNIT_FIELDS if before[f] != getattr(unit, f)}
    try:
        with transaction.atomic():
            unit.save()
            audit_record(actor=actor, action="unit.update", obj=unit, node_path=unit.node.path, changes=diff)
    except IntegrityError:
        raise E.UNIT_NAME_TAKEN.error("name", name=unit.name) from None
    return unit


def unit_archive(*, actor, unit: Unit) -> Unit:
    if not scope_for(actor).allows(Perm.UNIT_EDIT, unit.node.path):
        raise CoreError.NOT_FOUND.error()
    with transaction.atomic():
        unit.archived_at = timezone.now()
        unit.save(update_fields=["archived_at", "updated_at"])
        audit_record(actor=actor, action="unit.archive", obj=unit, node_path=unit.node.path)
    return unit

