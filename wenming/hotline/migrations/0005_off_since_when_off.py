from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('hotline', '0004_inactive_since'),
        ('orgs', '0003_period_closings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='counselor',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('active', True), ('inactive_since__isnull', True)), models.Q(('active', False), ('inactive_since__isnull', False)), _connector='OR'), name='counselor_off_since_when_off'),
        ),
        migrations.AddConstraint(
            model_name='hotline',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('active', True), ('inactive_since__isnull', True)), models.Q(('active', False), ('inactive_since__isnull', False)), _connector='OR'), name='hotline_off_since_when_off'),
        ),
    ]
