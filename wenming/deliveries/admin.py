"""Admin: delivery runs, read-only (every change goes through the services, which lock,
check and audit; the receipt codes are hashes and never shown)."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import DeliveryReceipt, DeliveryRun, DeliveryStop, RunVolunteer


class StopInline(admin.TabularInline):
    model = DeliveryStop
    extra = 0
    can_delete = False
    fields = ["demand", "status", "amount", "confirmed_at", "confirmed_via", "marked_reason", "outcome"]
    readonly_fields = fields


@admin.register(DeliveryRun)
class DeliveryRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "node", "status", "planned_for", "created_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [StopInline]


@admin.register(DeliveryStop)
class DeliveryStopAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "demand", "status", "amount", "confirmed_via", "confirmed_at"]
    list_filter = ["status"]
    exclude = ["code_hash"]


@admin.register(RunVolunteer)
class RunVolunteerAdmin(ReadOnlyAdmin):
    list_display = ["run", "volunteer", "assigned_at", "left_at", "leave_reason"]


@admin.register(DeliveryReceipt)
class DeliveryReceiptAdmin(ReadOnlyAdmin):
    list_display = ["run", "shop", "amount", "recorded_at"]
