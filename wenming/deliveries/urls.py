from django.urls import path

from . import views as v

# Mounted at /deliveries/. Ids are <str:…> and parsed by the views (pk_or_404): "²" or a
# 23-digit number is a 404 page, never a 500.
app_name = "deliveries"
urlpatterns = [
    path("", v.runs, name="runs"),
    path("new/", v.new, name="new"),
    path("stops/<str:stop_id>/confirm/", v.confirm, name="confirm"),
    path("stops/<str:stop_id>/confirm-by-call/", v.confirm_by_call, name="confirm_by_call"),
    path("stops/<str:stop_id>/mark/", v.mark, name="mark"),
    path("stops/<str:stop_id>/amount/", v.amount, name="amount"),
    path("<str:run_id>/", v.detail, name="detail"),
    path("<str:run_id>/contacts/", v.contacts, name="contacts"),
    path("<str:run_id>/stops/", v.add_stops, name="add_stops"),
    path("<str:run_id>/stops/<str:stop_id>/remove/", v.remove_stop, name="remove_stop"),
    path("<str:run_id>/volunteers/", v.assign, name="assign"),
    path("<str:run_id>/leave/", v.leave, name="leave"),
    path("<str:run_id>/purchase/", v.purchase, name="purchase"),
    path("<str:run_id>/deliver/", v.deliver, name="deliver"),
    path("<str:run_id>/cancel/", v.cancel, name="cancel"),
    path("<str:run_id>/receipts/", v.add_receipt, name="add_receipt"),
    path("<str:run_id>/receipts/<str:receipt_id>/photo/", v.receipt_photo, name="receipt_photo"),
    path("<str:run_id>/buying-list.xlsx", v.export, name="export"),
]
