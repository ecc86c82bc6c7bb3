from django.urls import path

from . import views as v

# Mounted at /dashboards/; the node comes as ?node=<id> (parsed with parse_pk).
app_name = "dashboards"
urlpatterns = [
    path("", v.board, name="board"),
    path("screen/", v.screen, name="screen"),
    path("export.xlsx", v.export, name="export"),
    path("report/", v.report, name="report"),
]
