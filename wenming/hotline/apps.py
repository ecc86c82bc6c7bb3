from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "wenming.hotline"
    verbose_name = "心理热线"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
