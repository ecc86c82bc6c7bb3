from django.contrib import admin

from wenming.core.admin import AuditedAdmin

from .models import Skill, Team, TeamMember, Volunteer, VolunteerCertificate, VolunteerSpell


@admin.register(Skill)
class SkillAdmin(AuditedAdmin):
    list_display = ["code", "name", "sort"]


class CertificateInline(admin.TabularInline):
    model = VolunteerCertificate
    extra = 0


@admin.register(Volunteer)
class VolunteerAdmin(AuditedAdmin):
    """Masked only. Registration and identity changes go through the volunteer services,
    which validate the ID number and keep the encrypted fields and blind indexes in step."""

    list_display = ["volunteer_no", "name", "id_number_masked", "phone_masked", "home_node", "status"]
    list_filter = ["status", "political_status", "is_reserve", "source"]
    search_fields = ["volunteer_no", "name", "name_pinyin", "name_initials"]
    raw_id_fields = ["home_node", "grid", "user"]
    fields = ["volunteer_no", "name", "id_type", "id_number_masked", "age", "sex", "phone_masked",
              "political_status", "skills", "home_node", "grid", "availability", "is_reserve",
              "insurance_valid_until", "status", "source", "user", "guardian_name", "guardian_phone_masked",
              "consent_terms_at", "consent_location_at", "consent_health_at", "guardian_consent_at"]
    readonly_fields = ["volunteer_no", "name", "id_type", "id_number_masked", "age", "sex", "phone_masked",
                       "home_node", "grid", "source", "guardian_name", "guardian_phone_masked",
                       "consent_terms_at", "consent_location_at", "consent_health_at", "guardian_consent_at"]
    filter_horizontal = ["skills"]
    inlines = [CertificateInline]

    def has_add_permission(self, request):
        return False


class MemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["volunteer"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "level", "kind", "node", "parent", "archived_at"]
    list_filter = ["level", "kind"]
    search_fields = ["name"]
    raw_id_fields = ["node", "parent"]
    inlines = [MemberInline]


@admin.register(VolunteerCertificate)
class VolunteerCertificateAdmin(AuditedAdmin):
    list_display = ["name", "volunteer", "issuer", "expires_on"]
    raw_id_fields = ["volunteer"]


@admin.register(TeamMember)
class TeamMemberAdmin(AuditedAdmin):
    list_display = ["team", "volunteer", "role", "joined_at"]
    list_filter = ["role"]
    raw_id_fields = ["team", "volunteer"]


@admin.register(VolunteerSpell)
class VolunteerSpellAdmin(admin.ModelAdmin):
    """The register's history, appended by the services: read-only (as-of figures depend on it)."""

    list_display = ["volunteer", "since", "node", "active", "reserve", "party"]
    raw_id_fields = ["volunteer", "node"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
