"""The embedded default's shared cache: Django's database cache, with `incr` made atomic.

Every gunicorn worker, the Celery worker and the CLI see the same entries, so a rate limit
is one limit, not one per process. Django's `incr` is a read followed by a write; here the
two run in one transaction that holds the row (SQLite's immediate transactions serialise
writers; PostgreSQL locks the row), so concurrent hits are all counted. Production uses
Redis (WENMING_CACHE_URL), whose INCR is atomic by itself.
"""

from django.core.cache.backends.db import DatabaseCache as _DatabaseCache
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import connections, router, transaction

from wenming.settings.services import CACHE_TABLE


class DatabaseCache(_DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.vendor == "postgresql":
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT 1 FROM {table} WHERE cache_key = %s FOR UPDATE",
                                   [self.make_and_validate_key(key, version=version)])
            return super().incr(key, delta, version)


def create_cache_table(using="default", **kwargs) -> None:
    """After every migrate (tests included): the table exists whichever cache is configured,
    so switching WENMING_CACHE_URL to db:// needs no extra step."""
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(using, CACHE_TABLE, dry_run=False)
