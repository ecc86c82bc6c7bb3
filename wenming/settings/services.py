"""CACHES, the Celery broker and STORAGES from environment values.

Each has a default that needs no server (the embedded install) and a production form named
by a URL or a word; an unknown form stops start-up with a Chinese message instead of
silently falling back to something per-process.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

CACHE_TABLE = "wenming_cache"


def cache_from_url(url: str) -> dict:
    """'' or db://: a table in the database, shared by every local process (the embedded
    default); redis://host:6379/1: Redis, shared by every server; locmem://: this process only
    (tests)."""
    scheme = urlparse(url).scheme if url else "db"
    if scheme == "db":
        return {"BACKEND": "wenming.ops.cache.DatabaseCache", "LOCATION": CACHE_TABLE,
                "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 10}}
    if scheme in ("redis", "rediss", "unix"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "wenming",
                "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": url[len("locmem://"):]}
    raise ImproperlyConfigured(f"不支持的 WENMING_CACHE_URL：{scheme}（可用 db://、redis://、locmem://）")


def broker_from_url(url: str, var_dir: Path, *, production: bool = False) -> tuple[str, dict]:
    """(broker URL, transport options). '': a SQLite file in var/ through kombu's SQLAlchemy
    transport; redis://, amqp:// (RabbitMQ) or sqla+… as given. Production must name one:
    with several servers a file per machine would keep each machine's jobs to itself."""
    if not url:
        if production:
            raise ImproperlyConfigured("生产模式下必须设置 WENMING_BROKER_URL（如 redis://127.0.0.1:6379/0）")
        url = f"sqla+sqlite:///{var_dir / 'broker.sqlite3'}"
    scheme = urlparse(url).scheme
    if scheme.startswith("sqla+"):
        # SQLite waits for the write lock instead of failing at once when a web worker and
        # the Celery worker touch the queue together.
        return url, {"connect_args": {"timeout": 20}} if "sqlite" in scheme else {}
    if scheme in ("redis", "rediss"):
        # A message a killed worker had taken comes back after this many seconds; longer
        # than any task's time limit and retry delay.
        visibility = int(os.environ.get("WENMING_BROKER_VISIBILITY_TIMEOUT", "3600"))
        return url, {"visibility_timeout": visibility}
    if scheme in ("amqp", "amqps", "pyamqp", "memory"):
        return url, {}
    raise ImproperlyConfigured(f"不支持的 WENMING_BROKER_URL：{scheme}（可用 redis://、amqp://、sqla+sqlite://）")


def storages_from_env(env, var_dir: Path) -> dict:
    """Uploads on the local disk (var/uploads) by default, or in an S3-compatible bucket
    through django-storages (WENMING_STORAGE=s3); static files hashed and compressed by
    WhiteNoise."""
    kind = env.get("WENMING_STORAGE", "local").lower()
    if kind == "local":
        uploads = {"BACKEND": "wenming.ops.storage.UploadStorage"}
    elif kind == "s3":
        bucket = env.get("WENMING_S3_BUCKET", "")
        if not bucket:
            raise ImproperlyConfigured("WENMING_STORAGE=s3 时必须设置 WENMING_S3_BUCKET")
        uploads = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.get("WENMING_S3_ENDPOINT_URL") or None,
            "region_name": env.get("WENMING_S3_REGION") or None,
            "access_key": env.get("WENMING_S3_ACCESS_KEY") or None,
            "secret_key": env.get("WENMING_S3_SECRET_KEY") or None,
            "location": env.get("WENMING_S3_PREFIX", "uploads"),
            "default_acl": "private",  # uploads are served through the permission views only
            "querystring_auth": True,
            "file_overwrite": False,
        }}
    else:
        raise ImproperlyConfigured(f"不支持的 WENMING_STORAGE：{kind}（可用 local、s3）")
    return {
        "default": uploads,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
