"""Wenming (文明实践云): a platform for New-Era Civilization Practice centers."""

from .celery import app as celery_app

__version__ = "0.1.0"
__all__ = ["celery_app"]
