"""Volunteer service: projects, their shifts, and enrollments (SPEC 4.4).

Capacity is an invariant of the database, not of Python: `Shift.taken` is moved only by a
conditional UPDATE (`taken < capacity`), a CHECK keeps 0 ≤ taken ≤ capacity, and a partial
unique constraint keeps one live enrollment per volunteer and shift (ARCHITECTURE rule 3).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wenming.core.local_time import local_text
from wenming.volunteers.models import Skill


class ProjectCategory(models.Model):
    """Configurable list (防疫宣传, 测温验码, …); seeded by a data migration."""

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "项目类别"
        verbose_name_plural = "项目类别"
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    CLAIMED = "claimed", "已认领"
    RECRUITING = "recruiting", "招募中"
    ONGOING = "ongoing", "进行中"
    FINISHED = "finished", "已结束"
    CANCELLED = "cancelled", "已取消"


class Project(models.Model):
    title = models.CharField("项目名称", max_length=100)
    category = models.ForeignKey(ProjectCategory, verbose_name="类别", on_delete=models.PROTECT,
                                 related_name="projects")
    node = models.ForeignKey("orgs.Node", verbose_name="发布阵地", on_delete=models.PROTECT,
                             related_name="projects")
    description = models.TextField("项目内容", blank=True)
    risk_disclosure = models.TextField("风险告知", blank=True)
    requires_insurance = models.BooleanField("须在保险有效期内", default=False)
    required_skills = models.ManyToManyField(Skill, verbose_name="所需技能", blank=True, related_name="+")
    min_age = models.PositiveSmallIntegerField("最低年龄", default=14)
    address = models.CharField("服务地点", max_length=200, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    geofence_radius_m = models.PositiveIntegerField("签到范围（米）", default=300)
    cancel_before_minutes = models.PositiveIntegerField("开始前多少分钟内不可取消报名", default=120)
    allow_waitlist = models.BooleanField("满员后可候补", default=True)
    status = models.CharField("状态", max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT,
                              db_index=True)
    claimed_by = models.ForeignKey("volunteers.Team", verbose_name="认领队伍", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="claimed_projects")
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "志愿服务项目"
        verbose_name_plural = "志愿服务项目"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "lat", "lon"], name="project_status_position_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(geofence_radius_m__gte=10), name="project_radius_min"),
            models.CheckConstraint(condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90),
                                   name="project_lat_range"),
            models.CheckConstraint(condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180),
                                   name="project_lon_range"),
        ]

    def __str__(self):
        return self.title


class Shift(models.Model):
    """A time window (岗位/班次) of a project with a capacity."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="shifts")
    title = models.CharField("岗位", max_length=100)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("名额")
    # Slots held: confirmed enrollments plus those later marked no-show (the shift was under
    # way, so their slot was never free again). Moved only by conditional UPDATEs.
    taken = models.PositiveIntegerField("已占名额", default=0, editable=False)

    class Meta:
        verbose_name = "岗位班次"
        verbose_name_plural = "岗位班次"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_capacity_positive"),
            models.CheckConstraint(condition=Q(taken__gte=0) & Q(taken__lte=F("capacity")),
                                   name="shift_taken_within_capacity"),
        ]

    def __str__(self):
        return f"{self.project} · {self.title}"

    @property
    def free(self) -> int:
        return self.capacity - self.taken


class EnrollmentStatus(models.TextChoices):
    CONFIRMED = "confirmed", "已确认"
    WAITLISTED = "waitlisted", "候补"
    CANCELLED = "cancelled", "已取消"
    NO_SHOW = "no_show", "未到岗"


LIVE_STATUSES = (EnrollmentStatus.CONFIRMED, EnrollmentStatus.WAITLISTED)


class EnrollmentSource(models.TextChoices):
    SELF = "self", "本人报名"
    STAFF = "staff", "工作人员代报"
    MOBILIZATION = "mobilization", "招募令响应"


class Enrollment(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="enrollments")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField("状态", max_length=16, choices=EnrollmentStatus.choices)
    source = models.CharField("来源", max_length=16, choices=EnrollmentSource.choices,
                              default=EnrollmentSource.SELF)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["shift", "status", "id"], name="enrollment_queue_idx")]
        constraints = [
            # One live (confirmed or waitlisted) enrollment per volunteer and shift.
            models.UniqueConstraint(fields=["shift", "volunteer"], condition=Q(status__in=LIVE_STATUSES),
                                    name="enrollment_one_live_per_volunteer"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.shift} · {self.get_status_display()}"


class AttendanceMethod(models.TextChoices):
    VENUE_CODE = "venue_code", "扫场所码"
    MANUAL = "manual", "队长补签"


class Attendance(models.Model):
    """One per enrollment (so a second tap changes nothing). Of the phone's position only the
    geofence result and the distance in metres are kept — never a location track."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    check_in_at = models.DateTimeField("签到时间")
    check_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    method = models.CharField("方式", max_length=16, choices=AttendanceMethod.choices)
    geofence_passed = models.BooleanField("位置核验通过", null=True, blank=True)
    distance_m = models.PositiveIntegerField("距活动地点（米）", null=True, blank=True)
    out_geofence_passed = models.BooleanField("签退位置核验通过", null=True, blank=True)
    out_distance_m = models.PositiveIntegerField("签退时距活动地点（米）", null=True, blank=True)
    auto_closed = models.BooleanField("自动签退", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="补签人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "签到记录"
        verbose_name_plural = "签到记录"
        constraints = [
            models.CheckConstraint(condition=Q(check_out_at__isnull=True) | Q(check_out_at__gte=F("check_in_at")),
                                   name="attendance_out_after_in"),
        ]

    def __str__(self):
        return f"{self.enrollment} · {local_text(self.check_in_at, '%Y-%m-%d %H:%M')}"  # local, not UTC


from .certificate_models import Certificate  # noqa: E402,F401
from .ledger_models import HoursKind, PointsEntry, ServiceRecord, StarAward, VolunteerStats  # noqa: E402,F401
from .photos.models import PhotoPhase, ProjectPhoto  # noqa: E402,F401
from .rewards_models import Redemption, RedemptionStatus, RewardItem  # noqa: E402,F401
