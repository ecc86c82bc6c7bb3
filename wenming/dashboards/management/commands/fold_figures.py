from django.core.management.base import BaseCommand

from wenming.core.periodic import run_now


class Command(BaseCommand):
    help = "把待汇总的变化计入看板汇总；后台调度每分钟自动运行，此命令立即运行一次"

    def handle(self, *args, **options):
        done = run_now("dashboards.fold_figures")
        self.stdout.write(f"已汇总 {done['folded']} 条变化")
