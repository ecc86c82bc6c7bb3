from django.apps import AppConfig


class HonoursConfig(AppConfig):
    name = "wenming.honours"
    verbose_name = "先进典型评选"
