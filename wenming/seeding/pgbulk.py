"""PostgreSQL bulk loading: COPY, and secondary indexes and constraints rebuilt once.

Maintaining seventeen indexes row by row while a million rows stream in costs far more
than building each index once over the finished table (what pg_restore does). The
definitions are read from the catalog and restored verbatim in the same transaction, so
the schema after the load is exactly the schema before it.
"""

from contextlib import contextmanager

from django.db import connection

_CONSTRAINTS = """
    SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
    FROM pg_constraint c
    WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u', 'f')
      AND NOT (c.contype = 'u' AND EXISTS (  -- a unique key another table's foreign key relies on stays
          SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))
    ORDER BY c.contype DESC, c.conname
"""
# Plain indexes only: primary keys stay, and unique-constraint indexes go with their constraint.
_INDEXES = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
    ORDER BY 1
"""


def copy_into(table: str, columns: list[str], data: str) -> None:
    """COPY rows (text format, one line per row) into `table` on the current connection."""
    if not data:
        return
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({', '.join(map(qn, columns))}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(data)


@contextmanager
def indexes_rebuilt_after(tables: list[str]):
    """Drop the secondary indexes, unique and foreign-key constraints of `tables` for the
    body, then recreate them (unique constraints first, foreign keys last, each checked
    over the whole table). Must run inside a transaction: a failure leaves nothing dropped."""
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_rebuilt_after needs a transaction")
    with connection.cursor() as cursor:
        # Run the deferred checks queued so far: a table with pending trigger events cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(_CONSTRAINTS, [tables])
        constraints = cursor.fetchall()
        cursor.execute(_INDEXES, [tables])
        indexes = cursor.fetchall()
        for table, name, _, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, ddl in indexes:
            cursor.execute(ddl)
        for table, name, ddl, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {ddl}")
