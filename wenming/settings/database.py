"""DATABASES from DATABASE_URL; the embedded SQLite default otherwise."""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

SQLITE_OPTIONS = {
    # Writers take the lock at BEGIN instead of failing on upgrade mid-transaction.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=20000;"
        "PRAGMA foreign_keys=ON;"
    ),
}


def sqlite_database(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": dict(SQLITE_OPTIONS),
        # WENMING_TEST_DB_SUFFIX lets parallel test runs on one machine use separate files.
        "TEST": {"NAME": str(path.with_name(f"test{os.environ.get('WENMING_TEST_DB_SUFFIX', '')}_{path.name}"))},
    }


def database_from_url(url: str, var_dir: Path) -> dict:
    if not url:
        return sqlite_database(var_dir / "wenming.sqlite3")
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return sqlite_database(Path(unquote(parsed.path)))
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "wenming",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"不支持的 DATABASE_URL 协议：{parsed.scheme}")
