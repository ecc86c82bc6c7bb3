"""Grids archived before the coverage stocks counted live grids only (grids/figures.py
`grids_archived`) still had their households in the dashboards' summaries: take them out
once, as pending deltas the folder rolls up (the same values `grids_archived` records)."""

from datetime import date

from django.db import migrations
from django.db.models import Count

STOCK_PERIOD = date(2000, 1, 1)  # dashboards.metrics.STOCK_PERIOD, frozen here


def _deltas(apps, sign: int) -> list:
    GridProfile = apps.get_model("grids", "GridProfile")
    HouseholdVisit = apps.get_model("grids", "HouseholdVisit")
    FigureDelta = apps.get_model("dashboards", "FigureDelta")
    rows = []
    profiles = GridProfile.objects.filter(node__archived_at__isnull=False, household_count__gt=0)
    for grid_id, n in profiles.values_list("node_id", "household_count"):
        rows.append(FigureDelta(node_id=grid_id, metric="grid_households", period=STOCK_PERIOD, value=sign * n))
    visited = (HouseholdVisit.objects.filter(voided_at__isnull=True, grid__archived_at__isnull=False)
               .values("grid_id").annotate(n=Count("household_key", distinct=True)).values_list("grid_id", "n"))
    for grid_id, n in visited:
        rows.append(FigureDelta(node_id=grid_id, metric="households_visited", period=STOCK_PERIOD, value=sign * n))
        rows.append(FigureDelta(node_id=grid_id, metric="grids_visited", period=STOCK_PERIOD, value=sign))
    return rows


def leave(apps, schema_editor):
    apps.get_model("dashboards", "FigureDelta").objects.bulk_create(_deltas(apps, -1), batch_size=1000)


def rejoin(apps, schema_editor):
    apps.get_model("dashboards", "FigureDelta").objects.bulk_create(_deltas(apps, +1), batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0002_seed_visit_flags"),
        ("dashboards", "0001_figures"),
        ("orgs", "0002_exact_match_indexes"),
    ]

    operations = [migrations.RunPython(leave, rejoin)]
