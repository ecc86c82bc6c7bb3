from django.urls import path

from . import views as v

# Mounted at /supplies/. Node and page ids come in query strings and are parsed with parse_pk.
app_name = "supplies"
urlpatterns = [
    path("", v.stock, name="stock"),
    path("donations/", v.donations, name="donations"),
    path("donations/new/", v.donation_new, name="donation_new"),
    path("distributions/", v.distributions, name="distributions"),
    path("distributions/new/", v.distribute, name="distribute"),
    path("adjust/", v.adjust, name="adjust"),
    path("movements/", v.movements, name="movements"),
]
