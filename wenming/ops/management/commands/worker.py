from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wenming.ops.keys import ensure_keys_fit


class Command(BaseCommand):
    help = "启动后台任务进程（Celery worker）；--beat 同时运行定时调度（只适合单机）"

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=2, help="同时执行的任务数（默认 2）")
        parser.add_argument("--beat", action="store_true", help="同时运行定时调度（整个集群只能有一个调度）")
        parser.add_argument("--hostname", default=None, help="worker 名称（同一台机器多个 worker 时区分）")
        parser.add_argument("--quiet", action="store_true", help="不打印启动横幅（wenming serve 使用）")
        parser.add_argument("--queues", default="default,jobs",
                            help="处理哪些队列：default（通知、定时任务）、jobs（批量导入导出等耗时任务）；默认两者")

    def handle(self, *args, concurrency, beat, hostname, quiet, queues, **options):
        ensure_keys_fit()
        from wenming.celery import app

        unknown = set(queues.split(",")) - {"default", "jobs"}
        if unknown or not queues:
            raise CommandError(f"未知的队列：{','.join(sorted(unknown)) or '（空）'}；可用 default、jobs")
        argv = ["worker", f"--concurrency={concurrency}", f"--queues={queues}", "--loglevel=INFO",
                "--without-mingle", "--without-gossip"]
        if beat:
            argv += ["--beat", f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}"]
        if hostname:
            argv.append(f"--hostname={hostname}")
        app.worker_main((["--quiet"] if quiet else []) + argv)
