from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "wenming.deliveries"
    verbose_name = "代购配送"
