"""Admin: delivery runs, read-only (every change goes through the services, which lock,
check and audit; the receipt codes are hashes and never shown)."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin, column

from .models import DeliveryReceipt, DeliveryRun, DeliveryStop, RunVolunteer


class StopInline(admin.TabularInline):
    model = DeliveryStop
    extra = 0
    can_delete = False
    fields = [column("demand", "点单"), "status", "amount", "confirmed_at", "confirmed_via", "marked_reason", "outcome"]
    readonly_fields = fields


@admin.register(DeliveryRun)
class DeliveryRunAdmin(ReadOnlyAdmin):
    list_display = [column("id", "编号"), "title", "node", "status", "planned_for", "created_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [StopInline]


@admin.register(DeliveryStop)
class DeliveryStopAdmin(ReadOnlyAdmin):
    list_display = [column("id", "编号"), column("run", "配送批次"), column("demand", "点单"), "status", "amount",
                    "confirmed_via", "confirmed_at"]
    list_filter = ["status"]
    exclude = ["code_hash"]


@admin.register(RunVolunteer)
class RunVolunteerAdmin(ReadOnlyAdmin):
    list_display = [column("run", "配送批次"), column("volunteer", "志愿者"), "assigned_at", "left_at",
                    "leave_reason"]


@admin.register(DeliveryReceipt)
class DeliveryReceiptAdmin(ReadOnlyAdmin):
    list_display = [column("run", "配送批次"), "shop", "amount", "recorded_at"]
