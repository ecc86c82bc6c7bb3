from django.contrib import admin

from wenming.core.admin import AuditedAdmin, ReadOnlyAdmin, column
from wenming.core.models import Notification

from .models import Call, CallResponse, Course, CourseCompletion, ProjectCourse


@admin.register(Course)
class CourseAdmin(AuditedAdmin):
    list_display = ["title", "node", "pass_score", "created_at"]
    search_fields = ["title"]
    raw_id_fields = ["node"]


@admin.register(ProjectCourse)
class ProjectCourseAdmin(AuditedAdmin):
    list_display = [column("project", "项目"), column("course", "培训课程")]
    raw_id_fields = ["project", "course"]


@admin.register(CourseCompletion)
class CourseCompletionAdmin(ReadOnlyAdmin):
    list_display = [column("course", "培训课程"), column("volunteer_id", "志愿者编号（内部）"), "score", "completed_at"]


@admin.register(Call)
class CallAdmin(AuditedAdmin):
    list_display = ["title", "node", "needed", "deadline", "status"]
    list_filter = ["status"]
    raw_id_fields = ["node", "shift"]


@admin.register(CallResponse)
class CallResponseAdmin(ReadOnlyAdmin):
    list_display = [column("call", "招募令"), column("volunteer_id", "志愿者编号（内部）"), "answer", "answered_at",
                    column("enrollment_id", "报名记录编号")]
    list_filter = ["answer"]


# The core outbox model is registered here (this app introduced it) to keep core/admin.py untouched.
@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", column("recipient_id", "接收账号编号"), column("volunteer_id", "志愿者编号（内部）"),
                    "phone_masked", "channel", "subject", "sent_at", "attempts", "error"]
    list_filter = ["channel"]
    date_hierarchy = "created_at"
    # A phone-only message may hold a resident's one-time or receipt code: never shown here.
    exclude = ["phone_enc", "body", "lease"]
    readonly_fields = ["shown_body"]

    @admin.display(description="内容")
    def shown_body(self, obj):
        return "（短信内容不在后台显示）" if obj.recipient_id is None and obj.volunteer_id is None else obj.body
