from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "wenming.reporting"
    verbose_name = "信息报送"
