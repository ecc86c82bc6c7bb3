"""宣传统计, 移风易俗, 云上活动 and 党员志愿者报到 (SPEC 4.6, issue 5).

- Tallies: `Indicator` (configured by the office) and the append-only `TallyEntry` ledger per
  subject — a node, or a civilized unit counted at its node — indicator and month. A
  correction is a new entry linked to the one it corrects. `TallyTotal` is the maintained sum
  of a bucket (node, unit, indicator, month); the database refuses a negative total and tests
  check total = sum of entries (ARCHITECTURE rule 5).
- `ReformRecord`: one household's 移风易俗 act. Only a household label and a masked name of
  the head of household are kept (no full name, no ID number).
- `OnlineActivity` and `ActivityEngagement`: one row per (activity, person, day, kind); the
  unique constraint is what makes a view, share or participation count once per person per
  day, whatever the concurrency. The person is a keyed blind index, never a phone or openid.
- `PartyCheckin`: a party-member volunteer's report to the station of their home community,
  one row per (volunteer, station); withdrawing keeps the row (history) and re-checking in
  reactivates it.

Figures for the dashboards are recorded by the services (figures.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

MAX_TALLY = 10**12  # a trillion leaflets or page views is a typing error, not a campaign


class ReportSection(models.TextChoices):
    """Where an indicator's figure sits in the work report."""

    PUBLICITY = "publicity", "宣传发动"
    PREVENTION = "prevention", "防控消杀"
    SANITATION = "sanitation", "环境卫生"
    CULTURE = "culture", "文化文艺"
    PSYCHOLOGY = "psychology", "心理服务"
    OTHER = "other", "其他工作"


class Aggregation(models.TextChoices):
    """How a period's months add up: leaflets handed out add up; vehicles on hand do not (a
    period's value is then its latest month's)."""

    SUM = "sum", "按月累加"
    LATEST = "latest", "取最近一个月的数"


class Indicator(models.Model):
    """A tally indicator (横幅 条, 消杀面积 ㎡ …). The platform's own (no `node`, seeded by data
    migrations) are offered everywhere; an office's own (`node`: the office's node) within
    its subtree. Offices define theirs on the page or through the API (tally_indicators.py)."""

    code = models.SlugField("代码", max_length=32, unique=True, help_text="英文小写，如 banner；用于统计口径 tally:<代码>")
    name = models.CharField("名称", max_length=32)
    unit = models.CharField("计量单位", max_length=8)
    node = models.ForeignKey("orgs.Node", verbose_name="定义的文明办", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text="空：全平台通用；否则只在该阵地及其下级填报")
    section = models.CharField("工作报告中的栏目", max_length=16, choices=ReportSection.choices,
                               default=ReportSection.PUBLICITY)
    aggregation = models.CharField("汇总方式", max_length=8, choices=Aggregation.choices, default=Aggregation.SUM)
    active = models.BooleanField("启用", default=True, help_text="停用后保留历史数据，不再接受新的填报")
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "宣传统计指标"
        verbose_name_plural = "宣传统计指标"
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], condition=Q(node__isnull=True), name="campaigns_indicator_name"),
            models.UniqueConstraint(fields=["node", "name"], condition=Q(node__isnull=False),
                                    name="campaigns_indicator_name_per_node"),
        ]

    def __str__(self):
        return f"{self.name}（{self.unit}）"


class EntryKind(models.TextChoices):
    ENTRY = "entry", "填报"
    CORRECTION = "correction", "更正"
    SHEET = "sheet", "表格导入"


class TallyEntry(models.Model):
    """The ledger. A row is never changed or deleted; a mistake is put right by a new row.

    `node` is where the figure counts: the node itself, or the unit's node at the time of the
    entry (a correction counts where the entry it corrects counted)."""

    node = models.ForeignKey("orgs.Node", verbose_name="阵地", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgs.Unit", verbose_name="文明单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="+")
    period = models.DateField("统计月份", help_text="当月 1 日")
    delta = models.BigIntegerField("数量（更正可为负）")
    kind = models.CharField("类型", max_length=16, choices=EntryKind.choices, default=EntryKind.ENTRY)
    corrects = models.ForeignKey("self", verbose_name="更正的记录", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="corrections")
    reason = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("填报时间", auto_now_add=True)
    # 补录说明 of an entry or sheet row for a month entered over a week after it ended (core/back_entry.py);
    # a correction's own `reason` says why it was made, it takes no 补录说明
    late_reason = models.CharField("补录说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "宣传统计填报"
        verbose_name_plural = "宣传统计填报"
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["node", "period"], name="campaigns_tally_node_idx"),
            models.Index(fields=["unit", "period"], name="campaigns_tally_unit_idx"),
            models.Index(fields=["period", "indicator"], name="campaigns_tally_period_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="entry", delta__gt=0, corrects__isnull=True)
                           | (Q(kind="correction", corrects__isnull=False) & ~Q(delta=0) & ~Q(reason=""))
                           | (Q(kind="sheet", corrects__isnull=True) & ~Q(delta=0))),
                name="campaigns_tally_kind_shape"),
            models.CheckConstraint(condition=Q(delta__lte=MAX_TALLY, delta__gte=-MAX_TALLY),
                                   name="campaigns_tally_delta_bounded"),
        ]

    def __str__(self):
        return f"{self.subject_label} {self.indicator.name} {self.period:%Y-%m} {self.delta:+}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("宣传统计记录只能新增，不能修改；请录入更正")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("宣传统计记录不能删除；请录入更正")

    @property
    def subject_label(self) -> str:
        return f"{self.unit.name}（{self.node.name}）" if self.unit_id else self.node.name


class TallyTotal(models.Model):
    """Maintained sum of the entries of one bucket; never below zero."""

    node = models.ForeignKey("orgs.Node", verbose_name="阵地", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgs.Unit", verbose_name="文明单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="+")
    period = models.DateField("统计月份")
    value = models.BigIntegerField("本期数值", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "宣传统计当期数值"
        verbose_name_plural = "宣传统计当期数值"
        ordering = ["node__path", "period", "indicator__sort"]
        # an equipment indicator's month values over a subtree (tally_selectors.latest_rows)
        indexes = [models.Index(fields=["indicator", "period"], name="campaigns_total_indicator_idx")]
        constraints = [
            models.UniqueConstraint(fields=["node", "indicator", "period"], condition=Q(unit__isnull=True),
                                    name="campaigns_total_once_per_node"),
            models.UniqueConstraint(fields=["node", "unit", "indicator", "period"], condition=Q(unit__isnull=False),
                                    name="campaigns_total_once_per_unit"),
            models.CheckConstraint(condition=Q(value__gte=0), name="campaigns_total_not_negative"),
        ]

    def __str__(self):
        return f"{self.node} {self.indicator.name} {self.period:%Y-%m} = {self.value}"


class ReformKind(models.TextChoices):
    WEDDING_POSTPONED = "wedding_postponed", "婚事延办"
    WEDDING_CANCELLED = "wedding_cancelled", "婚事停办"
    FUNERAL_SIMPLIFIED = "funeral_simplified", "丧事简办"
    RITE_CANCELLED = "rite_cancelled", "集中祭祀不办"
    PROXY_SWEEPING = "proxy_sweeping", "代祭扫"


class ReformRecord(models.Model):
    """One household's 移风易俗 act. A voided record stays (history) but no longer counts."""

    node = models.ForeignKey("orgs.Node", verbose_name="阵地", on_delete=models.PROTECT, related_name="+")
    household = models.CharField("户", max_length=50, help_text="户的标识，如“三组 12 号”，不要填写完整姓名")
    head_masked = models.CharField("户主（脱敏）", max_length=50, blank=True, editable=False)
    kind = models.CharField("类型", max_length=24, choices=ReformKind.choices)
    occurred_on = models.DateField("日期")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    late_reason = models.CharField("补录说明", max_length=200, blank=True)  # dated over a week before recorded_at
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "移风易俗记录"
        verbose_name_plural = "移风易俗记录"
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["node", "occurred_on"], name="campaigns_reform_node_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                                   name="campaigns_reform_void_has_reason"),
        ]

    def __str__(self):
        return f"{self.node} {self.household} {self.get_kind_display()}"


class ReformTotal(models.Model):
    """A node's count of households for one kind of 移风易俗 in a month, where the office has
    only the total (a village's paper tally, "丧事简办 120 户"). It counts what the records
    under the node do not: the figure of the node's subtree for that kind and month is
    max(total, records), kept as `remainder` = max(total − live records, 0) beside the
    records' own figures (reform_totals.py). Totals never nest: one per kind and month on any
    path from the top to a leaf."""

    node = models.ForeignKey("orgs.Node", verbose_name="阵地", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=32, choices=ReformKind.choices)
    period = models.DateField("统计月份", help_text="当月 1 日")
    total = models.PositiveIntegerField("合计户数")
    remainder = models.PositiveIntegerField("未逐户登记的户数", default=0)
    note = models.CharField("说明", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # 补录说明 given with the latest entry of a month's total over a week after the month ended
    late_reason = models.CharField("补录说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "移风易俗合计"
        verbose_name_plural = "移风易俗合计"
        ordering = ["-period", "node__path", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["node", "kind", "period"], name="campaigns_reform_total_once"),
            models.CheckConstraint(condition=Q(remainder__lte=F("total")), name="campaigns_reform_total_remainder"),
        ]

    def __str__(self):
        return f"{self.node} {self.get_kind_display()} {self.period:%Y-%m} = {self.total}"


class OnlineActivity(models.Model):
    node = models.ForeignKey("orgs.Node", verbose_name="主办阵地", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("活动名称", max_length=100)
    description = models.CharField("简介", max_length=500, blank=True)
    link = models.URLField("活动链接", max_length=500, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "云上活动"
        verbose_name_plural = "云上活动"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["node", "starts_at"], name="campaigns_online_node_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaigns_online_ends_after"),
        ]

    def __str__(self):
        return self.title


class EngagementKind(models.TextChoices):
    VIEW = "view", "浏览"
    SHARE = "share", "分享"
    PARTICIPATE = "participate", "参与"


class ActivityEngagement(models.Model):
    """A person's view, share or participation on one day: at most one row each (unique)."""

    activity = models.ForeignKey(OnlineActivity, verbose_name="活动", on_delete=models.PROTECT,
                                 related_name="engagements")
    person_key = models.CharField("参与者标识（密钥哈希）", max_length=64)
    day = models.DateField("日期")
    kind = models.CharField("类型", max_length=16, choices=EngagementKind.choices)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "云上活动参与记录"
        verbose_name_plural = "云上活动参与记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["activity", "kind", "day"], name="campaigns_engage_kind_idx")]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person_key", "day", "kind"],
                                    name="campaigns_engagement_once_a_day"),
        ]

    def __str__(self):
        return f"{self.activity_id} {self.get_kind_display()} {self.day}"


class PartyCheckin(models.Model):
    """党员志愿者报到: one row per (volunteer, station); active while withdrawn_at is empty."""

    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name="志愿者", on_delete=models.PROTECT,
                                  related_name="+")
    station = models.ForeignKey("orgs.Node", verbose_name="报到实践站", on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField("报到时间")
    withdrawn_at = models.DateTimeField("取消报到时间", null=True, blank=True)
    withdraw_reason = models.CharField("取消原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("登记时间", null=True, blank=True)  # when it was entered (报到 may be earlier)
    late_reason = models.CharField("补录说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "党员志愿者报到"
        verbose_name_plural = "党员志愿者报到"
        ordering = ["-checked_in_at", "-id"]
        indexes = [models.Index(fields=["station", "withdrawn_at"], name="campaigns_checkin_station_idx")]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "station"], name="campaigns_checkin_once_per_station"),
        ]

    def __str__(self):
        return f"{self.volunteer} → {self.station}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
