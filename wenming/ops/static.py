"""Collect the static files before a server starts, one process at a time: servers that
share a var dir (two on one machine, or several on a shared filesystem) and start together
would otherwise write the same hashed files at once, and collectstatic fails on that."""

import fcntl
from pathlib import Path

from django.conf import settings
from django.core.management import call_command


def collect_static() -> None:
    root = Path(settings.STATIC_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / ".collectstatic.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        call_command("collectstatic", interactive=False, verbosity=0)
