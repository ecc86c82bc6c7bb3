"""Admin: the evaluation, read-only. Every change goes through the services (which check
scope, keep the tallies and figures in step, and audit); site types are the one table a
platform admin edits here. Phone hashes and codes are never shown."""

from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin, column

from . import models as m


@admin.register(m.SiteType)
class SiteTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort"]


@admin.register(m.Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "year", "node", "status", "starts_on", "ends_on"]
    list_filter = ["status", "year"]


@admin.register(m.SubSystem)
class SubSystemAdmin(ReadOnlyAdmin):
    list_display = ["name", column("campaign", "测评活动"), "floor_percent", "share_percent"]


@admin.register(m.Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "points", "rule", column("campaign", "测评活动")]
    list_filter = ["level", "rule"]
    search_fields = ["code", "name"]


@admin.register(m.Duty)
class DutyAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "unit", "role", "head_name", "due_on"]
    list_filter = ["role"]


@admin.register(m.Site)
class SiteAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "site_type", "node", "unit", "archived_at"]
    list_filter = ["site_type"]
    search_fields = ["code", "name"]


@admin.register(m.SiteDuty)
class SiteDutyAdmin(ReadOnlyAdmin):
    list_display = [column("site", "点位"), column("indicator", "指标"), "unit"]


@admin.register(m.InspectionRound)
class InspectionRoundAdmin(ReadOnlyAdmin):
    list_display = ["title", column("campaign", "测评活动"), "node", "planned_on", "announced", "status"]


@admin.register(m.Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["number", column("site", "点位"), "indicator", "lead_unit", "points", "status", "deadline",
                    "overdue"]
    list_filter = ["status", "severity", "overdue"]
    search_fields = ["number"]


@admin.register(m.FindingUnit)
class FindingUnitAdmin(ReadOnlyAdmin):
    list_display = [column("finding", "督查问题"), column("unit", "文明单位"), "role"]


@admin.register(m.FindingEvent)
class FindingEventAdmin(ReadOnlyAdmin):
    list_display = [column("finding", "督查问题"), "kind", column("actor", "操作人"), column("unit", "文明单位"), "at"]
    list_filter = ["kind"]


@admin.register(m.FindingPhoto)
class FindingPhotoAdmin(ReadOnlyAdmin):
    list_display = [column("finding", "督查问题"), column("event", "处理记录"), column("image", "图片")]


@admin.register(m.Accountability)
class AccountabilityAdmin(ReadOnlyAdmin):
    list_display = ["unit", "kind", column("campaign", "测评活动"), "decided_by", "decided_at"]
    list_filter = ["kind"]


@admin.register(m.UnitTally)
class UnitTallyAdmin(ReadOnlyAdmin):
    list_display = [column("campaign", "测评活动"), column("unit", "文明单位"), column("indicator", "指标"), "deducted",
                    "findings", "live", "overdue", "material_score"]


@admin.register(m.Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["title", column("campaign", "测评活动"), "node", "status", "responses_count"]


@admin.register(m.SurveyQuestion)
class SurveyQuestionAdmin(ReadOnlyAdmin):
    list_display = ["text", column("survey", "问卷"), "indicator", "kind", "answers", "positives"]


@admin.register(m.SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = [column("id", "编号"), column("survey", "问卷"), "submitted_at"]
    exclude = ["phone_hash"]


@admin.register(m.SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyAdmin):
    list_display = [column("response", "答卷"), column("question", "题目"), "value", "positive"]


@admin.register(m.Material)
class MaterialAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "unit", "status", "score", "submitted_at", "reviewed_at"]
    list_filter = ["status"]


@admin.register(m.UnitMember)
class UnitMemberAdmin(ReadOnlyAdmin):
    list_display = [column("unit", "文明单位"), column("volunteer", "志愿者"), "joined_on"]


@admin.register(m.UnitTeam)
class UnitTeamAdmin(ReadOnlyAdmin):
    list_display = [column("unit", "文明单位"), column("team", "队伍")]


@admin.register(m.Pairing)
class PairingAdmin(ReadOnlyAdmin):
    list_display = [column("unit", "文明单位"), "node", "started_on", "ended_on"]


@admin.register(m.UnitCallAnswer)
class UnitCallAnswerAdmin(ReadOnlyAdmin):
    list_display = [column("unit", "文明单位"), column("call", "招募令"), column("team", "队伍"), "headcount",
                    "answered_at"]
