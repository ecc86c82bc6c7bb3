"""Do the keys this process runs with fit the data in the database?

The first start records the keys' fingerprints (never the keys); every later start of the
web server and the worker, and /readyz, compare. The keys fit when the blind-index key is
the same and at least one recorded field key is still among the keys at hand (a rotation
puts a new key in front and drops the old one later: each passing check records the current
set, so the record follows the rotation).
"""

from django.db import transaction

from .backup.keys import fingerprints, secrets_at_hand
from .models import KeyRecord

MISMATCH = ("当前的字段密钥与数据库中数据所用的密钥不符：身份证号、电话等加密字段将无法读取。"
            "请放回原来的 var/secrets.json（或设置原来的 WENMING_FIELD_KEYS、WENMING_BLIND_INDEX_KEY），"
            "不要用新生成的密钥启动。详见 docs/backup.md。")


def keys_check(*, record: bool = True) -> tuple[bool, str]:
    """(fit, Chinese detail). With `record` (the commands that start servers and workers) the
    fingerprints are written on the first run and after each pass; without it (/readyz,
    probed every few seconds) nothing is written, so a probe never waits for the write lock."""
    now = fingerprints(secrets_at_hand())
    if not record:
        stored = KeyRecord.objects.filter(pk=1).first()
        if stored is None:
            return True, "尚未记录（服务启动时记录）"
        return (True, "与数据一致") if _fits(stored, now) else (False, MISMATCH)
    with transaction.atomic():
        stored = KeyRecord.objects.select_for_update().filter(pk=1).first()
        if stored is None:
            KeyRecord.objects.bulk_create([KeyRecord(pk=1, field_keys=now["field_keys"],
                                                     blind_index_key=now["blind_index_key"])],
                                          ignore_conflicts=True)
            return True, "已记录密钥指纹"
        if not _fits(stored, now):
            return False, MISMATCH
        if stored.field_keys != now["field_keys"]:
            stored.field_keys = now["field_keys"]
            stored.save(update_fields=["field_keys", "updated_at"])
    return True, "与数据一致"


def _fits(stored: KeyRecord, now: dict) -> bool:
    return stored.blind_index_key == now["blind_index_key"] and bool(set(stored.field_keys) & set(now["field_keys"]))


def ensure_keys_fit() -> None:
    """For the commands that start servers and workers: stop with the message when the keys
    do not fit. A database that is not migrated or not reachable is left to /readyz."""
    from django.core.management.base import CommandError
    from django.db import DatabaseError

    try:
        ok, detail = keys_check()
    except DatabaseError:
        return
    if not ok:
        raise CommandError(detail)
