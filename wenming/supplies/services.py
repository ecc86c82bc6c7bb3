"""Writes for the supplies ledger: receive a donation, distribute (or transfer), adjust.

Each service is one transaction with one audit row. Stock moves by conditional UPDATEs
(`quantity = quantity - q WHERE quantity >= q`), so however many people give out the last
units at once, the stock ends at zero and never below; a refused line rolls back the whole
document. Rows are touched in (node, item) order so that two transfers in opposite
directions cannot deadlock on PostgreSQL.
"""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.crypto import encrypt, mask_address, mask_name, mask_phone
from wenming.core.errors import CoreError
from wenming.orgs.models import Node
from wenming.orgs.selectors import node_list_for_actor
from wenming.volunteers.models import Team
from wenming.volunteers.selectors import team_list_for_actor

from .errors import SuppliesError as E
from .models import (
    Distribution,
    DistributionLine,
    Donation,
    DonationLine,
    MovementKind,
    RecipientKind,
    Stock,
    StockMovement,
    SupplyItem,
)
from .quantities import MAX_QUANTITY, fmt_qty, parse_quantity, rounded

MAX_LINES = 50
CLOCK_SKEW = timedelta(minutes=5)  # a phone a few minutes fast is not entering the future
# A mobile number, or a landline with its area code (and an extension): donors are often firms.
_PHONE = re.compile(r"(?:\+?86)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?")

Lines = Iterable[tuple[SupplyItem, object]]


# ---- checks -------------------------------------------------------------------------------

def _check_edit(actor, node: Node) -> None:
    """Supply.edit over the node; someone who cannot even see its supplies gets a 404."""
    scope = scope_for(actor)
    if not scope.allows(Perm.SUPPLY_EDIT, node.path):
        raise (CoreError.FORBIDDEN if scope.allows(Perm.SUPPLY_VIEW, node.path) else CoreError.NOT_FOUND).error()
    if node.archived_at is not None:
        raise E.NODE_ARCHIVED.error("node", node=node.name)


def _lines(lines: Lines) -> list[tuple[SupplyItem, Decimal]]:
    """Validated lines, one per item (the same item twice is summed), in item order."""
    merged: dict[int, tuple[SupplyItem, Decimal]] = {}
    for item, raw in lines:
        qty = parse_quantity(raw)
        if qty is None:
            raise E.QUANTITY_INVALID.error("lines", item=item.name, limit=fmt_qty(MAX_QUANTITY))
        total = merged[item.pk][1] + qty if item.pk in merged else qty
        if total > MAX_QUANTITY:
            raise E.QUANTITY_INVALID.error("lines", item=item.name, limit=fmt_qty(MAX_QUANTITY))
        merged[item.pk] = (item, total)
    if not merged:
        raise E.NO_LINES.error("lines")
    if len(merged) > MAX_LINES:
        raise E.TOO_MANY_LINES.error("lines", limit=MAX_LINES)
    return [merged[pk] for pk in sorted(merged)]


def _when(moment: datetime | None, field: str) -> datetime:
    now = timezone.now()
    if moment is None:
        return now
    if timezone.is_naive(moment):  # an API client's "2026-05-01T09:00" is local (Asia/Shanghai) time
        moment = timezone.make_aware(moment)
    if moment > now + CLOCK_SKEW:
        raise E.TIME_FUTURE.error(field)
    return moment


def _text(value: str | None) -> str:
    return (value or "").strip()


def _phone(raw: str | None) -> str:
    phone = re.sub(r"\s+", "", raw or "")
    if phone and not _PHONE.fullmatch(phone):
        raise E.PHONE_INVALID.error("donor_phone")
    return phone


# ---- stock rows ---------------------------------------------------------------------------

def _stock_in(node: Node, item: SupplyItem, qty: Decimal) -> None:
    rows = Stock.objects.filter(node=node, item=item)
    change = {"quantity": rounded(F("quantity") + qty), "updated_at": timezone.now()}
    if rows.update(**change):
        return
    try:
        with transaction.atomic():  # a savepoint: a concurrent first receipt may insert the row first
            Stock.objects.create(node=node, item=item, quantity=qty)
    except IntegrityError:
        rows.update(**change)


def _stock_out(node: Node, item: SupplyItem, qty: Decimal) -> None:
    rows = Stock.objects.filter(node=node, item=item)
    if not rows.filter(quantity__gte=qty).update(quantity=rounded(F("quantity") - qty), updated_at=timezone.now()):
        left = rows.values_list("quantity", flat=True).first()
        raise E.INSUFFICIENT_STOCK.error("lines", item=item.name, node=node.name, left=fmt_qty(left),
                                         wanted=fmt_qty(qty), unit=item.unit)


def _apply(changes: list[tuple[Node, SupplyItem, Decimal]]) -> None:
    """Move the stock rows in a fixed order (node, item): no lock-order deadlocks."""
    for node, item, qty in sorted(changes, key=lambda c: (c[0].pk, c[1].pk)):
        (_stock_in if qty > 0 else _stock_out)(node, item, abs(qty))


def _audit_lines(lines) -> dict[str, str]:
    return {f"{item.name}（{item.unit}）": fmt_qty(qty) for item, qty in lines}


# ---- donations ----------------------------------------------------------------------------

def donation_receive(*, actor, node: Node, donor_name: str, lines: Lines, donor_phone: str = "",
                     received_at: datetime | None = None, note: str = "") -> Donation:
    """A donation arrives at `node`: one donation_in movement per item."""
    _check_edit(actor, node)
    donor_name = _text(donor_name)
    if not donor_name:
        raise E.DONOR_REQUIRED.error("donor_name")
    phone = _phone(donor_phone)
    received_at = _when(received_at, "received_at")
    checked = _lines(lines)
    for item, _qty in checked:
        if not item.active:
            raise E.ITEM_INACTIVE.error("lines", item=item.name)
    with transaction.atomic():
        donation = Donation.objects.create(
            node=node, donor_name=donor_name[:100], donor_phone_enc=encrypt(phone),
            donor_phone_masked=mask_phone(phone) if phone else "", received_at=received_at,
            note=_text(note)[:200], recorded_by=actor)
        DonationLine.objects.bulk_create([DonationLine(donation=donation, item=i, quantity=q) for i, q in checked])
        _apply([(node, item, qty) for item, qty in checked])
        StockMovement.objects.bulk_create([
            StockMovement(node=node, item=item, quantity=qty, kind=MovementKind.DONATION_IN, donation=donation,
                          reason=f"捐赠：{donor_name}"[:200], recorded_by=actor)
            for item, qty in checked])
        audit_record(actor=actor, action="supplies.donation_receive", obj=donation, node_path=node.path,
                     changes={"donor": donor_name, "lines": _audit_lines(checked)})
    return donation


# ---- distributions ------------------------------------------------------------------------

def _recipient(actor, from_node: Node, kind: str, to_node: Node | None, to_team: Team | None,
               household_name: str, household_address: str) -> dict:
    """The Distribution fields naming the recipient, checked against the actor's scope."""
    given = {RecipientKind.NODE: to_node is not None, RecipientKind.TEAM: to_team is not None,
             RecipientKind.HOUSEHOLD: bool(household_name or household_address)}
    if kind not in given or any(v for k, v in given.items() if k != kind):
        raise E.RECIPIENT_INVALID.error("to_kind", detail="阵地、队伍或住户，三者选一")
    if kind == RecipientKind.NODE:
        if to_node is None:
            raise E.RECIPIENT_INVALID.error("to_node", detail="接收阵地")
        if not node_list_for_actor(actor=actor, include_archived=True).filter(pk=to_node.pk).exists():
            raise CoreError.NOT_FOUND.error("to_node")
        if to_node.pk == from_node.pk:
            raise E.SAME_NODE.error("to_node")
        if to_node.archived_at is not None:
            raise E.NODE_ARCHIVED.error("to_node", node=to_node.name)
        return {"to_node": to_node}
    if kind == RecipientKind.TEAM:
        if to_team is None:
            raise E.RECIPIENT_INVALID.error("to_team", detail="接收队伍")
        if not team_list_for_actor(actor=actor, include_archived=True).filter(pk=to_team.pk).exists():
            raise CoreError.NOT_FOUND.error("to_team")
        if to_team.archived_at is not None:
            raise E.TEAM_ARCHIVED.error("to_team", team=to_team.name)
        return {"to_team": to_team}
    if not household_name or not household_address:
        raise E.RECIPIENT_INVALID.error("household_name" if not household_name else "household_address",
                                        detail="住户须填写姓名和地址")
    return {"household_name_masked": mask_name(household_name[:50]),
            "household_address_enc": encrypt(household_address[:200]),
            "household_address_masked": mask_address(household_address)[:50]}


def distribute(*, actor, from_node: Node, to_kind: str, lines: Lines, reason: str, to_node: Node | None = None,
               to_team: Team | None = None, household_name: str = "", household_address: str = "",
               distributed_at: datetime | None = None) -> Distribution:
    """Supplies leave `from_node`. To a node it is a transfer: the same quantities arrive
    there (transfer_out + transfer_in); to a team or a household they leave the ledger."""
    _check_edit(actor, from_node)
    recipient = _recipient(actor, from_node, to_kind, to_node, to_team, _text(household_name),
                           _text(household_address))
    reason = _text(reason)
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    distributed_at = _when(distributed_at, "distributed_at")
    checked = _lines(lines)
    transfer = to_kind == RecipientKind.NODE
    with transaction.atomic():
        dist = Distribution.objects.create(from_node=from_node, to_kind=to_kind, reason=reason[:200],
                                           distributed_at=distributed_at, recorded_by=actor, **recipient)
        DistributionLine.objects.bulk_create([DistributionLine(distribution=dist, item=i, quantity=q)
                                              for i, q in checked])
        changes = [(from_node, item, -qty) for item, qty in checked]
        if transfer:
            changes += [(to_node, item, qty) for item, qty in checked]
        _apply(changes)
        out_kind = MovementKind.TRANSFER_OUT if transfer else MovementKind.DISTRIBUTION_OUT
        note = f"{RecipientKind(to_kind).label}：{dist.recipient_label}"[:200]
        StockMovement.objects.bulk_create(
            [StockMovement(node=from_node, item=item, quantity=-qty, kind=out_kind, distribution=dist,
                           reason=note, recorded_by=actor) for item, qty in checked]
            + [StockMovement(node=to_node, item=item, quantity=qty, kind=MovementKind.TRANSFER_IN,
                             distribution=dist, reason=f"来自：{from_node.name}"[:200], recorded_by=actor)
               for item, qty in (checked if transfer else [])])
        audit_record(actor=actor, action="supplies.transfer" if transfer else "supplies.distribute", obj=dist,
                     node_path=from_node.path,
                     changes={"to": dist.recipient_label, "reason": reason[:200], "lines": _audit_lines(checked)})
    return dist


# ---- adjustments (盘点) ---------------------------------------------------------------------

def _stock_set(node: Node, item: SupplyItem, was: Decimal, counted: Decimal, had_row: bool) -> None:
    """Set the stock to a counted figure, unless it moved since it was read."""
    rows = Stock.objects.filter(node=node, item=item)
    if had_row:
        ok = rows.filter(quantity=was).update(quantity=counted, updated_at=timezone.now())
    else:
        try:
            with transaction.atomic():
                Stock.objects.create(node=node, item=item, quantity=counted)
            ok = True
        except IntegrityError:
            ok = False
    if not ok:
        left = rows.values_list("quantity", flat=True).first()
        raise E.STOCK_CHANGED.error("counted", left=fmt_qty(left), unit=item.unit)


def stock_adjust(*, actor, node: Node, item: SupplyItem, reason: str, delta=None,
                 counted=None) -> StockMovement | None:
    """Correct the stock by `delta` (±), or to a `counted` figure (盘点). Returns the
    adjustment movement, or None when the count matches the books (audited all the same)."""
    _check_edit(actor, node)
    reason = _text(reason)
    if not reason:
        raise E.REASON_REQUIRED.error("reason")
    if (delta is None) == (counted is None):
        raise E.ADJUST_INVALID.error("delta")
    if counted is not None:
        counted = parse_quantity(counted, allow_zero=True)
        if counted is None:
            raise E.QUANTITY_INVALID.error("counted", item=item.name, limit=fmt_qty(MAX_QUANTITY))
    else:
        delta = parse_quantity(delta, signed=True)
        if delta is None:
            raise E.ADJUST_INVALID.error("delta")
    with transaction.atomic():
        if counted is not None:
            row = Stock.objects.filter(node=node, item=item).values_list("quantity", flat=True).first()
            was = (row or Decimal(0)).quantize(Decimal("0.001"))
            delta = counted - was
            if delta:
                _stock_set(node, item, was, counted, had_row=row is not None)
        else:
            _apply([(node, item, delta)])
        movement = None
        if delta:
            movement = StockMovement.objects.create(node=node, item=item, quantity=delta,
                                                    kind=MovementKind.ADJUSTMENT, reason=reason[:200],
                                                    recorded_by=actor)
        audit_record(actor=actor, action="supplies.adjust", obj=movement or item, node_path=node.path,
                     changes={"item": item.name, "delta": fmt_qty(delta), "reason": reason[:200],
                              **({"counted": fmt_qty(counted)} if counted is not None else {})})
    return movement


# ---- personal data ------------------------------------------------------------------------

def _reveal(actor, obj, node: Node, field: str, reveal, reason: str) -> dict[str, str]:
    """Unmask one field: needs the reveal privilege over the node; audited, refusals too."""
    allowed = scope_for(actor).may_reveal(node.path)
    audit_record(actor=actor, action="supplies.reveal" if allowed else "supplies.reveal_denied", obj=obj,
                 node_path=node.path, changes={"fields": [field], "reason": _text(reason)[:200]})
    if not allowed:
        raise E.REVEAL_FORBIDDEN.error()
    return {field: reveal()}


def donation_reveal(*, actor, donation: Donation, reason: str = "") -> dict[str, str]:
    return _reveal(actor, donation, donation.node, "donor_phone", donation.reveal_donor_phone, reason)


def distribution_reveal(*, actor, distribution: Distribution, reason: str = "") -> dict[str, str]:
    return _reveal(actor, distribution, distribution.from_node, "household_address",
                   distribution.reveal_household_address, reason)
