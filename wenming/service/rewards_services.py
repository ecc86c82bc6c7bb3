"""Writes for the rewards shop: stock and points move by conditional UPDATEs in one
transaction, so neither can go below zero however many redeem at once."""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError

from .errors import ServiceError as E
from .models import PointsEntry, Redemption, RedemptionStatus, RewardItem, VolunteerStats

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at the counter
CODE_LENGTH = 10


def _check_staff(actor, node) -> None:
    if not scope_for(actor).allows(Perm.PROJECT_EDIT, node.path):
        raise CoreError.NOT_FOUND.error()


def reward_item_create(*, actor, node, name: str, points_cost: int, stock: int, description: str = "") -> RewardItem:
    _check_staff(actor, node)
    if points_cost < 1 or stock < 0:
        raise E.STOCK_INVALID.error("stock")
    with transaction.atomic():
        item = RewardItem.objects.create(node=node, name=name.strip(), points_cost=points_cost, stock=stock,
                                         description=description)
        audit_record(actor=actor, action="reward.create", obj=item, node_path=node.path,
                     changes={"stock": stock, "points_cost": points_cost})
    return item


def reward_restock(*, actor, item: RewardItem, add: int) -> RewardItem:
    _check_staff(actor, item.node)
    if add < 1:
        raise E.STOCK_INVALID.error("add")
    with transaction.atomic():
        RewardItem.objects.filter(pk=item.pk).update(stock=F("stock") + add)
        audit_record(actor=actor, action="reward.restock", obj=item, node_path=item.node.path, changes={"add": add})
    item.refresh_from_db()
    return item


def reward_redeem(*, actor, item: RewardItem, volunteer) -> Redemption:
    """The volunteer (or staff over their node) spends points on one item."""
    own = volunteer.user_id is not None and volunteer.user_id == getattr(actor, "pk", None)
    if not own and not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path):
        raise CoreError.NOT_FOUND.error()
    if not item.active:
        raise E.ITEM_INACTIVE.error()
    cost = item.points_cost
    with transaction.atomic():
        if not RewardItem.objects.filter(pk=item.pk, active=True, stock__gte=1).update(stock=F("stock") - 1):
            raise E.OUT_OF_STOCK.error()
        if not VolunteerStats.objects.filter(pk=volunteer.pk, points__gte=cost).update(points=F("points") - cost):
            balance = VolunteerStats.objects.filter(pk=volunteer.pk).values_list("points", flat=True).first() or 0
            raise E.NOT_ENOUGH_POINTS.error(cost=cost, balance=balance)  # rolls the stock back too
        PointsEntry.objects.create(volunteer=volunteer, points=-cost, reason=f"兑换 {item.name}")
        redemption = _create_with_code(item=item, volunteer=volunteer, points=cost)
        audit_record(actor=actor, action="reward.redeem", obj=redemption, node_path=item.node.path,
                     changes={"item": item.pk, "points": cost})
    return redemption


def _create_with_code(**fields) -> Redemption:
    for _ in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                return Redemption.objects.create(code=code, **fields)
        except IntegrityError:  # 32^10 codes: a clash is all but impossible, but never fatal
            continue
    raise RuntimeError("could not allocate a redemption code")


def redemption_collect(*, actor, code: str) -> Redemption:
    """At the counter: the code is used once; staff of the item's node only."""
    code = (code or "").strip().upper()
    redemption = Redemption.objects.select_related("item__node").filter(code=code).first()
    if redemption is None or not scope_for(actor).allows(Perm.PROJECT_EDIT, redemption.item.node.path):
        raise E.CODE_INVALID.error("code")
    with transaction.atomic():
        if not Redemption.objects.filter(pk=redemption.pk, status=RedemptionStatus.PENDING).update(
                status=RedemptionStatus.COLLECTED, collected_at=timezone.now()):
            raise E.CODE_INVALID.error("code")
        audit_record(actor=actor, action="reward.collect", obj=redemption, node_path=redemption.item.node.path)
    redemption.refresh_from_db()
    return redemption
