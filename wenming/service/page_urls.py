from django.urls import path

from . import page_views

app_name = "service_pages"
urlpatterns = [
    path("projects/", page_views.project_list, name="projects"),
    path("projects/<int:project_id>/", page_views.project_detail, name="project"),
    path("shifts/<int:shift_id>/signup/", page_views.sign_up, name="sign_up"),
    path("my/shifts/", page_views.my_shifts, name="my_shifts"),
    path("my/enrollments/<int:enrollment_id>/cancel/", page_views.cancel, name="cancel"),
    path("venue/<int:shift_id>/", page_views.venue, name="venue"),
    path("checkin/<int:shift_id>/", page_views.checkin, name="checkin"),
]
