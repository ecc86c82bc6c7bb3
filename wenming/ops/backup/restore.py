"""`wenming restore FILE` into an empty install.

Every check comes before the first change: the file is a whole backup of this engine and of
a version this code knows, the database and the upload storage are empty, the keys at hand
(or the ones sealed in the backup) read the data, and every member matches its checksum.
Then the database is unpacked beside its final place, the uploads are saved (removed again
if anything fails), and the database is put in place in one step (a rename for SQLite, one
transaction for PostgreSQL). Only then are the backup's keys written to var/secrets.json,
the migrations of this version applied, and every encrypted value decrypted as a check.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from wenming.core.files import upload_storage

from . import database, keys, uploads, verify
from .archive import SEALED, Bundle
from .errors import USAGE, BackupError

ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class RestoreReport:
    created_at: str
    wenming_version: str
    engine: str
    tables: int
    rows: int
    uploads: int
    migrations_applied: int
    encrypted_checked: int
    keys_installed: bool
    passphrase_unused: bool
    summary: list[tuple[str, int]] = field(default_factory=list)


def backup_restore(source: Path, *, passphrase: str | None = None, bar, migrate_verbosity: int = 0,
                   stdout=None) -> RestoreReport:
    source = Path(source)
    if not source.exists():
        raise BackupError(f"找不到备份文件：{source}", USAGE)
    bundle = Bundle(source)
    try:
        return _restore(bundle, passphrase, bar, migrate_verbosity, stdout)
    finally:
        bundle.close()


def _restore(bundle: Bundle, passphrase, bar, migrate_verbosity, stdout) -> RestoreReport:
    manifest = bundle.manifest
    _check_engine(manifest)
    _check_migrations_known(manifest)
    _check_empty()
    sealed = None
    if manifest["secrets"] is not None:
        bundle.verify(None, names=[SEALED])
        sealed = bundle.read(SEALED)
    new_secrets = keys.settle(manifest, sealed, passphrase)
    with bar("校验备份文件", bundle.total_bytes) as b:
        bundle.verify(b)

    secrets_file = keys.prepare_secrets_file(new_secrets) if new_secrets else None
    prepared, saved = None, []
    try:
        prepared = database.prepare(bundle, bar)
        saved = uploads.restore(bundle, bar)
        database.install(prepared, bar)
    except BaseException:
        uploads.remove(saved)
        if prepared is not None:
            database.discard(prepared)
        if secrets_file is not None:
            secrets_file.unlink(missing_ok=True)
        raise
    if new_secrets:
        keys.install_secrets_file(secrets_file, new_secrets)

    if database.counts() != manifest["counts"]["tables"]:
        raise BackupError("恢复后数据库的行数与备份清单不符：请检查数据库日志，清空后重新恢复")
    try:
        executor = MigrationExecutor(connections["default"])
        pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        call_command("migrate", interactive=False, verbosity=migrate_verbosity, stdout=stdout)
    except DatabaseError as exc:
        raise BackupError(f"数据已恢复，但升级数据库结构（migrate）失败：{exc}\n"
                          f"排除问题后运行 wenming manage migrate 即可，不必重新恢复") from None
    checked, failed = verify.unreadable(bar)
    stale = verify.stale_blind_indexes()
    if failed or stale:
        lines = [f"  {label}：{n} 项无法解密" for label, n in sorted(failed.items())]
        if stale:
            lines.append(f"  志愿者证件号的盲索引有 {stale} 条与密钥不符（查重和搜索会出错）")
        raise BackupError("数据已恢复，但用现在的密钥检查时发现问题：\n" + "\n".join(lines)
                          + "\n请确认 secrets.json 或环境变量中的密钥与备份时相同")
    counts = manifest["counts"]
    return RestoreReport(
        created_at=str(manifest.get("created_at", "")), wenming_version=str(manifest.get("wenming_version", "")),
        engine=manifest["database"]["engine"], tables=len(counts["tables"]), rows=sum(counts["tables"].values()),
        uploads=len(saved), migrations_applied=pending, encrypted_checked=checked,
        keys_installed=bool(new_secrets), passphrase_unused=bool(passphrase) and sealed is None,
        summary=verify.summary())


def _check_engine(manifest: dict) -> None:
    theirs, ours = manifest["database"]["engine"], database.engine()
    if theirs != ours:
        raise BackupError(f"这是 {ENGINES[theirs]} 数据库的备份，本机使用 {ENGINES[ours]}：请在同类数据库上恢复"
                          f"（DATABASE_URL 决定本机用哪一种）")


def _check_migrations_known(manifest: dict) -> None:
    """A backup from a newer version has migrations this code does not know: migrate could
    not bring it forward (an older backup is fine: migrate runs after the restore)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(tuple(r) for r in migration.replaces or [])
    installed = {config.label for config in apps.get_app_configs()}
    unknown = [f"{app}.{name}" for app, names in manifest["migrations"].items() if app in installed
               for name in names if (app, name) not in known]
    if unknown:
        raise BackupError(f"备份来自更新版本的 Wenming（{manifest.get('wenming_version', '')}），本机不认识它的迁移"
                          f"（{'、'.join(unknown[:3])} 等 {len(unknown)} 个）：请先升级本机的 Wenming 再恢复")


def _check_empty() -> None:
    if not database.is_empty():
        raise BackupError(
            f"{database.describe()} 中已有数据表，已停止恢复，数据库和上传文件都没有改动。\n"
            f"恢复只写入空的安装，以免覆盖现有数据。请指向一个空的数据库后再恢复：SQLite 换一个 WENMING_VAR_DIR 或 "
            f"DATABASE_URL=sqlite:////新路径.sqlite3；PostgreSQL 先 createdb 一个新库并让 DATABASE_URL 指向它。")
    if not uploads.is_empty():
        where = getattr(upload_storage(), "location", "") or "上传文件存储"
        raise BackupError(f"上传文件存储（{where}）中已有文件，已停止恢复，数据库和上传文件都没有改动。\n"
                          f"恢复只写入空的安装：请换一个空的存储位置（WENMING_VAR_DIR，或 S3 的 WENMING_S3_PREFIX）。")
