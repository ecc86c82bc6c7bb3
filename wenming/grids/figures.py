"""Dashboard figures of grids and door-to-door screening (docs/dashboards.md, docs/grids.md).

All recorded at the grid node, inside the services' transactions:

- `grid_households` (stock): the households of the grid (GridProfile.household_count);
  a change records new − old.
- `households_visited` (stock): distinct households (by household_key) with at least one
  live visit; +1 when a household gets its first live visit, −1 when its last one is
  voided or corrected away. Coverage = households_visited / grid_households, for a grid
  and, summed over the subtree, for any node.
- `grids_visited` (stock): grids with at least one household visited (网格覆盖).
- `visits` (flow, per month of visited_at): live visits (入户走访 户次).
- `visit_residents` (flow): residents met at home, summed.
- `visit_flag:<code>` (flow): live visits carrying the flag.
- `screened_sites` (flow, 家): businesses and sites screened, entered only as month totals.
  Screening totals (screening_totals.py) record their `remainder` — what no visit row names —
  as `visits` or `screened_sites` at the total's node.

A correction subtracts the visit's old contribution and adds the new one; voiding subtracts
it. `raw_rows` recomputes every one of them from the raw rows for `rebuild_figures`.

Archived grids: the three coverage stocks count **live grids only** — a grid that no longer
exists must not dilute a county's coverage. `grids_archived` (called by orgs.node_archive /
node_restore in their transaction, before their UPDATE) records −(current stocks) for every
grid the call archives and +(current stocks) for every grid it restores; while a grid is
archived, writes that can still touch it (correcting or voiding one of its visits) keep its
counters but record no stock delta, so the restore adds back exactly what it then holds.
`hold_grid` is the writers' half of that handshake: the grid's node row is held (PostgreSQL
FOR SHARE) for the writer's transaction, so an archive or restore waits for writers already
in flight and writers after it see the new state. The monthly flows (visits, residents,
flags) are history and stay, archived or not.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from wenming.dashboards.metrics import (
    STOCK,
    STOCK_PERIOD,
    Metric,
    as_date,
    register,
    register_family,
    register_source,
)
from wenming.dashboards.summary import record_many
from wenming.orgs.models import Node

from .models import GridProfile, HouseholdVisit, ScreeningKind, ScreeningTotal, VisitFlag

FLAG_PREFIX = "visit_flag:"
COVERAGE_METRICS = ["grid_households", "households_visited", "grids_visited"]
ALL_METRICS = [*COVERAGE_METRICS, "visits", "visit_residents"]

register(
    Metric("grid_households", "网格户数", "户", STOCK),
    Metric("households_visited", "已走访户数", "户", STOCK),
    Metric("grids_visited", "已走访网格", "个", STOCK),
    Metric("visits", "入户走访", "户次"),
    Metric("visit_residents", "走访在家人数", "人"),
    Metric("screened_sites", "排查企业场所", "家"),
)
# the metric a screening total of each kind counts in
SCREENING_METRIC = {ScreeningKind.HOUSEHOLDS: "visits", ScreeningKind.SITES: "screened_sites"}


def _flags():
    return [(code, name, "户次") for code, name in VisitFlag.objects.order_by("sort", "code").values_list("code", "name")]


register_family(FLAG_PREFIX, "走访排查标记", "户次", members=_flags, members_model=VisitFlag)


def month_of(moment: datetime) -> date:
    return timezone.localdate(moment).replace(day=1)


@dataclass(frozen=True)
class VisitShape:
    """What one live visit adds to the figures."""

    grid_id: int
    month: date
    residents: int
    flags: tuple[str, ...]

    def rows(self, sign: int) -> list:
        out = [(self.grid_id, "visits", self.month, sign)]
        if self.residents:
            out.append((self.grid_id, "visit_residents", self.month, sign * self.residents))
        out += [(self.grid_id, f"{FLAG_PREFIX}{code}", self.month, sign) for code in self.flags]
        return out


def shape_of(visit: HouseholdVisit, flag_codes) -> VisitShape | None:
    if visit.voided_at is not None:
        return None
    return VisitShape(visit.grid_id, month_of(visit.visited_at), visit.residents_count, tuple(sorted(flag_codes)))


def visit_changed(before: VisitShape | None, after: VisitShape | None) -> None:
    """−old, +new (nothing when equal); in the caller's transaction."""
    if before == after:
        return
    rows = (before.rows(-1) if before else []) + (after.rows(+1) if after else [])
    record_many(rows)


def households_changed(grid_id: int, households: int = 0, grids: int = 0) -> None:
    record_many([(grid_id, "households_visited", STOCK_PERIOD, households),
                 (grid_id, "grids_visited", STOCK_PERIOD, grids)])


def grid_households_changed(grid_id: int, before: int, after: int) -> None:
    record_many([(grid_id, "grid_households", STOCK_PERIOD, after - before)])


# ---- archived grids leave the coverage stocks ----------------------------------------------

def hold_grid(grid_id: int) -> bool:
    """In a writer's transaction, before it changes anything of the grid: hold the grid's node
    row till the end of the transaction and say whether the grid is live (not archived).
    PostgreSQL: FOR SHARE — writers of one grid do not wait for each other, but
    the subtree lock of an archive or restore (orgs.services._lock_subtree) waits for them,
    and they for it (then they read the new state).
    SQLite: IMMEDIATE transactions serialize writers already; a plain read."""
    lock = " FOR SHARE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cur:
        cur.execute(f"SELECT archived_at FROM {connection.ops.quote_name(Node._meta.db_table)} "
                    f"WHERE id = %s{lock}", [grid_id])
        row = cur.fetchone()
    return row is not None and row[0] is None


def _coverage_rows(**node_filter):
    """The coverage stocks of the grids whose node matches `node_filter` (Node lookups)."""
    profiles = GridProfile.objects.filter(household_count__gt=0, **{f"node__{k}": v for k, v in node_filter.items()})
    for grid_id, n in profiles.values_list("node_id", "household_count"):
        yield grid_id, "grid_households", STOCK_PERIOD, n
    live = HouseholdVisit.objects.filter(voided_at__isnull=True, **{f"grid__{k}": v for k, v in node_filter.items()})
    for grid_id, n in (live.values("grid_id").annotate(n=Count("household_key", distinct=True))
                       .values_list("grid_id", "n")):
        yield grid_id, "households_visited", STOCK_PERIOD, n
        yield grid_id, "grids_visited", STOCK_PERIOD, 1


def grids_archived(*, path: str, sign: int) -> int:
    """Called by orgs.node_archive (sign −1) and node_restore (+1) inside their transaction,
    after they locked the subtree (orgs.services._lock_subtree, which also waits for grid
    writers in flight) and **before** their UPDATE of `archived_at` under `path`: the grids
    whose state this call changes — live ones for an archive (an already archived grid left
    earlier and does not leave twice), archived ones for a restore (which brings back
    everything under the path, so every grid archived separately before comes back too) —
    leave or rejoin the coverage stocks at their current values. Returns how many delta
    rows were recorded."""
    if sign not in (-1, 1):
        raise ValueError("sign must be -1 (archive) or +1 (restore)")
    changing = {"path__startswith": path, "archived_at__isnull": sign < 0}
    rows = [(node_id, metric, period, sign * value) for node_id, metric, period, value in _coverage_rows(**changing)]
    record_many(rows)
    return len(rows)


@register_source
def raw_rows():
    # coverage stocks: live grids only (an archived grid left them, see grids_archived)
    yield from _coverage_rows(archived_at__isnull=True)
    # flows: every visit, archived grid or not (history stays history)
    live = HouseholdVisit.objects.filter(voided_at__isnull=True)
    monthly = live.annotate(month=TruncMonth("visited_at")).values("grid_id", "month")
    for grid_id, month, n, residents in (monthly.annotate(n=Count("pk"), r=Sum("residents_count"))
                                         .values_list("grid_id", "month", "n", "r")):
        yield grid_id, "visits", as_date(month), n
        if residents:
            yield grid_id, "visit_residents", as_date(month), residents
    through = HouseholdVisit.flags.through.objects.filter(householdvisit__voided_at__isnull=True)
    for grid_id, month, code, n in (through.annotate(month=TruncMonth("householdvisit__visited_at"))
                                    .values("householdvisit__grid_id", "month", "visitflag__code")
                                    .annotate(n=Count("pk"))
                                    .values_list("householdvisit__grid_id", "month", "visitflag__code", "n")):
        yield grid_id, f"{FLAG_PREFIX}{code}", as_date(month), n
    # screening totals: what no visit row names (a sites total is all remainder)
    for node_id, kind, period, remainder in ScreeningTotal.objects.filter(remainder__gt=0).values_list(
            "node_id", "kind", "period", "remainder"):
        yield node_id, SCREENING_METRIC[kind], period, remainder
