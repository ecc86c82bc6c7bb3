from django.apps import AppConfig


class MobilizationConfig(AppConfig):
    name = "wenming.mobilization"
    verbose_name = "招募令与培训"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
