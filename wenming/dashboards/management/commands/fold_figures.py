from django.core.management.base import BaseCommand

from wenming.dashboards.summary import fold_all


class Command(BaseCommand):
    help = "把待汇总的变化计入看板汇总（生产环境由 cron / Celery beat 每分钟运行）"

    def handle(self, *args, **options):
        self.stdout.write(f"已汇总 {fold_all()} 条变化")
