"""Maintained totals behind the scoreboards (ARCHITECTURE rule 4).

Node-level figures (deductions, survey answers, findings) go to the shared figure store
(evaluation/figures.py). A unit's own board reads UnitTally: one row per (campaign, unit,
indicator) the unit answers for as lead, updated in the transaction that changes a
finding or a material review, and rebuilt from the raw rows by `scores.tallies_rebuild`.
"""

from django.db import models
from django.db.models import Q

from .campaigns import Campaign, Indicator


class UnitTally(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    deducted = models.DecimalField("扣分合计（未封顶）", max_digits=10, decimal_places=2, default=0)
    findings = models.PositiveIntegerField("问题数", default=0)
    live = models.PositiveIntegerField("未办结问题数", default=0)
    overdue = models.PositiveIntegerField("逾期问题数", default=0)
    repeats = models.PositiveIntegerField("重复问题数", default=0)
    material_score = models.DecimalField("材料审核得分", max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "单位指标得分汇总"
        verbose_name_plural = "单位指标得分汇总"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "indicator"], name="eval_tally_unique"),
            models.CheckConstraint(condition=Q(deducted__gte=0), name="eval_tally_deducted"),
        ]
        indexes = [models.Index(fields=["campaign", "indicator"], name="eval_tally_indicator_idx")]

    def __str__(self):
        return f"{self.campaign_id}/{self.unit_id}/{self.indicator_id}"

