# Project photos (活动照片): issue 15 item 9.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_stored_images'),
        ('service', '0008_project_position_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ProjectPhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slot', models.PositiveSmallIntegerField(editable=False, verbose_name='序位')),
                ('phase', models.CharField(choices=[('before', '活动前'), ('during', '活动中'), ('after', '活动后')], default='during', max_length=8, verbose_name='类别')),
                ('caption', models.CharField(blank=True, max_length=60, verbose_name='说明')),
                ('added_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                ('added_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                ('image', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.storedimage')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='service.project', verbose_name='项目')),
            ],
            options={
                'verbose_name': '活动照片',
                'verbose_name_plural': '活动照片',
                'ordering': ['project_id', 'id'],
                'constraints': [models.UniqueConstraint(fields=('project', 'slot'), name='project_photo_slot_unique'), models.CheckConstraint(condition=models.Q(('slot__lt', 20)), name='project_photo_slot_max'), models.CheckConstraint(condition=models.Q(('phase__in', ['before', 'during', 'after'])), name='project_photo_phase_known')],
            },
        ),
    ]
