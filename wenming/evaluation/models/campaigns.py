"""Evaluation campaigns and their indicator system (测评体系): all configuration, per year."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "筹备中"
    ACTIVE = "active", "测评中"
    CLOSED = "closed", "已结束"


class Campaign(models.Model):
    """One evaluation (e.g. 2023年度全国文明城市测评) over a node's subtree."""

    name = models.CharField("名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    node = models.ForeignKey("orgs.Node", verbose_name="测评范围", on_delete=models.PROTECT,
                             related_name="evaluation_campaigns")
    status = models.CharField("状态", max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    # Rectification deadlines by severity, in days from the finding (configuration).
    days_minor = models.PositiveSmallIntegerField("一般问题整改期限（天）", default=7)
    days_major = models.PositiveSmallIntegerField("较重问题整改期限（天）", default=3)
    days_severe = models.PositiveSmallIntegerField("严重问题整改期限（天）", default=1)
    escalate_after_days = models.PositiveSmallIntegerField("逾期几天后上报创建办", default=3)
    repeat_window_days = models.PositiveSmallIntegerField("重复问题认定期（天）", default=90)
    red_list_size = models.PositiveSmallIntegerField("红榜名额", default=10)
    black_list_size = models.PositiveSmallIntegerField("黑榜名额", default=10)
    red_min_rate = models.DecimalField("红榜最低得分率（%）", max_digits=5, decimal_places=2, default=90)
    black_below_rate = models.DecimalField("得分率低于（%）进黑榜", max_digits=5, decimal_places=2, default=60)
    copied_from = models.ForeignKey("self", verbose_name="复制自", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="copies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "测评活动"
        verbose_name_plural = "测评活动"
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["node", "name"], name="eval_campaign_unique_name"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="eval_campaign_dates"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="eval_campaign_year"),
            models.CheckConstraint(condition=Q(red_min_rate__gte=0, red_min_rate__lte=100,
                                               black_below_rate__gte=0, black_below_rate__lte=100),
                                   name="eval_campaign_list_rates"),
        ]

    def __str__(self):
        return self.name

    def days_for(self, severity: str) -> int:
        return {Severity.MINOR: self.days_minor, Severity.MAJOR: self.days_major,
                Severity.SEVERE: self.days_severe}[severity]


class Severity(models.TextChoices):
    MINOR = "minor", "一般"
    MAJOR = "major", "较重"
    SEVERE = "severe", "严重"


class SubSystem(models.Model):
    """A part scored apart (e.g. 未成年人思想道德建设): its own floor, and a share of the total."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="subsystems")
    name = models.CharField("名称", max_length=60)
    floor_percent = models.DecimalField("门槛得分率（%）", max_digits=5, decimal_places=2, default=0)
    share_percent = models.DecimalField("占总分比例（%）", max_digits=5, decimal_places=2, default=0)

    class Meta:
        verbose_name = "单列测评体系"
        verbose_name_plural = "单列测评体系"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="eval_subsystem_unique_name"),
            models.CheckConstraint(condition=Q(floor_percent__gte=0, floor_percent__lte=100), name="eval_sub_floor"),
            models.CheckConstraint(condition=Q(share_percent__gte=0, share_percent__lt=100), name="eval_sub_share"),
        ]

    def __str__(self):
        return self.name


class Level(models.TextChoices):
    AREA = "area", "测评项目"  # e.g. 政务环境
    ITEM = "item", "测评内容"
    INDICATOR = "indicator", "测评指标"  # the scored leaf: points, rule
    DEDUCTION = "deduction", "扣分项"  # a typical problem under an indicator, with its deduction


LEVEL_RANK = {Level.AREA: 1, Level.ITEM: 2, Level.INDICATOR: 3, Level.DEDUCTION: 4}


class Method(models.TextChoices):
    """The data-collection methods of the national evaluation system."""

    REPORT = "report", "听取汇报"
    MATERIAL = "material", "材料审核"
    SURVEY = "survey", "问卷调查"
    ONLINE = "online", "网络调查"
    FIELD = "field", "实地考察"
    OBSERVE = "observe", "整体观察"


class Rule(models.TextChoices):
    """How an indicator is scored."""

    DEDUCT = "deduct", "按问题扣分（扣完为止）"
    SURVEY = "survey", "按问卷达标率计分"
    MATERIAL = "material", "按材料审核评分"


class Indicator(models.Model):
    """A node of the indicator tree. Scores are kept at level `indicator`; areas and items
    sum their indicators; deduction items name typical problems and their points."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    code = models.CharField("编号", max_length=20, help_text="如 3.2.1，活动内唯一")
    name = models.CharField("名称", max_length=200)
    points = models.DecimalField("分值", max_digits=6, decimal_places=2, default=0)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=2, default=1)
    methods = models.JSONField("测评方式", default=list, blank=True)
    site_types = models.ManyToManyField("SiteType", verbose_name="实地考察点位类型", blank=True,
                                        related_name="indicators")
    rule = models.CharField("计分规则", max_length=12, choices=Rule.choices, default=Rule.DEDUCT)
    deduct_points = models.DecimalField("每处问题扣分", max_digits=6, decimal_places=2, default=0)
    survey_full_rate = models.DecimalField("问卷满分达标率（%）", max_digits=5, decimal_places=2, default=90)
    survey_zero_rate = models.DecimalField("问卷零分线（%）", max_digits=5, decimal_places=2, default=60)
    subsystem = models.ForeignKey(SubSystem, verbose_name="单列体系", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="indicators")
    is_feature = models.BooleanField("特色指标", default=False)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "测评指标"
        verbose_name_plural = "测评指标"
        ordering = ["campaign", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="eval_indicator_unique_code"),
            models.CheckConstraint(condition=Q(points__gte=0), name="eval_indicator_points"),
            models.CheckConstraint(condition=Q(deduct_points__gte=0), name="eval_indicator_deduct"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="eval_indicator_weight"),
            models.CheckConstraint(condition=Q(survey_zero_rate__lte=models.F("survey_full_rate")),
                                   name="eval_indicator_survey_rates"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_scored(self) -> bool:
        return self.level == Level.INDICATOR


class SiteType(models.Model):
    """A kind of inspection site (农贸市场, 背街小巷…): configuration shared by all campaigns."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "点位类型"
        verbose_name_plural = "点位类型"
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name
