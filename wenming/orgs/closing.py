"""统计期关账 (issue 14): after its report, an office closes the period (whole months that are
over) for its subtree. From then on, every service that enters, changes or voids a record
dated in a closed month under that office — service hours, visits and screening totals, 移风易俗
records and totals, tallies, hotline paper logs, party check-ins — calls `period_check_open`
and is refused with `orgs.period_closed`, until the office reopens the period with a reason.
Closing and reopening are audited; the closings of a node's ancestors apply to it.

A write and the closing of its month do not interleave: each write takes a shared lock on
its month's name (writers of a month do not wait for each other), the closing takes it
exclusively for every month it closes, so it waits for writes in flight and the writes after
it see it (PostgreSQL advisory locks; SQLite serializes writers anyway).
"""

from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.locks import xact_lock, xact_lock_shared

from .errors import OrgError as E
from .models import Node, PeriodClosing
from .tree import ancestor_paths

EARLIEST = date(2000, 2, 1)
MAX_MONTHS = 120


def _month(value) -> date | None:
    """A date (its month) or "YYYY-MM"; None for anything else."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value or "")[:7]
    year, _, month = text.partition("-")
    if not (year.isascii() and year.isdigit() and len(year) == 4 and month.isascii() and month.isdigit()):
        return None
    return date(int(year), int(month), 1) if 1 <= int(month) <= 12 else None


def _months(since: date, until: date) -> list[date]:
    out, m = [], since
    while m <= until:
        out.append(m)
        m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    return out


def _lock_name(month: date) -> str:
    return f"period:{month:%Y-%m}"


def closing_for(path: str, day: date) -> PeriodClosing | None:
    """The closing in force over `path` (its own or an ancestor's) for the month of `day`."""
    month = day.replace(day=1)
    return (PeriodClosing.objects.filter(node__path__in=ancestor_paths(path), since__lte=month, until__gte=month,
                                         reopened_at__isnull=True).select_related("node").first())


def closings_over(node: Node, since: date, until: date) -> list[PeriodClosing]:
    """The closings in force over `node` (its own or its ancestors') that touch the months
    `since` to `until`: what a report page says about its period."""
    return list(PeriodClosing.objects.filter(node__path__in=ancestor_paths(node.path), since__lte=until,
                                             until__gte=since, reopened_at__isnull=True)
                .select_related("node").order_by("since"))


def period_check_open(*, node: Node | str, day: date) -> None:
    """In a writer's transaction, before it writes a record dated `day` at `node` (or a path):
    refuse when the month is closed there."""
    month = (day.date() if hasattr(day, "date") else day).replace(day=1)
    xact_lock_shared(_lock_name(month))
    closing = closing_for(node if isinstance(node, str) else node.path, month)
    if closing is not None:
        raise E.PERIOD_CLOSED.error(period=f"{month.year}年{month.month}月", office=closing.node.name,
                                    closed_on=f"{timezone.localdate(closing.closed_at):%Y-%m-%d}")


def _check(actor, node: Node) -> None:
    scope = scope_for(actor)
    if not scope.allows(Perm.PERIOD_CLOSE, node.path):
        raise (CoreError.FORBIDDEN if scope.allows(Perm.NODE_VIEW, node.path) else CoreError.NOT_FOUND).error()


def period_close(*, actor, node: Node, since, until, note: str = "") -> PeriodClosing:
    """Close whole months that are over, `since` to `until` ("YYYY-MM" or dates), for `node`'s
    subtree."""
    _check(actor, node)
    first, last = _month(since), _month(until)
    this_month = timezone.localdate().replace(day=1)
    if first is None or last is None or first > last or first < EARLIEST or last >= this_month \
            or len(_months(first, last)) > MAX_MONTHS:
        raise E.PERIOD_INVALID.error("since")
    note = str(note or "").replace("\x00", "").strip()[:200]
    with transaction.atomic():
        for month in _months(first, last):
            xact_lock(_lock_name(month))
        overlap = PeriodClosing.objects.filter(node=node, since__lte=last, until__gte=first,
                                               reopened_at__isnull=True).first()
        if overlap is not None:
            raise E.PERIOD_OVERLAP.error("since", office=node.name, period=overlap.period_label)
        closing = PeriodClosing.objects.create(node=node, since=first, until=last, note=note, closed_by=actor)
        audit_record(actor=actor, action="orgs.period_close", obj=closing, node_path=node.path,
                     changes={"period": closing.period_label, "note": note})
    return closing


def period_reopen(*, actor, closing: PeriodClosing, reason: str) -> PeriodClosing:
    """Reopen a closed period (later changes then land again); the reason is required."""
    _check(actor, closing.node)
    reason = str(reason or "").replace("\x00", "").strip()[:200]
    if not reason:
        raise E.REOPEN_REASON.error("reason")
    with transaction.atomic():
        if not PeriodClosing.objects.filter(pk=closing.pk, reopened_at__isnull=True).update(
                reopened_at=timezone.now(), reopened_by=actor, reopen_reason=reason):
            raise E.NOT_CLOSED.error()
        audit_record(actor=actor, action="orgs.period_reopen", obj=closing, node_path=closing.node.path,
                     changes={"period": closing.period_label, "reason": reason})
    closing.refresh_from_db()
    return closing


def closings_for_actor(*, actor) -> QuerySet:
    """The closings of the nodes the actor may see, newest first."""
    qs = PeriodClosing.objects.select_related("node", "closed_by", "reopened_by")
    scope = scope_for(actor)
    if scope.is_global:
        return qs
    paths = scope.paths(Perm.NODE_VIEW)
    if not paths:
        return qs.none()
    where = Q()
    for p in paths:
        where |= Q(node__path__startswith=p)
    return qs.filter(where)


def closing_get_for_actor(*, actor, closing_id: int) -> PeriodClosing:
    closing = closings_for_actor(actor=actor).filter(pk=closing_id).first()
    if closing is None:
        raise CoreError.NOT_FOUND.error()
    return closing
