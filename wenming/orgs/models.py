from django.conf import settings
from django.db import models
from django.db.models import Q

# Each tree level adds one fixed-width base-36 step to the path, so a subtree is a prefix.
PATH_STEP = 4
PATH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class NodeKind(models.TextChoices):
    PROVINCE = "province", "省级文明办"
    CITY = "city", "市级文明办"
    COUNTY = "county", "县级文明办"
    CENTER = "center", "新时代文明实践中心"
    SUBCENTER = "subcenter", "新时代文明实践分中心"
    INSTITUTE = "institute", "新时代文明实践所"
    STATION = "station", "新时代文明实践站"
    POINT = "point", "新时代文明实践点"
    GRID = "grid", "网格"


# A child's rank must be greater than its parent's.
KIND_RANK = {
    NodeKind.PROVINCE: 1, NodeKind.CITY: 2, NodeKind.COUNTY: 3, NodeKind.CENTER: 4,
    NodeKind.SUBCENTER: 5, NodeKind.INSTITUTE: 5, NodeKind.STATION: 6, NodeKind.POINT: 7,
    NodeKind.GRID: 7,
}


class NodeStatus(models.TextChoices):
    OPEN = "open", "运行中"
    BUILDING = "building", "建设中"
    CLOSED = "closed", "暂停开放"


class Node(models.Model):
    """A place in the practice network: an office, a center, institute, station, point or grid."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=NodeKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("层级", editable=False)
    child_seq = models.PositiveIntegerField(default=0, editable=False)
    code = models.CharField("阵地编码", max_length=32, unique=True, help_text="本系统内唯一的编码，导入时用于对应上下级")
    admin_code = models.CharField("行政区划代码", max_length=12, blank=True, help_text="12 位统计用区划代码（如有）")
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField("开放状态", max_length=16, choices=NodeStatus.choices, default=NodeStatus.OPEN)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "阵地"
        verbose_name_plural = "阵地"
        ordering = ["path"]
        indexes = [
            # `path` is unique, so PostgreSQL already adds a varchar_pattern_ops ("_like") index
            # to it, which serves subtree queries (LIKE 'prefix%').
            models.Index(fields=["kind", "path"], name="node_kind_path_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(depth__gte=1), name="node_depth_positive"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="node_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180), name="node_lon_range"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def is_within(self, other: "Node") -> bool:
        return self.path.startswith(other.path)


class UnitType(models.TextChoices):
    UNIT = "unit", "文明单位"
    COMMUNITY = "community", "文明社区"
    VILLAGE = "village", "文明村镇"
    CAMPUS = "campus", "文明校园"
    FAMILY = "family", "文明家庭"


class UnitLevel(models.TextChoices):
    NATIONAL = "national", "全国"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class Unit(models.Model):
    """A civilized unit (文明单位/社区/村镇/校园/家庭) attached to a node."""

    name = models.CharField("名称", max_length=100)
    unit_type = models.CharField("类别", max_length=16, choices=UnitType.choices)
    level = models.CharField("级别", max_length=16, choices=UnitLevel.choices)
    node = models.ForeignKey(Node, verbose_name="所属阵地", on_delete=models.PROTECT, related_name="units")
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    awarded_year = models.PositiveSmallIntegerField("命名年度", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "文明单位"
        verbose_name_plural = "文明单位"
        ordering = ["node__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["node", "name"], name="unit_unique_name_per_node"),
        ]

    def __str__(self):
        return self.name


class PeriodClosing(models.Model):
    """An office closed a period after its report (issue 14): records dated in it anywhere in
    the office's subtree can no longer be entered, changed or voided, so the report it sent
    stays true, until the office reopens it (who, when and why are kept and audited)."""

    node = models.ForeignKey(Node, verbose_name="关账单位", on_delete=models.PROTECT, related_name="+")
    since = models.DateField("起始月份", help_text="当月 1 日")
    until = models.DateField("截止月份", help_text="当月 1 日")
    note = models.CharField("说明", max_length=200, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="关账人", null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closed_at = models.DateTimeField("关账时间", auto_now_add=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="重新开放人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reopened_at = models.DateTimeField("重新开放时间", null=True, blank=True)
    reopen_reason = models.CharField("重新开放原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "统计期关账"
        verbose_name_plural = "统计期关账"
        ordering = ["-since", "-id"]
        indexes = [models.Index(fields=["node", "until"], name="orgs_closing_node_idx")]
        constraints = [models.CheckConstraint(condition=Q(since__lte=models.F("until")),
                                              name="orgs_closing_since_before_until")]

    def __str__(self):
        return f"{self.node} {self.period_label}"

    @property
    def period_label(self) -> str:
        s, u = self.since, self.until
        return f"{s.year}年{s.month}月" if s == u else f"{s.year}年{s.month}月至{u.year}年{u.month}月"

    @property
    def is_open(self) -> bool:
        return self.reopened_at is not None
