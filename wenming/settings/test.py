"""Settings for the test suite: the project's settings with tasks run in the calling
process (a test that needs a real worker starts one), a per-process cache so tests do not
share counters (the shared caches have tests of their own), and static files found in the
apps rather than collected."""

import os

from . import *  # noqa: F403
from . import STORAGES
from .services import cache_from_url

CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": cache_from_url(os.environ.get("WENMING_TEST_CACHE_URL", "locmem://"))}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_AUTOREFRESH = True
