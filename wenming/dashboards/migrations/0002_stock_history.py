"""Stocks that keep their history (issue 14: volunteers in the register, the reserve, party
members, teams, party check-ins) also record each change in its month. Figures kept before
had only the current count: add the dated changes of what is there now, once, as pending
deltas the folder rolls up — the same rows `rebuild_figures` would compute (a volunteer as
they are now since registration, a team from creation to archiving, a check-in from its day
to its withdrawal)."""

from collections import Counter
from datetime import date

from django.db import migrations
from django.utils import timezone

HISTORY_FLOOR = date(2000, 2, 1)  # dashboards.metrics.HISTORY_FLOOR, frozen here
PARTY = ("party_member", "probationary")


def _month(moment) -> date:
    day = timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return max(day.replace(day=1), HISTORY_FLOOR)


def _deltas(apps, sign: int) -> list:
    Volunteer = apps.get_model("volunteers", "Volunteer")
    Team = apps.get_model("volunteers", "Team")
    PartyCheckin = apps.get_model("campaigns", "PartyCheckin")
    FigureDelta = apps.get_model("dashboards", "FigureDelta")
    counts: Counter = Counter()
    active = Volunteer.objects.filter(status="active").values_list("home_node_id", "registered_at", "is_reserve",
                                                                     "political_status")
    for node_id, registered_at, reserve, political in active.iterator(chunk_size=5000):
        month = _month(registered_at)
        counts[(node_id, "volunteers", month)] += 1
        counts[(node_id, "volunteers_reserve", month)] += bool(reserve)
        counts[(node_id, "volunteers_party", month)] += political in PARTY
    for node_id, created, archived in Team.objects.values_list("node_id", "created_at", "archived_at").iterator():
        counts[(node_id, "teams", _month(created))] += 1
        if archived is not None:
            counts[(node_id, "teams", _month(archived))] -= 1
    for station_id, came, left in PartyCheckin.objects.values_list("station_id", "checked_in_at",
                                                                  "withdrawn_at").iterator():
        counts[(station_id, "party_checkins", _month(came))] += 1
        if left is not None:
            counts[(station_id, "party_checkins", _month(left))] -= 1
    return [FigureDelta(node_id=n, metric=m, period=p, value=sign * v) for (n, m, p), v in counts.items() if v]


def add_history(apps, schema_editor):
    apps.get_model("dashboards", "FigureDelta").objects.bulk_create(_deltas(apps, +1), batch_size=1000)


def remove_history(apps, schema_editor):
    apps.get_model("dashboards", "FigureDelta").objects.bulk_create(_deltas(apps, -1), batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_figures"),
        ("volunteers", "0005_volunteer_spells"),
        ("campaigns", "0005_reform_totals"),
    ]

    operations = [migrations.RunPython(add_history, remove_history)]
