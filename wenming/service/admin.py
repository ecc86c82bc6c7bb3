from django.contrib import admin

from wenming.core.admin import AuditedAdmin, ReadOnlyAdmin, column

from .models import (
    Attendance,
    Enrollment,
    PointsEntry,
    Project,
    ProjectCategory,
    ServiceRecord,
    Shift,
    StarAward,
    VolunteerStats,
)


@admin.register(ProjectCategory)
class ProjectCategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "sort", "active"]


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0
    readonly_fields = ["taken"]


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    """Status changes go through the project services (they check the workflow)."""

    list_display = ["title", "category", "node", "status", "claimed_by", "published_at"]
    list_filter = ["status", "category"]
    search_fields = ["title"]
    raw_id_fields = ["node", "claimed_by", "created_by"]
    readonly_fields = ["status", "claimed_by", "claimed_at", "published_at", "cancelled_at", "cancel_reason"]
    filter_horizontal = ["required_skills"]
    inlines = [ShiftInline]


@admin.register(Shift)
class ShiftAdmin(AuditedAdmin):
    list_display = [column("project", "项目"), "title", "starts_at", "ends_at", "capacity", "taken"]
    raw_id_fields = ["project"]
    readonly_fields = ["taken"]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    """Enrollments move only through the sign-up services (capacity lives there)."""

    list_display = [column("shift", "班次"), column("volunteer", "志愿者"), "status", "source", "created_at"]
    list_filter = ["status", "source"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    """Attendance moves through the check-in services (venue code, geofence, manual + audit)."""

    list_display = [column("enrollment", "报名记录"), "check_in_at", "check_out_at", "method", "geofence_passed",
                    "distance_m", "auto_closed"]
    list_filter = ["method", "auto_closed", "geofence_passed"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    """Append-only: entries are added by the hours services; corrections are new entries."""

    list_display = [column("volunteer", "志愿者"), "kind", "bucket", "hours", "service_date", column("project", "项目"),
                    "recorded_by"]
    list_filter = ["kind", "bucket"]
    raw_id_fields = ["volunteer"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = [column("volunteer", "志愿者"), "points", "reason", "created_at"]


@admin.register(VolunteerStats)
class VolunteerStatsAdmin(ReadOnlyAdmin):
    list_display = [column("volunteer", "志愿者"), "auto_hours", "makeup_hours", "points", "star_level"]


@admin.register(StarAward)
class StarAwardAdmin(ReadOnlyAdmin):
    list_display = [column("volunteer", "志愿者"), "level", "threshold_hours", "reached_on"]


from . import certificate_admin  # noqa: E402,F401  (registers service.Certificate)
from .photos import admin as photos_admin  # noqa: E402,F401  (registers service.ProjectPhoto)
from .rewards_models import Redemption, RewardItem  # noqa: E402


@admin.register(RewardItem)
class RewardItemAdmin(AuditedAdmin):
    list_display = ["name", "node", "points_cost", "stock", "active"]
    readonly_fields = ["stock"]  # stock moves through reward_restock / reward_redeem
    raw_id_fields = ["node"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = [column("item", "物品"), column("volunteer", "志愿者"), "points", "status", "created_at",
                    "collected_at"]
    list_filter = ["status"]
