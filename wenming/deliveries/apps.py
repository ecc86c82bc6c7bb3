from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "wenming.deliveries"
    verbose_name = "代购配送"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
