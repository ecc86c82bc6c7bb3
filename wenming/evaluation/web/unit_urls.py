"""Pages of civilized units as participants, mounted under /evaluation/ (names: unit_*).
Ids are <str:…> and parsed by the views (pk_or_404): "²" or 23 digits is a 404 page."""

from django.urls import path

from . import unit_views as v

urlpatterns = [
    path("units/", v.unit_list, name="unit_list"),
    path("units/<str:unit_id>/", v.unit_detail, name="unit_detail"),
    path("units/<str:unit_id>/members/add/", v.unit_member_add, name="unit_member_add"),
    path("units/<str:unit_id>/members/<str:member_id>/remove/", v.unit_member_remove, name="unit_member_remove"),
    path("units/<str:unit_id>/teams/link/", v.unit_team_link, name="unit_team_link"),
    path("units/<str:unit_id>/teams/<str:team_id>/unlink/", v.unit_team_unlink, name="unit_team_unlink"),
    path("units/<str:unit_id>/pairings/add/", v.unit_pairing_add, name="unit_pairing_add"),
    path("units/<str:unit_id>/pairings/<str:pairing_id>/end/", v.unit_pairing_end, name="unit_pairing_end"),
    path("units/<str:unit_id>/calls/", v.unit_calls, name="unit_calls"),
    path("units/<str:unit_id>/calls/<str:call_id>/answer/", v.unit_call_answer, name="unit_call_answer"),
]
