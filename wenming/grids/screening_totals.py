"""Screening totals (排查总数, issue 14): where an office has only a month's count of the
door-to-door screening (“入户排查 3,200 户”, “排查企业场所 1,500 家”) and not one visit row
per household, it enters that count beside the visits — never counted twice.

The same rule as 移风易俗 totals (campaigns/reform_totals.py): a total T for (node, kind,
month) covers the node's subtree; the figure is max(T, R), R being the live records of the
month under the node — the HouseholdVisit rows for 入户走访 (metric `visits`, 户次), none for
企业场所 (metric `screened_sites`, 家: the total is the figure). The total's `remainder` =
max(T − R, 0) is recorded as a figure delta at the node. Entering or changing T, and every
visit recorded, corrected or voided under the node, settles the remainder under one lock per
kind and month (visits share it; a total or a move takes it alone). A total of 0 removes it. Totals never nest (one per kind and month on any
path). A subtree move settles the totals it concerns (orgs.signals, connected in apps.py) and
is refused when it would nest two. Each write is audited.

Who: the permission that records visits as staff — `demand.edit` over the node (office staff,
node managers); someone who only sees the node gets 403, anyone else 404.
"""

import re
import unicodedata
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.locks import xact_lock, xact_lock_shared
from wenming.dashboards.summary import record
from wenming.orgs.closing import period_check_open
from wenming.orgs.models import Node
from wenming.orgs.tree import ancestor_paths, hold_paths, move_reach_q

from .errors import GridError as E
from .figures import SCREENING_METRIC
from .models import HouseholdVisit, ScreeningKind, ScreeningTotal

MAX_TOTAL = 10_000_000
FIRST_MONTH = date(2000, 1, 1)
_MONTH = re.compile(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))")
_COUNT = re.compile(r"[0-9]{1,9}")


# ---- input --------------------------------------------------------------------------------

def parse_month(raw) -> date:
    """The first day of a month from 2025-03, 2025-3, 2025/03, 2025年3月, 202503 or a date;
    not before 2000-01 nor after this month."""
    if isinstance(raw, date):
        month = (raw.date() if isinstance(raw, datetime) else raw).replace(day=1)
    else:
        text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
        found = _MONTH.fullmatch(text) if len(text) <= 20 else None
        year, mm = (int(found.group(1)), int(found.group(2) or found.group(3))) if found else (0, 0)
        if year < FIRST_MONTH.year or not 1 <= mm <= 12:
            raise E.SCREENING_MONTH_INVALID.error("period", value=text[:20].replace("\x00", "") or "（空）")
        month = date(year, mm, 1)
    if month < FIRST_MONTH:
        raise E.SCREENING_MONTH_INVALID.error("period", value=f"{month:%Y-%m}")
    if month > timezone.localdate().replace(day=1):
        raise E.SCREENING_MONTH_FUTURE.error("period")
    return month


def _count(raw) -> int:
    """0…MAX_TOTAL from an int or digits typed in ("1,500", "１５００"); never a bool or "-3"."""
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
        raw = int(text) if _COUNT.fullmatch(text) else None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_TOTAL:
        raise E.SCREENING_TOTAL_INVALID.error("total", limit=MAX_TOTAL)
    return raw


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


def _settle(row: ScreeningTotal, **changes) -> None:
    """Recount the records under the (locked) total and move its remainder and figure; any
    `changes` (a new total, note, who) are written in the same UPDATE."""
    total = changes.get("total", row.total)
    remainder = max(total - _records_in(row.node, row.kind, row.period), 0)
    if remainder != row.remainder:
        record(node_id=row.node_id, metric=SCREENING_METRIC[row.kind], delta=remainder - row.remainder,
               period=row.period)
    if changes or remainder != row.remainder:
        ScreeningTotal.objects.filter(pk=row.pk).update(remainder=remainder, updated_at=timezone.now(), **changes)
    row.remainder = remainder
    for field, value in changes.items():
        setattr(row, field, value)


def _lock(kind: str, month: date) -> None:
    """A total being entered (or a move) excludes the visits of its kind and month and the
    other totals: a total entered while a visit is being written under it sees that visit (or
    the visit's settle sees the total), and two nodes on one path cannot both enter a total
    (the nesting check). Visit writers take the shared form (screening_totals_lock)."""
    xact_lock(f"screening-total:{kind}:{month:%Y-%m}")


def _locked_totals() -> QuerySet:
    # of=self: the total's row only, not its node's (which a move locks)
    return ScreeningTotal.objects.select_for_update(of=("self",)).select_related("node")


def screening_totals_lock(months) -> None:
    """A visit writer, first in its transaction — before it writes or holds any row of a node
    (a move holds those rows and then waits for these locks): the locks of the months its
    visit leaves or enters, in a fixed order. Shared: visits are many (a county knocks on
    245,000 doors) and do not wait for each other — two settling one total queue on its row
    lock, and each counts after the other committed — only for a total being entered or a
    move, which take the lock exclusively."""
    for month in sorted(set(months)):
        xact_lock_shared(f"screening-total:{ScreeningKind.HOUSEHOLDS}:{month:%Y-%m}")


def screening_totals_settle(grid_id: int, month: date) -> None:
    """A visit of the grid in `month` was recorded, corrected or voided (inside the caller's
    transaction, after its write and after `screening_totals_lock` for the month): settle the
    入户走访 total that covers it, if any."""
    path = Node.objects.values_list("path", flat=True).get(pk=grid_id)  # now: a move may have committed
    for row in _locked_totals().filter(kind=ScreeningKind.HOUSEHOLDS, period=month,
                                       node__path__in=ancestor_paths(path)):
        _settle(row)


# ---- entering a total -----------------------------------------------------------------------

def screening_total_set(*, actor, node: Node, kind, period, total, note: str = "") -> ScreeningTotal | None:
    """Enter (or change) a month's screening count of a kind at a node; 0 removes it. Returns
    the total, or None when removed."""
    check_screening_edit(actor, node)
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=node.name)
    if kind not in ScreeningKind.values:
        raise E.SCREENING_KIND_UNKNOWN.error("kind", value=str(kind)[:30].replace("\x00", ""))
    month = parse_month(period)
    count = _count(total)
    note = str(note or "").replace("\x00", "").strip()[:200]
    with transaction.atomic():
        hold_paths()  # no move until this total is settled: its count reads the subtree
        node.refresh_from_db(fields=["path"])
        period_check_open(node=node, day=month)  # not in a month the office has closed
        _lock(kind, month)
        nested = (ScreeningTotal.objects.filter(kind=kind, period=month)
                  .filter(Q(node__path__in=ancestor_paths(node.path)) | Q(node__path__startswith=node.path))
                  .exclude(node=node).select_related("node").first())
        if nested is not None:
            raise E.SCREENING_TOTAL_NESTED.error("node_id", node=nested.node.name, period=f"{month:%Y年%m月}",
                                                 kind=ScreeningKind(kind).label)
        row = _locked_totals().filter(node=node, kind=kind, period=month).first()
        if row is None and count:
            try:
                with transaction.atomic():
                    row = ScreeningTotal.objects.create(node=node, kind=kind, period=month, total=count, note=note,
                                                        entered_by=actor)
            except IntegrityError:  # a second tap created it a moment ago
                row = _locked_totals().get(node=node, kind=kind, period=month)
        before = row.total if row is not None else 0
        if row is not None:
            if count:
                _settle(row, total=count, note=note, entered_by=actor)
            else:  # removed: its remainder leaves the figure
                record(node_id=node.pk, metric=SCREENING_METRIC[kind], delta=-row.remainder, period=month)
                row.delete()
                row = None
        if before or count:  # removing what was never there writes nothing
            audit_record(actor=actor, action="grids.screening_total", obj=node, node_path=node.path,
                         changes={"kind": kind, "period": f"{month:%Y-%m}", "total": [before, count], "note": note})
    return row


# ---- a subtree moves (orgs.signals) --------------------------------------------------------

def _reach(node: Node, old_parent: Node, new_parent: Node) -> Q:
    return move_reach_q("node__path", subtree=node.path, old_parent=old_parent.path, new_parent=new_parent.path)


def screening_totals_before_move(sender, *, node: Node, old_parent: Node, new_parent: Node, **kwargs) -> None:
    """Lock the kinds and months of the totals the move concerns (no total is entered meanwhile:
    node_move holds the paths), and refuse a move that would nest two totals."""
    for kind, month in sorted(set(ScreeningTotal.objects.filter(_reach(node, old_parent, new_parent))
                                  .values_list("kind", "period"))):
        _lock(kind, month)
    above = {(t.kind, t.period): t for t in ScreeningTotal.objects.select_related("node").filter(
        node__path__in=ancestor_paths(new_parent.path))}
    for inner in ScreeningTotal.objects.select_related("node").filter(node__path__startswith=node.path):
        outer = above.get((inner.kind, inner.period))
        if outer is not None:
            raise E.SCREENING_TOTAL_MOVE_NESTS.error("parent", inner=inner.node.name, outer=outer.node.name,
                                                     period=f"{inner.period:%Y年%m月}",
                                                     kind=inner.get_kind_display())


def screening_totals_after_move(sender, *, node: Node, old_path: str, old_parent: Node, new_parent: Node,
                                **kwargs) -> None:
    """The paths changed: every total the move concerns counts its visits again."""
    for row in _locked_totals().filter(_reach(node, old_parent, new_parent)).order_by("pk"):
        _settle(row)
