from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.dashboards.work_report import work_report, work_report_text, work_report_workbook
from wenming.orgs.models import Node


def _month(text: str) -> date:
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise CommandError(f"月份格式应为 YYYY-MM：{text}") from None


class Command(BaseCommand):
    help = "按阵地和期间生成工作报告数据（中文摘要，可另存 Excel）"

    def add_arguments(self, parser):
        parser.add_argument("node", help="阵地编码或 ID")
        parser.add_argument("--since", required=True, help="起始月份 YYYY-MM")
        parser.add_argument("--until", required=True, help="截止月份 YYYY-MM")
        parser.add_argument("--xlsx", help="另存为 Excel 文件")

    def handle(self, *args, node, since, until, xlsx=None, **options):
        found = Node.objects.filter(code=node).first() or (Node.objects.filter(pk=node).first()
                                                             if node.isascii() and node.isdigit() else None)
        if found is None:
            raise CommandError(f"找不到阵地：{node}")
        start, end = _month(since), _month(until)
        if start > end:
            raise CommandError("起始月份不能晚于截止月份")
        report = work_report(found, since=start, until=end)
        self.stdout.write(work_report_text(report))
        if xlsx:
            Path(xlsx).write_bytes(work_report_workbook(report))
            self.stdout.write(f"已保存：{xlsx}")
