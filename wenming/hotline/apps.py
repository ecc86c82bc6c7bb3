from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "wenming.hotline"
    verbose_name = "心理热线"
