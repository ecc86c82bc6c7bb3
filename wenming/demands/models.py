"""Residents' requests (群众点单): the request, its items, the offers made to volunteers or
teams, the history of every transition, and the phone check of the public form.

The resident's phone and exact address are personal data: stored encrypted with a masked
copy; who may see them in clear is decided in services (volunteers only after accepting,
nobody after closure except staff with the privilege, always audited).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from wenming.core.crypto import decrypt


class DemandCategory(models.Model):
    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=40)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)
    skills = models.ManyToManyField("volunteers.Skill", verbose_name="适合的技能", blank=True, related_name="+")
    is_purchase = models.BooleanField("代购类（可填物品清单）", default=False)

    class Meta:
        verbose_name = "点单类别"
        verbose_name_plural = "点单类别"
        ordering = ["sort", "code"]

    def __str__(self):
        return self.name


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"
    CRITICAL = "critical", "特急"


class Channel(models.TextChoices):
    WEB = "web", "群众自助点单"
    HOTLINE = "hotline", "电话点单（工作人员录入）"


class DemandStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    REVIEWED = "reviewed", "已受理"
    REJECTED = "rejected", "未受理"
    DISPATCHED = "dispatched", "已派单"
    ACCEPTED = "accepted", "已接单"
    IN_PROGRESS = "in_progress", "服务中"
    COMPLETED = "completed", "已完成"
    RATED = "rated", "已评价"
    CLOSED = "closed", "已办结"


OPEN_STATUSES = (DemandStatus.SUBMITTED, DemandStatus.REVIEWED, DemandStatus.DISPATCHED, DemandStatus.ACCEPTED,
                 DemandStatus.IN_PROGRESS)


class Demand(models.Model):
    tracking_no = models.CharField("点单编号", max_length=20, unique=True)
    # A second factor for the public tracking page (hash only), given to the resident once.
    tracking_code_hash = models.CharField(max_length=64, editable=False)
    node = models.ForeignKey("orgs.Node", verbose_name="负责阵地", on_delete=models.PROTECT, related_name="demands")
    routed_by = models.CharField("分派依据", max_length=16, blank=True)  # grid / position / address / fallback
    escalations = models.PositiveSmallIntegerField("上报次数", default=0)
    category = models.ForeignKey(DemandCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="+")
    description = models.TextField("需求描述")
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    preferred_time = models.CharField("期望时间", max_length=60, blank=True)
    channel = models.CharField("来源", max_length=16, choices=Channel.choices, default=Channel.WEB)

    resident_name_masked = models.CharField("联系人", max_length=40)
    resident_name_enc = models.TextField(editable=False)
    phone_enc = models.TextField(editable=False)
    phone_hash = models.CharField(max_length=64, editable=False, db_index=True)
    phone_masked = models.CharField("联系电话", max_length=20)
    address_enc = models.TextField(editable=False)
    address_masked = models.CharField("地址", max_length=120)
    grid = models.ForeignKey("orgs.Node", verbose_name="所在网格", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    lat = models.DecimalField("纬度", max_digits=8, decimal_places=3, null=True, blank=True)  # coarse, ~100 m
    lon = models.DecimalField("经度", max_digits=8, decimal_places=3, null=True, blank=True)

    status = models.CharField("状态", max_length=16, choices=DemandStatus.choices, default=DemandStatus.SUBMITTED)
    due_at = models.DateTimeField("当前环节时限", null=True, blank=True)
    reject_reason = models.CharField("未受理原因", max_length=200, blank=True)
    accepted_by = models.ForeignKey("volunteers.Volunteer", verbose_name="接单志愿者", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="accepted_demands")
    accepted_team = models.ForeignKey("volunteers.Team", verbose_name="接单队伍", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    proof_note = models.TextField("完成说明", blank=True)
    receipt_amount = models.DecimalField("小票金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)
    rating = models.PositiveSmallIntegerField("评分", null=True, blank=True)
    rating_comment = models.CharField("评价", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # The resident's own account, when they filed the request logged in (我的点单 also finds
    # requests by the phone an account has proven: demands/mine.py).
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交账号", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", editable=False)
    submitted_at = models.DateTimeField("提交时间")
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)  # done: by a volunteer, or delivered
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "群众点单"
        verbose_name_plural = "群众点单"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["node", "status"], name="demand_node_status_idx"),
            models.Index(fields=["status", "due_at"], name="demand_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="demand_rating_1_5"),
            models.CheckConstraint(condition=Q(receipt_amount__isnull=True) | Q(receipt_amount__gte=0),
                                   name="demand_receipt_not_negative"),
        ]

    def __str__(self):
        return f"{self.tracking_no} · {self.category}"

    def reveal_phone(self) -> str:
        return decrypt(self.phone_enc)

    def reveal_address(self) -> str:
        return decrypt(self.address_enc)

    def reveal_name(self) -> str:
        return decrypt(self.resident_name_enc)


class DemandItem(models.Model):
    """One line of a purchase request (代购清单)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="items")
    name = models.CharField("物品", max_length=60)
    quantity = models.DecimalField("数量", max_digits=10, decimal_places=2)
    unit = models.CharField("单位", max_length=10, blank=True)
    budget = models.DecimalField("预算（元）", max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "点单物品"
        verbose_name_plural = "点单物品"
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="demand_item_quantity_positive")]

    def __str__(self):
        return f"{self.name} × {self.quantity}{self.unit}"


class OfferStatus(models.TextChoices):
    QUEUED = "queued", "排队中"  # a lower-ranked candidate, offered when those before decline
    OFFERED = "offered", "待接单"
    ACCEPTED = "accepted", "已接单"
    DECLINED = "declined", "已婉拒"
    EXPIRED = "expired", "已超时"
    WITHDRAWN = "withdrawn", "已撤回"


class Offer(models.Model):
    """A dispatch offer (派单) to one volunteer or to a team; an offer can be declined (志愿服务
    条例 art. 25: nobody is forced to serve). The first acceptance wins the request."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="offers")
    volunteer = models.ForeignKey("volunteers.Volunteer", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="demand_offers")
    team = models.ForeignKey("volunteers.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField("候选排名", default=1)
    status = models.CharField("状态", max_length=16, choices=OfferStatus.choices, default=OfferStatus.OFFERED)
    offered_at = models.DateTimeField("派单时间", null=True, blank=True)
    expires_at = models.DateTimeField("接单时限", null=True, blank=True)
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    decline_reason = models.CharField("婉拒原因", max_length=200, blank=True)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = "派单"
        verbose_name_plural = "派单"
        ordering = ["demand_id", "rank", "id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(volunteer__isnull=False) ^ Q(team__isnull=False),
                                   name="offer_volunteer_xor_team"),
            # never offered the same request twice: a volunteer who declined is not asked again
            models.UniqueConstraint(fields=["demand", "volunteer"], condition=Q(volunteer__isnull=False),
                                    name="offer_once_per_volunteer"),
            models.UniqueConstraint(fields=["demand", "team"], condition=Q(team__isnull=False),
                                    name="offer_once_per_team"),
        ]

    def __str__(self):
        return f"{self.demand.tracking_no} → {self.volunteer or self.team}"


class DemandEvent(models.Model):
    """The history of a request: who moved it from which state to which, when, and why."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField("操作人", max_length=60)
    action = models.CharField("操作", max_length=32)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "点单记录"
        verbose_name_plural = "点单记录"
        ordering = ["demand_id", "at", "id"]

    def __str__(self):
        return f"{self.demand_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class DemandPhoto(models.Model):
    """A proof photo (checked, EXIF-stripped, stored outside the web root by core.uploads)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="photos")
    image = models.OneToOneField("core.StoredImage", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "完成照片"
        verbose_name_plural = "完成照片"
        ordering = ["demand_id", "id"]

    def __str__(self):
        return f"{self.demand_id} · {self.image_id}"


class VolunteerDemandStats(models.Model):
    """Per-volunteer summary that candidate ranking reads (ARCHITECTURE rule 4): requests in
    hand (accepted or in progress), completed, and the residents' ratings. Kept by the
    workflow in the transaction of each accept, complete and rate (F() updates); checked
    against the requests themselves by `wenming manage rebuild_demand_stats`."""

    volunteer = models.OneToOneField("volunteers.Volunteer", primary_key=True, on_delete=models.CASCADE,
                                     related_name="demand_stats")
    open_load = models.PositiveIntegerField("在办点单", default=0)
    completed = models.PositiveIntegerField("已完成点单", default=0)
    rated_count = models.PositiveIntegerField("评价次数", default=0)
    rating_sum = models.PositiveIntegerField("评分合计", default=0)

    class Meta:
        verbose_name = "志愿者点单统计"
        verbose_name_plural = "志愿者点单统计"

    def __str__(self):
        return f"{self.volunteer_id} 在办 {self.open_load} · 完成 {self.completed}"
