from django.urls import path

from . import setup_views as setup
from . import views as v

# Mounted at /hotline/. Ids are <str:…> and parsed by the views (parse_pk): "²", "abc" or a
# 23-digit number is a 404 page, never a 500 from an integer overflow in the database.
app_name = "hotline"
urlpatterns = [
    path("", v.calls, name="calls"),
    path("calls/new/", v.call_new, name="call_new"),
    path("calls/<str:call_id>/", v.call_detail, name="call_detail"),
    path("calls/<str:call_id>/edit/", v.call_edit, name="call_edit"),
    path("calls/<str:call_id>/phone/", v.call_phone, name="call_phone"),
    path("calls/<str:call_id>/followups/", v.followup_add, name="followup_add"),
    path("followups/", v.followups, name="followups"),
    path("followups/<str:followup_id>/done/", v.followup_done, name="followup_done"),
    path("supervision/", v.supervision, name="supervision"),
    path("stats/", v.stats, name="stats"),
    # setting up: lines, counselors, duty schedules (node.edit or the hotline-supervisor role)
    path("lines/", setup.lines, name="lines"),
    path("lines/new/", setup.line_new, name="line_new"),
    path("lines/<str:hotline_id>/", setup.line_detail, name="line_detail"),
    path("lines/<str:hotline_id>/edit/", setup.line_edit, name="line_edit"),
    path("lines/<str:hotline_id>/counselors/", setup.counselor_new, name="counselor_add"),
    path("lines/<str:hotline_id>/tallies/", setup.tally_set, name="tally_set"),
    path("counselors/<str:counselor_id>/", setup.counselor_edit, name="counselor_edit"),
    path("counselors/<str:counselor_id>/active/", setup.counselor_active, name="counselor_active"),
    path("counselors/<str:counselor_id>/schedule/", setup.schedule, name="schedule"),
]
