"""Back-entry of a hotline's paper logs (补录, issue 14): the office types in a month's calls
and crisis calls from the paper log, with who and why; it lands in that month's figures.

Never counted twice with the calls logged one by one: for calls and for crisis calls the
month's figure is max(tally, logged calls). The tally's remainders — max(tally − logged, 0) —
are recorded as `hotline_calls` / `hotline_crisis` deltas at the hotline's node beside the
calls' own; every call logged or changed later in that month settles them under the tally's
row lock (a call typed in later first uses up the tally). Zero for both removes it. Only
counts are kept: a paper log's callers never enter the platform.
"""

from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.locks import xact_lock
from wenming.dashboards.summary import record_many
from wenming.orgs.closing import period_check_open

from .access import may_manage_hotline
from .errors import HotlineError as E
from .models import CallLog, CallTally, Hotline

MAX_CALLS = 1_000_000
EARLIEST = date(2000, 1, 1)


def _month(value) -> date:
    text = str(value or "").replace("\x00", "").strip()[:10]
    try:
        year, month = (int(x) for x in text.split("-")[:2])
        day = date(year, month, 1)
    except ValueError:
        raise E.TALLY_PERIOD.error("period") from None
    if not EARLIEST <= day <= timezone.localdate().replace(day=1):
        raise E.TALLY_PERIOD.error("period")
    return day


def _count(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_CALLS else None
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_CALLS else None


def _logged(hotline: Hotline, month: date) -> tuple[int, int]:
    """(calls, crisis calls) logged one by one with a start in the month (local time)."""
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start, end = (timezone.make_aware(datetime.combine(d, time.min)) for d in (month, nxt))
    got = CallLog.objects.filter(hotline=hotline, started_at__gte=start, started_at__lt=end).aggregate(
        n=Count("pk"), crisis=Count("pk", filter=Q(is_crisis=True)))
    return got["n"], got["crisis"]


def _settle(tally: CallTally, **changes) -> None:
    """Recount the logged calls under the (locked) tally; move the remainders and figures."""
    calls, crisis = changes.get("calls", tally.calls), changes.get("crisis", tally.crisis)
    logged, logged_crisis = _logged(tally.hotline, tally.period)
    rest, rest_crisis = max(calls - logged, 0), max(crisis - logged_crisis, 0)
    node = tally.hotline.node_id
    rows = [(node, metric, tally.period, new - old) for metric, new, old in
            (("hotline_calls", rest, tally.calls_remainder), ("hotline_crisis", rest_crisis, tally.crisis_remainder))
            if new != old]
    record_many(rows)
    CallTally.objects.filter(pk=tally.pk).update(calls_remainder=rest, crisis_remainder=rest_crisis,
                                                 updated_at=timezone.now(), **changes)
    tally.calls_remainder, tally.crisis_remainder = rest, rest_crisis
    for field, value in changes.items():
        setattr(tally, field, value)


def _lock(hotline: Hotline, month: date) -> None:
    """One writer at a time per hotline and month, calls and tallies alike: a tally entered
    while a call is being logged sees that call (or the call's settle sees the tally)."""
    xact_lock(f"hotline-tally:{hotline.pk}:{month:%Y-%m}")


def call_tallies_settle(hotline: Hotline, started_at: datetime) -> None:
    """A call of the hotline starting at `started_at` was logged or changed (inside the
    caller's transaction, after its write): settle that month's tally, if any."""
    month = timezone.localdate(started_at).replace(day=1)
    _lock(hotline, month)
    for tally in CallTally.objects.select_for_update().select_related("hotline").filter(hotline=hotline, period=month):
        _settle(tally)


def call_tally_set(*, actor, hotline: Hotline, period, calls, crisis=0, reason: str = "") -> CallTally | None:
    """Enter or change a month's count from the paper log (staff who manage the hotline);
    both counts 0 removes it. Returns the tally, or None when removed."""
    if not may_manage_hotline(actor, hotline.node.path):
        raise CoreError.NOT_FOUND.error()
    month = _month(period)
    n, n_crisis = _count(calls), _count(crisis)
    if n is None or n_crisis is None or n_crisis > n:
        raise E.TALLY_COUNT.error("calls", limit=MAX_CALLS)
    reason = str(reason or "").replace("\x00", "").strip()[:200]
    if n and not reason:
        raise E.TALLY_REASON.error("reason")
    with transaction.atomic():
        period_check_open(node=hotline.node, day=month)
        _lock(hotline, month)
        tally = CallTally.objects.select_for_update().select_related("hotline").filter(
            hotline=hotline, period=month).first()
        before = (tally.calls, tally.crisis) if tally else (0, 0)
        if tally is None and n:
            try:
                with transaction.atomic():
                    tally = CallTally.objects.create(hotline=hotline, period=month, calls=n, crisis=n_crisis,
                                                     reason=reason, entered_by=actor)
            except IntegrityError:  # a second tap created it a moment ago
                tally = CallTally.objects.select_for_update().select_related("hotline").get(hotline=hotline,
                                                                                            period=month)
        if tally is not None:
            if n:
                _settle(tally, calls=n, crisis=n_crisis, reason=reason, entered_by=actor)
            else:  # removed: its remainders leave the figures
                record_many([(hotline.node_id, "hotline_calls", month, -tally.calls_remainder),
                             (hotline.node_id, "hotline_crisis", month, -tally.crisis_remainder)])
                tally.delete()
                tally = None
        if before == (0, 0) and not n:
            return None  # nothing to remove
        audit_record(actor=actor, action="hotline.tally", obj=hotline, node_path=hotline.node.path,
                     changes={"period": f"{month:%Y-%m}", "calls": [before[0], n], "crisis": [before[1], n_crisis],
                              "reason": reason})
    return tally
