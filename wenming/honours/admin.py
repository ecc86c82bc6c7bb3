"""Admin: the honours, read-only (every change goes through the services, which check
scope, keep the counts and audit); the categories are the one table a platform admin edits
here. Phone hashes, ID numbers and codes are never shown."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin, column

from . import models as m


@admin.register(m.HonourCategory)
class HonourCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "nominee_kinds", "sort"]


@admin.register(m.HonourCampaign)
class HonourCampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "year", "level", "node", "stage", "places", "selected_count"]
    list_filter = ["stage", "level", "year"]


@admin.register(m.Nomination)
class NominationAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "kind", column("campaign", "评选活动"), "status", "priority", "votes"]
    list_filter = ["status", "kind", "priority"]
    search_fields = ["number", "name"]
    exclude = ["id_number_enc", "phone_enc", "person_key"]


@admin.register(m.Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = [column("nomination", "推荐对象"), "stage", column("reviewer", "评审人"), "decision", "total",
                    "created_at"]


@admin.register(m.Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["number", column("nomination", "推荐对象"), "anonymous", "status", "upheld", "created_at"]
    exclude = ["phone_enc"]
