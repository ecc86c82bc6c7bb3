"""Fast multi-row INSERT for the roster import.

Django's bulk_create compiles SQL per value (and, on SQLite, per 26 rows of a wide table);
for 100,000 volunteers that cost more than reading the Excel file. Here one parametrised
INSERT is compiled per model and run with the driver's executemany (SQLite), or the rows are
streamed with COPY FROM STDIN (PostgreSQL); values go through the
same field/connection adapters bulk_create uses (dates, datetimes, decimals, JSON), except
for plain text/number/boolean/foreign-key columns whose Python values the drivers take as is.
Primary keys are not returned: the caller looks them up by a unique column it assigned.
"""

from django.db import connection, models

_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
_AUTO = (models.AutoField, models.BigAutoField, models.SmallAutoField)


def insert_fields(model) -> list:
    """The columns an INSERT writes: every concrete field but the auto primary key."""
    return [f for f in model._meta.concrete_fields if not isinstance(f, _AUTO)]


def field_defaults(model) -> dict:
    """{attname: default} for a new row, so columns the caller does not set get the model's default."""
    return {f.attname: f.get_default() for f in insert_fields(model)}


def _converter(field):
    """None for values the driver takes as they are; else a converter, memoised for hashable values
    (dates, timestamps and coordinates repeat a lot in a roster)."""
    if isinstance(field, _PLAIN) and not isinstance(field, models.GenericIPAddressField):
        return None
    memo: dict = {}

    def convert(value):
        try:
            return memo[value]
        except KeyError:
            memo[value] = out = field.get_db_prep_save(value, connection)
            return out
        except TypeError:  # unhashable (JSON)
            return field.get_db_prep_save(value, connection)

    return convert


def insert_records(model, records: list[dict], now) -> None:
    """INSERT rows given as {attname: value} (a model's __dict__ will do); auto_now(_add) fields get `now`."""
    if not records:
        return
    fields = insert_fields(model)
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
    plan = [(f.attname, _converter(f)) for f in fields]
    rows = []
    for record in records:
        row = []
        for attname, convert in plan:
            value = now if attname in stamped else record[attname]
            row.append(value if convert is None or value is None else convert(value))
        rows.append(row)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):  # psycopg 3
            _copy(cursor, model, fields, rows)
        else:
            cursor.executemany(sql, rows)


def update_objects(model, objs: list, field_names: list[str]) -> None:
    """UPDATE the named fields of each instance by primary key: one prepared statement, executemany
    (Django's bulk_update builds a CASE per field and row, which is far slower for wide rows)."""
    if not objs:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(model._meta.pk.column))
    plan = [(f.attname, _converter(f)) for f in fields]
    rows = []
    for obj in objs:
        values = obj.__dict__
        row = [values[a] if convert is None or values[a] is None else convert(values[a]) for a, convert in plan]
        row.append(obj.pk)
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _copy(cursor, model, fields, rows) -> None:
    """PostgreSQL: COPY … FROM STDIN, the server's own bulk load (psycopg 3 adapts each value)."""
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields))
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def insert_objects(model, objs: list, now) -> None:
    """insert_records for model instances; sets their auto_now(_add) fields to `now`."""
    insert_records(model, [obj.__dict__ for obj in objs], now)
    for field in insert_fields(model):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
