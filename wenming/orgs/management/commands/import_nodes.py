from django.core.management.base import BaseCommand, CommandError

from wenming.accounts.command_actor import command_actor
from wenming.core.errors import DomainError
from wenming.orgs.importing import import_nodes


class Command(BaseCommand):
    help = "从 Excel 导入阵地树（列：阵地编码、名称、类型、上级编码、行政区划代码、地址、经度、纬度、联系人、联系电话、开放状态）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--actor", help="以该账号的权限导入（默认：第一个系统管理员）")

    def handle(self, *args, file, actor=None, **options):
        user = command_actor(actor)
        try:
            result = import_nodes(actor=user, path=file)
        except DomainError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None
        self.stdout.write(f"新增 {result.created} 个阵地，更新 {result.updated} 个，错误 {len(result.errors)} 行")
        for number, reason in result.errors:
            self.stdout.write(f"  第 {number} 行：{reason}")
