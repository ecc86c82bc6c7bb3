from django.urls import path

from .web import import_urls, survey_urls, unit_urls
from .web import views as v

# Mounted at /evaluation/. Ids are <str:…> and parsed by the views (pk_or_404): "²" or a
# 23-digit number is a 404 page, never a 500.
app_name = "evaluation"
urlpatterns = [
    # the parts' fixed paths (sites/import/ …) before the id patterns below would catch them
    *import_urls.urlpatterns,
    *survey_urls.urlpatterns,
    *unit_urls.urlpatterns,
    path("", v.index, name="index"),
    path("campaigns/new/", v.campaign_new, name="campaign_new"),
    path("campaigns/<str:campaign_id>/", v.campaign, name="campaign"),
    path("campaigns/<str:campaign_id>/status/", v.campaign_status, name="campaign_status"),
    path("campaigns/<str:campaign_id>/scoreboard.xlsx", v.board_export, name="board_export"),
    path("campaigns/<str:campaign_id>/ranking/", v.ranking, name="ranking"),
    path("campaigns/<str:campaign_id>/duties/", v.duty_table, name="duties"),
    path("campaigns/<str:campaign_id>/duties/<str:duty_id>/plan/", v.duty_plan, name="duty_plan"),
    path("campaigns/<str:campaign_id>/units/<str:unit_id>/", v.unit_board, name="unit_board"),
    path("sites/", v.sites, name="sites"),
    path("sites/<str:site_id>/", v.site, name="site"),
    path("site/<str:code>/", v.site_code, name="site_code"),
    path("rounds/", v.rounds, name="rounds"),
    path("rounds/<str:round_id>/", v.round_page, name="round"),
    path("rounds/<str:round_id>/finish/", v.round_finish, name="round_finish"),
    path("rounds/<str:round_id>/sites/<str:site_id>/record/", v.record, name="record"),
    path("findings/", v.findings, name="findings"),
    path("findings/<str:finding_id>/", v.finding, name="finding"),
    path("findings/<str:finding_id>/answer/", v.answer, name="answer"),
    path("findings/<str:finding_id>/accept/", v.accept, name="accept"),
    path("findings/<str:finding_id>/return/", v.return_, name="return"),
    path("findings/<str:finding_id>/withdraw/", v.withdraw, name="withdraw"),
    path("findings/<str:finding_id>/photos/<str:photo_id>/", v.photo, name="photo"),
]
