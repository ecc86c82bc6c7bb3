"""The Celery application: configured from Django's settings (CELERY_*), tasks found in
each app's `tasks` module. Start a worker with `wenming worker`, the scheduler with
`wenming beat`; `wenming serve` runs both beside the web server on the embedded default."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")

app = Celery("wenming")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
