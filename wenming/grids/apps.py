from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "wenming.grids"
    verbose_name = "网格与入户排查"
