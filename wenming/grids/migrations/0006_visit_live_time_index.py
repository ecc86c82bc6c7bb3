"""The live visits up to a time, for coverage as of a past month's end (an index-only scan)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0005_late_reason'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='householdvisit',
            index=models.Index(condition=models.Q(('voided_at__isnull', True)), fields=['visited_at', 'grid', 'household_key'], name='grids_visit_live_time_idx'),
        ),
    ]
