"""The supplies ledger (防疫物资): a catalogue of items, donations received, distributions,
an append-only movement ledger and the maintained stock per (node, item).

Stock changes only through the services, which write one StockMovement per change and move
Stock.quantity in the same transaction; the database refuses a negative stock (CHECK) and
a movement whose sign does not match its kind. Tests check stock = sum of movements
(ARCHITECTURE rule 5).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wenming.core.crypto import decrypt

# Up to 99,999,999,999.999: tonnes to three places (kg), and far more masks than exist.
QTY = {"max_digits": 14, "decimal_places": 3}


class SupplyCategory(models.TextChoices):
    MASK = "mask", "口罩"
    DISINFECTANT = "disinfectant", "消毒用品"
    PROTECTIVE = "protective", "防护服"
    TESTING = "testing", "检测用品"
    MEDICINE = "medicine", "药品"
    LIVING = "living", "生活物资"
    OTHER = "other", "其他"


class SupplyItem(models.Model):
    """One kind of supply. The list is edited in the admin; a data migration seeds it."""

    name = models.CharField("名称", max_length=50, unique=True)
    unit = models.CharField("计量单位", max_length=8, help_text="如：个、套、吨、箱、瓶")
    category = models.CharField("类别", max_length=16, choices=SupplyCategory.choices)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    # Retired items keep their history and can still be given out, but take no new donations.
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "物资品类"
        verbose_name_plural = "物资品类"
        ordering = ["sort", "id"]

    def __str__(self):
        return f"{self.name}（{self.unit}）"


class Donation(models.Model):
    node = models.ForeignKey("orgs.Node", verbose_name="接收阵地", on_delete=models.PROTECT, related_name="+")
    donor_name = models.CharField("捐赠方", max_length=100)
    donor_phone_enc = models.TextField("联系电话（密文）", blank=True, editable=False)
    donor_phone_masked = models.CharField("联系电话", max_length=24, blank=True, editable=False)
    received_at = models.DateTimeField("接收时间")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "捐赠登记"
        verbose_name_plural = "捐赠登记"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["node", "received_at"], name="supplies_donation_node_idx")]

    def __str__(self):
        return f"{self.donor_name} → {self.node}"

    def reveal_donor_phone(self) -> str:
        return decrypt(self.donor_phone_enc)


class DonationLine(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(SupplyItem, verbose_name="物资", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField("数量", **QTY)

    class Meta:
        verbose_name = "捐赠明细"
        verbose_name_plural = "捐赠明细"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["donation", "item"], name="supplies_donation_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supplies_donation_line_positive"),
        ]

    def __str__(self):
        return f"{self.item.name} {self.quantity}"


class RecipientKind(models.TextChoices):
    NODE = "node", "阵地（调拨）"
    TEAM = "team", "志愿服务队伍"
    HOUSEHOLD = "household", "住户"


class Distribution(models.Model):
    """Supplies leaving a node: to another node (a transfer: the stock moves there), to a
    team, or to a household. A household's name is kept masked only; its address encrypted."""

    from_node = models.ForeignKey("orgs.Node", verbose_name="发出阵地", on_delete=models.PROTECT, related_name="+")
    to_kind = models.CharField("发放对象", max_length=16, choices=RecipientKind.choices)
    to_node = models.ForeignKey("orgs.Node", verbose_name="接收阵地", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    to_team = models.ForeignKey("volunteers.Team", verbose_name="接收队伍", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    household_name_masked = models.CharField("住户", max_length=50, blank=True, editable=False)
    household_address_enc = models.TextField("住户地址（密文）", blank=True, editable=False)
    household_address_masked = models.CharField("住户地址", max_length=50, blank=True, editable=False)
    reason = models.CharField("用途", max_length=200)
    distributed_at = models.DateTimeField("发放时间")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "物资发放"
        verbose_name_plural = "物资发放"
        ordering = ["-distributed_at", "-id"]
        indexes = [
            models.Index(fields=["from_node", "distributed_at"], name="supplies_dist_from_idx"),
            models.Index(fields=["to_node", "distributed_at"], name="supplies_dist_to_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(to_kind="node", to_node__isnull=False, to_team__isnull=True, household_name_masked="")
                           | Q(to_kind="team", to_team__isnull=False, to_node__isnull=True, household_name_masked="")
                           | (Q(to_kind="household", to_node__isnull=True, to_team__isnull=True)
                              & ~Q(household_name_masked=""))),
                name="supplies_distribution_one_recipient"),
            models.CheckConstraint(condition=Q(to_node__isnull=True) | ~Q(to_node=F("from_node")),
                                   name="supplies_distribution_not_to_itself"),
        ]

    def __str__(self):
        return f"{self.from_node} → {self.recipient_label}"

    @property
    def recipient_label(self) -> str:
        if self.to_kind == RecipientKind.NODE:
            return str(self.to_node)
        if self.to_kind == RecipientKind.TEAM:
            return str(self.to_team)
        return f"{self.household_name_masked}（{self.household_address_masked}）"

    def reveal_household_address(self) -> str:
        return decrypt(self.household_address_enc)


class DistributionLine(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(SupplyItem, verbose_name="物资", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField("数量", **QTY)

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "item"], name="supplies_dist_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supplies_dist_line_positive"),
        ]

    def __str__(self):
        return f"{self.item.name} {self.quantity}"


class MovementKind(models.TextChoices):
    DONATION_IN = "donation_in", "捐赠入库"
    DISTRIBUTION_OUT = "distribution_out", "发放出库"
    TRANSFER_IN = "transfer_in", "调拨入库"
    TRANSFER_OUT = "transfer_out", "调拨出库"
    ADJUSTMENT = "adjustment", "盘点调整"


class StockMovement(models.Model):
    """The ledger. A row is never changed or deleted; a mistake is put right by a new row."""

    node = models.ForeignKey("orgs.Node", verbose_name="阵地", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(SupplyItem, verbose_name="物资", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField("数量（入库为正，出库为负）", **QTY)
    kind = models.CharField("类型", max_length=16, choices=MovementKind.choices)
    reason = models.CharField("说明", max_length=200, blank=True)
    donation = models.ForeignKey(Donation, verbose_name="捐赠登记", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="movements")
    distribution = models.ForeignKey(Distribution, verbose_name="发放记录", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="movements")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "库存流水"
        verbose_name_plural = "库存流水"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["node", "item", "at"], name="supplies_move_node_item_idx"),
            models.Index(fields=["item", "at"], name="supplies_move_item_idx"),
        ]
        constraints = [
            # Each kind has its sign and its source document.
            models.CheckConstraint(
                condition=(Q(kind="donation_in", quantity__gt=0, donation__isnull=False, distribution__isnull=True)
                           | Q(kind="transfer_in", quantity__gt=0, distribution__isnull=False, donation__isnull=True)
                           | Q(kind__in=["distribution_out", "transfer_out"], quantity__lt=0,
                               distribution__isnull=False, donation__isnull=True)
                           | (Q(kind="adjustment", donation__isnull=True, distribution__isnull=True)
                              & ~Q(quantity=0) & ~Q(reason=""))),
                name="supplies_movement_kind_shape"),
        ]

    def __str__(self):
        return f"{self.node} {self.item.name} {self.quantity:+}"

    # A guard against a stray .save()/.delete() in code; the services only ever insert.
    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("库存流水只能新增，不能修改；请录入盘点调整")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("库存流水不能删除；请录入盘点调整")


class Stock(models.Model):
    """Maintained total of the movements of one item at one node; never below zero."""

    node = models.ForeignKey("orgs.Node", verbose_name="阵地", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(SupplyItem, verbose_name="物资", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField("库存", **QTY, default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "库存"
        verbose_name_plural = "库存"
        ordering = ["node__path", "item__sort", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["node", "item"], name="supplies_stock_once_per_node_item"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="supplies_stock_not_negative"),
        ]

    def __str__(self):
        return f"{self.node} {self.item.name} {self.quantity}"
