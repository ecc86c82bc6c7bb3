"""Admin for the hotline's configuration; counselling records are sealed.

Call logs and follow-ups are visible only to the counselor who took the call and that
counselor's supervisor, and a superuser is no exception (docs/hotline.md). Their admin
entries exist (every model has one) but list nothing and allow nothing: no row, no
metadata, no ciphertext. Counselors and schedules are read-only here, because the services
check who may supervise whom; change them through the API.
"""

from django.contrib import admin

from wenming.core.admin import AuditedAdmin, ReadOnlyAdmin, column

from .models import CallLog, CallTally, Counselor, DutyShift, FollowUp, Hotline, Topic

SEALED = "已封存：心理咨询记录仅接听的咨询师本人及其督导可在业务页面查看，系统管理后台不显示"


@admin.register(Topic)
class TopicAdmin(AuditedAdmin):
    list_display = ["code", "name", "sort", "active"]
    list_editable = ["sort", "active"]


@admin.register(Hotline)
class HotlineAdmin(AuditedAdmin):
    list_display = ["name", "number", "hours", "node", "active", "inactive_since"]
    list_filter = ["active"]
    search_fields = ["name", "number"]
    readonly_fields = ["node", "inactive_since"]  # the node decides who supervises and who sees statistics

    def has_add_permission(self, request):
        return False  # hotline_create checks who may open a line at a node


@admin.register(Counselor)
class CounselorAdmin(ReadOnlyAdmin):
    list_display = ["user", "hotline", "supervisor", "is_supervisor", "active", "inactive_since"]
    list_filter = ["active", "is_supervisor"]


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdmin):
    list_display = ["counselor", "weekday", "on_date", "starts_at", "ends_at"]


class SealedAdmin(ReadOnlyAdmin):
    """An empty, read-only list: the records exist, the admin shows none of them."""

    list_display = [column("id", "编号")]

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "title": SEALED})


@admin.register(CallLog)
class CallLogAdmin(SealedAdmin):
    pass


@admin.register(CallTally)
class CallTallyAdmin(ReadOnlyAdmin):
    """Entered on the hotline's page (its remainders move the figures): read-only here."""

    list_display = ["period", "hotline", "calls", "crisis", "calls_remainder", "entered_by", "updated_at"]
    list_select_related = ["hotline", "entered_by"]


@admin.register(FollowUp)
class FollowUpAdmin(SealedAdmin):
    pass
