from django.db import migrations, models
from django.utils import timezone


def off_since_now(apps, schema_editor):
    """When the lines and counsellors already switched off went off was not kept: from now on
    (a past period's report counts them, as it did before)."""
    now = timezone.now()
    for name in ("Hotline", "Counselor"):
        apps.get_model("hotline", name).objects.filter(active=False).update(inactive_since=now)


class Migration(migrations.Migration):

    dependencies = [
        ('hotline', '0003_call_tallies'),
    ]

    operations = [
        migrations.AddField(
            model_name='counselor',
            name='inactive_since',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='离岗时间'),
        ),
        migrations.AddField(
            model_name='hotline',
            name='inactive_since',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='停用时间'),
        ),
        migrations.RunPython(off_since_now, migrations.RunPython.noop),
    ]
