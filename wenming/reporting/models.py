"""Information reports (信息报送): a unit or a node reports its work upward; reviewers above
approve or return it with a comment; approved reports may be published on the portal.

A report lives at a node (`node`): the authoring node, or the node the unit was attached
to when the report was written; every scope, review and figure goes by that node. The
period is a month (`period` = its first day). Status changes only by conditional UPDATEs
in services.py; each change leaves a ReportReview row and an audit row. docs/reporting.md
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

MAX_IMAGES = 9  # a WeChat-style grid of photos per report


class ReportCategory(models.Model):
    """A kind of report (工作动态, 经验做法 …): edited in the admin, seeded by a data migration."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=30, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    # A retired category keeps its reports but is not offered for new ones.
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "报送类别"
        verbose_name_plural = "报送类别"
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"
    PUBLISHED = "published", "已公开发布"


S = ReportStatus
EDITABLE = (S.DRAFT, S.RETURNED)


class InfoReport(models.Model):
    node = models.ForeignKey("orgs.Node", verbose_name="所属阵地", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgs.Unit", verbose_name="报送单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text="文明单位报送时填写；阵地自身报送时为空")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撰写人", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文", blank=True, help_text="纯文本，空行分段；显示时转义")
    category = models.ForeignKey(ReportCategory, verbose_name="类别", on_delete=models.PROTECT, related_name="+")
    period = models.DateField("报送期间", help_text="月份（存为当月 1 日）")
    status = models.CharField("状态", max_length=16, choices=ReportStatus.choices, default=S.DRAFT)
    image_count = models.PositiveSmallIntegerField("图片数", default=0, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最近审核人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    first_submitted_at = models.DateTimeField("首次提交时间", null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField("最近提交时间", null=True, blank=True, editable=False)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True, editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "信息报送"
        verbose_name_plural = "信息报送"
        ordering = ["-period", "-id"]
        indexes = [
            models.Index(fields=["node", "period"], name="reporting_node_period_idx"),
            models.Index(fields=["unit", "period"], name="reporting_unit_period_idx"),
            models.Index(fields=["status", "published_at"], name="reporting_status_pub_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=S.values), name="reporting_status_known"),
            # Each state carries its timestamps: a draft was never submitted, everything else was;
            # approved and published reports were approved; only published ones have a date of it.
            models.CheckConstraint(
                condition=(Q(status=S.DRAFT, first_submitted_at__isnull=True, submitted_at__isnull=True)
                           | (~Q(status=S.DRAFT) & Q(first_submitted_at__isnull=False, submitted_at__isnull=False))),
                name="reporting_submitted_shape"),
            models.CheckConstraint(
                condition=(Q(status__in=[S.DRAFT, S.SUBMITTED, S.RETURNED], approved_at__isnull=True)
                           | Q(status__in=[S.APPROVED, S.PUBLISHED], approved_at__isnull=False)),
                name="reporting_approved_shape"),
            models.CheckConstraint(
                condition=Q(status=S.PUBLISHED, published_at__isnull=False)
                | (~Q(status=S.PUBLISHED) & Q(published_at__isnull=True)),
                name="reporting_published_shape"),
            models.CheckConstraint(condition=Q(image_count__lte=MAX_IMAGES), name="reporting_image_count_max"),
            models.CheckConstraint(condition=~Q(title=""), name="reporting_title_not_blank"),
        ]

    def __str__(self):
        return self.title

    @property
    def author_label(self) -> str:
        """Who reports: the unit, or the node itself."""
        return self.unit.name if self.unit_id else self.node.name

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class ReportImage(models.Model):
    """An image of a report (checked, EXIF-stripped, stored outside the web root by core.uploads)."""

    report = models.ForeignKey(InfoReport, on_delete=models.CASCADE, related_name="images")
    image = models.OneToOneField("core.StoredImage", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "报送图片"
        verbose_name_plural = "报送图片"
        ordering = ["report_id", "id"]

    def __str__(self):
        return f"{self.report_id} · {self.image_id}"


class ReviewDecision(models.TextChoices):
    SUBMIT = "submit", "提交"
    RESUBMIT = "resubmit", "重新提交"
    APPROVE = "approve", "审核通过"
    RETURN = "return", "退回修改"
    PUBLISH = "publish", "公开发布"
    UNPUBLISH = "unpublish", "撤回发布"


class ReportReview(models.Model):
    """The history of a report: every submission and decision, who took it, when, with a comment."""

    report = models.ForeignKey(InfoReport, on_delete=models.CASCADE, related_name="reviews")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    decision = models.CharField("操作", max_length=16, choices=ReviewDecision.choices)
    from_status = models.CharField("原状态", max_length=16, choices=ReportStatus.choices)
    to_status = models.CharField("新状态", max_length=16, choices=ReportStatus.choices)
    comment = models.CharField("意见", max_length=500, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "报送审核记录"
        verbose_name_plural = "报送审核记录"
        ordering = ["report_id", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(decision__in=["return", "unpublish"]) | ~Q(comment=""),
                                   name="reporting_review_comment_needed"),
        ]

    def __str__(self):
        return f"{self.report_id} · {self.get_decision_display()}"


class OutletLevel(models.TextChoices):
    NATIONAL = "national", "中央级"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    OTHER = "other", "其他"


class Outlet(models.Model):
    """Where an office's information can be adopted (刊播、采用): 学习强国, 中国文明网, the
    province's civilization site, the city's media … Edited in the admin, seeded by a data
    migration; the code names the figure `reports_adopted:<code>`."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    level = models.CharField("级别", max_length=10, choices=OutletLevel.choices, default=OutletLevel.OTHER)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True, help_text="停用后保留历史记录，不再可选")

    class Meta:
        verbose_name = "刊播平台"
        verbose_name_plural = "刊播平台"
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class ReportAdoption(models.Model):
    """A report adopted (刊播) by an outlet: once per outlet, with the date and, if any, the
    link where it appeared."""

    report = models.ForeignKey(InfoReport, on_delete=models.CASCADE, related_name="adoptions")
    outlet = models.ForeignKey(Outlet, verbose_name="刊播平台", on_delete=models.PROTECT, related_name="+")
    adopted_on = models.DateField("刊播日期")
    link = models.URLField("链接", max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "信息刊播采用"
        verbose_name_plural = "信息刊播采用"
        ordering = ["adopted_on", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "outlet"], name="reporting_adopted_once")]

    def __str__(self):
        return f"{self.report_id} · {self.outlet_id} {self.adopted_on}"
