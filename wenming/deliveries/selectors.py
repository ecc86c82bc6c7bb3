"""Reads of delivery runs.

Staff see the runs of their subtrees (demand.view); a volunteer sees the runs they are on.
Out of scope and missing answer the same 404. The buying list sums the households' items:
the same item written "大米", " 大米 " or "大米" in full-width forms is one line; a
different unit (斤 / 袋) stays a separate line, since nobody can add those up.
"""

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.demands.models import Demand, DemandItem, DemandStatus
from wenming.volunteers.selectors import volunteer_for_user

from .access import active_members
from .models import DeliveryRun, DeliveryStop, StopStatus


def run_list_for_actor(*, actor, status: str = "") -> QuerySet:
    q = scope_for(actor).q(Perm.DEMAND_VIEW, "node__path")
    me = volunteer_for_user(actor) if getattr(actor, "is_authenticated", False) else None
    if me is not None:
        q |= Q(pk__in=active_members().filter(volunteer=me).values("run_id"))
    qs = DeliveryRun.objects.filter(q).select_related("node")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def run_get_for_actor(*, actor, run_id: int) -> DeliveryRun:
    run = run_list_for_actor(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise CoreError.NOT_FOUND.error()
    return run


def stop_get_for_actor(*, actor, stop_id: int) -> DeliveryStop:
    runs = run_list_for_actor(actor=actor).values("pk")
    stop = (DeliveryStop.objects.filter(pk=stop_id, run_id__in=runs)
            .select_related("run__node", "demand__node", "demand__category").first())
    if stop is None:
        raise CoreError.NOT_FOUND.error()
    return stop


def stops_of(run: DeliveryRun) -> QuerySet:
    return run.stops.select_related("demand__category").prefetch_related("demand__items").order_by("id")


def members_of(run: DeliveryRun) -> QuerySet:
    return run.members.filter(left_at__isnull=True).select_related("volunteer").order_by("id")


def run_candidates_for_actor(*, actor, run: DeliveryRun) -> QuerySet:
    """Requests that may join: reviewed, not dispatched, purchases, in the run's area, in the
    actor's scope, not waiting on another run."""
    waiting = DeliveryStop.objects.filter(status=StopStatus.PENDING).values("demand_id")
    return (Demand.objects.filter(scope_for(actor).q(Perm.DEMAND_VIEW, "node__path"),
                                  status=DemandStatus.REVIEWED, category__is_purchase=True,
                                  node__path__startswith=run.node.path)
            .exclude(pk__in=waiting).select_related("category", "node").prefetch_related("items")
            .order_by("submitted_at", "id"))


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


@dataclass
class BuyLine:
    name: str
    unit: str
    quantity: Decimal = Decimal(0)
    budget: Decimal = Decimal(0)
    households: set = field(default_factory=set)

    @property
    def household_count(self) -> int:
        return len(self.households)


def buying_list(run: DeliveryRun) -> list[BuyLine]:
    """One line per item and unit over every household not marked undelivered."""
    lines: dict[tuple[str, str], BuyLine] = {}
    served = run.stops.exclude(status=StopStatus.MARKED).values("demand_id")
    items = (DemandItem.objects.filter(demand_id__in=served).order_by("id")
             .values_list("demand_id", "name", "quantity", "unit", "budget"))
    for demand_id, name, quantity, unit, budget in items:
        key = (_key(name), _key(unit))
        line = lines.setdefault(key, BuyLine(name=" ".join(name.split()), unit=unit.strip()))
        line.quantity += quantity
        line.budget += budget or 0
        line.households.add(demand_id)
    return sorted(lines.values(), key=lambda line: (-line.household_count, line.name))


def run_figures(run: DeliveryRun) -> dict:
    """Households by stop state, the buying budget, receipts and the households' amounts."""
    by_status = dict(run.stops.order_by().values_list("status").annotate(n=Count("pk")))
    active = run.stops.exclude(status=StopStatus.MARKED)
    return {
        "households": sum(by_status.values()),
        "pending": by_status.get(StopStatus.PENDING, 0),
        "confirmed": by_status.get(StopStatus.CONFIRMED, 0),
        "marked": by_status.get(StopStatus.MARKED, 0),
        "budget": _yuan(DemandItem.objects.filter(demand__in=active.values("demand_id")).aggregate(s=Sum("budget"))),
        "receipts": _yuan(run.receipts.aggregate(s=Sum("amount"))),
        "amounts": _yuan(active.aggregate(s=Sum("amount"))),
        "volunteers": run.members.filter(left_at__isnull=True).count(),
    }


def _yuan(aggregate: dict) -> Decimal:
    """A money sum to the fen (SQLite sums decimals as floats)."""
    return Decimal(str(aggregate["s"] or 0)).quantize(Decimal("0.01"))
