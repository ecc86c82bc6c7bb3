from django.contrib import admin

from wenming.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    ActivityEngagement,
    Indicator,
    OnlineActivity,
    PartyCheckin,
    ReformRecord,
    ReformTotal,
    TallyEntry,
    TallyTotal,
)


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    """The indicators are configuration: the platform admin keeps the platform's here (offices
    add their own on /campaigns/indicators/) or retires one (active = off). The code names the
    dashboard figure (tally:<code>), so it cannot change once in use."""

    list_display = ["sort", "name", "unit", "node", "section", "aggregation", "code", "active"]
    list_display_links = ["name"]
    list_filter = ["active", "section", "aggregation"]
    search_fields = ["name", "code"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # an indicator with entries is PROTECTed anyway; retire it instead


# The ledgers change only through the services (which keep totals and dashboard figures in
# step and audit each write); the admin shows them and nothing more.

@admin.register(TallyEntry)
class TallyEntryAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "node", "unit", "indicator", "period", "delta", "kind", "corrects", "recorded_by"]
    list_filter = ["kind", "indicator"]
    date_hierarchy = "recorded_at"
    list_select_related = ["node", "unit", "indicator", "recorded_by", "corrects"]


@admin.register(TallyTotal)
class TallyTotalAdmin(ReadOnlyAdmin):
    list_display = ["node", "unit", "indicator", "period", "value", "updated_at"]
    list_filter = ["indicator"]
    list_select_related = ["node", "unit", "indicator"]


@admin.register(ReformRecord)
class ReformRecordAdmin(ReadOnlyAdmin):
    list_display = ["occurred_on", "node", "household", "head_masked", "kind", "voided_at"]
    list_filter = ["kind"]
    date_hierarchy = "occurred_on"
    list_select_related = ["node"]


@admin.register(ReformTotal)
class ReformTotalAdmin(ReadOnlyAdmin):
    """Written through reform_totals (its remainder moves the figures): read-only here."""

    list_display = ["period", "node", "kind", "total", "remainder", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["node"]


@admin.register(OnlineActivity)
class OnlineActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "node", "starts_at", "ends_at", "created_by"]
    search_fields = ["title"]
    list_select_related = ["node", "created_by"]


@admin.register(ActivityEngagement)
class ActivityEngagementAdmin(ReadOnlyAdmin):
    list_display = ["at", "activity", "kind", "day"]  # the person key is a hash: not listed
    list_filter = ["kind"]
    exclude = ["person_key"]
    list_select_related = ["activity"]


@admin.register(PartyCheckin)
class PartyCheckinAdmin(ReadOnlyAdmin):
    list_display = ["checked_in_at", "volunteer", "station", "withdrawn_at"]
    list_select_related = ["volunteer", "station"]
