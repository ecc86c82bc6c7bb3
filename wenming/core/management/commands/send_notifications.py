from django.core.management.base import BaseCommand

from wenming.core.notify import deliver_pending


class Command(BaseCommand):
    help = "发送待发通知（短信等）：补发提交后未能立即送出的消息，失败的按退避重试；可由 cron 定时运行"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="本次最多发送条数")

    def handle(self, *args, limit, **options):
        sent = total = 0
        while total < limit:
            batch = deliver_pending(limit=min(200, limit - total))
            if not batch:
                break
            sent += batch
            total += batch
        self.stdout.write(f"已发送 {sent} 条")
