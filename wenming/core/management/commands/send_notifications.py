from django.core.management.base import BaseCommand

from wenming.core.notify import deliver_all


class Command(BaseCommand):
    help = "发送待发通知（短信等）：补发提交后未能立即送出的消息，失败的按退避重试；可由 cron 每分钟运行"

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=55, help="本次最多运行的秒数（默认 55，适合每分钟一次的 cron）")

    def handle(self, *args, seconds, **options):
        self.stdout.write(f"已发送 {deliver_all(budget_s=seconds)} 条")
