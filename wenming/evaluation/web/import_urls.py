"""Excel pages: import and export of the indicator tree, the duty table and the sites, and
copying a campaign (mounted under /evaluation/ by evaluation/urls.py)."""

from django.urls import path

from . import import_views as v

urlpatterns = [
    path("campaigns/<str:campaign_id>/import/tree/", v.import_tree, name="import_tree"),
    path("campaigns/<str:campaign_id>/import/duties/", v.import_duties, name="import_duties"),
    path("campaigns/<str:campaign_id>/export/tree.xlsx", v.export_tree, name="export_tree"),
    path("campaigns/<str:campaign_id>/export/tree-template.xlsx", v.export_tree_template,
         name="export_tree_template"),
    path("campaigns/<str:campaign_id>/export/duties.xlsx", v.export_duties, name="export_duties"),
    path("campaigns/<str:campaign_id>/export/duties-template.xlsx", v.export_duties_template,
         name="export_duties_template"),
    path("campaigns/<str:campaign_id>/copy/", v.import_copy, name="import_copy"),
    path("sites/import/", v.import_sites, name="import_sites"),
    path("sites/export.xlsx", v.export_sites, name="export_sites"),
    path("sites/template.xlsx", v.export_sites_template, name="export_sites_template"),
]
