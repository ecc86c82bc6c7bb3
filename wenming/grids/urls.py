from django.urls import path

from . import screening_views as sv
from . import views as v
from . import visit_views as vv

# Mounted at /grids/. Ids in paths are strings parsed with pk_or_404 ("²" or 23 digits: 404, never a 500).
app_name = "grids"
urlpatterns = [
    path("", v.index, name="index"),
    path("mine/", vv.mine, name="mine"),
    path("claims/", v.claims, name="claims"),
    path("screening/", sv.screening_totals_page, name="screening_totals"),
    path("claims/<str:claim_id>/withdraw/", v.claim_withdraw, name="claim_withdraw"),
    path("visits/", vv.visits, name="visits"),
    path("visits/export/", vv.visits_export, name="visits_export"),
    path("visits/<str:visit_id>/", vv.visit, name="visit"),
    path("visits/<str:visit_id>/correct/", vv.visit_correct, name="visit_correct"),
    path("visits/<str:visit_id>/void/", vv.visit_void, name="visit_void"),
    path("visits/<str:visit_id>/follow-up/", vv.visit_follow_up, name="visit_follow_up"),
    path("<str:grid_id>/", v.grid, name="grid"),
    path("<str:grid_id>/profile/", v.profile_edit, name="profile"),
    path("<str:grid_id>/claim/", v.claim_new, name="claim_new"),
    path("<str:grid_id>/visit/", vv.visit_new, name="visit_new"),
]
