"""Requests completed before `completed_at` existed take the time of their completion event."""

from django.db import migrations


def fill(apps, schema_editor):
    Demand = apps.get_model("demands", "Demand")
    DemandEvent = apps.get_model("demands", "DemandEvent")
    done = DemandEvent.objects.filter(action__in=["complete", "delivered"]).order_by("at")
    for demand_id, at in done.values_list("demand_id", "at"):
        Demand.objects.filter(pk=demand_id, completed_at__isnull=True).update(completed_at=at)


def unfill(apps, schema_editor):
    apps.get_model("demands", "Demand").objects.update(completed_at=None)


class Migration(migrations.Migration):
    dependencies = [("demands", "0006_demand_completed_at")]
    operations = [migrations.RunPython(fill, unfill)]
