from django.contrib import admin

from .audit import audit_record
from .models import AuditEntry, BackgroundJob, Counter, PeriodicLatch, PeriodicRun, PhoneCode, StoredImage


def column(field: str, description: str, *, ordering: str | None = "", boolean: bool = False):
    """A list_display column with a Chinese header, for a field whose model gives it none (a
    foreign key declared without verbose_name shows "volunteer", the primary key "ID"). Sorts
    by the field unless `ordering` is None (a property)."""

    @admin.display(description=description, ordering=(ordering or field) if ordering is not None else None,
                   boolean=boolean)
    def show(obj):
        return getattr(obj, field)

    show.__name__ = show.__qualname__ = f"{field}_column"
    return show


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are writes too: each save and delete leaves an audit row."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action=f"admin.{'change' if change else 'add'}", obj=obj,
                     changes={"fields": sorted(form.changed_data)})

    def save_formset(self, request, form, formset, change):
        """Inline rows (role assignments, certificates, members) are writes too."""
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action="admin.add", obj=obj)
        for obj, fields in formset.changed_objects:
            audit_record(actor=request.user, action="admin.change", obj=obj, changes={"fields": sorted(fields)})
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, action="admin.delete", obj=obj)

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.delete", obj=obj)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "action", "object_id"]
    date_hierarchy = "at"


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin):
    list_display = [column("name", "计数器"), column("value", "当前值")]


@admin.register(StoredImage)
class StoredImageAdmin(ReadOnlyAdmin):
    """Metadata only: the files are served by the owning feature, never from here."""

    list_display = ["created_at", "purpose", "content_type", "width", "height", "bytes", "uploaded_by"]
    list_filter = ["purpose", "content_type"]


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    """When each background job last ran, where, and how it ended: the operator's first look
    when figures stop moving or messages stop arriving."""

    list_display = ["name", "started_at", "finished_at", "outcome", "result", "error", "worker"]
    list_filter = ["name", "outcome"]
    date_hierarchy = "started_at"


@admin.register(PeriodicLatch)
class PeriodicLatchAdmin(ReadOnlyAdmin):
    list_display = ["name", "next_run_at"]


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdmin):
    """Who started which heavy job, how far it got and how it ended (the result file is
    downloaded from the job's own page, which checks the scope)."""

    list_display = ["created_at", "kind", "actor", "status", "done", "total", "error_code", "attempts", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["public_id", "actor__username", "error_code"]
    date_hierarchy = "created_at"


@admin.register(PhoneCode)
class PhoneCodeAdmin(ReadOnlyAdmin):
    """Codes are stored hashed; this shows only what for, when they were sent and used."""

    list_display = [column("pk", "编号"), column("purpose", "用途"), column("created_at", "发送时间"),
                    column("expires_at", "过期时间"), column("attempts", "尝试次数"), column("used_at", "使用时间")]
    exclude = ["phone_hash", "code_hash"]
