from django.contrib import admin

from wenming.core.admin import AuditedAdmin, ReadOnlyAdmin, column

from .models import InfoReport, Outlet, ReportAdoption, ReportCategory, ReportImage, ReportReview


@admin.register(ReportCategory)
class ReportCategoryAdmin(AuditedAdmin):
    """Categories are configuration: offices add their own or retire one (active = off)."""

    list_display = ["name", "code", "sort", "active"]
    list_filter = ["active"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        return False  # a category with reports is PROTECTed anyway; retire it instead


@admin.register(Outlet)
class OutletAdmin(AuditedAdmin):
    """Outlets are configuration: rename the province's and the city's to their own (湖北文明网 …),
    add more, or retire one (active = off). The code names the figure, so it stays once used."""

    list_display = ["name", "code", "level", "sort", "active"]
    list_filter = ["active", "level"]
    search_fields = ["name", "code"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # an outlet with adoptions is PROTECTed anyway; retire it instead


@admin.register(ReportAdoption)
class ReportAdoptionAdmin(ReadOnlyAdmin):
    """Recorded and taken back on the report's page (the figures move with them)."""

    list_display = [column("report", "信息报送"), "outlet", "adopted_on", "recorded_by", "recorded_at"]
    list_filter = ["outlet"]
    list_select_related = ["report", "outlet", "recorded_by"]


class ReviewInline(admin.TabularInline):
    model = ReportReview
    extra = 0
    can_delete = False
    fields = ["at", "decision", "actor_label", "from_status", "to_status", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Reports change only through the services (conditional status moves, history, figures);
# the admin shows them and nothing more. No personal data is held on these rows.

@admin.register(InfoReport)
class InfoReportAdmin(ReadOnlyAdmin):
    list_display = ["title", "node", "unit", "category", "period", "status", "image_count", "updated_at"]
    list_filter = ["status", "category"]
    search_fields = ["title", "node__name", "unit__name"]
    date_hierarchy = "period"
    list_select_related = ["node", "unit", "category"]
    inlines = [ReviewInline]


@admin.register(ReportImage)
class ReportImageAdmin(ReadOnlyAdmin):
    list_display = [column("report", "信息报送"), column("image", "图片"), "added_at"]
    list_select_related = ["report", "image"]


@admin.register(ReportReview)
class ReportReviewAdmin(ReadOnlyAdmin):
    list_display = ["at", column("report", "信息报送"), "decision", "actor_label", "from_status", "to_status"]
    list_filter = ["decision"]
    date_hierarchy = "at"
    list_select_related = ["report"]
