from django.core.management.base import BaseCommand

from wenming.service.attendance_services import attendance_close_forgotten


class Command(BaseCommand):
    help = "关闭忘记签退的签到记录（班次结束并超过宽限期后，签退时间记为班次结束时间）；可由 cron 定时运行"

    def handle(self, *args, **options):
        self.stdout.write(f"自动签退 {attendance_close_forgotten()} 条")
