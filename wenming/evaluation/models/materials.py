"""Material review (材料审核): a unit's material per indicator, scored by a reviewer."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .campaigns import Campaign, Indicator


class MaterialStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    SCORED = "scored", "已评分"
    RETURNED = "returned", "退回补充"


class Material(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="materials")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="materials")
    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("材料说明", max_length=5000)
    file = models.CharField("附件", max_length=255, blank=True)  # a name in the file store
    file_name = models.CharField("附件名", max_length=120, blank=True)
    status = models.CharField("状态", max_length=12, choices=MaterialStatus.choices, default=MaterialStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间")
    score = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "测评材料"
        verbose_name_plural = "测评材料"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0), name="eval_material_score"),
            models.CheckConstraint(condition=~Q(status="scored") | Q(score__isnull=False),
                                   name="eval_material_scored_has_score"),
            # one submission waiting for review per unit and indicator
            models.UniqueConstraint(fields=["campaign", "unit", "indicator"], condition=Q(status="submitted"),
                                    name="eval_material_one_pending"),
        ]
        indexes = [models.Index(fields=["campaign", "unit", "indicator"], name="eval_material_unit_idx")]

    def __str__(self):
        return f"{self.indicator_id} {self.unit_id} {self.get_status_display()}"

