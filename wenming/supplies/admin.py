from django.contrib import admin

from wenming.core.admin import AuditedAdmin, ReadOnlyAdmin, column

from .models import Distribution, DistributionLine, Donation, DonationLine, Stock, StockMovement, SupplyItem


@admin.register(SupplyItem)
class SupplyItemAdmin(AuditedAdmin):
    """The catalogue is configuration: offices add items or retire them (active = off)."""

    list_display = ["name", "unit", "category", "sort", "active"]
    list_filter = ["category", "active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None):
        return False  # an item with history is PROTECTed anyway; retire it instead


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DonationLineInline(ReadOnlyInline):
    model = DonationLine


class DistributionLineInline(ReadOnlyInline):
    model = DistributionLine


# Donations, distributions, movements and stock change only through the services, which keep
# stock = sum of movements; the admin shows them and nothing more.

@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "node", "donor_name", "donor_phone_masked", "recorded_by"]
    search_fields = ["donor_name"]
    date_hierarchy = "received_at"
    exclude = ["donor_phone_enc"]
    inlines = [DonationLineInline]


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdmin):
    list_display = ["distributed_at", "from_node", "to_kind", column("recipient_label", "领取对象", ordering=None),
                    "reason", "recorded_by"]
    list_filter = ["to_kind"]
    date_hierarchy = "distributed_at"
    exclude = ["household_address_enc"]
    inlines = [DistributionLineInline]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "node", "item", "kind", "quantity", "reason", "recorded_by"]
    list_filter = ["kind", "item"]
    date_hierarchy = "at"


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ["node", "item", "quantity", "updated_at"]
    list_filter = ["item"]
    search_fields = ["node__name", "node__code"]


@admin.register(DonationLine)
class DonationLineAdmin(ReadOnlyAdmin):
    list_display = [column("donation", "捐赠登记"), "item", "quantity"]
    list_filter = ["item"]


@admin.register(DistributionLine)
class DistributionLineAdmin(ReadOnlyAdmin):
    list_display = [column("distribution", "物资发放"), "item", "quantity"]
    list_filter = ["item"]
