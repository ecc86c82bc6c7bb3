"""Screening totals (排查总数, issue 14): where an office has only a month's count of the
door-to-door screening (“入户排查 3,200 户”, “排查企业场所 1,500 家”) and not one visit row
per household, it enters that count beside the visits — never counted twice.

The same rule and mechanism as 移风易俗 totals (dashboards/subtree_totals.py): a total T for (node, kind,
month) covers the node's subtree; the figure is max(T, R), R being the live records of the
month under the node — the HouseholdVisit rows for 入户走访 (metric `visits`, 户次), none for
企业场所 (metric `screened_sites`, 家: the total is the figure). The total's `remainder` =
max(T − R, 0) is recorded as a figure delta at the node. Entering or changing T, and every
visit recorded, corrected or voided under the node, settles the remainder under one lock per
kind and month (visits share it; a total or a move takes it alone). A total of 0 removes it. Totals never nest (one per kind and month on any
path). A total entered more than LATE_DAYS after its month ended is a back-entry (补录) and
needs a reason (core/back_entry.py). A subtree move settles the totals it concerns (orgs.signals, connected in apps.py) and
is refused when it would nest two. Each write is audited.

Who: the permission that records visits as staff — `demand.edit` over the node (office staff,
node managers); someone who only sees the node gets 403, anyone else 404.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.back_entry import late_reason_for_month
from wenming.core.errors import CoreError
from wenming.core.locks import xact_lock_shared
from wenming.core.typed_input import count_from, month_from, shown
from wenming.dashboards import subtree_totals as totals
from wenming.orgs.models import Node

from .errors import GridError as E
from .figures import SCREENING_METRIC
from .models import HouseholdVisit, ScreeningKind, ScreeningTotal

MAX_TOTAL = 10_000_000


# ---- input --------------------------------------------------------------------------------

def parse_month(raw) -> date:
    """The first day of a month (core.typed_input.month_from), not after this month."""
    month = month_from(raw)
    if month is None:
        raise E.SCREENING_MONTH_INVALID.error("period", value=shown(raw))
    if month > timezone.localdate().replace(day=1):
        raise E.SCREENING_MONTH_FUTURE.error("period")
    return month


def _count(raw) -> int:
    """0…MAX_TOTAL (core.typed_input.count_from); never a bool or "-3"."""
    count = count_from(raw, limit=MAX_TOTAL, allow_zero=True)
    if count is None:
        raise E.SCREENING_TOTAL_INVALID.error("total", limit=MAX_TOTAL)
    return count


def check_screening_edit(actor, node: Node) -> None:
    scope = scope_for(actor)
    if not scope.allows(Perm.DEMAND_EDIT, node.path):
        raise (CoreError.FORBIDDEN if scope.allows(Perm.NODE_VIEW, node.path) else CoreError.NOT_FOUND).error()


# ---- settling -------------------------------------------------------------------------------

def _month_span(month: date) -> tuple[datetime, datetime]:
    """The month in local time, as the `visits` figure counts it (figures.month_of)."""
    following = (month + timedelta(days=32)).replace(day=1)
    return (timezone.make_aware(datetime.combine(month, time.min)),
            timezone.make_aware(datetime.combine(following, time.min)))


def _records_in(node: Node, kind: str, month: date) -> int:
    if kind != ScreeningKind.HOUSEHOLDS:
        return 0  # businesses and sites have no per-record rows
    start, end = _month_span(month)
    return HouseholdVisit.objects.filter(grid__path__startswith=node.path, voided_at__isnull=True,
                                         visited_at__gte=start, visited_at__lt=end).count()


SPEC = totals.TotalsSpec(model=ScreeningTotal, lock_name="screening-total", metric=SCREENING_METRIC.__getitem__,
                         records_in=_records_in, kind_label=lambda kind: ScreeningKind(kind).label,
                         audit_action="grids.screening_total", nested=E.SCREENING_TOTAL_NESTED,
                         move_nests=E.SCREENING_TOTAL_MOVE_NESTS)


def screening_totals_lock(months) -> None:
    """A visit writer, first in its transaction — before it writes or holds any row of a node
    (a move holds those rows and then waits for these locks): the locks of the months its
    visit leaves or enters, in a fixed order. Shared: visits are many (a county knocks on
    245,000 doors) and do not wait for each other — two settling one total queue on its row
    lock, and each counts after the other committed — only for a total being entered or a
    move, which take the lock exclusively."""
    for month in sorted(set(months)):
        xact_lock_shared(totals.lock_name(SPEC, ScreeningKind.HOUSEHOLDS, month))


def screening_totals_settle(grid_id: int, month: date) -> None:
    """A visit of the grid in `month` was recorded, corrected or voided (inside the caller's
    transaction, after its write and after `screening_totals_lock` for the month): settle the
    入户走访 total that covers it, if any."""
    totals.settle_covering(SPEC, grid_id, ScreeningKind.HOUSEHOLDS, month)


# ---- entering a total -----------------------------------------------------------------------

def screening_total_set(*, actor, node: Node, kind, period, total, note: str = "",
                        late_reason: str = "") -> ScreeningTotal | None:
    """Enter (or change) a month's screening count of a kind at a node; 0 removes it. Returns
    the total, or None when removed. Entered more than LATE_DAYS after the month's last day,
    it is a back-entry (补录, core/back_entry.py) and needs `late_reason`: nothing is written
    without it; the latest one given is kept on the row and in its audit row."""
    check_screening_edit(actor, node)
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=node.name)
    if kind not in ScreeningKind.values:
        raise E.SCREENING_KIND_UNKNOWN.error("kind", value=str(kind)[:30].replace("\x00", ""))
    month = parse_month(period)
    count = _count(total)
    reason = late_reason_for_month(month, late_reason)
    return totals.total_set(SPEC, actor=actor, node=node, kind=kind, month=month, count=count, note=note,
                            late_reason=reason)


# ---- a subtree moves (orgs.signals, connected in apps.py) ----------------------------------

def screening_totals_before_move(sender, *, node: Node, old_parent: Node, new_parent: Node, **kwargs) -> None:
    totals.before_move(SPEC, node=node, old_parent=old_parent, new_parent=new_parent)


def screening_totals_after_move(sender, *, node: Node, old_path: str, old_parent: Node, new_parent: Node,
                                **kwargs) -> None:
    totals.after_move(SPEC, node=node, old_parent=old_parent, new_parent=new_parent)
