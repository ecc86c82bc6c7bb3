from django.core.management.base import BaseCommand

from wenming.core.periodic import run_now


class Command(BaseCommand):
    help = "发送待发通知（短信等）：补发提交后未能立即送出的消息，失败的按退避重试；后台调度每分钟自动运行，此命令立即运行一次"

    def handle(self, *args, **options):
        done = run_now("core.deliver_notifications")
        self.stdout.write(f"已发送 {done['sent']} 条")
