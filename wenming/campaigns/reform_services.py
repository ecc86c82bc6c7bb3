"""Writes of 移风易俗 records: register, change, void. One transaction and one audit row each;
the `reform:<kind>` figures move with the record (figures.reform_changed), and a month's
total covering it settles (reform_totals.py: never counted twice).

Personal data is kept to a minimum: a household label (三组 12 号) and, if given, the head of
household's name **masked** on the way in (张*丰) — the full name is never stored.

补录 (core/back_entry.py): a record dated more than a week before it is entered — or moved to
such a date later — needs a `late_reason` (core.late_reason_required), kept on the record
beside who entered it and when, and written into its audit row.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from wenming.core.audit import audit_record
from wenming.core.back_entry import clean_reason, late_reason_for
from wenming.core.crypto import mask_name
from wenming.orgs.closing import period_check_open
from wenming.orgs.models import Node

from . import access, figures
from .errors import CampaignError as E
from .models import ReformKind, ReformRecord
from .reform_totals import reform_totals_lock, reform_totals_settle

EDITABLE = ("kind", "household", "occurred_on", "note", "head_name", "late_reason")


def _text(value) -> str:
    return (value or "").strip()


def _kind(value) -> str:
    if value not in ReformKind.values:
        raise E.REFORM_KIND_UNKNOWN.error("kind", value=str(value)[:30])
    return value


def _household(value) -> str:
    text = _text(value)
    if not text:
        raise E.HOUSEHOLD_REQUIRED.error("household")
    return text[:50]


def _date(value) -> date:
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise E.DATE_INVALID.error("occurred_on", value=str(value)[:20]) from None
    if value > timezone.localdate():
        raise E.DATE_FUTURE.error("occurred_on")
    return value


def _state(record: ReformRecord) -> tuple[str, date] | None:
    return None if record.voided_at is not None else (record.kind, record.occurred_on)


def _settle_totals(node: Node, before, after) -> None:
    """A record left (kind, month) `before` and entered `after`: the totals covering either
    give back or use up their remainder (reform_totals.py)."""
    for state in sorted({before, after} - {None}):  # a fixed order: two movers never lock crosswise
        reform_totals_settle(node, *state)


def reform_record_create(*, actor, node: Node, kind: str, household: str, occurred_on,
                         head_name: str = "", note: str = "", late_reason: str = "") -> ReformRecord:
    """Register one household's act. Dated more than a week ago (补录 from a paper register), it
    needs `late_reason`; nothing is written without it."""
    access.check_node_edit(actor, node)
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node_id", node=node.name)
    day = _date(occurred_on)
    record = ReformRecord(node=node, kind=_kind(kind), household=_household(household),
                          head_masked=mask_name(_text(head_name)[:50]), occurred_on=day,
                          note=_text(note)[:200], recorded_by=actor, late_reason=late_reason_for(day, late_reason))
    with transaction.atomic():
        period_check_open(node=node, day=record.occurred_on)  # not in a closed month
        reform_totals_lock([_state(record)])
        record.save()
        figures.reform_changed(node_id=node.pk, before=None, after=_state(record))
        _settle_totals(node, None, _state(record))
        audit_record(actor=actor, action="campaigns.reform_create", obj=record, node_path=node.path,
                     changes={"kind": record.kind, "household": record.household,
                              "occurred_on": record.occurred_on.isoformat(),
                              **({"late_reason": record.late_reason} if record.late_reason else {})})
    return record


def reform_record_update(*, actor, record: ReformRecord, **changes) -> ReformRecord:
    """Change kind, household, date, note, the head's (masked) name or the 补录说明; the figure
    moves from the old (kind, month) to the new one. Moving the date to more than a week ago
    makes it a back-entry: it needs a `late_reason`, given now or kept from its entry."""
    access.check_node_edit(actor, record.node)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if record.voided_at is not None:
        raise E.REFORM_VOIDED.error()
    values = {}
    if changes.get("kind") is not None:
        values["kind"] = _kind(changes["kind"])
    if changes.get("household") is not None:
        values["household"] = _household(changes["household"])
    if changes.get("occurred_on") is not None:
        values["occurred_on"] = _date(changes["occurred_on"])
    if changes.get("note") is not None:
        values["note"] = _text(changes["note"])[:200]
    if changes.get("head_name") is not None:
        values["head_masked"] = mask_name(_text(changes["head_name"])[:50])
    given = clean_reason(changes.get("late_reason"))
    if values.get("occurred_on", record.occurred_on) != record.occurred_on:
        values["late_reason"] = late_reason_for(values["occurred_on"], given or record.late_reason)
    elif given:  # a new wording of the reason; an empty one keeps what is there
        values["late_reason"] = given
    diff = {k: v for k, v in values.items() if getattr(record, k) != v}
    if not diff:
        return record
    with transaction.atomic():
        # Conditional on the record still being live: a concurrent void wins, and the figure
        # is moved exactly once.
        locked = ReformRecord.objects.select_for_update().filter(pk=record.pk, voided_at__isnull=True).first()
        if locked is None:
            raise E.REFORM_VOIDED.error()
        before = _state(locked)
        for key, value in diff.items():
            setattr(locked, key, value)
        # neither the month it was in nor the one it goes to is closed (in month order, as a closing locks them)
        for month in sorted({day.replace(day=1) for _, day in (before, _state(locked))}):
            period_check_open(node=record.node, day=month)
        reform_totals_lock([before, _state(locked)])
        locked.save(update_fields=list(diff))
        figures.reform_changed(node_id=locked.node_id, before=before, after=_state(locked))
        _settle_totals(record.node, before, _state(locked))
        audit_record(actor=actor, action="campaigns.reform_update", obj=locked, node_path=record.node.path,
                     changes={k: (v.isoformat() if isinstance(v, date) else v) for k, v in diff.items()})
    return locked


def reform_record_void(*, actor, record: ReformRecord, reason: str) -> ReformRecord:
    """A record entered by mistake stops counting; it stays listed as voided. Idempotent."""
    access.check_node_edit(actor, record.node)
    reason = _text(reason)
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    with transaction.atomic():
        live = ReformRecord.objects.select_for_update().filter(pk=record.pk, voided_at__isnull=True).first()
        if live is None:
            record.refresh_from_db()
            return record
        before = _state(live)
        period_check_open(node=record.node, day=live.occurred_on)
        reform_totals_lock([before])
        ReformRecord.objects.filter(pk=live.pk).update(voided_at=timezone.now(), void_reason=reason[:200])
        figures.reform_changed(node_id=live.node_id, before=before, after=None)
        _settle_totals(record.node, before, None)
        audit_record(actor=actor, action="campaigns.reform_void", obj=live, node_path=record.node.path,
                     changes={"reason": reason[:200]})
    live.refresh_from_db()
    return live
