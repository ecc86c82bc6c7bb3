from django.urls import path

from . import record_views

app_name = "service_records"
urlpatterns = [
    path("manage/hours/", record_views.hours, name="hours"),
    path("manage/hours/verify/", record_views.verify_page, name="verify_page"),
    path("manage/hours/<int:attendance_id>/verify/", record_views.verify, name="verify"),
    path("manage/hours/makeup/", record_views.makeup, name="makeup"),
    path("manage/hours/records/<int:record_id>/correct/", record_views.correct, name="correct"),
    path("my/certificates/", record_views.my_certificates, name="my_certificates"),
    path("my/certificates/issue/", record_views.my_certificate_issue, name="my_certificate_issue"),
]
