"""Honour campaigns (先进典型评选): a category, the organising office, the stages in order
with their planned dates, the rules (who may nominate, places, the vote's limits) and the
review criteria. All of it is configuration: every city and year differs."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class NomineeKind(models.TextChoices):
    VOLUNTEER = "volunteer", "志愿者"
    RESIDENT = "resident", "群众个人"
    FAMILY = "family", "家庭"
    UNIT = "unit", "单位"
    TEAM = "team", "志愿服务队伍"


class HonourCategory(models.Model):
    """道德模范, 身边好人, 最美人物, 优秀志愿者, 星级志愿者, 新时代好少年, 文明家庭… (seeded
    by a migration; offices add their own)."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    nominee_kinds = models.JSONField("可推荐对象", default=list)  # NomineeKind values
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "典型类别"
        verbose_name_plural = "典型类别"
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class Stage(models.TextChoices):
    """In this order; `voting` is skipped when the campaign has no public vote."""

    DRAFT = "draft", "筹备中"
    NOMINATING = "nominating", "推荐报名"
    INITIAL_REVIEW = "initial_review", "初审"
    VOTING = "voting", "网络投票"
    FINAL_REVIEW = "final_review", "复审"
    NOTICE = "notice", "公示"
    ANNOUNCED = "announced", "已公布"
    CANCELLED = "cancelled", "已取消"


STAGE_ORDER = [Stage.DRAFT, Stage.NOMINATING, Stage.INITIAL_REVIEW, Stage.VOTING, Stage.FINAL_REVIEW, Stage.NOTICE,
               Stage.ANNOUNCED]


class HonourLevel(models.TextChoices):
    COUNTY = "county", "县级"
    CITY = "city", "市级"
    PROVINCE = "province", "省级"


class HonourCampaign(models.Model):
    category = models.ForeignKey(HonourCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="campaigns")
    node = models.ForeignKey("orgs.Node", verbose_name="主办文明办", on_delete=models.PROTECT, related_name="+")
    level = models.CharField("级别", max_length=10, choices=HonourLevel.choices)
    name = models.CharField("名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    intro = models.TextField("评选说明", blank=True, max_length=5000)
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices, default=Stage.DRAFT)
    # the plan: shown to everyone; the stage moves only when the office moves it
    nominate_from = models.DateField("推荐开始")
    nominate_until = models.DateField("推荐截止")
    vote_from = models.DateTimeField("投票开始", null=True, blank=True)
    vote_until = models.DateTimeField("投票截止", null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField("公示天数", default=7)
    notice_from = models.DateTimeField("公示开始", null=True, blank=True)
    announced_at = models.DateTimeField("公布时间", null=True, blank=True)
    # rules
    places = models.PositiveSmallIntegerField("名额")
    by_units = models.BooleanField("文明单位可推荐", default=True)
    by_nodes = models.BooleanField("各级文明办/阵地可推荐", default=True)
    self_nomination = models.BooleanField("可自荐", default=False)
    recommenders_required = models.PositiveSmallIntegerField("自荐须联名推荐人数", default=3)
    vote_enabled = models.BooleanField("网络投票", default=True)
    votes_per_nominee_per_day = models.PositiveSmallIntegerField("每个手机号每天可投同一人", default=1)
    votes_per_day = models.PositiveSmallIntegerField("每个手机号每天最多投票", default=5)
    votes_per_address_per_hour = models.PositiveIntegerField("同一网络地址每小时最多投票", default=60)
    vote_weight_percent = models.PositiveSmallIntegerField("投票占复审参考比重（%）", default=20)
    priority_label = models.CharField("优先推荐标识", max_length=30, blank=True, default="抗疫一线")
    selected_count = models.PositiveSmallIntegerField("已拟表彰", default=0)  # ≤ places: a DB check
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评选活动"
        verbose_name_plural = "评选活动"
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(selected_count__lte=F("places")), name="honour_selected_within_places"),
            models.CheckConstraint(condition=Q(nominate_until__gte=F("nominate_from")), name="honour_nominate_dates"),
            models.CheckConstraint(condition=Q(votes_per_day__gte=1) & Q(votes_per_nominee_per_day__gte=1),
                                   name="honour_vote_limits_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def stages(self) -> list[str]:
        return [s for s in STAGE_ORDER if s != Stage.VOTING or self.vote_enabled]


class Criterion(models.Model):
    """A review criterion with its full points (事迹突出 30, 群众认可 20 …)."""

    campaign = models.ForeignKey(HonourCampaign, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField("评审标准", max_length=60)
    points = models.PositiveSmallIntegerField("满分")
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评审标准"
        verbose_name_plural = "评审标准"
        ordering = ["campaign", "sort", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="honour_criterion_unique")]

    def __str__(self):
        return f"{self.name}（{self.points}分）"
