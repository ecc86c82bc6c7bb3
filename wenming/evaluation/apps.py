from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "wenming.evaluation"
    verbose_name = "文明创建测评"
