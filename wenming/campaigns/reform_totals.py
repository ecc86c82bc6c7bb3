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
two. Each write is audited. The mechanism is shared with screening totals
(dashboards/subtree_totals.py); this module says what 移风易俗 totals count.

补录 (core/back_entry.py): a month's total entered more than a week after the month ended
needs a `late_reason`; the latest one given is kept on the total and in its audit row.
"""

from calendar import monthrange
from datetime import date

from wenming.core.back_entry import late_reason_for_month
from wenming.dashboards import subtree_totals as totals
from wenming.orgs.models import Node

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


SPEC = totals.TotalsSpec(model=ReformTotal, lock_name="reform-total", metric=reform_metric, records_in=_records_in,
                         kind_label=lambda kind: ReformKind(kind).label, audit_action="campaigns.reform_total",
                         nested=E.REFORM_TOTAL_NESTED, move_nests=E.REFORM_TOTAL_MOVE_NESTS)


def reform_totals_lock(states) -> None:
    """A record writer, first in its transaction — before it writes any row pointing at a node
    (a node move holds those rows and then waits for these locks): the locks of the (kind,
    day) states its record leaves or enters, in a fixed order (two writers never cross). One
    writer at a time per kind and month, records and totals alike: a total entered while a
    record is being written under it sees that record (or the record's settle sees the total)."""
    for kind, month in sorted({(kind, day.replace(day=1)) for kind, day in states}):
        totals.lock(SPEC, kind, month)


def reform_totals_settle(node: Node, kind: str, day: date) -> None:
    """A record under `node` of `kind` dated `day` was created, changed or voided (inside the
    caller's transaction, after its write): settle the total that covers it, if any."""
    month = day.replace(day=1)
    totals.lock(SPEC, kind, month)
    totals.settle_covering(SPEC, node.pk, kind, month)


def reform_total_set(*, actor, node: Node, kind, period, total, note: str = "",
                     late_reason: str = "") -> ReformTotal | None:
    """Enter (or change) the month's total of households for a kind at a node; 0 removes it.
    Returns the total, or None when removed. A month over a week past (补录 from paper tallies)
    needs `late_reason`; nothing is written without it."""
    access.check_node_edit(actor, node)
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=node.name)
    if kind not in ReformKind.values:
        raise E.REFORM_KIND_UNKNOWN.error("kind", value=str(kind)[:30])
    month = parse_period(period)
    count = parse_count(total, allow_zero=True)
    if count is None or count > MAX_TOTAL:
        raise E.REFORM_TOTAL_INVALID.error("total", limit=MAX_TOTAL)
    reason = late_reason_for_month(month, late_reason)
    return totals.total_set(SPEC, actor=actor, node=node, kind=kind, month=month, count=count, note=note,
                            late_reason=reason)


# ---- a subtree moves (orgs.signals, connected in apps.py) ----------------------------------

def reform_totals_before_move(sender, *, node: Node, old_parent: Node, new_parent: Node, **kwargs) -> None:
    totals.before_move(SPEC, node=node, old_parent=old_parent, new_parent=new_parent)


def reform_totals_after_move(sender, *, node: Node, old_path: str, old_parent: Node, new_parent: Node,
                             **kwargs) -> None:
    totals.after_move(SPEC, node=node, old_parent=old_parent, new_parent=new_parent)
