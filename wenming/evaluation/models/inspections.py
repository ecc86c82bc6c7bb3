"""Inspection rounds (督查), their findings, rectification (整改) and accountability (问责).

A finding is a rectification task: its status and deadline live on it; every step is an
append-only FindingEvent. Findings are never deleted, only withdrawn with a reason.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .campaigns import Campaign, Indicator, Severity
from .duties import DutyRole, Site


class RoundStatus(models.TextChoices):
    PLANNED = "planned", "计划中"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


class InspectionRound(models.Model):
    """A round planned by an inspector. Unannounced rounds are never shown to units: they
    see a finding only once it is recorded."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="rounds")
    node = models.ForeignKey("orgs.Node", verbose_name="督查范围", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("名称", max_length=100)
    planned_on = models.DateField("督查日期")
    announced = models.BooleanField("提前通知", default=False)
    status = models.CharField("状态", max_length=12, choices=RoundStatus.choices, default=RoundStatus.PLANNED)
    sites = models.ManyToManyField(Site, verbose_name="点位", related_name="rounds", blank=True)
    indicators = models.ManyToManyField(Indicator, verbose_name="指标", related_name="rounds", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督查员", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "督查"
        verbose_name_plural = "督查"
        ordering = ["-planned_on", "-id"]

    def __str__(self):
        return self.title


class FindingStatus(models.TextChoices):
    OPEN = "open", "待整改"
    ANSWERED = "answered", "待复查"
    RETURNED = "returned", "复查未通过"
    ACCEPTED = "accepted", "已整改"
    WITHDRAWN = "withdrawn", "已撤销"


# States in which the unit still owes a rectification.
OWED = (FindingStatus.OPEN, FindingStatus.RETURNED)
LIVE = (FindingStatus.OPEN, FindingStatus.ANSWERED, FindingStatus.RETURNED)


class Finding(models.Model):
    """A problem found at a site against an indicator: a deduction and a rectification task."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="findings")
    round = models.ForeignKey(InspectionRound, on_delete=models.PROTECT, related_name="findings")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="findings")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")  # the site's, for scope
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="findings")
    deduction = models.ForeignKey(Indicator, verbose_name="扣分项", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="deduction_findings")
    lead_unit = models.ForeignKey("orgs.Unit", verbose_name="责任单位", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="evaluation_findings")
    description = models.TextField("问题描述", max_length=2000)
    points = models.DecimalField("扣分", max_digits=6, decimal_places=2)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices, default=Severity.MINOR)
    status = models.CharField("状态", max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    observed_at = models.DateTimeField("发现时间")
    recorded_at = models.DateTimeField("录入时间")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督查员", on_delete=models.PROTECT,
                                    related_name="+")
    # Position check like check-in: pass/fail and the distance only, never the coordinates.
    position_passed = models.BooleanField("位置核验", null=True, blank=True)
    distance_m = models.PositiveIntegerField("距点位（米）", null=True, blank=True)
    deadline = models.DateTimeField("整改期限")
    repeat_of = models.ForeignKey("self", verbose_name="重复问题（前次）", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="repeats")
    overdue = models.BooleanField("已逾期", default=False)
    reminded_at = models.DateTimeField("催办时间", null=True, blank=True)
    escalated_at = models.DateTimeField("上报创建办时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    number = models.CharField("问题编号", max_length=24, unique=True)
    # The recording form's one-time id: a second tap (or a retried upload) finds the first
    # finding instead of recording and deducting it twice.
    submission_id = models.UUIDField("提交编号", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "督查问题"
        verbose_name_plural = "督查问题"
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="eval_finding_points"),
            models.UniqueConstraint(fields=["recorded_by", "submission_id"], condition=Q(submission_id__isnull=False),
                                    name="eval_finding_once_per_submission"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "deadline"], name="eval_finding_due_idx"),
            models.Index(fields=["site", "indicator", "recorded_at"], name="eval_finding_repeat_idx"),
            models.Index(fields=["campaign", "lead_unit", "status"], name="eval_finding_unit_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_owed(self) -> bool:
        """The unit still owes the rectification."""
        return self.status in OWED

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def counts(self) -> bool:
        """A withdrawn finding deducts nothing."""
        return self.status != FindingStatus.WITHDRAWN


class FindingUnit(models.Model):
    """Where a finding was routed: the lead unit and the cooperating ones."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="routes")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="evaluation_routes")
    role = models.CharField("职责", max_length=8, choices=DutyRole.choices)

    class Meta:
        verbose_name = "问题交办"
        verbose_name_plural = "问题交办"
        constraints = [models.UniqueConstraint(fields=["finding", "unit"], name="eval_route_unique")]
        indexes = [models.Index(fields=["unit", "finding"], name="eval_route_unit_idx")]

    def __str__(self):
        return f"{self.finding_id} → {self.unit_id} ({self.role})"



class EventKind(models.TextChoices):
    RECORDED = "recorded", "录入问题"
    ANSWERED = "answered", "提交整改"
    RETURNED = "returned", "复查退回"
    ACCEPTED = "accepted", "复查通过"
    REMINDED = "reminded", "逾期催办"
    ESCALATED = "escalated", "上报创建办"
    WITHDRAWN = "withdrawn", "撤销"


class FindingEvent(models.Model):
    """One step of a finding's life (append-only)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("说明", blank=True, max_length=2000)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "问题处理记录"
        verbose_name_plural = "问题处理记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.finding_id} {self.kind}"



class FindingPhoto(models.Model):
    """A photo of the problem (event = the recording) or of the rectification (an answer)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(FindingEvent, on_delete=models.CASCADE, related_name="photos")
    image = models.OneToOneField("core.StoredImage", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "问题照片"
        verbose_name_plural = "问题照片"
        ordering = ["id"]

    def __str__(self):
        return f"{self.finding_id} #{self.pk}"



class AccountabilityKind(models.TextChoices):
    REMIND = "remind", "提醒"
    TALK = "talk", "约谈"
    NOTICE = "notice", "通报"


class Accountability(models.Model):
    """An accountability decision under the 考核奖惩办法 (append-only)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="accountabilities")
    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    finding = models.ForeignKey(Finding, verbose_name="相关问题", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="accountabilities")
    kind = models.CharField("方式", max_length=8, choices=AccountabilityKind.choices)
    reason = models.TextField("事由", max_length=2000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("决定时间")

    class Meta:
        verbose_name = "问责记录"
        verbose_name_plural = "问责记录"
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.unit_id} {self.get_kind_display()}"

