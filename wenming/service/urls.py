from django.urls import path

from . import certificate_batch_views, certificate_views

app_name = "service"
urlpatterns = [
    path("verify/", certificate_views.certificate_verify_form, name="certificate_verify_form"),
    path("verify/<str:code>/", certificate_views.certificate_verify_code, name="certificate_verify"),
    path("certificates/<int:certificate_id>/pdf", certificate_views.certificate_pdf, name="certificate_pdf"),
    path("certificates/batch/", certificate_batch_views.certificate_batch, name="certificate_batch"),
]
