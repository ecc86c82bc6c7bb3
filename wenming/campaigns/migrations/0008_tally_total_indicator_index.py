from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0007_late_reason'),
        ('orgs', '0003_period_closings'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='tallytotal',
            index=models.Index(fields=['indicator', 'period'], name='campaigns_total_indicator_idx'),
        ),
    ]
