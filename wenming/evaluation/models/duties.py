"""The negative-list duty table (负面清单责任分解表) and inspection sites (点位)."""

from django.db import models
from django.db.models import Q

from .campaigns import Campaign, Indicator, SiteType


class DutyRole(models.TextChoices):
    LEAD = "lead", "牵头单位"
    COOP = "coop", "配合单位"


class Duty(models.Model):
    """An indicator (or deduction item) given to a unit: one plan and one task force per
    indicator, the unit's head answering for it (一把手负总责)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="duties")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE, related_name="duties")
    unit = models.ForeignKey("orgs.Unit", verbose_name="责任单位", on_delete=models.PROTECT,
                             related_name="evaluation_duties")
    role = models.CharField("职责", max_length=8, choices=DutyRole.choices, default=DutyRole.LEAD)
    head_name = models.CharField("责任领导", max_length=50, blank=True)
    head_title = models.CharField("领导职务", max_length=50, blank=True)
    plan = models.TextField("工作方案", blank=True, max_length=5000)
    plan_file = models.CharField("方案附件", max_length=255, blank=True)  # a name in the file store
    plan_file_name = models.CharField("方案附件名", max_length=120, blank=True)
    task_force = models.CharField("工作专班", max_length=500, blank=True)
    due_on = models.DateField("完成时限", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "责任分解"
        verbose_name_plural = "责任分解"
        ordering = ["indicator__sort", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit"], name="eval_duty_unique_unit"),
            # One lead unit per indicator: the one whose head answers for it.
            models.UniqueConstraint(fields=["indicator"], condition=Q(role="lead"), name="eval_duty_one_lead"),
        ]
        indexes = [models.Index(fields=["campaign", "unit"], name="eval_duty_unit_idx")]

    def __str__(self):
        return f"{self.indicator.code} {self.unit}"


class Site(models.Model):
    """An inspection site (点位) on the node tree."""

    node = models.ForeignKey("orgs.Node", verbose_name="所属阵地/区域", on_delete=models.PROTECT,
                             related_name="evaluation_sites")
    site_type = models.ForeignKey(SiteType, verbose_name="点位类型", on_delete=models.PROTECT, related_name="sites")
    name = models.CharField("名称", max_length=100)
    code = models.CharField("点位编码", max_length=32, unique=True)
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    radius_m = models.PositiveIntegerField("核验半径（米）", default=300)
    unit = models.ForeignKey("orgs.Unit", verbose_name="点位责任单位", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="evaluation_sites",
                             help_text="点位的属地或管理单位；某指标另有责任单位的，在点位责任中指定")
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "测评点位"
        verbose_name_plural = "测评点位"
        ordering = ["node__path", "site_type__sort", "name"]
        constraints = [
            models.UniqueConstraint(fields=["node", "name"], name="eval_site_unique_name"),
            models.CheckConstraint(condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="eval_site_lat"),
            models.CheckConstraint(condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180),
                                   name="eval_site_lon"),
            models.CheckConstraint(condition=Q(radius_m__gte=10, radius_m__lte=5000), name="eval_site_radius"),
        ]

    def __str__(self):
        return self.name


class SiteDuty(models.Model):
    """The unit that answers for one indicator at one site, where it differs from the duty
    table (e.g. the market's operator for 农贸市场 hygiene)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="duties")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="site_duties")
    unit = models.ForeignKey("orgs.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "点位责任"
        verbose_name_plural = "点位责任"
        constraints = [models.UniqueConstraint(fields=["site", "indicator"], name="eval_siteduty_unique")]

    def __str__(self):
        return f"{self.site} {self.indicator.code} {self.unit}"
