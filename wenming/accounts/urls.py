from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.phone_code_view, name="login_code"),
    path("login/phone/", views.phone_login_view, name="login_phone"),
    path("logout/", views.logout_view, name="logout"),
]
