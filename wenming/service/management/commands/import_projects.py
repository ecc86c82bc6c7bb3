from django.core.management.base import BaseCommand, CommandError

from wenming.accounts.command_actor import command_actor
from wenming.core.errors import DomainError
from wenming.service.bulk_projects import items_from_workbook, projects_bulk_create


class Command(BaseCommand):
    help = ("批量发布志愿服务项目（每行一个岗位班次；列：项目名称*、类别*、发布阵地编码*、岗位名称*、开始时间*、"
            "结束时间*、名额*、地址、纬度、经度、签到范围（米）、最低年龄、需保险、所需技能、项目内容）")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--actor", help="以该账号的权限发布（默认：第一个系统管理员）")
        parser.add_argument("--draft", action="store_true", help="只建草稿，不发布")

    def handle(self, *args, file, actor=None, draft=False, **options):
        user = command_actor(actor)
        try:
            items, errors = items_from_workbook(actor=user, path=file)
        except DomainError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None
        result = projects_bulk_create(actor=user, items=items, publish=not draft)
        errors = sorted(errors + result.errors)
        self.stdout.write(f"{'建立' if draft else '发布'}项目 {len(result.created)} 个，有误 {len(errors)} 处")
        for row, code, message in errors:
            self.stdout.write(f"  第 {row} 行 [{code}] {message}")
