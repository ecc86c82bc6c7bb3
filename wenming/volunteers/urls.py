from django.urls import path

from . import card_views, edit_views, register_views, self_views, team_views, views

app_name = "volunteers"
urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("register/", register_views.register, name="register"),
    path("me/", views.me, name="me"),
    path("card/", card_views.my_card, name="card"),
    path("card/<str:token>/", card_views.card_scan, name="card_scan"),
    path("me/insurance/", self_views.my_insurance, name="my_insurance"),
    path("me/skills/", self_views.my_skills, name="my_skills"),
    path("me/changes/<str:change_id>/withdraw/", self_views.my_change_withdraw, name="my_change_withdraw"),
    path("changes/", self_views.change_list, name="changes"),
    path("changes/<str:change_id>/confirm/", self_views.change_confirm, name="change_confirm"),
    path("changes/<str:change_id>/reject/", self_views.change_reject, name="change_reject"),
    path("changes/<str:change_id>/evidence/", self_views.change_evidence, name="change_evidence"),
    path("new/", edit_views.volunteer_create, name="create"),
    path("<int:volunteer_id>/", views.volunteer_detail, name="detail"),
    path("<int:volunteer_id>/edit/", edit_views.volunteer_edit, name="edit"),
    path("<int:volunteer_id>/reveal/", views.volunteer_reveal, name="reveal"),
    path("<int:volunteer_id>/status/", views.volunteer_status, name="status"),
    path("<int:volunteer_id>/certificates/", views.certificate_add, name="certificate_add"),
    path("<int:volunteer_id>/certificates/<int:certificate_id>/delete/", views.certificate_remove,
         name="certificate_remove"),
    path("teams/", team_views.team_list, name="teams"),
    path("teams/new/", team_views.team_create, name="team_create"),
    path("teams/<int:team_id>/", team_views.team_detail, name="team_detail"),
    path("teams/<int:team_id>/edit/", team_views.team_edit, name="team_edit"),
    path("teams/<int:team_id>/members/", team_views.member_add, name="member_add"),
    path("teams/<int:team_id>/members/<int:volunteer_id>/remove/", team_views.member_remove,
         name="member_remove"),
]
