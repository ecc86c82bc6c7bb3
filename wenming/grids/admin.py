from django.contrib import admin

from wenming.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import GridClaim, GridHousehold, GridProfile, HouseholdVisit, ScreeningTotal, VisitFlag


@admin.register(VisitFlag)
class VisitFlagAdmin(AuditedAdmin):
    """Configuration: offices add flags or retire them (active = off). The code names the
    dashboard metric visit_flag:<code>, so it cannot change once the flag exists."""

    list_display = ["name", "code", "sort", "active", "suggests_follow_up"]
    list_filter = ["active", "suggests_follow_up"]
    search_fields = ["name", "code"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # a flag with visits keeps its history; retire it instead


# Profiles, claims, visits and the household counters change only through the services, which
# keep the dashboard figures; the admin shows them and nothing more.

@admin.register(GridProfile)
class GridProfileAdmin(ReadOnlyAdmin):
    list_display = ["node", "household_count", "households_visited", "updated_at", "updated_by"]
    search_fields = ["node__name", "node__code"]


@admin.register(GridClaim)
class GridClaimAdmin(ReadOnlyAdmin):
    list_display = ["grid", "team", "starts_on", "ends_on", "claimed_by", "withdrawn_at"]
    search_fields = ["grid__name", "team__name"]
    date_hierarchy = "starts_on"


@admin.register(HouseholdVisit)
class HouseholdVisitAdmin(ReadOnlyAdmin):
    list_display = ["visited_at", "grid", "address_masked", "team", "volunteer", "residents_count", "voided_at"]
    list_filter = ["flags"]
    date_hierarchy = "visited_at"
    exclude = ["address_enc", "household_key", "client_token"]


@admin.register(GridHousehold)
class GridHouseholdAdmin(ReadOnlyAdmin):
    list_display = ["grid", "visit_count"]
    exclude = ["household_key"]


@admin.register(ScreeningTotal)
class ScreeningTotalAdmin(ReadOnlyAdmin):
    """Written through screening_totals (its remainder moves the figures): read-only here."""

    list_display = ["period", "node", "kind", "total", "remainder", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["node"]
