from django.core.management.base import BaseCommand, CommandError

from wenming.dashboards.rebuild import differences, rebuild_figures


class Command(BaseCommand):
    help = "从原始数据重算看板汇总（--check 只比对，不修改）"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只比对汇总与原始数据，有差异时退出码为 1")

    def handle(self, *args, check=False, **options):
        if check:
            diffs = differences()
            for (node_id, metric, period), kept, want in diffs[:50]:
                self.stdout.write(f"阵地 {node_id} {metric} {period}: 汇总 {kept}，应为 {want}")
            if diffs:
                raise CommandError(f"看板汇总与原始数据有 {len(diffs)} 处不一致")
            self.stdout.write("看板汇总与原始数据一致")
            return
        self.stdout.write(f"已重算看板汇总：{rebuild_figures()} 行")
