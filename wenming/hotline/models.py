"""Tables of the counselling hotline (心理热线, SPEC 4.5).

Call summaries, follow-up notes and callers' phones are counselling records: encrypted at
rest (core/crypto.py), visible only to the counselor who took the call and that counselor's
supervisor (selectors.py), never in admin, exports, audit rows or statistics.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class CallerGroup(models.TextChoices):
    HOME_ISOLATED = "home_isolated", "居家隔离人员"
    MEDICAL = "medical", "医护人员"
    FRONTLINE = "frontline", "一线防控人员"
    STUDENT = "student", "学生"
    ELDERLY = "elderly", "老年人"
    PATIENT = "patient", "患者及家属"
    OTHER = "other", "其他"


class Outcome(models.TextChoices):
    SOOTHED = "soothed", "已疏导"
    ANSWERED = "answered", "咨询解答"
    FOLLOW_UP = "follow_up", "需回访"
    REFERRED = "referred", "已转介"
    INTERRUPTED = "interrupted", "通话中断"
    OTHER = "other", "其他"


class Referral(models.TextChoices):
    NONE = "", "无"
    MENTAL_HEALTH_CENTER = "mental_health_center", "精神卫生中心"
    HOSPITAL = "hospital", "医院"
    POLICE = "police", "公安（110）"
    COMMUNITY = "community", "社区/民政"
    SCHOOL = "school", "学校"
    OTHER = "other", "其他机构"


class FollowUpKind(models.TextChoices):
    CRISIS = "crisis", "危机回访"
    AGREED = "agreed", "约定回访"
    MANUAL = "manual", "追加回访"


class Topic(models.Model):
    """Configurable list (焦虑, 失眠, 家庭关系, …); seeded by a data migration, edited in admin."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "热线咨询主题"
        verbose_name_plural = "热线咨询主题"
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class Switchable(models.Model):
    """A line or a counsellor that can be switched off and on. `inactive_since` says since when
    it is off (set exactly when it is off: a CHECK constraint of each table), so a past period's work report counts what was open then (dashboards/coverage.py);
    kept here, in save(), so the admin's switch keeps it too. Only the latest spell is kept: one
    switched back on counts from its creation again."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        since = None if self.active else (self.inactive_since or timezone.now())
        if since != self.inactive_since:
            self.inactive_since = since
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "inactive_since"}
        super().save(*args, **kwargs)


class Hotline(Switchable):
    """A counselling line run at a node; its number and hours are public."""

    node = models.ForeignKey("orgs.Node", verbose_name="所属阵地", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=100)
    number = models.CharField("对外号码", max_length=40)
    hours = models.CharField("服务时间", max_length=100, blank=True, help_text="如：每日 8:00–22:00")
    active = models.BooleanField("启用", default=True)
    inactive_since = models.DateTimeField("停用时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "心理热线"
        verbose_name_plural = "心理热线"
        ordering = ["node__path", "name"]
        constraints = [models.UniqueConstraint(fields=["node", "name"], name="hotline_unique_name_per_node"),
                       models.CheckConstraint(condition=Q(active=True, inactive_since__isnull=True)
                                              | Q(active=False, inactive_since__isnull=False),
                                              name="hotline_off_since_when_off")]

    def __str__(self):
        return self.name


class Counselor(Switchable):
    """A user answering one hotline. `supervisor` is the user who sees their records: a
    holder of the hotline-supervisor role over the hotline's node, or a counselor of the
    same hotline marked `is_supervisor` (who may then have no supervisor themselves)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.PROTECT,
                             related_name="hotline_counselors")
    hotline = models.ForeignKey(Hotline, verbose_name="热线", on_delete=models.PROTECT, related_name="counselors")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督导", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="hotline_supervisees")
    is_supervisor = models.BooleanField("兼任督导", default=False)
    active = models.BooleanField("在岗", default=True)
    inactive_since = models.DateTimeField("离岗时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("加入时间", auto_now_add=True)

    class Meta:
        verbose_name = "热线咨询师"
        verbose_name_plural = "热线咨询师"
        ordering = ["hotline_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "hotline"], name="counselor_unique_per_hotline"),
            models.CheckConstraint(condition=Q(supervisor__isnull=False) | Q(is_supervisor=True),
                                   name="counselor_has_supervisor"),
            models.CheckConstraint(condition=~Q(supervisor=F("user")), name="counselor_not_own_supervisor"),
            models.CheckConstraint(condition=Q(active=True, inactive_since__isnull=True)
                                   | Q(active=False, inactive_since__isnull=False), name="counselor_off_since_when_off"),
        ]
        indexes = [models.Index(fields=["supervisor", "hotline"], name="counselor_supervisor_idx")]

    def __str__(self):
        return f"{self.user} · {self.hotline}"


class DutyShift(models.Model):
    """One slot of a counselor's schedule: every week on `weekday` (1 = 周一 … 7 = 周日) or once
    on `on_date`. An end at or before the start runs into the next day (22:00–08:00; 08:00–08:00
    is 24 hours)."""

    counselor = models.ForeignKey(Counselor, verbose_name="咨询师", on_delete=models.CASCADE,
                                  related_name="duty_shifts")
    weekday = models.PositiveSmallIntegerField("每周", null=True, blank=True)
    on_date = models.DateField("日期", null=True, blank=True)
    starts_at = models.TimeField("开始")
    ends_at = models.TimeField("结束")

    class Meta:
        verbose_name = "值班安排"
        verbose_name_plural = "值班安排"
        ordering = ["counselor_id", "on_date", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__isnull=True, on_date__isnull=False)
                                   | Q(weekday__isnull=False, on_date__isnull=True), name="duty_weekday_or_date"),
            models.CheckConstraint(condition=Q(weekday__isnull=True) | Q(weekday__gte=1, weekday__lte=7),
                                   name="duty_weekday_range"),
            models.UniqueConstraint(fields=["counselor", "weekday", "starts_at"], condition=Q(weekday__isnull=False),
                                    name="duty_unique_weekly"),
            models.UniqueConstraint(fields=["counselor", "on_date", "starts_at"], condition=Q(on_date__isnull=False),
                                    name="duty_unique_dated"),
        ]

    def __str__(self):
        return f"{self.counselor} {self.on_date or self.weekday} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def length(self) -> timedelta:
        start = timedelta(hours=self.starts_at.hour, minutes=self.starts_at.minute, seconds=self.starts_at.second)
        end = timedelta(hours=self.ends_at.hour, minutes=self.ends_at.minute, seconds=self.ends_at.second)
        return end - start if end > start else end - start + timedelta(days=1)

    def applies_on(self, day) -> bool:
        return self.on_date == day if self.on_date else self.weekday == day.isoweekday()


MAX_DURATION_MINUTES = 600


class CallLog(models.Model):
    """One call. `summary_enc` and `caller_phone_enc` are Fernet ciphertext; nothing here
    names the caller in clear."""

    hotline = models.ForeignKey(Hotline, verbose_name="热线", on_delete=models.PROTECT, related_name="calls")
    counselor = models.ForeignKey(Counselor, verbose_name="接听咨询师", on_delete=models.PROTECT,
                                  related_name="calls")
    started_at = models.DateTimeField("来电时间")
    duration_minutes = models.PositiveSmallIntegerField("通话时长（分钟）")
    caller_group = models.CharField("来电人群", max_length=20, choices=CallerGroup.choices)
    topic = models.ForeignKey(Topic, verbose_name="咨询主题", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField("处理结果", max_length=20, choices=Outcome.choices)
    referral = models.CharField("转介去向", max_length=32, choices=Referral.choices, blank=True, default="")
    is_crisis = models.BooleanField("危机来电", default=False)
    summary_enc = models.TextField("通话摘要（密文）", blank=True, editable=False)
    caller_phone_enc = models.TextField("来电号码（密文）", blank=True, editable=False)
    caller_phone_masked = models.CharField("来电号码", max_length=24, blank=True, editable=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "热线来电记录"
        verbose_name_plural = "热线来电记录"
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["counselor", "started_at"], name="call_counselor_idx"),
            models.Index(fields=["hotline", "started_at"], name="call_hotline_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                                   name="call_duration_range"),
            models.CheckConstraint(condition=~Q(outcome="referred") | ~Q(referral=""), name="call_referral_named"),
        ]

    def __str__(self):
        return f"来电 #{self.pk}"


class FollowUp(models.Model):
    """A task to call back (回访), assigned to the counselor who took the call. A crisis call
    (or one whose outcome is 需回访) gets one automatically; at most one such is open at a time."""

    call = models.ForeignKey(CallLog, verbose_name="来电", on_delete=models.PROTECT, related_name="followups")
    kind = models.CharField("类型", max_length=16, choices=FollowUpKind.choices)
    assigned_to = models.ForeignKey(Counselor, verbose_name="负责咨询师", on_delete=models.PROTECT,
                                    related_name="followups")
    due_on = models.DateField("回访期限")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="完成人", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    note_enc = models.TextField("回访记录（密文）", blank=True, editable=False)

    class Meta:
        verbose_name = "热线回访"
        verbose_name_plural = "热线回访"
        ordering = ["done_at", "due_on", "id"]
        indexes = [models.Index(fields=["assigned_to", "done_at", "due_on"], name="followup_assigned_idx")]
        constraints = [
            models.UniqueConstraint(fields=["call"], condition=Q(done_at__isnull=True) & ~Q(kind="manual"),
                                    name="followup_one_open_auto_per_call"),
            models.CheckConstraint(condition=Q(done_at__isnull=False) | Q(note_enc=""),
                                   name="followup_note_when_done"),
        ]

    def __str__(self):
        return f"回访 #{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CallTally(models.Model):
    """A hotline's calls in one month from its paper log, entered afterwards (补录): during an
    emergency counsellors log on paper and the office types the month's count in later. It
    counts what the logged calls of that month do not: the figure is max(tally, logged calls)
    for calls and for crisis calls, kept as the remainders beside the calls' own figures
    (tally_services.py). Who entered it, when and why are kept and audited."""

    hotline = models.ForeignKey(Hotline, verbose_name="热线", on_delete=models.PROTECT, related_name="tallies")
    period = models.DateField("月份", help_text="当月 1 日")
    calls = models.PositiveIntegerField("来电次数")
    crisis = models.PositiveIntegerField("其中危机来电", default=0)
    calls_remainder = models.PositiveIntegerField("未逐条登记的来电", default=0)
    crisis_remainder = models.PositiveIntegerField("未逐条登记的危机来电", default=0)
    reason = models.CharField("补录说明", max_length=200, help_text="如：据2020年2月纸质接听登记簿补录")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="补录人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("补录时间", auto_now=True)

    class Meta:
        verbose_name = "热线来电补录"
        verbose_name_plural = "热线来电补录"
        ordering = ["-period", "hotline_id"]
        constraints = [
            models.UniqueConstraint(fields=["hotline", "period"], name="hotline_tally_once"),
            models.CheckConstraint(condition=Q(crisis__lte=F("calls")), name="hotline_tally_crisis_within"),
            models.CheckConstraint(condition=Q(calls_remainder__lte=F("calls"), crisis_remainder__lte=F("crisis")),
                                   name="hotline_tally_remainders_within"),
        ]

    def __str__(self):
        return f"{self.hotline_id} {self.period:%Y-%m} {self.calls}"
