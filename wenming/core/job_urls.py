from django.urls import path

from . import job_views

app_name = "jobs"
urlpatterns = [
    path("<uuid:public_id>/", job_views.job_detail, name="detail"),
    path("<uuid:public_id>/download", job_views.job_download, name="download"),
]
