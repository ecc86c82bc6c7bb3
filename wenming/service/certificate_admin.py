"""Admin for 志愿服务记录证明: read-only; issue and revoke through certificate_services (audited)."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import Certificate


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "volunteer", "node", "total_hours", "issued_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["number"]
    exclude = ["verify_code"]  # the public link is the volunteer's to hand out, not the admin page's
    raw_id_fields = ["volunteer"]
