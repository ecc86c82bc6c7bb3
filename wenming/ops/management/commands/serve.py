import os
import sys

from django.core.management.base import BaseCommand

from wenming.ops.keys import ensure_keys_fit
from wenming.ops.static import collect_static
from wenming.ops.supervisor import Supervisor, embedded_children


class Command(BaseCommand):
    help = "启动服务：gunicorn Web 服务器，以及后台任务进程（含定时调度）；Ctrl-C 停止"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="监听地址与端口，默认 127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true",
                            help="不在本机启动后台任务进程（已由 wenming worker / beat 另行运行时）")

    def handle(self, *args, addrport, no_worker, **options):
        if sys.stderr.isatty():  # someone at a terminal (make demo): readable lines, not JSON
            os.environ.setdefault("WENMING_LOG_FORMAT", "text")
        if ":" not in addrport:
            addrport = f"127.0.0.1:{addrport}"
        ensure_keys_fit()
        self.stdout.write("正在整理静态文件……")
        collect_static()
        self.stdout.write(f"Web 服务：http://{addrport}/（gunicorn）" + ("" if no_worker else "；后台任务与定时调度：Celery"))
        raise SystemExit(Supervisor(embedded_children(addrport, worker=not no_worker)).run())
