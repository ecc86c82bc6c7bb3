from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "wenming.reporting"
    verbose_name = "信息报送"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
