from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "wenming.volunteers"
    verbose_name = "志愿者与队伍"
