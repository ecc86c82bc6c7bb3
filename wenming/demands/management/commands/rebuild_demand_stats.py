from django.core.management.base import BaseCommand, CommandError

from wenming.demands.stats import demand_stats_rebuild


class Command(BaseCommand):
    help = "按点单记录重算志愿者点单统计（在办、完成、评价），供候选人排序使用；--check 只检查不修改"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只报告不一致的志愿者数，不写入；有不一致时退出码为 1")

    def handle(self, *args, check=False, **options):
        wrong = demand_stats_rebuild(dry_run=check)
        if check:
            if wrong:
                raise CommandError(f"志愿者点单统计有 {wrong} 人与点单记录不一致，请运行 rebuild_demand_stats 修正")
            self.stdout.write("志愿者点单统计与点单记录一致")
            return
        self.stdout.write(f"已重算志愿者点单统计：修正 {wrong} 人" if wrong else "志愿者点单统计与点单记录一致，无需修正")
