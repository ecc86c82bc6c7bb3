from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动 Web 服务（内置服务器，适合单机与演示；生产环境请用 gunicorn 等 WSGI 服务器）"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        call_command("runserver", addrport, use_reloader=False, insecure_serving=True)
