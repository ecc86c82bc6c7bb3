import time

from django.core.management.base import BaseCommand, CommandError

from wenming.seeding import SeedRefused
from wenming.seeding.demo_accounts import DEMO_PASSWORD


class Command(BaseCommand):
    help = "生成数据：demo = 秭归县演示数据（适合内置 SQLite）；city = 衡阳市规模数据（适合 PostgreSQL）"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["demo", "city"], help="demo 或 city")
        parser.add_argument("--seed", type=int, default=None, help="随机种子：同一种子生成完全相同的数据")
        parser.add_argument("--volunteers", type=int, default=None, help="志愿者人数（demo 默认 10016，city 默认 1000000）")
        parser.add_argument("--workers", type=int, default=None, help="city：加密用的进程数（默认按 CPU 核数）")
        parser.add_argument("--service-records", type=int, default=None,
                            help="city：服务时长记录条数（默认每名志愿者 10 条，即 10000000）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, what, seed, volunteers, workers, no_progress, service_records=None, **options):
        kwargs = {"progress": not no_progress}
        if seed is not None:
            kwargs["seed"] = seed
        if volunteers is not None:
            if volunteers < 0:
                raise CommandError("志愿者人数不能为负数")
            kwargs["volunteers"] = volunteers
        started = time.perf_counter()
        try:
            if what == "demo":
                from wenming.seeding.demo import seed_demo

                summary = seed_demo(**kwargs)
            else:
                from wenming.seeding.city import seed_city

                summary = seed_city(workers=workers, service_records=service_records, **kwargs)
        except (SeedRefused, ValueError) as exc:
            raise CommandError(str(exc)) from None
        kinds = "，".join(f"{kind} {count}" for kind, count in summary["nodes_by_kind"].items())
        self.stdout.write(self.style.SUCCESS(
            f"完成（{time.perf_counter() - started:.1f} 秒）：阵地 {summary['nodes']} 个（{kinds}），"
            f"志愿者 {summary['volunteers']} 人，队伍 {summary['teams']} 支，队员 {summary['team_members']} 人次"
        ))
        self.stdout.write(f"登录账号：{'、'.join(summary['accounts'])}，密码均为 {DEMO_PASSWORD}"
                          + ("（各账号的角色与范围见 wenming demo --no-serve 的输出）" if what == "demo" else ""))
