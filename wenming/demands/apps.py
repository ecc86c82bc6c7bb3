from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "wenming.demands"
    verbose_name = "群众点单"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
