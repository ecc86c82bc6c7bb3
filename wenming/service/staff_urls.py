from django.urls import path

from . import staff_views as v

app_name = "service_staff"
urlpatterns = [
    path("manage/projects/", v.project_list, name="projects"),
    path("manage/projects/new/", v.project_new, name="project_new"),
    path("manage/projects/<int:project_id>/", v.project_detail, name="project"),
    path("manage/projects/<int:project_id>/edit/", v.project_edit, name="project_edit"),
    path("manage/projects/<int:project_id>/shifts/", v.shift_new, name="shift_new"),
    path("manage/projects/<int:project_id>/<slug:action>/", v.project_move, name="project_move"),
    path("manage/shifts/<int:shift_id>/capacity/", v.shift_capacity, name="shift_capacity"),
    path("manage/shifts/<int:shift_id>/roster/", v.roster, name="roster"),
    path("manage/shifts/<int:shift_id>/roster.xlsx", v.roster_export, name="roster_export"),
    path("manage/enrollments/<int:enrollment_id>/no-show/", v.enrollment_no_show, name="no_show"),
    path("manage/enrollments/<int:enrollment_id>/cancel/", v.enrollment_cancel_view, name="enrollment_cancel"),
    path("manage/claims/", v.claims, name="claims"),
    path("manage/claims/<int:project_id>/", v.claim, name="claim"),
]
