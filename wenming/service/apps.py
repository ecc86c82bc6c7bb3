from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "wenming.service"
    verbose_name = "志愿服务"
