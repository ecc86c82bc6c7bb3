"""移风易俗 totals (issue 14): where an office has only a village's count for a month ("丧事简办
120 户") and not the households one by one, it enters that count beside the per-household
records — never counted twice.

How: a total T for (node, kind, month) covers the node's whole subtree. The figure of that
subtree, kind and month is max(T, R), R being the live per-household records in it: the
total's `remainder` = max(T − R, 0) is recorded as a `reform:<kind>` figure delta at the node,
beside the records' own +1s. Entering or changing T, and every record created, changed or
voided under the node, settles the remainder under the total's row lock (records registered
after the total first use up its remainder, then count on their own). A total of 0 removes
it. Totals never nest (one per kind and month on any path), so no household is covered by
two. Each write is audited.
"""

from calendar import monthrange
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.locks import xact_lock
from wenming.dashboards.summary import record
from wenming.orgs.closing import period_check_open
from wenming.orgs.models import Node
from wenming.orgs.tree import ancestor_paths, hold_paths, move_reach_q

from . import access
from .errors import CampaignError as E
from .figures import reform_metric
from .models import ReformKind, ReformRecord, ReformTotal
from .periods import parse_count, parse_period

MAX_TOTAL = 10_000_000


def _records_in(node: Node, kind: str, period: date) -> int:
    end = period.replace(day=monthrange(period.year, period.month)[1])
    return ReformRecord.objects.filter(node__path__startswith=node.path, kind=kind, occurred_on__gte=period,
                                       occurred_on__lte=end, voided_at__isnull=True).count()


def _settle(row: ReformTotal, **changes) -> None:
    """Recount the records under the (locked) total and move its remainder and figure; any
    `changes` (a new total, note, who) are written in the same UPDATE."""
    total = changes.get("total", row.total)
    remainder = max(total - _records_in(row.node, row.kind, row.period), 0)
    if remainder != row.remainder:
        record(node_id=row.node_id, metric=reform_metric(row.kind), delta=remainder - row.remainder, period=row.period)
    if changes or remainder != row.remainder:
        ReformTotal.objects.filter(pk=row.pk).update(remainder=remainder, updated_at=timezone.now(), **changes)
    row.remainder = remainder
    for field, value in changes.items():
        setattr(row, field, value)


def _lock(kind: str, month: date) -> None:
    """One writer at a time per kind and month, records and totals alike: a total entered while
    a record is being written under it sees that record (or the record's settle sees the
    total), and two nodes on one path cannot both enter a total (the nesting check)."""
    xact_lock(f"reform-total:{kind}:{month:%Y-%m}")


def reform_totals_lock(states) -> None:
    """A record writer, first in its transaction — before it writes any row pointing at a node
    (a node move holds those rows and then waits for these locks): the locks of the (kind,
    day) states its record leaves or enters, in a fixed order (two writers never cross)."""
    for kind, month in sorted({(kind, day.replace(day=1)) for kind, day in states}):
        _lock(kind, month)


def _locked_totals() -> QuerySet:
    # of=self: the total's row only, not its node's (which a move locks)
    return ReformTotal.objects.select_for_update(of=("self",)).select_related("node")


def reform_totals_settle(node: Node, kind: str, day: date) -> None:
    """A record under `node` of `kind` dated `day` was created, changed or voided (inside the
    caller's transaction, after its write): settle the total that covers it, if any."""
    month = day.replace(day=1)
    _lock(kind, month)
    path = Node.objects.values_list("path", flat=True).get(pk=node.pk)  # now: a move may have committed
    for row in _locked_totals().filter(kind=kind, period=month, node__path__in=ancestor_paths(path)):
        _settle(row)


def reform_total_set(*, actor, node: Node, kind, period, total, note: str = "") -> ReformTotal | None:
    """Enter (or change) the month's total of households for a kind at a node; 0 removes it.
    Returns the total, or None when removed."""
    access.check_node_edit(actor, node)
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=node.name)
    if kind not in ReformKind.values:
        raise E.REFORM_KIND_UNKNOWN.error("kind", value=str(kind)[:30])
    month = parse_period(period)
    count = parse_count(total, allow_zero=True)
    if count is None or count > MAX_TOTAL:
        raise E.REFORM_TOTAL_INVALID.error("total", limit=MAX_TOTAL)
    note = str(note or "").replace("\x00", "").strip()[:200]
    with transaction.atomic():
        hold_paths()  # no move until this total is settled: its count reads the subtree
        node.refresh_from_db(fields=["path"])
        period_check_open(node=node, day=month)  # not in a month the office has closed
        _lock(kind, month)
        nested = (ReformTotal.objects.filter(kind=kind, period=month)
                  .filter(Q(node__path__in=ancestor_paths(node.path)) | Q(node__path__startswith=node.path))
                  .exclude(node=node).select_related("node").first())
        if nested is not None:
            raise E.REFORM_TOTAL_NESTED.error("node_id", node=nested.node.name, period=f"{month:%Y年%m月}",
                                              kind=ReformKind(kind).label)
        row = _locked_totals().filter(node=node, kind=kind, period=month).first()
        if row is None and count:
            try:
                with transaction.atomic():
                    row = ReformTotal.objects.create(node=node, kind=kind, period=month, total=count, note=note,
                                                     entered_by=actor)
            except IntegrityError:  # a second tap created it a moment ago
                row = _locked_totals().get(node=node, kind=kind, period=month)
        before = row.total if row is not None else 0
        if row is not None:
            if count:
                _settle(row, total=count, note=note, entered_by=actor)
            else:  # removed: its remainder leaves the figure
                record(node_id=node.pk, metric=reform_metric(kind), delta=-row.remainder, period=month)
                row.delete()
                row = None
        if before or count:  # removing what was never there writes nothing
            audit_record(actor=actor, action="campaigns.reform_total", obj=node, node_path=node.path,
                         changes={"kind": kind, "period": f"{month:%Y-%m}", "total": [before, count], "note": note})
    return row


# ---- a subtree moves (orgs.signals) --------------------------------------------------------

def _reach(node: Node, old_parent: Node, new_parent: Node) -> Q:
    return move_reach_q("node__path", subtree=node.path, old_parent=old_parent.path, new_parent=new_parent.path)


def reform_totals_before_move(sender, *, node: Node, old_parent: Node, new_parent: Node, **kwargs) -> None:
    """Lock the kinds and months of the totals the move concerns (no total is entered meanwhile:
    node_move holds the paths), and refuse a move that would nest two totals."""
    for kind, month in sorted(set(ReformTotal.objects.filter(_reach(node, old_parent, new_parent))
                                  .values_list("kind", "period"))):
        _lock(kind, month)
    above = {(t.kind, t.period): t for t in ReformTotal.objects.select_related("node").filter(
        node__path__in=ancestor_paths(new_parent.path))}
    for inner in ReformTotal.objects.select_related("node").filter(node__path__startswith=node.path):
        outer = above.get((inner.kind, inner.period))
        if outer is not None:
            raise E.REFORM_TOTAL_MOVE_NESTS.error("parent", inner=inner.node.name, outer=outer.node.name,
                                                  period=f"{inner.period:%Y年%m月}", kind=inner.get_kind_display())


def reform_totals_after_move(sender, *, node: Node, old_path: str, old_parent: Node, new_parent: Node,
                             **kwargs) -> None:
    """The paths changed: every total the move concerns counts its records again."""
    for row in _locked_totals().filter(_reach(node, old_parent, new_parent)).order_by("pk"):
        _settle(row)
