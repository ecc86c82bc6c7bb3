"""Dashboard figures of the campaigns app (docs/dashboards.md, docs/campaigns.md).

- `tally:<indicator code>` — a flow per month: every TallyEntry adds its (signed) delta at
  the entry's node (a unit's entry at the node the unit belonged to when it was entered;
  a correction at the node of the entry it corrects). Nothing else writes it, so a subtree's
  figure is the sum of the entries of its buckets, each counted once.
- `reform:<kind>` — 移风易俗 records per month of the act, at the record's node; a kind or
  date change moves the one (−old, +new), voiding removes it.
- `online_views`, `online_shares`, `online_participants` — person-days per month at the
  activity's node, recorded only when a new ActivityEngagement row is inserted.
- `party_checkins` — a stock: active party-member check-ins at each station; it keeps its
  history (+1 in the month of the check-in, −1 in the month of its withdrawal), so a past
  period counts the check-ins active at its end. A reactivated check-in keeps only its
  latest spell.

The services call the functions below inside their own transactions; `raw_rows` yields
exactly what those deltas add up to (the rebuild test checks it).
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from wenming.dashboards.metrics import (
    FLOW,
    STOCK,
    STOCK_PERIOD,
    Metric,
    as_date,
    history_month,
    register,
    register_family,
    register_source,
)
from wenming.dashboards.summary import record, record_many

from .models import (
    ActivityEngagement,
    EngagementKind,
    Indicator,
    PartyCheckin,
    ReformKind,
    ReformRecord,
    ReformTotal,
    TallyEntry,
)


def _indicators():
    """(code, name, unit, how months add up, the path of the office that owns it or "")."""
    return [(code, name, unit, aggregation, path or "") for code, name, unit, aggregation, path in
            Indicator.objects.order_by("sort", "code").values_list("code", "name", "unit", "aggregation", "node__path")]


register_family("tally:", "宣传统计", "", FLOW, members=_indicators, members_model=Indicator)
register_family("reform:", "移风易俗", "户", FLOW,
                members=lambda: [(value, label, "户") for value, label in ReformKind.choices])
register(
    Metric("online_views", "云上活动浏览", "人次"),
    Metric("online_shares", "云上活动分享", "人次"),
    Metric("online_participants", "云上活动参与", "人次"),
    Metric("party_checkins", "党员志愿者报到", "人", kind=STOCK, history=True),
)

ENGAGEMENT_METRIC = {EngagementKind.VIEW: "online_views", EngagementKind.SHARE: "online_shares",
                     EngagementKind.PARTICIPATE: "online_participants"}


def tally_metric(code: str) -> str:
    return f"tally:{code}"


def reform_metric(kind: str) -> str:
    return f"reform:{kind}"


def tally_recorded(entry: TallyEntry, indicator_code: str) -> None:
    record(node_id=entry.node_id, metric=tally_metric(indicator_code), delta=entry.delta, period=entry.period)


def tally_recorded_many(entries: Iterable[TallyEntry], codes: dict[int, str]) -> None:
    record_many([(e.node_id, tally_metric(codes[e.indicator_id]), e.period, e.delta) for e in entries])


def reform_changed(*, node_id: int, before: tuple[str, date] | None, after: tuple[str, date] | None) -> None:
    """A record's (kind, date) went from `before` to `after` (None: did not count / no longer)."""
    rows = []
    for state, sign in ((before, -1), (after, 1)):
        if state is not None:
            kind, day = state
            rows.append((node_id, reform_metric(kind), day.replace(day=1), sign))
    if before is not None and after is not None and rows[0][1:3] == rows[1][1:3]:
        return  # same kind, same month: the figure does not move
    record_many(rows)


def engagement_recorded(*, node_id: int, kind: str, day: date) -> None:
    record(node_id=node_id, metric=ENGAGEMENT_METRIC[kind], delta=1, period=day.replace(day=1))


Spell = tuple[date, date | None]  # a check-in's (checked in, withdrawn) days


def checkin_rows(station_id: int, spell: Spell, sign: int) -> list:
    """What one check-in adds to `party_checkins`: +1 from the month it was made, −1 from the
    month it was withdrawn (as-of history), and +1 now while active."""
    came, left = spell
    rows = [(station_id, "party_checkins", history_month(came), sign)]
    if left is None:
        rows.append((station_id, "party_checkins", STOCK_PERIOD, sign))
    else:
        rows.append((station_id, "party_checkins", history_month(left), -sign))
    return rows


def checkin_spell(checkin) -> Spell:
    local = timezone.localdate
    return local(checkin.checked_in_at), local(checkin.withdrawn_at) if checkin.withdrawn_at else None


def checkin_changed(*, station_id: int, before: Spell | None, after: Spell | None) -> None:
    """A check-in went from `before` to `after` (None: did not exist)."""
    if before != after:
        record_many((checkin_rows(station_id, before, -1) if before else [])
                    + (checkin_rows(station_id, after, +1) if after else []))



@register_source
def raw_rows():
    tallies = (TallyEntry.objects.values("node_id", "indicator__code", "period").annotate(v=Sum("delta"))
               .values_list("node_id", "indicator__code", "period", "v"))
    for node_id, code, period, value in tallies:
        yield node_id, tally_metric(code), period, value
    reforms = (ReformRecord.objects.filter(voided_at__isnull=True).annotate(month=TruncMonth("occurred_on"))
               .values("node_id", "kind", "month").annotate(n=Count("pk")).values_list("node_id", "kind", "month", "n"))
    for node_id, kind, month, n in reforms:
        yield node_id, reform_metric(kind), as_date(month), n
    for node_id, kind, period, remainder in ReformTotal.objects.filter(remainder__gt=0).values_list(
            "node_id", "kind", "period", "remainder"):
        yield node_id, reform_metric(kind), period, remainder  # the households no record names
    engagements = (ActivityEngagement.objects.annotate(month=TruncMonth("day"))
                   .values("activity__node_id", "kind", "month").annotate(n=Count("pk"))
                   .values_list("activity__node_id", "kind", "month", "n"))
    for node_id, kind, month, n in engagements:
        yield node_id, ENGAGEMENT_METRIC[kind], as_date(month), n
    for checkin in PartyCheckin.objects.only("station_id", "checked_in_at", "withdrawn_at").iterator(chunk_size=5000):
        yield from checkin_rows(checkin.station_id, checkin_spell(checkin), +1)
