from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动定时调度（Celery beat）：按间隔发出定时任务；同一任务在整个集群每个间隔至多运行一次"

    def handle(self, *args, **options):
        from wenming.celery import app

        app.start(["beat", "--loglevel=INFO", f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}"])
