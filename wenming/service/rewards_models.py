"""The rewards shop (爱心超市): items with stock, redeemed with points, collected with a
one-time code. Stock and the points balance are CHECK-guarded and moved only by
conditional UPDATEs, so concurrent redemptions can never take either below zero."""

from django.db import models
from django.db.models import Q


class RewardItem(models.Model):
    node = models.ForeignKey("orgs.Node", verbose_name="所属阵地", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("物品", max_length=100)
    description = models.CharField("说明", max_length=200, blank=True)
    points_cost = models.PositiveIntegerField("所需积分")
    stock = models.PositiveIntegerField("库存", default=0)
    active = models.BooleanField("上架", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "爱心超市物品"
        verbose_name_plural = "爱心超市物品"
        ordering = ["node", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(points_cost__gte=1), name="reward_cost_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_not_negative"),
        ]

    def __str__(self):
        return self.name


class RedemptionStatus(models.TextChoices):
    PENDING = "pending", "待领取"
    COLLECTED = "collected", "已领取"


class Redemption(models.Model):
    item = models.ForeignKey(RewardItem, on_delete=models.PROTECT, related_name="redemptions")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField("花费积分")
    code = models.CharField("兑换码", max_length=16, unique=True)
    status = models.CharField("状态", max_length=16, choices=RedemptionStatus.choices,
                              default=RedemptionStatus.PENDING)
    created_at = models.DateTimeField("兑换时间", auto_now_add=True)
    collected_at = models.DateTimeField("领取时间", null=True, blank=True)

    class Meta:
        verbose_name = "积分兑换"
        verbose_name_plural = "积分兑换"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.volunteer} · {self.item}"
