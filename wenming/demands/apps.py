from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "wenming.demands"
    verbose_name = "群众点单"
