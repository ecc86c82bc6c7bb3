"""A small fixed-window rate limit over Django's cache (per process with the default local
memory cache; shared by every process with Redis configured as the cache)."""

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, key: str, window: int) -> str:
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:24]
    return f"wenming:rl:{digest}:{int(time.time() // window)}"


def hits(scope: str, key: str, *, window: int) -> int:
    """How many hits `key` has in the current window, without counting one more."""
    return cache.get(_key(scope, key, window), 0)


def allow(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one hit of `key` (e.g. an IP) in `scope`; False once `limit` hits were counted
    in the current `window` seconds. The key is hashed: no IP address lands in the cache."""
    cache_key = _key(scope, key, window)
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return True
