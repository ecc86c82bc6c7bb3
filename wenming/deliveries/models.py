"""Delivery runs (代购 + 配送): a station gathers the open purchase requests of its area into
one run, buys for every household from one summed list, and delivers door to door; each
household confirms its own delivery (its receipt code at the door, or on the tracking page),
or the stop is marked with a reason. The run closes when no stop is left pending.

A request belongs to at most one pending stop (a partial unique constraint), so two runs
cannot both promise the same household. The request itself moves through the ordinary
workflow states (accepted → in progress → completed) with its own events.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class RunStatus(models.TextChoices):
    GATHERING = "gathering", "组单中"
    PURCHASING = "purchasing", "采购中"
    DELIVERING = "delivering", "配送中"
    CLOSED = "closed", "已完成"
    CANCELLED = "cancelled", "已取消"


OPEN_RUN_STATUSES = (RunStatus.GATHERING, RunStatus.PURCHASING, RunStatus.DELIVERING)


class DeliveryRun(models.Model):
    node = models.ForeignKey("orgs.Node", verbose_name="组织阵地", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("批次名称", max_length=60)
    planned_for = models.DateField("计划配送日期", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    status = models.CharField("状态", max_length=16, choices=RunStatus.choices, default=RunStatus.GATHERING)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间")
    purchasing_at = models.DateTimeField("开始采购", null=True, blank=True)
    delivering_at = models.DateTimeField("开始配送", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "代购配送批次"
        verbose_name_plural = "代购配送批次"
        ordering = ["-id"]
        indexes = [models.Index(fields=["node", "status"], name="run_node_status_idx")]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RUN_STATUSES


class RunVolunteer(models.Model):
    """A volunteer on the run. Leaving is allowed with a reason (志愿服务条例 art. 25)."""

    run = models.ForeignKey(DeliveryRun, on_delete=models.CASCADE, related_name="members")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.PROTECT, related_name="delivery_runs")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    assigned_at = models.DateTimeField("加入时间")
    left_at = models.DateTimeField("退出时间", null=True, blank=True)
    leave_reason = models.CharField("退出原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "配送志愿者"
        verbose_name_plural = "配送志愿者"
        ordering = ["run_id", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "volunteer"], name="run_volunteer_once")]

    def __str__(self):
        return f"{self.run_id} · {self.volunteer_id}"


class StopStatus(models.TextChoices):
    PENDING = "pending", "待送达"
    CONFIRMED = "confirmed", "住户已确认"
    MARKED = "marked", "未送达（已注明原因）"


class ConfirmedVia(models.TextChoices):
    DOOR_CODE = "door_code", "上门核对收货码"
    RESIDENT = "resident", "住户在进度页确认"
    STAFF_CALL = "staff_call", "工作人员电话回访确认"  # no SMS (a landline), no tracking code


class StopOutcome(models.TextChoices):
    """What happens to the request of a stop marked undelivered."""

    REQUEUE = "requeue", "退回待派单（可再派单或纳入下一批）"
    CANCEL = "cancel", "住户不再需要，点单办结"


class DeliveryStop(models.Model):
    """One household (one request) on a run."""

    run = models.ForeignKey(DeliveryRun, on_delete=models.CASCADE, related_name="stops")
    demand = models.ForeignKey("demands.Demand", on_delete=models.PROTECT, related_name="delivery_stops")
    status = models.CharField("状态", max_length=16, choices=StopStatus.choices, default=StopStatus.PENDING)
    # The household's receipt code (收货码), sent by SMS when delivery starts; hash only.
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_sent_at = models.DateTimeField("收货码发送时间", null=True, blank=True)
    code_tries = models.PositiveSmallIntegerField("收货码错误次数", default=0)  # counted in the database
    amount = models.DecimalField("该户金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_via = models.CharField("确认方式", max_length=16, choices=ConfirmedVia.choices, blank=True)
    marked_reason = models.CharField("未送达原因", max_length=200, blank=True)
    confirm_note = models.CharField("确认说明", max_length=200, blank=True)
    outcome = models.CharField("点单去向", max_length=16, choices=StopOutcome.choices, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    added_at = models.DateTimeField("纳入时间")

    class Meta:
        verbose_name = "配送住户"
        verbose_name_plural = "配送住户"
        ordering = ["run_id", "id"]
        constraints = [
            # a request waits on one run at a time: two runs cannot both promise the household
            models.UniqueConstraint(fields=["demand"], condition=Q(status="pending"), name="stop_one_pending_per_demand"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="stop_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.run_id} · {self.demand_id}"


class DeliveryReceipt(models.Model):
    """A purchase receipt (购物小票) for the run's buying, with an optional photo."""

    run = models.ForeignKey(DeliveryRun, on_delete=models.CASCADE, related_name="receipts")
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    shop = models.CharField("购买地点", max_length=60)
    note = models.CharField("说明", max_length=200, blank=True)
    image = models.OneToOneField("core.StoredImage", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "采购小票"
        verbose_name_plural = "采购小票"
        ordering = ["run_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="receipt_amount_not_negative")]

    def __str__(self):
        return f"{self.run_id} · {self.shop} {self.amount}"
