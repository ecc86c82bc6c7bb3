from django.apps import AppConfig


class HonoursConfig(AppConfig):
    name = "wenming.honours"
    verbose_name = "先进典型评选"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
