from django.core.management.base import BaseCommand

from wenming.core.periodic import run_now


class Command(BaseCommand):
    help = "群众点单时限：超时未审核/未接单的上报上级阵地，超时未答复的派单转下一候选人，久未评价的自动办结；后台调度每分钟自动运行，此命令立即运行一次"

    def handle(self, *args, **options):
        done = run_now("demands.sla_tick")
        self.stdout.write(f"上报 {done['escalated']} 单，派单超时 {done['offers_expired']} 个，自动办结 {done['closed']} 单")
