from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "wenming.volunteers"
    verbose_name = "志愿者与队伍"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
