from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "wenming.service"
    verbose_name = "志愿服务"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
