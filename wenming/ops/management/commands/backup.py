from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.ops.backup import BackupError, backup_create, progress_bars, read_passphrase


def add_passphrase_arguments(parser, action: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--passphrase-file", metavar="F", help=f"从文件 F 读取口令（去掉末尾的换行），{action}")
    group.add_argument("--passphrase-env", metavar="VAR", help=f"从环境变量 VAR 读取口令，{action}")


def human_size(n: int) -> str:
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


class Command(BaseCommand):
    help = "备份数据库与上传文件到一个文件（服务运行中也可执行，得到同一时刻的一致快照）；给出口令时连同密钥一起加密备份"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件，例如 /srv/backup/wenming-20250501.tar")
        add_passphrase_arguments(parser, "用它加密后把密钥一并放入备份")
        parser.add_argument("--force", action="store_true", help="覆盖已存在的同名文件")

    def handle(self, *args, file, passphrase_file, passphrase_env, force, verbosity, **options):
        try:
            passphrase = read_passphrase(passphrase_file, passphrase_env)
            report = backup_create(Path(file), passphrase=passphrase, force=force, bar=progress_bars(verbosity))
        except BackupError as exc:
            raise CommandError(str(exc), returncode=exc.code) from None
        except KeyboardInterrupt:
            raise CommandError("已中断，没有生成备份文件", returncode=130) from None
        if verbosity == 0:
            return
        engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[report.engine]
        self.stdout.write(f"已备份到 {report.path}（{human_size(report.size)}）")
        self.stdout.write(f"  数据库：{engine}，{report.tables} 张表，共 {report.rows} 行")
        self.stdout.write(f"  上传文件：{report.uploads} 个，{human_size(report.upload_bytes)}")
        if report.vanished:
            self.stdout.write(f"  另有 {report.vanished} 个上传文件在备份过程中被删除，未收入")
        if report.keys_included:
            self.stdout.write("  密钥：已用口令加密后放入备份；恢复时需要同一口令")
        else:
            self.stdout.write(self.style.WARNING(
                "  密钥：未放入备份。请另行妥善保管 var/secrets.json（或环境变量 WENMING_FIELD_KEYS、"
                "WENMING_BLIND_INDEX_KEY）：没有它们，备份中的证件号、手机号等加密数据无法读取"))
