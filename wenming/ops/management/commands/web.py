import os
import sys

from django.core.management.base import BaseCommand

from wenming.ops.keys import ensure_keys_fit
from wenming.ops.static import collect_static


class Command(BaseCommand):
    help = "只启动 Web 服务器（gunicorn），供 systemd 等服务管理器使用；参数见 wenming/ops/gunicorn_conf.py"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default=None, help="监听地址与端口（默认取 WENMING_BIND，否则 127.0.0.1:8000）")

    def handle(self, *args, addrport, **options):
        ensure_keys_fit()
        if addrport:
            os.environ["WENMING_BIND"] = addrport
        # hashed, compressed copies for WhiteNoise; quick when nothing changed since the last start
        collect_static()
        # exec: the service manager supervises gunicorn's master itself, signals and all
        os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "-c", "python:wenming.ops.gunicorn_conf",
                                  "wenming.wsgi:application"])
