from django.urls import path

from . import closing_views, import_views, views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("new/", views.node_create, name="root_create"),
    path("import/", import_views.node_import, name="import"),
    path("<int:node_id>/", views.node_detail, name="node"),
    path("<int:node_id>/new/", views.node_create, name="node_create"),
    path("<int:node_id>/edit/", views.node_edit, name="node_edit"),
    path("<int:node_id>/move/", views.node_move, name="node_move"),
    path("<int:node_id>/archive/", views.node_archive, name="node_archive"),
    path("<int:node_id>/restore/", views.node_restore, name="node_restore"),
    path("<int:node_id>/units/new/", views.unit_create, name="unit_create"),
    path("units/", views.unit_list, name="units"),
    path("closings/", closing_views.closings, name="closings"),
    path("closings/<str:closing_id>/reopen/", closing_views.reopen, name="closing_reopen"),
    path("units/<int:unit_id>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:unit_id>/archive/", views.unit_archive, name="unit_archive"),
]
