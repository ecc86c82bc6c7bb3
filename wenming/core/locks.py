"""A lock on a name for the rest of the current transaction: two requests that must not
check-then-write the same thing at once (a month's total and a record under it, an office's
indicator name) take the same name first.

PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash of the name. SQLite admits one
writer at a time: a write statement (an UPDATE that changes nothing) takes the database's
write lock, held until the transaction ends — coarser than a name, and enough."""

from django.db import connection


def xact_lock(name: str) -> None:
    """Call inside transaction.atomic(), before the reads the lock protects."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])
        else:
            cur.execute("UPDATE core_counter SET value = value WHERE name = %s", ["xact-lock"])


def xact_lock_shared(name: str) -> None:
    """The shared form: holders of the shared lock do not wait for each other, only for (and
    hold off) the exclusive `xact_lock` of the same name — many writers of a month against the
    office that closes it. SQLite: the same write lock as `xact_lock`."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))", [name])
        else:
            cur.execute("UPDATE core_counter SET value = value WHERE name = %s", ["xact-lock"])
