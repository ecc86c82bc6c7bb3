from django.urls import path

from . import views

# Public pages (no login). Ids are <str:…> and parsed by the views: "²", "abc" or a 23-digit
# number is a 404 page, never a 500.
app_name = "nearby"
urlpatterns = [
    path("map/", views.nearby_map, name="map"),
    path("map/places/<str:node_id>/", views.place_detail, name="place"),
]
