from django.urls import path

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
]
