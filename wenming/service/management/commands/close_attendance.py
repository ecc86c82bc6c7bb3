from django.core.management.base import BaseCommand

from wenming.core.periodic import run_now


class Command(BaseCommand):
    help = "关闭忘记签退的签到记录（班次结束并超过宽限期后，签退时间记为班次结束时间）；后台调度每分钟自动运行，此命令立即运行一次"

    def handle(self, *args, **options):
        done = run_now("service.close_forgotten_checkouts")
        self.stdout.write(f"自动签退 {done['closed']} 条")
