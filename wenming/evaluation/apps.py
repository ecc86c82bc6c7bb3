from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "wenming.evaluation"
    verbose_name = "文明创建测评"

    def ready(self):
        from . import workbench  # noqa: F401  (registers the home-page to-do panel)
