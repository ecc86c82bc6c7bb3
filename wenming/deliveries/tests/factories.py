from decimal import Decimal

from wenming.deliveries import services
from wenming.demands import workflow as wf
from wenming.demands.tests.factories import entered, volunteer_user

__all__ = ["reviewed_purchase", "run_with", "volunteer_user"]


def reviewed_purchase(world, n: int, items=None, *, category="shopping", node=None, now=None):
    """A reviewed purchase request of household `n` (its own phone and address)."""
    items = items if items is not None else [{"name": "大米", "quantity": Decimal(1), "unit": "袋",
                                              "budget": Decimal(60)}]
    staff = world.manager_a if node is None else world.root
    demand, code = entered(world, node=node, actor=staff, now=now, phone=f"138{n:08d}", address=f"九里村{n}组{n}号",
                           category=category, items=items)
    demand = wf.demand_review(actor=staff, demand=demand, now=now)
    demand.tracking_code = code
    return demand


def run_with(world, demands, volunteers=(), *, node=None, title="九里村代购第一批", now=None):
    """A run at station A holding `demands`, with `volunteers` on it (still gathering)."""
    run = services.run_create(actor=world.manager_a, node=node or world.station_a, title=title, now=now)
    if demands:
        services.run_add_demands(actor=world.manager_a, run=run, demands=demands, now=now)
    if volunteers:
        services.run_assign(actor=world.manager_a, run=run, volunteers=list(volunteers), now=now)
    run.refresh_from_db()
    return run
