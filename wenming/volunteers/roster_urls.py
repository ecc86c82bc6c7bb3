from django.urls import path

from . import roster_views

app_name = "roster"
urlpatterns = [
    path("template/", roster_views.template_download, name="template"),
    path("upload/", roster_views.upload, name="upload"),
    path("errors/<uuid:token>/", roster_views.errors_download, name="errors"),
    path("export/", roster_views.export, name="export"),
]
