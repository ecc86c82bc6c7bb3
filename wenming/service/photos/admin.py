"""Admin for project photos: read-only; added and removed through photos.services (audited)."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin, column

from .models import ProjectPhoto


@admin.register(ProjectPhoto)
class ProjectPhotoAdmin(ReadOnlyAdmin):
    list_display = [column("project", "项目"), "phase", "caption", column("image", "图片"), "added_at"]
    list_filter = ["phase"]
    list_select_related = ["project", "image"]
    raw_id_fields = ["project"]
