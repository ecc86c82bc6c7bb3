"""Writes of the campaign tallies: an entry, a correction, a whole entry sheet.

Each is one transaction: the ledger row(s), the bucket's maintained total moved by a
conditional UPDATE (the database refuses a negative total; a correction that would make one
is refused before), the dashboard deltas (figures.py) and one audit row.

补录 (core/back_entry.py): an entry or a sheet for a month entered more than a week after the
month ended needs a `late_reason` (core.late_reason_required; a sheet's applies to each row
it writes), kept on the entries and in the audit row. A correction is not asked for one: its
own `reason` is required anyway and says why history is changed.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.back_entry import late_reason_for_month
from wenming.orgs.closing import period_check_open
from wenming.orgs.models import Node, Unit

from . import access, figures
from .errors import CampaignError as E
from .models import MAX_TALLY, EntryKind, Indicator, TallyEntry, TallyTotal
from .periods import parse_count, parse_period


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def _bucket(node: Node, unit: Unit | None, indicator: Indicator, period: date):
    return TallyTotal.objects.filter(node=node, unit=unit, indicator=indicator, period=period)


def _bump(node: Node, unit: Unit | None, indicator: Indicator, period: date, delta: int) -> None:
    """Add `delta` to the bucket's total; refused when it would go below zero."""
    rows = _bucket(node, unit, indicator, period)
    change = {"value": F("value") + delta, "updated_at": timezone.now()}
    if delta < 0:
        if not rows.filter(value__gte=-delta).update(**change):
            current = rows.values_list("value", flat=True).first() or 0
            raise E.TOTAL_NEGATIVE.error("delta", indicator=indicator.name, period=f"{period:%Y年%m月}",
                                         current=current, unit=indicator.unit)
        return
    if rows.update(**change):
        return
    try:
        with transaction.atomic():  # a savepoint: a concurrent first entry may insert the row first
            TallyTotal.objects.create(node=node, unit=unit, indicator=indicator, period=period, value=delta)
    except IntegrityError:
        rows.update(**change)


def _subject(node: Node | None, unit: Unit | None) -> tuple[Node, Unit | None]:
    if (node is None) == (unit is None):
        raise E.SUBJECT_INVALID.error("node_id")
    if unit is not None:
        if unit.archived_at is not None:
            raise E.UNIT_ARCHIVED.error("unit_id", unit=unit.name)
        node = unit.node
    assert node is not None
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=node.name)
    return node, unit


def _require_usable_at(indicator: Indicator, node: Node) -> None:
    """An office's own indicator is entered only inside that office's subtree."""
    if indicator.node_id and not node.path.startswith(indicator.node.path):
        raise E.INDICATOR_NOT_HERE.error("indicator", indicator=indicator.name, office=indicator.node.name)


def _subject_audit(node: Node, unit: Unit | None) -> dict:
    return {"node": node.name, **({"unit": unit.name} if unit is not None else {})}


def _late_audit(late_reason: str) -> dict:
    return {"late_reason": late_reason} if late_reason else {}


def tally_add(*, actor, indicator: Indicator, period, value, node: Node | None = None, unit: Unit | None = None,
              note: str = "", late_reason: str = "") -> TallyEntry:
    """Count `value` (> 0) of `indicator` for a node or a unit in the month `period` (a month
    over a week past needs `late_reason`)."""
    node, unit = _subject(node, unit)
    access.check_tally_edit(actor, node, unit)
    if not indicator.active:
        raise E.INDICATOR_INACTIVE.error("indicator", indicator=indicator.name)
    _require_usable_at(indicator, node)
    period = parse_period(period)
    count = parse_count(value)
    if count is None:
        raise E.VALUE_INVALID.error("value", limit=MAX_TALLY)
    late = late_reason_for_month(period, late_reason)
    with transaction.atomic():
        period_check_open(node=node, day=period)
        _bump(node, unit, indicator, period, count)
        entry = TallyEntry.objects.create(node=node, unit=unit, indicator=indicator, period=period, delta=count,
                                          kind=EntryKind.ENTRY, reason=_text(note)[:200], recorded_by=actor,
                                          late_reason=late)
        figures.tally_recorded(entry, indicator.code)
        audit_record(actor=actor, action="campaigns.tally_add", obj=entry, node_path=node.path,
                     changes={**_subject_audit(node, unit), "indicator": indicator.code,
                              "period": f"{period:%Y-%m}", "value": count, **_late_audit(late)})
    return entry


def tally_correct(*, actor, entry: TallyEntry, delta, reason: str) -> TallyEntry:
    """A correction of `entry`: a new entry of ±delta in the same bucket, linked to it.
    Allowed for retired indicators and archived nodes too — it puts history right."""
    node, unit, indicator = entry.node, entry.unit, entry.indicator
    access.check_tally_edit(actor, node, unit)
    reason = _text(reason)
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    change = parse_count(delta, signed=True)
    if change is None:
        raise E.DELTA_INVALID.error("delta", limit=MAX_TALLY)
    with transaction.atomic():
        period_check_open(node=node, day=entry.period)
        _bump(node, unit, indicator, entry.period, change)
        correction = TallyEntry.objects.create(
            node=node, unit=unit, indicator=indicator, period=entry.period, delta=change,
            kind=EntryKind.CORRECTION, corrects=entry, reason=reason[:200], recorded_by=actor)
        figures.tally_recorded(correction, indicator.code)
        audit_record(actor=actor, action="campaigns.tally_correct", obj=correction, node_path=node.path,
                     changes={**_subject_audit(node, unit), "indicator": indicator.code,
                              "period": f"{entry.period:%Y-%m}", "corrects": entry.pk, "delta": change,
                              "reason": reason[:200]})
    return correction


def _set_total(node: Node, unit: Unit | None, indicator: Indicator, period: date, base: int, target: int) -> bool:
    """Move the bucket from `base` to `target`, unless it is no longer at `base`."""
    rows = _bucket(node, unit, indicator, period)
    if rows.filter(value=base).update(value=target, updated_at=timezone.now()):
        return True
    if base != 0 or rows.exists():
        return False
    try:
        with transaction.atomic():
            TallyTotal.objects.create(node=node, unit=unit, indicator=indicator, period=period, value=target)
    except IntegrityError:
        return False
    return True


def tally_sheet_apply(*, actor, node: Node, unit: Unit | None, period: date,
                      rows: list[tuple[Indicator, int, int]], file_name: str = "",
                      late_reason: str = "") -> list[TallyEntry]:
    """An entry sheet's (indicator, value when downloaded, value now) rows, all or nothing:
    each changed row becomes one `sheet` entry of (now − downloaded). If any bucket moved
    since the sheet was checked, nothing is written (SHEET_STALE). A sheet that changes a
    month over a week past needs `late_reason` (kept on each of its entries)."""
    node, unit = _subject(node, unit)
    access.check_tally_edit(actor, node, unit)
    changed = [(i, base, target) for i, base, target in rows if target != base]
    for indicator, _, _ in changed:
        _require_usable_at(indicator, node)
    late = late_reason_for_month(period, late_reason) if changed else ""
    with transaction.atomic():
        if changed:
            period_check_open(node=node, day=period)
        entries = []
        for indicator, base, target in sorted(changed, key=lambda r: r[0].pk):  # fixed lock order
            if not _set_total(node, unit, indicator, period, base, target):
                raise E.SHEET_STALE.error("file")
            entries.append(TallyEntry(node=node, unit=unit, indicator=indicator, period=period, delta=target - base,
                                      kind=EntryKind.SHEET, recorded_by=actor, late_reason=late,
                                      reason=f"Excel 填报表：本期数值由 {base} 改为 {target}"))
        TallyEntry.objects.bulk_create(entries)
        figures.tally_recorded_many(entries, {i.pk: i.code for i, _, _ in changed})
        audit_record(actor=actor, action="campaigns.tally_sheet", obj=unit or node, node_path=node.path,
                     changes={**_subject_audit(node, unit), "period": f"{period:%Y-%m}", "file": file_name[:100],
                              "rows": len(rows), "changed": {i.code: [b, t] for i, b, t in changed},
                              **_late_audit(late)})
    return entries
