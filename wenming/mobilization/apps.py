from django.apps import AppConfig


class MobilizationConfig(AppConfig):
    name = "wenming.mobilization"
    verbose_name = "招募令与培训"
