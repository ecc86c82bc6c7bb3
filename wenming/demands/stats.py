"""The per-volunteer summary that candidate ranking reads (ARCHITECTURE rule 4): kept by the
workflow inside each accept, complete and rate; recomputed from the requests by
`wenming manage rebuild_demand_stats` (which also reports drift)."""

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from .models import Demand, DemandStatus, VolunteerDemandStats

S = DemandStatus


def _bump(volunteer_id: int | None, **delta: int) -> None:
    """F() update of one volunteer's summary row inside the caller's transaction; a decrement
    stops at 0 (a drift is for the rebuild to report, not for the resident's request to fail)."""
    if volunteer_id is None:
        return
    VolunteerDemandStats.objects.get_or_create(volunteer_id=volunteer_id)
    VolunteerDemandStats.objects.filter(volunteer_id=volunteer_id).update(**{
        name: (F(name) + n) if n >= 0 else Greatest(F(name) + n, Value(0)) for name, n in delta.items()})


def stats_accepted(volunteer_id: int | None) -> None:
    _bump(volunteer_id, open_load=1)


def stats_completed(volunteer_id: int | None) -> None:
    _bump(volunteer_id, open_load=-1, completed=1)


def stats_rated(volunteer_id: int | None, rating: int) -> None:
    _bump(volunteer_id, rated_count=1, rating_sum=int(rating))


STAT_FIELDS = ("open_load", "completed", "rated_count", "rating_sum")


def demand_stats_from_rows() -> dict[int, tuple[int, int, int, int]]:
    """The summary recomputed from the requests: {volunteer id: (open_load, completed,
    rated_count, rating_sum)} for every volunteer who ever accepted one."""
    rows = (Demand.objects.filter(accepted_by__isnull=False).order_by().values("accepted_by")
            .annotate(open_load=Count("pk", filter=Q(status__in=[S.ACCEPTED, S.IN_PROGRESS])),
                      completed=Count("pk", filter=Q(status__in=[S.COMPLETED, S.RATED, S.CLOSED])),
                      rated_count=Count("pk", filter=Q(rating__isnull=False)),
                      rating_sum=Coalesce(Sum("rating"), 0)))
    return {r["accepted_by"]: tuple(r[f] for f in STAT_FIELDS) for r in rows}


def demand_stats_rebuild(*, dry_run: bool = False) -> int:
    """Bring VolunteerDemandStats in line with the requests; returns how many volunteers'
    rows were wrong or missing (0 when the incremental upkeep is right). The summary table is
    locked against the workflow's updates meanwhile (PostgreSQL; SQLite writers queue anyway)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"LOCK TABLE {VolunteerDemandStats._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        truth = demand_stats_from_rows()
        have = {r[0]: tuple(r[1:]) for r in VolunteerDemandStats.objects.values_list("volunteer_id", *STAT_FIELDS)}
        zero = (0, 0, 0, 0)
        wrong = {vid: truth.get(vid, zero) for vid in set(truth) | set(have) if truth.get(vid, zero) != have.get(vid)}
        wrong = {vid: want for vid, want in wrong.items() if not (want == zero and vid not in have)}
        if dry_run or not wrong:
            return len(wrong)
        missing = [vid for vid in wrong if vid not in have]
        VolunteerDemandStats.objects.bulk_create(
            [VolunteerDemandStats(volunteer_id=vid, **dict(zip(STAT_FIELDS, wrong[vid], strict=True)))
             for vid in missing], batch_size=1000)
        for vid, want in wrong.items():
            if vid in have:
                VolunteerDemandStats.objects.filter(volunteer_id=vid).update(**dict(zip(STAT_FIELDS, want, strict=True)))
        return len(wrong)
