"""Helpers for tests that start real processes (gunicorn, a Celery worker) against the test
database: the environment that points a child process at it, and a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def database_url_of_test_db() -> str:
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    """The production settings module, the test database and this process's keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "WENMING_TASKS"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "wenming.settings",
        "DATABASE_URL": database_url_of_test_db(),
        "WENMING_SECRET_KEY": settings.SECRET_KEY,
        "WENMING_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "WENMING_BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
        "WENMING_LOG_FORMAT": "text",
    })
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url_or_skip() -> str:
    """The Redis that CI starts (WENMING_TEST_REDIS_URL); outside CI a missing Redis skips."""
    import redis

    url = os.environ.get("WENMING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis 不可用：{url}")
    return url


def wait_until(predicate, *, timeout: float, every: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextmanager
def running(argv: list[str], env: dict[str, str], *, log_path: Path):
    """A child process for the length of the block; stopped (then killed) afterwards, its
    output kept in log_path for the failure message."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "wenming", *argv], env=env, cwd=REPO,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, 9)
                    proc.wait()


def http_ready(port: int, path: str = "/healthz") -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as res:
            return res.status == 200
    except OSError:
        return False
