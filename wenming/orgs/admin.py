from django.contrib import admin

from wenming.core.admin import AuditedAdmin

from .models import Node, Unit


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
