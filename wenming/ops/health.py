"""Readiness checks for /readyz: each answers (ok, Chinese detail) quickly and never raises.
The keys check: wenming/ops/keys.py."""

import logging

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

log = logging.getLogger(__name__)
TIMEOUT_S = 2
_migrations_seen_applied = False  # once applied they stay applied: later probes skip the graph


def check_database() -> tuple[bool, str]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "可连接"
    except Exception as exc:
        log.warning("readyz: database unreachable: %s", type(exc).__name__)
        return False, f"无法连接（{type(exc).__name__}）"


def check_migrations() -> tuple[bool, str]:
    global _migrations_seen_applied
    if _migrations_seen_applied:
        return True, "已是最新"
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return False, f"无法检查（{type(exc).__name__}）"
    if pending:
        return False, f"有 {len(pending)} 个迁移未执行，请运行 wenming manage migrate"
    _migrations_seen_applied = True
    return True, "已是最新"


def check_broker() -> tuple[bool, str]:
    from wenming.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_S)
        return True, "可连接"
    except Exception as exc:
        log.warning("readyz: broker unreachable: %s", type(exc).__name__)
        return False, f"无法连接（{type(exc).__name__}）"


def check_cache() -> tuple[bool, str]:
    """A read: it fails when the cache cannot be reached, and never waits for a write lock."""
    try:
        cache.get("wenming:readyz")
        return True, "可用"
    except Exception as exc:
        log.warning("readyz: cache unusable: %s", type(exc).__name__)
        return False, f"不可用（{type(exc).__name__}）"


def check_keys() -> tuple[bool, str]:
    from .keys import keys_check

    try:
        return keys_check(record=False)
    except Exception as exc:
        return False, f"无法检查（{type(exc).__name__}）"


def readiness() -> tuple[bool, dict]:
    """(ready, {check: {"ok", "detail"}})."""
    from wenming.celery import app

    results = {"database": check_database()}
    results["migrations"] = check_migrations() if results["database"][0] else (False, "数据库不可用，未检查")
    results["broker"] = (True, "任务在本进程内执行") if app.conf.task_always_eager else check_broker()
    results["cache"] = check_cache()
    results["keys"] = check_keys() if results["migrations"][0] else (False, "迁移未完成，未检查")
    return all(ok for ok, _ in results.values()), {k: {"ok": ok, "detail": d} for k, (ok, d) in results.items()}
