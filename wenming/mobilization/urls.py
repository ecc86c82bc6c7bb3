from django.urls import path

from . import course_views, views

app_name = "mobilization"
urlpatterns = [
    path("calls/", views.call_list, name="calls"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:call_id>/", views.call_detail, name="call"),
    path("calls/<int:call_id>/tally.json", views.call_tally_json, name="call_tally_json"),
    path("calls/<int:call_id>/target/", views.call_target, name="call_target"),
    path("calls/<int:call_id>/close/", views.call_close, name="call_close"),
    path("answer/", views.answer, name="answer"),
    path("courses/", course_views.course_list, name="courses"),
    path("courses/<int:course_id>/", course_views.course_detail, name="course"),
]
