"""`wenming backup` and `wenming restore` on real databases (SQLite, and PostgreSQL when
DATABASE_URL says so).

Backups are taken in this process from the test database; restores run `wenming restore` in
a child process against a second, empty install (a fresh var dir, and for PostgreSQL a
throwaway database `<test db>_restore`), so the command line and its exit codes are tested
too and the keys come from that install's own environment or secrets.json.
"""

import base64
import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wenming.core.testing import CONCURRENT, make_id_number, make_jpeg, make_png, years_ago
from wenming.orgs.models import Node
from wenming.service.enrollment_services import enrollment_create
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.inputs import build_values, skills_index
from wenming.volunteers.services import volunteer_register
from wenming.volunteers.tests.factories import build_world, volunteer_input

REPO = Path(__file__).resolve().parents[3]
KEY_ENV = ("WENMING_FIELD_KEYS", "WENMING_BLIND_INDEX_KEY", "WENMING_SECRET_KEY")


def keys_env() -> dict[str, str]:
    """The keys this test process (and so its backups) uses, as environment values."""
    return {"WENMING_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "WENMING_BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY, "WENMING_SECRET_KEY": settings.SECRET_KEY}


def other_keys_env() -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {"WENMING_FIELD_KEYS": Fernet.generate_key().decode(), "WENMING_BLIND_INDEX_KEY": "f" * 64,
            "WENMING_SECRET_KEY": "another-secret-key-" * 3}


class Target:
    """An empty install to restore into: its own var dir (secrets.json, uploads) and database."""

    def __init__(self, var: Path, database_url: str | None, pg_name: str | None):
        self.var, self.database_url, self.pg_name = var, database_url, pg_name

    def run(self, *args: str, keys: dict[str, str] | None = None, env: dict[str, str] | None = None):
        base = {k: v for k, v in os.environ.items()
                if k not in (*KEY_ENV, "DATABASE_URL", "WENMING_VAR_DIR", "WENMING_ENV", "WENMING_STORAGE")}
        base.update(DJANGO_SETTINGS_MODULE="wenming.settings.test", WENMING_VAR_DIR=str(self.var),
                    WENMING_LOG_FORMAT="text", **(keys or {}), **(env or {}))
        if self.database_url:
            base["DATABASE_URL"] = self.database_url
        return subprocess.run([sys.executable, "-m", "wenming.cli", *args], cwd=REPO, env=base,
                              capture_output=True, text=True, timeout=600)

    def restore(self, bundle: Path, *args: str, **kwargs):
        return self.run("restore", str(bundle), *args, **kwargs)

    def query(self, sql: str) -> list[tuple]:
        if self.pg_name:
            import psycopg

            with psycopg.connect(**_pg_params(self.pg_name)) as con:
                return con.execute(sql).fetchall()
        con = sqlite3.connect(self.var / "wenming.sqlite3")
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def tables(self) -> list[str]:
        if self.pg_name:
            return [r[0] for r in self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        if not (self.var / "wenming.sqlite3").exists():
            return []
        return [r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def upload_files(self) -> list[Path]:
        root = self.var / "uploads"
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def database_url(name: str) -> str:
    """DATABASE_URL of database `name` on the test database's server (the test database itself for SQLite)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{quote(name)}"


def _pg_params(dbname: str) -> dict:
    s = connection.settings_dict
    params = {"host": s["HOST"], "port": s["PORT"], "user": s["USER"], "password": s["PASSWORD"], "dbname": dbname}
    return {k: v for k, v in params.items() if v}


@pytest.fixture
def target(tmp_path):
    var = tmp_path / "target"
    if connection.vendor != "postgresql":
        yield Target(var, None, None)
        return
    import psycopg
    from psycopg import sql

    name = f"{connection.settings_dict['NAME']}_restore"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Target(var, database_url(name), name)
    finally:
        with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:
            admin.execute(drop)


@pytest.fixture
def uploads(settings, tmp_path):
    """This process's upload storage, in a directory of the test's own."""
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    return storages["default"]


def backup(path: Path, *args: str) -> Path:
    call_command("backup", str(path), *args, verbosity=0)
    return path


def person(world, i: int):
    data = volunteer_input(world.station_a, name="备份测试", phone=f"136{i:08d}")
    data["id_number"] = make_id_number(years_ago(20 + i // 100, days=3), seq=i % 100, male=bool(i % 2))
    return build_values(data, resolve_node=lambda k: Node.objects.get(pk=k), skills_by_key=skills_index())


def rebuild(source: Path, out: Path, *, extra: dict[str, bytes] | None = None, edit=None) -> Path:
    """A crafted copy of backup `source`, tar built by hand: members added (after the real
    ones), the manifest edited, and every checksum recomputed so only the content is wrong."""
    with tarfile.open(source) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.name != "manifest.json"}
    members.update(extra or {})
    manifest["members"] = {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                           for name, data in members.items()}
    if edit is not None:
        edit(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def assert_refused(result, *phrases: str) -> None:
    assert result.returncode in (1, 2), result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


@CONCURRENT
def test_backup_while_writing_restores_every_acknowledged_write_in_a_consistent_state(tmp_path, uploads, target):
    """Volunteers register and sign up from three threads while the backup runs. Every write
    acknowledged before the backup started is in the restored install, and the restored state
    is one the server really passed through: dashboard summaries match the rows, shift
    counters match the enrollments, and every encrypted value decrypts."""
    world = build_world()
    shift = recruiting_shift(world, capacity=2000)
    acked: list[tuple[str, int, float]] = []  # (kind, pk, when acknowledged)
    errors: list[BaseException] = []
    stop, lock, counter = threading.Event(), threading.Lock(), iter(range(4000))

    def writer():
        try:
            while not stop.is_set():
                with lock:
                    i = next(counter)
                vol = volunteer_register(actor=world.root, values=person(world, i))
                acked.append(("volunteer", vol.pk, time.monotonic()))
                enrollment = enrollment_create(actor=world.root, shift=shift, volunteer=vol)
                acked.append(("enrollment", enrollment.pk, time.monotonic()))
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        while len(acked) < 20 and not errors:
            time.sleep(0.01)
        started = time.monotonic()
        bundle = backup(tmp_path / "during.tar")
        finished = time.monotonic()
        time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert any(started < when < finished for _, _, when in acked), "no write landed during the backup"

    result = target.restore(bundle, keys=keys_env())
    assert result.returncode == 0, result.stderr
    assert "全部可以解密" in result.stdout
    before = {(kind, pk) for kind, pk, when in acked if when < started}
    volunteers = {("volunteer", r[0]) for r in target.query("SELECT id FROM volunteers_volunteer")}
    enrollments = {("enrollment", r[0]) for r in target.query("SELECT id FROM service_enrollment")}
    assert before <= volunteers | enrollments
    taken, held = target.query(
        "SELECT s.taken, (SELECT count(*) FROM service_enrollment e WHERE e.shift_id = s.id AND "
        f"e.status IN ('confirmed', 'no_show')) FROM service_shift s WHERE s.id = {shift.pk}")[0]
    assert taken == held
    check = target.run("manage", "rebuild_figures", "--check", keys=keys_env())
    assert check.returncode == 0, check.stdout + check.stderr


@CONCURRENT
def test_restore_with_other_keys_is_refused_and_changes_nothing(tmp_path, uploads, target):
    build_world()
    uploads.save("demand_proof/2025/05/proof.jpg", ContentFile(make_jpeg()))
    bundle = backup(tmp_path / "b.tar")
    result = target.restore(bundle, keys=other_keys_env())
    assert_refused(result, "密钥不一致", "数据库和上传文件都没有改动", "secrets.json", "WENMING_FIELD_KEYS", "不含密钥")
    assert target.tables() == []
    assert target.upload_files() == []


@CONCURRENT
def test_restore_into_an_install_with_data_or_files_is_refused(tmp_path, uploads, target):
    world = build_world()
    uploads.save("demand_proof/a.jpg", ContentFile(make_jpeg()))
    bundle = backup(tmp_path / "b.tar")

    (target.var / "uploads").mkdir(parents=True)
    (target.var / "uploads" / "left-over.png").write_bytes(make_png())
    assert_refused(target.restore(bundle, keys=keys_env()), "上传文件存储", "已有文件", "数据库和上传文件都没有改动")
    assert target.tables() == []
    (target.var / "uploads" / "left-over.png").unlink()

    assert target.restore(bundle, keys=keys_env()).returncode == 0
    volunteers = target.query("SELECT count(*) FROM volunteers_volunteer")
    assert_refused(target.restore(bundle, keys=keys_env()), "已有数据表", "数据库和上传文件都没有改动")
    assert target.query("SELECT count(*) FROM volunteers_volunteer") == volunteers == [(2,)]
    assert len(target.upload_files()) == 1
    assert world.vol_a.pk in {r[0] for r in target.query("SELECT id FROM volunteers_volunteer")}


@CONCURRENT
def test_passphrase_brings_the_keys_into_a_fresh_install_and_a_wrong_one_is_refused(tmp_path, uploads, target):
    build_world()
    secret = tmp_path / "passphrase"
    secret.write_text("长城 长 horse battery staple\n", encoding="utf-8")
    bundle = backup(tmp_path / "keys.tar", "--passphrase-file", str(secret))
    plain = backup(tmp_path / "plain.tar")
    for path in (bundle, plain):  # fingerprints only: no key is readable in either file
        data = path.read_bytes()
        for key in [*settings.FIELD_ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY, settings.SECRET_KEY]:
            assert key.encode() not in data
    with tarfile.open(bundle) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["secrets"]["kdf"] == "scrypt" and len(manifest["keys"]["field_keys"]) == 1

    # no keys in the environment: loading the settings generates new ones into secrets.json
    assert_refused(target.restore(bundle), "密钥不一致", "--passphrase-file")
    generated = json.loads((target.var / "secrets.json").read_text())
    assert_refused(target.restore(bundle, "--passphrase-env", "PASS", env={"PASS": "wrong"}), "口令不正确")
    assert_refused(target.restore(bundle, "--passphrase-file", str(secret), keys=other_keys_env()),
                   "环境变量", "WENMING_FIELD_KEYS", "数据库和上传文件都没有改动")
    assert json.loads((target.var / "secrets.json").read_text()) == generated
    assert target.tables() == []

    result = target.restore(bundle, "--passphrase-file", str(secret))
    assert result.returncode == 0, result.stderr
    assert "写入 var/secrets.json" in result.stdout
    path = target.var / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    restored = json.loads(path.read_text())
    assert restored["FIELD_ENCRYPTION_KEYS"] == keys_env()["WENMING_FIELD_KEYS"]
    assert restored["BLIND_INDEX_KEY"] == settings.BLIND_INDEX_KEY
    assert restored["SECRET_KEY"] == settings.SECRET_KEY
    check = target.run("manage", "rebuild_figures", "--check")  # the restored keys are now the install's own
    assert check.returncode == 0, check.stderr


@CONCURRENT
def test_a_damaged_or_foreign_file_is_refused_without_a_traceback(tmp_path, uploads, target):
    build_world()
    uploads.save("a/b.png", ContentFile(make_png()))
    whole = backup(tmp_path / "whole.tar").read_bytes()
    cases = {
        "truncated.tar": whole[: len(whole) // 2],
        "random.tar": os.urandom(20_000),
        "empty.tar": b"",
        "text.tar": "这不是备份".encode(),
    }
    with tarfile.open(tmp_path / "whole.tar") as tar:
        offset = tar.getmember(tar.getnames()[0]).offset_data
    flipped = bytearray(whole)
    flipped[offset + 100] ^= 0xFF
    cases["flipped.tar"] = bytes(flipped)
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        result = target.restore(tmp_path / name, keys=keys_env())
        assert_refused(result)
        assert "不是 Wenming 备份文件" in result.stderr or "已损坏" in result.stderr, (name, result.stderr)
    assert_refused(target.restore(tmp_path, keys=keys_env()), "是一个目录")
    assert_refused(target.restore(tmp_path / "missing.tar", keys=keys_env()), "找不到备份文件")
    assert target.tables() == []
    assert target.upload_files() == []


@CONCURRENT
def test_a_crafted_upload_name_is_refused_before_anything_is_written(tmp_path, uploads, target):
    """Members whose name would leave the upload storage (`uploads//tmp/…`: an absolute path
    behind the prefix) or is not one the storage would keep (`uploads/./…`) are refused with
    the manifest, before the first file is saved; a real upload comes first in the tar."""
    build_world()
    uploads.save("a/b.png", ContentFile(make_png()))
    bundle = backup(tmp_path / "b.tar")
    outside = tmp_path / "outside" / "x.png"
    for i, name in enumerate((f"uploads/{outside}", "uploads/./dot.png")):
        crafted = rebuild(bundle, tmp_path / f"crafted-{i}.tar", extra={name: make_png()})
        with tarfile.open(crafted) as tar:
            assert name in tar.getnames()
        result = target.restore(crafted, keys=keys_env())
        assert result.returncode == 1, result.stdout + result.stderr
        assert_refused(result, "不是 Wenming 备份文件", "manifest.json")
        assert "SuspiciousFileOperation" not in result.stderr
    assert not (tmp_path / "outside").exists()
    assert target.tables() == []
    assert not (target.var / "uploads").exists()  # not even an empty directory


def test_scrypt_parameters_above_the_cap_are_refused_before_deriving(monkeypatch):
    """n ≤ 2^17 and r ≤ 8 (128 MiB, twice what the writer asks for): a crafted manifest must
    not make a restore allocate gigabytes."""
    from wenming.ops.backup import BackupError, keys

    secrets = {"SECRET_KEY": "s" * 50, "FIELD_ENCRYPTION_KEYS": "f", "BLIND_INDEX_KEY": "b" * 64}
    salt = os.urandom(16)

    def params(n: int, r: int) -> dict:
        return {"kdf": "scrypt", "n": n, "r": r, "p": 1, "salt": base64.b64encode(salt).decode(), "cipher": "fernet"}

    token = keys._fernet("口令", salt, 2**17, 8, 1).encrypt(json.dumps(secrets).encode())
    assert keys.unseal(params(2**17, 8), token, "口令") == secrets  # the cap itself is allowed
    derived = []
    monkeypatch.setattr(keys, "_fernet", lambda *args: derived.append(args))
    for n, r in ((2**18, 8), (2**17, 9), (2**20, 16), (2**16, 16)):
        with pytest.raises(BackupError, match="备份中的密钥部分已损坏") as refused:
            keys.unseal(params(n, r), token, "口令")
        assert refused.value.code == 1
    assert derived == []


@CONCURRENT
def test_a_backup_asking_scrypt_for_too_much_memory_is_refused(tmp_path, uploads, target):
    build_world()
    secret = tmp_path / "passphrase"
    secret.write_text("口令\n", encoding="utf-8")
    bundle = backup(tmp_path / "keys.tar", "--passphrase-file", str(secret))
    crafted = rebuild(bundle, tmp_path / "greedy.tar", edit=lambda m: m["secrets"].update(n=2**18))
    result = target.restore(crafted, "--passphrase-file", str(secret))  # no keys at hand: the sealed ones are needed
    assert result.returncode == 1, result.stdout + result.stderr
    assert_refused(result, "备份中的密钥部分已损坏")
    assert target.tables() == []
    assert target.upload_files() == []


@CONCURRENT
def test_uploads_round_trip_through_the_storage_api(tmp_path, settings, uploads, target):
    build_world()
    files = {
        "demand_proof/2025/05/3f9a.jpg": make_jpeg(),
        "report_images/2025/06/现场 照片.png": make_png(),
        "top.webp": b"RIFF\x00\x00\x00\x00WEBP",
    }
    for name, data in files.items():
        assert uploads.save(name, ContentFile(data)) == name
    # a writer's temporary file (core/files.py renames it into place when complete): left out
    (Path(settings.UPLOAD_DIR) / "demand_proof" / ".upload-half.tmp").write_bytes(b"half")
    bundle = backup(tmp_path / "b.tar")
    result = target.restore(bundle, keys=keys_env())
    assert result.returncode == 0, result.stderr
    settings.UPLOAD_DIR = str(target.var / "uploads")  # now read the restored install's storage
    for name, data in files.items():
        with storages["default"].open(name, "rb") as fh:
            assert fh.read() == data
    assert len(target.upload_files()) == len(files)


@CONCURRENT
def test_backup_never_overwrites_without_force_and_leaves_no_partial_file(tmp_path, uploads):
    build_world()
    existing = tmp_path / "b.tar"
    existing.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="已存在"):
        backup(existing)
    assert existing.read_bytes() == b"an older backup"
    with pytest.raises(CommandError, match="目录不存在"):
        backup(tmp_path / "no-such-dir" / "b.tar")
    with pytest.raises(CommandError, match="是一个目录"):
        backup(tmp_path)
    backup(existing, "--force")
    assert tarfile.is_tarfile(existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name != "uploads"] == ["b.tar"]  # no temporary left


@CONCURRENT
def test_rotation_script_makes_a_dated_backup_and_keeps_the_newest(tmp_path, uploads):
    """deploy/wenming-backup-rotate, as the systemd timer runs it, on the test database."""
    backups = tmp_path / "backups"
    backups.mkdir()
    for old in ("wenming-20240101-020000.tar", "wenming-20240102-020000.tar", "wenming-20240103-020000.tar"):
        (backups / old).write_bytes(b"old")
    (backups / "notes.txt").write_text("not a backup")
    wrapper = tmp_path / "wenming"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m wenming.cli "$@"\n')
    wrapper.chmod(0o755)
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict["NAME"]), "WENMING_BIN": str(wrapper),
           "WENMING_VAR_DIR": str(tmp_path / "var"),
           "WENMING_BACKUP_KEEP": "2", "DJANGO_SETTINGS_MODULE": "wenming.settings.test"}
    result = subprocess.run([str(REPO / "deploy" / "wenming-backup-rotate"), str(backups)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in backups.iterdir())
    assert len(names) == 3 and names[0] == "notes.txt" and names[1] == "wenming-20240103-020000.tar"
    assert tarfile.is_tarfile(backups / names[2])


def test_systemd_accepts_the_backup_timer_and_service(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed here")
    units = REPO / "deploy" / "systemd"
    service = (units / "wenming-backup.service").read_text()
    assert "ExecStart=/opt/wenming/deploy/wenming-backup-rotate\n" in service
    (tmp_path / "wenming-backup.service").write_text(
        service.replace("/opt/wenming/deploy/wenming-backup-rotate", str(REPO / "deploy" / "wenming-backup-rotate")))
    shutil.copy(units / "wenming-backup.timer", tmp_path)
    result = subprocess.run([analyze, "verify", "wenming-backup.service", "wenming-backup.timer"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode == 0 and "wenming" not in out, out
