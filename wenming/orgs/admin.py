from django.contrib import admin

from wenming.core.admin import AuditedAdmin

from .models import Node, PeriodClosing, Unit


@admin.register(Node)
class NodeAdmin(AuditedAdmin):
    """Tree structure (parent, path) changes only through the node services: move, archive."""

    list_display = ["name", "kind", "code", "admin_code", "depth", "status", "archived_at"]
    list_filter = ["kind", "status", "depth"]
    search_fields = ["name", "code", "admin_code"]
    readonly_fields = ["parent", "path", "depth", "kind", "archived_at", "created_at", "updated_at"]
    fields = ["name", "kind", "parent", "path", "depth", "code", "admin_code", "address", "lat", "lon",
              "contact_name", "contact_phone", "status", "archived_at", "created_at", "updated_at"]
    ordering = ["path"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "unit_type", "level", "node", "awarded_year", "archived_at"]
    list_filter = ["unit_type", "level"]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["node"]


@admin.register(PeriodClosing)
class PeriodClosingAdmin(admin.ModelAdmin):
    """Read-only: closing and reopening go through orgs/closing.py (checked and audited)."""

    list_display = ["node", "since", "until", "closed_by", "closed_at", "reopened_at"]
    list_filter = ["since"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
