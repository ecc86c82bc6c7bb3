from django.urls import path

from . import shop_views as v

# Ids are <str:…> and parsed by the views (parse_pk): "²" or a 23-digit number is a 404 page,
# never a 500 from an integer overflow in the database.
app_name = "shop"
urlpatterns = [
    path("shop/", v.items, name="items"),
    path("shop/mine/", v.mine, name="mine"),
    path("shop/<str:item_id>/redeem/", v.redeem, name="redeem"),
    path("manage/shop/", v.manage, name="manage"),
    path("manage/shop/items/", v.item_new, name="item_new"),
    path("manage/shop/collect/", v.collect, name="collect"),
    path("manage/shop/<str:item_id>/restock/", v.restock, name="restock"),
]
