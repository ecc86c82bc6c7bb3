"""`wenming export volunteers OUT.xlsx [--actor USERNAME] [--node CODE] [--search TEXT] …`.

The list the actor may see, with ID number and phone masked (never raw).
"""

from django.core.management.base import BaseCommand, CommandError

from wenming.accounts.command_actor import command_actor
from wenming.orgs.models import Node
from wenming.volunteers.roster.exporter import export_roster


class Command(BaseCommand):
    help = "把志愿者名单导出为 Excel（证件号码、手机号码脱敏）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["volunteers"], help="导出的数据：volunteers（志愿者名单）")
        parser.add_argument("out", help="输出文件 .xlsx")
        parser.add_argument("--actor", help="以该账号的权限范围导出（默认：第一个系统管理员）")
        parser.add_argument("--node", help="只导出该阵地（编码）及其下级的志愿者")
        parser.add_argument("--search", default="", help="姓名、拼音、志愿者编号或手机号")
        parser.add_argument("--political-status", default="", help="政治面貌代码，如 party_member")
        parser.add_argument("--skill", default="", help="技能代码，如 medical")
        parser.add_argument("--reserve", choices=["yes", "no"], help="只导出（yes）或排除（no）应急储备志愿者")
        parser.add_argument("--status", default="", help="状态代码：active / suspended / withdrawn")
        parser.add_argument("--sex", default="", choices=["", "M", "F"], help="性别：M / F")

    def handle(self, *args, kind, out, actor, node, search, political_status, skill, reserve, status, sex,
               **options):
        user = command_actor(actor)
        node_id = None
        if node:
            node_id = Node.objects.filter(code=node).values_list("pk", flat=True).first()
            if node_id is None:
                raise CommandError(f"阵地编码“{node}”不存在")
        count = export_roster(actor=user, out=out, search=search, node_id=node_id,
                              political_status=political_status, skill=skill,
                              is_reserve=None if reserve is None else reserve == "yes", status=status, sex=sex)
        self.stdout.write(f"已导出 {count} 名志愿者到 {out}（证件号码、手机号码已脱敏）")
