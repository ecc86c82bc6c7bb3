from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.core.local_time import local_text
from wenming.ops.backup import BackupError, backup_restore, progress_bars, read_passphrase

from .backup import add_passphrase_arguments


class Command(BaseCommand):
    help = "把 wenming backup 生成的备份恢复到空的安装（空数据库、空上传目录），然后升级数据库结构并检查加密数据"
    requires_system_checks = []  # touch nothing before the checks of the restore itself

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件")
        add_passphrase_arguments(parser, "备份含有用口令加密的密钥时使用")

    def handle(self, *args, file, passphrase_file, passphrase_env, verbosity, **options):
        try:
            passphrase = read_passphrase(passphrase_file, passphrase_env)
            report = backup_restore(Path(file), passphrase=passphrase, bar=progress_bars(verbosity),
                                    migrate_verbosity=max(verbosity - 1, 0), stdout=self.stdout)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=exc.code) from None
        except KeyboardInterrupt:
            raise CommandError("已中断：恢复未完成。请清空数据库和上传目录后重新恢复", returncode=130) from None
        if verbosity == 0:
            return
        self.stdout.write(f"已恢复 {local_text(report.created_at)} 的备份（Wenming {report.wenming_version}）")
        self.stdout.write(f"  数据库：{report.tables} 张表，共 {report.rows} 行；上传文件 {report.uploads} 个")
        self.stdout.write("  " + "，".join(f"{label} {n}" for label, n in report.summary))
        if report.migrations_applied:
            self.stdout.write(f"  已应用本版本新增的 {report.migrations_applied} 个数据库迁移")
        self.stdout.write(f"  加密字段：{report.encrypted_checked} 项全部可以解密")
        if report.keys_installed:
            self.stdout.write("  密钥：已从备份中取出并写入 var/secrets.json（权限 600）")
        if report.passphrase_unused:
            self.stdout.write("  此备份不含密钥，口令未使用")
