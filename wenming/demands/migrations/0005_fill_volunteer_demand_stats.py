"""Fill the ranking summary from the requests already in the database (data migration, apart
from the schema change in 0004). The same computation as stats.demand_stats_from_rows."""

from django.db import migrations
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

OPEN = ("accepted", "in_progress")
DONE = ("completed", "rated", "closed")


def fill(apps, schema_editor):
    Demand = apps.get_model("demands", "Demand")
    Stats = apps.get_model("demands", "VolunteerDemandStats")
    rows = (Demand.objects.filter(accepted_by__isnull=False).order_by().values("accepted_by")
            .annotate(open_load=Count("pk", filter=Q(status__in=OPEN)),
                      completed=Count("pk", filter=Q(status__in=DONE)),
                      rated_count=Count("pk", filter=Q(rating__isnull=False)),
                      rating_sum=Coalesce(Sum("rating"), 0)))
    Stats.objects.bulk_create([Stats(volunteer_id=r["accepted_by"], open_load=r["open_load"],
                                     completed=r["completed"], rated_count=r["rated_count"],
                                     rating_sum=r["rating_sum"]) for r in rows], batch_size=1000)


def empty(apps, schema_editor):
    apps.get_model("demands", "VolunteerDemandStats").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("demands", "0004_volunteer_demand_stats"),
    ]

    operations = [
        migrations.RunPython(fill, empty),
    ]
