"""Admin: the requests and their history, read-only (transitions go through the services;
the resident's contact stays masked here too)."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin, column

from .models import (
    Demand,
    DemandCategory,
    DemandEvent,
    DemandItem,
    DemandPhoto,
    Offer,
    VolunteerDemandStats,
)


@admin.register(DemandCategory)
class DemandCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_purchase", "active", "sort"]
    filter_horizontal = ["skills"]


class ItemInline(admin.TabularInline):
    model = DemandItem
    extra = 0
    can_delete = False
    readonly_fields = ["name", "quantity", "unit", "budget"]


class EventInline(admin.TabularInline):
    model = DemandEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor_label", "action", "from_status", "to_status", "note"]
    exclude = ["actor"]


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    list_display = ["tracking_no", "category", "node", "status", "urgency", "submitted_at", "due_at"]
    list_filter = ["status", "urgency", "channel", "category"]
    search_fields = ["tracking_no"]
    inlines = [ItemInline, EventInline]
    # hashes and ciphertext are of no use to a reader here; the masked copies are shown
    exclude = ["tracking_code_hash", "phone_hash", "resident_name_enc", "phone_enc", "address_enc"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    """Read-only: deleting an offer would let a volunteer who declined be asked again."""

    list_display = [column("demand", "点单"), column("volunteer", "志愿者"), column("team", "队伍"), "rank", "status",
                    "offered_at", "expires_at"]
    list_filter = ["status"]


@admin.register(DemandPhoto)
class DemandPhotoAdmin(ReadOnlyAdmin):
    list_display = [column("demand", "点单"), column("image", "图片"), column("added_by", "上传人"), "added_at"]




@admin.register(DemandItem)
class DemandItemAdmin(ReadOnlyAdmin):
    list_display = [column("demand", "点单"), "name", "quantity", "unit", "budget"]


@admin.register(DemandEvent)
class DemandEventAdmin(ReadOnlyAdmin):
    list_display = [column("demand", "点单"), "at", "actor_label", "action", "from_status", "to_status"]
    list_filter = ["action"]


@admin.register(VolunteerDemandStats)
class VolunteerDemandStatsAdmin(ReadOnlyAdmin):
    """Maintained by the workflow; `wenming manage rebuild_demand_stats` recomputes it."""

    list_display = [column("volunteer", "志愿者"), "open_load", "completed", "rated_count", "rating_sum"]
