import unicodedata

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from wenming.accounts.models import User
from wenming.orgs.models import Node


class Command(BaseCommand):
    help = "一键演示：建立/升级数据库，数据库为空时生成秭归县演示数据，打印演示账号，然后启动服务"

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000", help="监听地址与端口，默认 127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--volunteers", type=int, default=None, help="演示志愿者人数（默认 10016）")

    def handle(self, *args, addrport, no_serve, volunteers, **options):
        from wenming.seeding.demo import DEMO_VOLUNTEERS, seed_demo
        from wenming.seeding.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

        self.stdout.write("正在建立/升级数据库……")
        call_command("migrate", interactive=False, verbosity=0)
        if Node.objects.exists():
            self.stdout.write("数据库中已有阵地数据，跳过生成演示数据。")
        else:
            count = DEMO_VOLUNTEERS if volunteers is None else volunteers
            self.stdout.write(f"正在生成秭归县演示数据（{count} 名志愿者，需要几秒钟）……")
            try:
                summary = seed_demo(volunteers=count, progress=options["verbosity"] > 0)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(self.style.SUCCESS(
                f"演示数据已生成：阵地 {summary['nodes']} 个，志愿者 {summary['volunteers']} 人，"
                f"队伍 {summary['teams']} 支（{summary['seconds']} 秒）"))

        host, _, port = addrport.rpartition(":")
        host = host if host and host not in ("0.0.0.0", "[::]", "::") else "127.0.0.1"
        self.stdout.write(f"\n访问地址：http://{host}:{port or '8000'}\n")
        existing = set(User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
                       .values_list("username", flat=True))
        if existing:
            self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
            for a in DEMO_ACCOUNTS:
                if a.username in existing:
                    self.stdout.write(f"  {a.username:<10} {DEMO_PASSWORD}  {_pad(a.role_label, 16)}{a.scope}")
        else:
            self.stdout.write("此数据库不是由演示数据生成的，没有演示账号；请用已有账号登录。")
        if not no_serve:
            self.stdout.write("")
            call_command("serve", addrport)


def _pad(text: str, width: int) -> str:
    """Left-align by display width: a Chinese character takes two columns in a terminal."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)
