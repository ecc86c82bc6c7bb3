"""Grids (网格) and door-to-door screening (敲门行动 / 排查登记).

A grid is an `orgs.Node` of kind "grid" under a station. Its `GridProfile` holds what the
tree does not: the number of households, an optional boundary (GeoJSON text) and a
maintained count of distinct households visited. Teams claim grids for a period
(`GridClaim`); volunteers of a claiming team record one `HouseholdVisit` per door knocked,
with configurable flags (`VisitFlag`). The exact address is personal data: encrypted, shown
masked, and identified across visits by a keyed blind index (`household_key`), so coverage
counts households, not knocks.

`GridHousehold` keeps, per (grid, household), how many live visits it has: the row moving
from 0 to 1 (or back) is what adds (or removes) a household in the coverage figures, by a
conditional UPDATE that is correct under concurrency on SQLite and PostgreSQL alike.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wenming.core import back_entry
from wenming.core.crypto import decrypt

MAX_HOUSEHOLDS = 1_000_000  # a grid is a few hundred households; a typo of 10^7 is refused
MAX_RESIDENTS = 99


class GridProfile(models.Model):
    node = models.OneToOneField("orgs.Node", verbose_name="网格", primary_key=True, on_delete=models.PROTECT,
                                related_name="grid_profile")
    household_count = models.PositiveIntegerField("户数", default=0)
    boundary = models.TextField("边界（GeoJSON）", blank=True)
    # Maintained by the visit services (conditional UPDATE): live distinct households visited.
    households_visited = models.PositiveIntegerField("已走访户数", default=0, editable=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="更新人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "网格信息"
        verbose_name_plural = "网格信息"
        ordering = ["node__path"]
        constraints = [
            models.CheckConstraint(condition=Q(household_count__gte=0, household_count__lte=MAX_HOUSEHOLDS),
                                   name="grids_profile_households_range"),
            models.CheckConstraint(condition=Q(households_visited__gte=0), name="grids_profile_visited_not_negative"),
        ]

    def __str__(self):
        return f"{self.node} · {self.household_count} 户"


class GridClaim(models.Model):
    """A team takes a grid for a period (inclusive dates). Other teams' overlapping claims are
    allowed and shown as conflicts; the same team cannot overlap itself."""

    grid = models.ForeignKey("orgs.Node", verbose_name="网格", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("volunteers.Team", verbose_name="认领队伍", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    note = models.CharField("说明", max_length=200, blank=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="认领人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("认领时间", auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "网格认领"
        verbose_name_plural = "网格认领"
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["grid", "starts_on"], name="grids_claim_grid_idx"),
            models.Index(fields=["team", "starts_on"], name="grids_claim_team_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="grids_claim_period_order"),
        ]

    def __str__(self):
        return f"{self.team} → {self.grid}（{self.starts_on}～{self.ends_on}）"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def covers(self, day) -> bool:
        return self.withdrawn_at is None and self.starts_on <= day <= self.ends_on


class VisitFlag(models.Model):
    """What a visit found (返乡人员, 居家隔离, 独居老人, 需要帮助 …). Configured in the admin;
    the code names the dashboard metric `visit_flag:<code>`, so it is fixed once created."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)
    suggests_follow_up = models.BooleanField("提示转办", default=False,
                                             help_text="勾选此标记的走访在列表中突出显示，提示工作人员转为群众点单")

    class Meta:
        verbose_name = "排查标记"
        verbose_name_plural = "排查标记"
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class HouseholdVisit(models.Model):
    grid = models.ForeignKey("orgs.Node", verbose_name="网格", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("volunteers.Team", verbose_name="队伍", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    household_key = models.CharField(max_length=64, editable=False)  # blind index of the normalised address
    address_enc = models.TextField("地址（密文）", editable=False)
    address_masked = models.CharField("地址", max_length=60, editable=False)
    visited_at = models.DateTimeField("走访时间")
    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name="走访志愿者", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    residents_count = models.PositiveSmallIntegerField("在家人数", default=0)
    flags = models.ManyToManyField(VisitFlag, verbose_name="排查标记", blank=True, related_name="visits")
    note = models.CharField("情况说明", max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    # 补录 (core/back_entry.py): why a visit dated over LATE_DAYS before its recording was typed in late
    late_reason = models.CharField("补录说明", max_length=200, blank=True)
    # A random token the form carries: a second tap of the same submission finds the first visit.
    client_token = models.CharField(max_length=64, blank=True, editable=False)
    demand = models.OneToOneField("demands.Demand", verbose_name="转办点单", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="household_visit")
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作废人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "入户走访"
        verbose_name_plural = "入户走访"
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "visited_at"], name="grids_visit_grid_idx"),
            models.Index(fields=["grid", "household_key"], name="grids_visit_household_idx"),
            models.Index(fields=["recorded_by", "visited_at"], name="grids_visit_recorder_idx"),
            models.Index(fields=["team", "visited_at"], name="grids_visit_team_idx"),
            # coverage as of a past month's end (dashboards.asof.grid_coverage_as_of): the live
            # visits up to a time, read from the index alone
            models.Index(fields=["visited_at", "grid", "household_key"], condition=Q(voided_at__isnull=True),
                         name="grids_visit_live_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(residents_count__lte=MAX_RESIDENTS), name="grids_visit_residents_range"),
            models.UniqueConstraint(fields=["recorded_by", "client_token"], condition=~Q(client_token=""),
                                    name="grids_visit_token_once"),
            models.CheckConstraint(condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                                   name="grids_visit_void_has_reason"),
        ]

    def __str__(self):
        return f"{self.grid} · {self.address_masked}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    def reveal_address(self) -> str:
        return decrypt(self.address_enc)

    @property
    def is_back_entry(self) -> bool:
        """Recorded more than LATE_DAYS after the visit (补录 from a paper sheet)."""
        return self.recorded_at is not None and back_entry.is_late(self.visited_at, self.recorded_at)

    @property
    def late_note(self) -> str:
        """How the export shows a back-entry ("" if it is not one)."""
        return back_entry.late_note(self.visited_at, self.recorded_at, self.recorded_by, self.late_reason)


class GridHousehold(models.Model):
    """How many live (not voided) visits a household of a grid has; maintained by the visit
    services with conditional UPDATEs. A household counts as visited while visit_count > 0."""

    grid = models.ForeignKey("orgs.Node", verbose_name="网格", on_delete=models.PROTECT, related_name="+")
    household_key = models.CharField(max_length=64)
    visit_count = models.PositiveIntegerField("有效走访次数", default=0)

    class Meta:
        verbose_name = "网格住户（走访计数）"
        verbose_name_plural = "网格住户（走访计数）"
        ordering = ["grid", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "household_key"], name="grids_household_once"),
            models.CheckConstraint(condition=Q(visit_count__gte=0), name="grids_household_count_not_negative"),
        ]

    def __str__(self):
        return f"{self.grid_id} · {self.household_key[:8]}… × {self.visit_count}"


class ScreeningKind(models.TextChoices):
    """What a screening total counts; each names its dashboard metric (figures.SCREENING_METRIC)."""

    HOUSEHOLDS = "households", "入户走访"  # beside the HouseholdVisit rows (metric `visits`, 户次)
    SITES = "sites", "企业场所"  # no per-record rows: the total is the figure (`screened_sites`, 家)


class ScreeningTotal(models.Model):
    """A node's screening count for a month where the office has only the total (“入户排查
    3,200 户”, “排查企业场所 1,500 家”). It covers the node's subtree and counts what the
    records under it do not: the figure is max(total, live visits of the month under the node),
    kept as `remainder` = max(total − records, 0) beside the records' own figures
    (screening_totals.py). Totals never nest: one per kind and month on any path."""

    node = models.ForeignKey("orgs.Node", verbose_name="阵地", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=16, choices=ScreeningKind.choices)
    period = models.DateField("统计月份", help_text="当月 1 日")
    total = models.PositiveIntegerField("排查总数")
    remainder = models.PositiveIntegerField("未逐户登记的数量", default=0)
    note = models.CharField("说明", max_length=200, blank=True)
    # 补录 (core/back_entry.py): the latest reason given for entering the month's total over
    # LATE_DAYS after the month ended
    late_reason = models.CharField("补录说明", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "排查总数"
        verbose_name_plural = "排查总数"
        ordering = ["-period", "node__path", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["node", "kind", "period"], name="grids_screening_total_once"),
            models.CheckConstraint(condition=Q(remainder__lte=F("total")), name="grids_screening_total_remainder"),
        ]

    def __str__(self):
        return f"{self.node} {self.get_kind_display()} {self.period:%Y-%m} = {self.total}"

    @property
    def unit(self) -> str:
        return "家" if self.kind == ScreeningKind.SITES else "户次"
