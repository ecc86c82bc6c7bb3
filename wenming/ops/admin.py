from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import KeyRecord


@admin.register(KeyRecord)
class KeyRecordAdmin(ReadOnlyAdmin):
    """Fingerprints only (HMAC of a fixed label): they tell whether keys match, never the keys."""

    list_display = ["blind_index_key", "field_keys", "updated_at"]
