from django.contrib import admin

from wenming.core.admin import AuditedAdmin, column

from .models import ProfileChange, Skill, Team, TeamMember, Volunteer, VolunteerCertificate, VolunteerSpell


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

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("labels", {"volunteer": "志愿者"})  # the model's field has no Chinese name
        return super().get_formset(request, obj, **kwargs)


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "level", "kind", "node", "parent", "archived_at"]
    list_filter = ["level", "kind"]
    search_fields = ["name"]
    raw_id_fields = ["node", "parent"]
    inlines = [MemberInline]


@admin.register(VolunteerCertificate)
class VolunteerCertificateAdmin(AuditedAdmin):
    list_display = ["name", column("volunteer", "志愿者"), "issuer", "expires_on"]
    raw_id_fields = ["volunteer"]


@admin.register(TeamMember)
class TeamMemberAdmin(AuditedAdmin):
    list_display = [column("team", "队伍"), column("volunteer", "志愿者"), "role", "joined_at"]
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


@admin.register(ProfileChange)
class ProfileChangeAdmin(admin.ModelAdmin):
    """Volunteers' own updates of insurance and skills: decided on the 资料变更审核 page
    (change_services checks the scope and writes the audit rows), read-only here."""

    list_display = ["volunteer", "kind", "status", "insurance_valid_until", "submitted_at", "decided_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["volunteer", "evidence", "submitted_by", "decided_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
