"""A server started with keys that do not fit the data refuses to start instead of showing
every ID number as （无法解密）."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from wenming.ops.keys import keys_check
from wenming.ops.models import KeyRecord


@pytest.mark.django_db
def test_the_first_check_records_fingerprints_never_the_keys(settings):
    assert keys_check() == (True, "已记录密钥指纹")
    record = KeyRecord.objects.get()
    stored = str(record.field_keys) + record.blind_index_key
    assert all(key not in stored for key in [*settings.FIELD_ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY])
    assert keys_check() == (True, "与数据一致")


@pytest.mark.django_db
def test_new_keys_on_old_data_are_refused_by_readyz_and_the_server_commands(settings, client):
    keys_check()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # var/secrets.json lost and regenerated
    settings.BLIND_INDEX_KEY = "0" * 64
    ok, detail = keys_check()
    assert not ok and "密钥" in detail and "var/secrets.json" in detail
    res = client.get("/readyz")
    assert res.status_code == 503 and res.json()["checks"]["keys"]["ok"] is False
    for command in ("web", "worker", "serve"):
        with pytest.raises(CommandError, match="字段密钥与数据库中数据所用的密钥不符"):
            call_command(command)


@pytest.mark.django_db
def test_a_key_rotation_is_followed(settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    keys_check()
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # new key in front, old still decrypts
    assert keys_check()[0]
    settings.FIELD_ENCRYPTION_KEYS = [new]  # old rows re-encrypted, old key dropped
    assert keys_check()[0]
    settings.FIELD_ENCRYPTION_KEYS = [old]  # going back to a key the record no longer has
    assert not keys_check()[0]


@pytest.mark.django_db
def test_readyz_compares_without_writing(client):
    assert client.get("/readyz").json()["checks"]["keys"] == {"ok": True, "detail": "尚未记录（服务启动时记录）"}
    assert not KeyRecord.objects.exists()  # the server commands record, the probe does not


@pytest.mark.django_db
def test_probes_answer_head_requests_too(client):
    assert client.head("/healthz").status_code == 200
    assert client.head("/readyz").status_code == 200
    assert client.post("/healthz").status_code == 405
