from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "wenming.supplies"
    verbose_name = "防疫物资"
