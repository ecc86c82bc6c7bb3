"""Month totals beside per-record rows, never counted twice (issue 14) — the one mechanism
behind 移风易俗 totals (campaigns/reform_totals.py) and screening totals
(grids/screening_totals.py). Each app describes its totals with a `TotalsSpec`; this module
does the rest:

- a total T for (node, kind, month) covers the node's subtree; the figure is max(T, R), R
  being the live records of that kind and month under the node (`spec.records_in`); the
  total's `remainder` = max(T − R, 0) is recorded as a figure delta at the node;
- entering or changing T, every record written under the node (`settle_covering`) and every
  subtree move (`before_move` / `after_move`) settle the remainder under the total's row lock;
- one exclusive lock per kind and month (`lock`) orders totals against each other and
  against the record writers; totals never nest (one per kind and month on any path); a
  total of 0 removes it; a month an office has closed is refused; every write is audited.

The model of a spec has node, kind, period, total, remainder, note, entered_by, updated_at.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.errors import ErrorCode
from wenming.core.locks import xact_lock
from wenming.orgs.closing import period_check_open
from wenming.orgs.models import Node
from wenming.orgs.tree import ancestor_paths, hold_paths, move_reach_q

from .summary import record


@dataclass(frozen=True)
class TotalsSpec:
    model: type  # ReformTotal, ScreeningTotal
    lock_name: str  # "reform-total": the prefix of the kind-and-month locks
    metric: Callable[[str], str]  # kind → the figure the remainder is recorded in
    records_in: Callable[[Node, str, date], int]  # live records of a kind and month under a node
    kind_label: Callable[[str], str]
    audit_action: str
    nested: ErrorCode  # another total on the same path (node, period, kind)
    move_nests: ErrorCode  # a move would nest two (inner, outer, period, kind)


def lock_name(spec: TotalsSpec, kind: str, month: date) -> str:
    return f"{spec.lock_name}:{kind}:{month:%Y-%m}"


def lock(spec: TotalsSpec, kind: str, month: date) -> None:
    """One writer of totals (or a move) at a time per kind and month; record writers take the
    same name, exclusively or shared (see each app)."""
    xact_lock(lock_name(spec, kind, month))


def locked_totals(spec: TotalsSpec) -> QuerySet:
    # of=self: the total's row only, not its node's (which a move locks)
    return spec.model.objects.select_for_update(of=("self",)).select_related("node")


def settle(spec: TotalsSpec, row, **changes) -> None:
    """Recount the records under the (locked) total and move its remainder and figure; any
    `changes` (a new total, note, who) are written in the same UPDATE."""
    total = changes.get("total", row.total)
    remainder = max(total - spec.records_in(row.node, row.kind, row.period), 0)
    if remainder != row.remainder:
        record(node_id=row.node_id, metric=spec.metric(row.kind), delta=remainder - row.remainder, period=row.period)
    if changes or remainder != row.remainder:
        spec.model.objects.filter(pk=row.pk).update(remainder=remainder, updated_at=timezone.now(), **changes)
    row.remainder = remainder
    for field, value in changes.items():
        setattr(row, field, value)


def settle_covering(spec: TotalsSpec, node_id: int, kind: str, month: date) -> None:
    """A record at `node_id` of `kind` in `month` was written (inside the caller's transaction,
    after its write and its lock): settle the total that covers it, if any."""
    path = Node.objects.values_list("path", flat=True).get(pk=node_id)  # now: a move may have committed
    for row in locked_totals(spec).filter(kind=kind, period=month, node__path__in=ancestor_paths(path)):
        settle(spec, row)


def total_set(spec: TotalsSpec, *, actor, node: Node, kind: str, month: date, count: int, note: str,
              late_reason: str = ""):
    """Enter (or change) a checked month total; 0 removes it. Returns the total, or None.
    `late_reason`: the 补录说明 the caller checked (core/back_entry.py); the latest is kept."""
    note = str(note or "").replace("\x00", "").strip()[:200]
    with transaction.atomic():
        hold_paths()  # no move until this total is settled: its count reads the subtree
        node.refresh_from_db(fields=["path"])
        period_check_open(node=node, day=month)  # not in a month the office has closed
        lock(spec, kind, month)
        nested = (spec.model.objects.filter(kind=kind, period=month)
                  .filter(Q(node__path__in=ancestor_paths(node.path)) | Q(node__path__startswith=node.path))
                  .exclude(node=node).select_related("node").first())
        if nested is not None:
            raise spec.nested.error("node_id", node=nested.node.name, period=f"{month:%Y年%m月}",
                                    kind=spec.kind_label(kind))
        row = locked_totals(spec).filter(node=node, kind=kind, period=month).first()
        if row is None and count:
            try:
                with transaction.atomic():
                    row = spec.model.objects.create(node=node, kind=kind, period=month, total=count, note=note,
                                                    entered_by=actor, late_reason=late_reason)
            except IntegrityError:  # a second tap created it a moment ago
                row = locked_totals(spec).get(node=node, kind=kind, period=month)
        before = row.total if row is not None else 0
        if row is not None:
            if count:
                settle(spec, row, total=count, note=note, entered_by=actor, late_reason=late_reason)
            else:  # removed: its remainder leaves the figure
                record(node_id=node.pk, metric=spec.metric(kind), delta=-row.remainder, period=month)
                row.delete()
                row = None
        if before or count:  # removing what was never there writes nothing
            audit_record(actor=actor, action=spec.audit_action, obj=node, node_path=node.path,
                         changes={"kind": kind, "period": f"{month:%Y-%m}", "total": [before, count], "note": note}
                         | ({"late_reason": late_reason} if late_reason else {}))
    return row


# ---- a subtree moves (orgs.signals) --------------------------------------------------------

def _reach(node: Node, old_parent: Node, new_parent: Node) -> Q:
    return move_reach_q("node__path", subtree=node.path, old_parent=old_parent.path, new_parent=new_parent.path)


def before_move(spec: TotalsSpec, *, node: Node, old_parent: Node, new_parent: Node) -> None:
    """Lock the kinds and months of the totals the move concerns (no total is entered meanwhile:
    node_move holds the paths), and refuse a move that would nest two totals."""
    for kind, month in sorted(set(spec.model.objects.filter(_reach(node, old_parent, new_parent))
                                  .values_list("kind", "period"))):
        lock(spec, kind, month)
    above = {(t.kind, t.period): t for t in spec.model.objects.select_related("node").filter(
        node__path__in=ancestor_paths(new_parent.path))}
    for inner in spec.model.objects.select_related("node").filter(node__path__startswith=node.path):
        outer = above.get((inner.kind, inner.period))
        if outer is not None:
            raise spec.move_nests.error("parent", inner=inner.node.name, outer=outer.node.name,
                                        period=f"{inner.period:%Y年%m月}", kind=spec.kind_label(inner.kind))


def after_move(spec: TotalsSpec, *, node: Node, old_parent: Node, new_parent: Node) -> None:
    """The paths changed: every total the move concerns counts its records again."""
    for row in locked_totals(spec).filter(_reach(node, old_parent, new_parent)).order_by("pk"):
        settle(spec, row)
