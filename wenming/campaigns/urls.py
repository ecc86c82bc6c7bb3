from django.urls import path

from . import indicator_views, party_views, record_views, tally_views

# Mounted at /campaigns/. Subjects (n:<id>/u:<id>), nodes and months come in query strings.
app_name = "campaigns"
urlpatterns = [
    path("", tally_views.tallies, name="tallies"),
    path("tallies/entries/", tally_views.entries, name="entries"),
    path("tallies/new/", tally_views.entry_new, name="entry_new"),
    path("tallies/<int:entry_id>/correct/", tally_views.entry_correct, name="entry_correct"),
    path("tallies/sheet/", tally_views.sheet_download, name="sheet_download"),
    path("tallies/upload/", tally_views.sheet_upload, name="sheet_upload"),
    path("indicators/", indicator_views.indicators, name="indicators"),
    path("indicators/<str:indicator_id>/", indicator_views.indicator_edit, name="indicator_edit"),
    path("reform/", record_views.reform, name="reform"),
    path("reform/new/", record_views.reform_new, name="reform_new"),
    path("reform/totals/", record_views.reform_total, name="reform_total"),
    path("reform/<int:record_id>/void/", record_views.reform_void, name="reform_void"),
    path("online/", record_views.online, name="online"),
    path("online/new/", record_views.online_form, name="online_new"),
    path("online/<int:activity_id>/", record_views.online_detail, name="online_detail"),
    path("online/<int:activity_id>/edit/", record_views.online_form, name="online_edit"),
    path("o/<int:activity_id>/", record_views.online_public, name="online_public"),
    path("party/", party_views.party, name="party"),
    path("party/checkin/", party_views.checkin, name="party_checkin"),
    path("party/<int:checkin_id>/withdraw/", party_views.withdraw, name="party_withdraw"),
]
