from decimal import Decimal

from wenming.accounts.models import User
from wenming.core.tests.api_client import PASSWORD
from wenming.demands.intake import DemandInput, demand_enter
from wenming.volunteers.tests.factories import volunteer

NAMES = "赵伟 钱芳 孙强 周敏 吴磊 郑洁 冯军 陈静 褚涛 卫红 蒋勇 沈丽".split()


def volunteer_user(world, username: str, node=None, phone: str = "13700000000"):
    """A volunteer with a login, at station A unless told otherwise."""
    name = NAMES[sum(map(ord, username)) % len(NAMES)]
    vol = volunteer(world.root, node or world.station_a, name=name, phone=phone)
    vol.user = User.objects.create_user(username=username, password=PASSWORD)
    vol.save(update_fields=["user"])
    return vol


def entered(world, *, node=None, actor=None, now=None, **fields):
    """A request typed in by station A's operator: status submitted, routed to station A."""
    values = {"name": "张秀英", "phone": "13812345678", "address": "九里村三组 12 号", "category": "shopping",
              "description": "居家隔离，需要代购大米和蔬菜", "items": [{"name": "大米", "quantity": Decimal(2),
                                                                   "unit": "袋"}]}
    values.update(fields)
    demand, code = demand_enter(actor=actor or world.manager_a, data=DemandInput(within=node or world.station_a,
                                                                                 **values), now=now)
    return demand, code
