"""Setting a hotline up: lines, counselors with their supervisors, duty schedules.

Each service is one transaction with an audit row. Managing needs node.edit over the
hotline's node or the hotline-supervisor role over it (access.may_manage_hotline); none of
this gives a view of any call record.
"""

from dataclasses import dataclass
from datetime import date, time

from django.db import IntegrityError, transaction

from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError

from .access import holds_counselor_role, holds_supervisor_role, may_manage_hotline, may_supervise
from .errors import HotlineError as E
from .models import Counselor, DutyShift, Hotline
from .text import clean_text

MAX_SHIFTS = 100


def _require_manage(actor, node_path: str) -> None:
    if not may_manage_hotline(actor, node_path):
        raise CoreError.NOT_FOUND.error()


def hotline_create(*, actor, node, name: str, number: str, hours: str = "") -> Hotline:
    _require_manage(actor, node.path)
    name = clean_text(name, label="热线名称", limit=100)
    number = clean_text(number, label="对外号码", limit=40)
    hours = clean_text(hours, label="服务时间", limit=100)
    if not name or not number:
        raise E.NAME_REQUIRED.error("name" if not name else "number")
    try:
        with transaction.atomic():
            hotline = Hotline.objects.create(node=node, name=name, number=number, hours=hours)
            audit_record(actor=actor, action="hotline.create", obj=hotline, node_path=node.path,
                         changes={"name": name})
    except IntegrityError:
        raise E.NAME_TAKEN.error("name") from None
    return hotline


def hotline_update(*, actor, hotline: Hotline, name: str | None = None, number: str | None = None,
                   hours: str | None = None, active: bool | None = None) -> Hotline:
    """Change a line's name, public number, hours or whether it is in service. Its node does
    not change (it decides who supervises and whose statistics the calls count in). A line
    out of service takes no new calls; its records and schedules stay."""
    _require_manage(actor, hotline.node.path)
    values = {}
    for field, value, label, limit in (("name", name, "热线名称", 100), ("number", number, "对外号码", 40),
                                       ("hours", hours, "服务时间", 100)):
        if value is not None:
            values[field] = clean_text(value, label=label, limit=limit)
            if field != "hours" and not values[field]:
                raise E.NAME_REQUIRED.error(field)
    if active is not None:
        values["active"] = bool(active)
    changes = {k: v for k, v in values.items() if getattr(hotline, k) != v}
    if not changes:
        return hotline
    try:
        with transaction.atomic():
            for field, value in changes.items():
                setattr(hotline, field, value)
            hotline.save(update_fields=list(changes))
            audit_record(actor=actor, action="hotline.update", obj=hotline, node_path=hotline.node.path,
                         changes={k: v for k, v in changes.items() if k in ("name", "active")} | {
                             "fields": sorted(changes)})
    except IntegrityError:
        hotline.refresh_from_db()
        raise E.NAME_TAKEN.error("name") from None
    return hotline


def _check_supervisor(hotline: Hotline, user, supervisor, is_supervisor: bool) -> None:
    if supervisor is None:
        if not is_supervisor:
            raise E.SUPERVISOR_REQUIRED.error("supervisor")
        return
    if supervisor.pk == user.pk:
        raise E.OWN_SUPERVISOR.error("supervisor")
    if not supervisor.is_active or not may_supervise(supervisor, hotline):
        raise E.SUPERVISOR_INVALID.error("supervisor")


def _check_who_names(actor, user, supervisor, is_supervisor: bool, *, naming: bool) -> None:
    """Who supervises whom decides who reads counselling records, so: nobody adds or changes
    themself, nobody names themself supervisor, and marking a counselor as supervisor (or
    naming one as somebody's supervisor) is a platform admin's act — an office with
    node.edit manages lines and schedules, not readers."""
    actor_pk = getattr(actor, "pk", None)
    if user.pk == actor_pk or getattr(supervisor, "pk", None) == actor_pk:
        raise E.SUPERVISION_BY_ADMIN.error("supervisor")
    admin = scope_for(actor).is_global
    if naming and not admin and (is_supervisor or (supervisor is not None and not holds_supervisor_role(supervisor))):
        raise E.SUPERVISION_BY_ADMIN.error("supervisor")


def counselor_add(*, actor, hotline: Hotline, user, supervisor=None, is_supervisor: bool = False) -> Counselor:
    """Put a user holding the counselor role on a hotline, under a supervisor."""
    _require_manage(actor, hotline.node.path)
    _check_who_names(actor, user, supervisor, is_supervisor, naming=True)
    if not user.is_active or not holds_counselor_role(user, hotline):
        raise E.NOT_A_COUNSELOR.error("user")
    _check_supervisor(hotline, user, supervisor, is_supervisor)
    try:
        with transaction.atomic():
            counselor = Counselor.objects.create(user=user, hotline=hotline, supervisor=supervisor,
                                                 is_supervisor=is_supervisor)
            audit_record(actor=actor, action="hotline.counselor.add", obj=counselor, node_path=hotline.node.path,
                         changes={"user": user.pk, "supervisor": getattr(supervisor, "pk", None),
                                  "is_supervisor": is_supervisor})
    except IntegrityError:
        raise E.ALREADY_COUNSELOR.error("user") from None
    return counselor


_UNSET = object()


def counselor_update(*, actor, counselor: Counselor, supervisor=_UNSET, is_supervisor: bool | None = None,
                     active: bool | None = None) -> Counselor:
    """Change a counselor's supervisor, supervisor mark or whether they are on the line. The
    new supervisor sees all the counselor's records, past ones included; the old one no
    longer does (so naming one is restricted, see _check_who_names)."""
    hotline = counselor.hotline
    _require_manage(actor, hotline.node.path)
    naming = supervisor is not _UNSET or bool(is_supervisor)
    _check_who_names(actor, counselor.user, None if supervisor is _UNSET else supervisor, bool(is_supervisor),
                     naming=naming)
    new_supervisor = counselor.supervisor if supervisor is _UNSET else supervisor
    new_mark = counselor.is_supervisor if is_supervisor is None else is_supervisor
    if supervisor is not _UNSET or is_supervisor is not None:
        _check_supervisor(hotline, counselor.user, new_supervisor, new_mark)
    changes = {}
    with transaction.atomic():
        if getattr(new_supervisor, "pk", None) != counselor.supervisor_id:
            changes["supervisor"] = [counselor.supervisor_id, getattr(new_supervisor, "pk", None)]
            counselor.supervisor = new_supervisor
        if new_mark != counselor.is_supervisor:
            changes["is_supervisor"] = new_mark
            counselor.is_supervisor = new_mark
        if active is not None and active != counselor.active:
            changes["active"] = active
            counselor.active = active
        if changes:
            counselor.save(update_fields=["supervisor", "is_supervisor", "active"])
            audit_record(actor=actor, action="hotline.counselor.update", obj=counselor,
                         node_path=hotline.node.path, changes=changes)
    return counselor


@dataclass(frozen=True)
class Slot:
    """One schedule line: weekly (weekday 1–7) or on one date; end ≤ start runs overnight."""

    starts_at: time
    ends_at: time
    weekday: int | None = None
    on_date: date | None = None


def _check_slot(row: int, slot: Slot) -> None:
    if (slot.weekday is None) == (slot.on_date is None):
        raise E.SHIFT_INVALID.error("shifts", row=row, detail="请在“每周几”与“具体日期”中选一项")
    if slot.weekday is not None and not (isinstance(slot.weekday, int) and 1 <= slot.weekday <= 7):
        raise E.SHIFT_INVALID.error("shifts", row=row, detail="每周几须为 1（周一）至 7（周日）")
    if not isinstance(slot.starts_at, time) or not isinstance(slot.ends_at, time):
        raise E.SHIFT_INVALID.error("shifts", row=row, detail="请填写开始和结束时间")


def schedule_set(*, actor, counselor: Counselor, slots: list[Slot]) -> list[DutyShift]:
    """Replace a counselor's schedule with `slots` (an empty list clears it)."""
    _require_manage(actor, counselor.hotline.node.path)
    if len(slots) > MAX_SHIFTS:
        raise E.TOO_MANY_SHIFTS.error("shifts", limit=MAX_SHIFTS)
    seen = set()
    for row, slot in enumerate(slots, start=1):
        _check_slot(row, slot)
        key = (slot.weekday, slot.on_date, slot.starts_at.replace(tzinfo=None))
        if key in seen:
            raise E.SHIFT_INVALID.error("shifts", row=row, detail="与前面的值班安排重复")
        seen.add(key)
    with transaction.atomic():
        DutyShift.objects.filter(counselor=counselor).delete()
        rows = DutyShift.objects.bulk_create([
            DutyShift(counselor=counselor, weekday=s.weekday, on_date=s.on_date,
                      starts_at=s.starts_at.replace(tzinfo=None), ends_at=s.ends_at.replace(tzinfo=None))
            for s in slots])
        audit_record(actor=actor, action="hotline.schedule.set", obj=counselor,
                     node_path=counselor.hotline.node.path, changes={"slots": len(rows)})
    return rows
