"""State that several processes or servers must share: the cache (rate limits, cached
lists) in the database by default or in Redis, configured from URLs."""

import pytest
from django.core.cache.backends.base import InvalidCacheBackendError
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from wenming.core.testing import CONCURRENT, at_once
from wenming.ops.testing import redis_url_or_skip
from wenming.settings.services import broker_from_url, cache_from_url, storages_from_env


def _cache(url: str):
    conf = cache_from_url(url)
    try:
        backend = import_string(conf["BACKEND"])
    except ImportError as exc:  # pragma: no cover
        raise InvalidCacheBackendError(exc) from exc
    params = {k: v for k, v in conf.items() if k not in ("BACKEND", "LOCATION")}
    return backend(conf["LOCATION"], params)


@pytest.fixture(params=["db://", "redis"])
def shared_cache(request, transactional_db):
    url = redis_url_or_skip() if request.param == "redis" else request.param
    cache = _cache(url)
    cache.clear()
    yield cache
    cache.clear()


@CONCURRENT
def test_add_is_won_by_exactly_one_of_many_at_once(shared_cache):
    assert sorted(at_once(8, lambda: shared_cache.add("latch", 1, 60))) == [False] * 7 + [True]


@CONCURRENT
def test_concurrent_increments_are_all_counted(shared_cache):
    shared_cache.set("hits", 0, 60)

    def ten():
        for _ in range(10):
            shared_cache.incr("hits")

    at_once(6, ten)
    assert shared_cache.get("hits") == 60


@pytest.mark.django_db
def test_a_rate_limit_in_the_database_cache_holds_for_every_process(settings):
    from django.core.cache import caches

    from wenming.core import ratelimit

    settings.CACHES = {"default": cache_from_url("db://")}
    try:
        caches["default"].clear()
        allowed = [ratelimit.allow("login", "10.0.0.1", limit=3, window=60) for _ in range(5)]
        assert allowed == [True, True, True, False, False]
        assert ratelimit.hits("login", "10.0.0.1", window=60) == 5
    finally:
        caches["default"].clear()


def test_the_embedded_default_shares_the_cache_and_queues_in_a_file(tmp_path):
    assert cache_from_url("")["BACKEND"] == "wenming.ops.cache.DatabaseCache"
    assert cache_from_url("redis://h:6379/1")["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    url, options = broker_from_url("", tmp_path)
    assert url == f"sqla+sqlite:///{tmp_path}/broker.sqlite3" and options["connect_args"]["timeout"] > 0
    assert broker_from_url("redis://h:6379/0", tmp_path)[1]["visibility_timeout"] > 0
    assert broker_from_url("amqp://guest@h//", tmp_path) == ("amqp://guest@h//", {})


@pytest.mark.parametrize("call", [
    lambda tmp: cache_from_url("memcached://h"),
    lambda tmp: broker_from_url("kafka://h", tmp),
    lambda tmp: broker_from_url("", tmp, production=True),
    lambda tmp: storages_from_env({"WENMING_STORAGE": "ftp"}, tmp),
    lambda tmp: storages_from_env({"WENMING_STORAGE": "s3"}, tmp),
])
def test_an_unknown_backend_stops_start_up_with_a_chinese_message(call, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="WENMING_"):
        call(tmp_path)


def test_s3_storage_is_configured_from_the_environment(tmp_path):
    conf = storages_from_env({"WENMING_STORAGE": "s3", "WENMING_S3_BUCKET": "wenming",
                              "WENMING_S3_ENDPOINT_URL": "http://minio:9000"}, tmp_path)["default"]
    assert conf["BACKEND"] == "storages.backends.s3.S3Storage"
    assert conf["OPTIONS"]["bucket_name"] == "wenming" and conf["OPTIONS"]["default_acl"] == "private"
