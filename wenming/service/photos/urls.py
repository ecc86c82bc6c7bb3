from django.urls import path

from . import views

# Included in wenming/urls.py before service.staff_urls: its "manage/projects/<id>/<slug:action>/"
# would otherwise take "manage/projects/<id>/photos/".
app_name = "project_photos"
urlpatterns = [
    path("projects/<str:project_id>/photos/<str:photo_id>/", views.photo_image, name="image"),
    path("manage/projects/<str:project_id>/photos/", views.manage, name="manage"),
    path("manage/projects/<str:project_id>/photos/<str:photo_id>/delete/", views.delete, name="delete"),
]
