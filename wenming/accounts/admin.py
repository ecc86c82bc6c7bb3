from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from wenming.core.admin import AuditedAdmin, ReadOnlyAdmin, column

from .models import ApiToken, LoginAttempt, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    raw_id_fields = ["node", "team", "unit"]
    readonly_fields = ["granted_by", "granted_at"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "phone_masked", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "display_name"]
    readonly_fields = ["phone_masked", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password", "display_name", "phone_masked"]}),
        ("状态", {"fields": ["is_active", "is_staff", "is_superuser", "last_login", "date_joined"]}),
    ]
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "node", "team", "unit", "may_reveal_pii", "granted_at"]
    list_filter = ["role", "may_reveal_pii"]
    raw_id_fields = ["user", "node", "team", "unit", "granted_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdmin):
    list_display = [column("at", "时间"), column("ip", "IP 地址")]
