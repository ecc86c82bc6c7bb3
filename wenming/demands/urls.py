from django.urls import path

from . import mine_views as mine
from . import public_views as pub
from . import staff_views as staff
from . import views
from . import volunteer_views as vol

# Mounted at /demands/. Ids are <str:…> and parsed by the views (views.pk_or_404): "²",
# "abc" or a 23-digit number is a 404 page, never a 500 from an integer overflow. Literal
# paths come before the <str:demand_id> ones, which would otherwise swallow them.
app_name = "demands"
urlpatterns = [
    # residents (no login)
    path("new/", pub.new, name="new"),
    path("new/code/", pub.send_code, name="send_code"),
    path("track/", pub.track, name="track"),
    path("track/rate/", pub.rate, name="rate"),
    path("track/confirm-delivery/", pub.confirm_delivery, name="confirm_delivery"),
    # a logged-in resident's own requests (我的点单), without the tracking code
    path("mine/", mine.mine, name="mine"),
    path("mine/<str:demand_id>/", mine.mine_detail, name="mine_detail"),
    path("mine/<str:demand_id>/rate/", mine.mine_rate, name="mine_rate"),
    # volunteers
    path("offers/", vol.offers, name="offers"),
    path("offers/<str:offer_id>/", vol.offer, name="offer"),
    path("offers/<str:offer_id>/accept/", vol.offer_accept, name="offer_accept"),
    path("offers/<str:offer_id>/decline/", vol.offer_decline, name="offer_decline"),
    path("my/<str:demand_id>/", vol.my_demand, name="my_demand"),
    path("my/<str:demand_id>/start/", vol.start, name="start"),
    path("my/<str:demand_id>/complete/", vol.complete, name="complete"),
    path("my/<str:demand_id>/photos/", vol.add_photo, name="add_photo"),
    # dispatchers
    path("board/", staff.board, name="board"),
    path("enter/", staff.enter, name="enter"),
    path("<str:demand_id>/", staff.detail, name="detail"),
    path("<str:demand_id>/contact/", staff.contact, name="contact"),
    path("<str:demand_id>/review/", staff.review, name="review"),
    path("<str:demand_id>/reject/", staff.reject, name="reject"),
    path("<str:demand_id>/dispatch/", staff.dispatch, name="dispatch"),
    path("<str:demand_id>/close/", staff.close, name="close"),
    path("<str:demand_id>/photos/<str:photo_id>/", views.photo, name="photo"),
]
