"""Data: the counselling topics a hotline starts with. Offices add their own in the admin."""

from django.db import migrations

TOPICS = [
    ("anxiety", "焦虑"), ("insomnia", "失眠"), ("low_mood", "情绪低落"), ("epidemic_fear", "疫情恐慌"),
    ("isolation_stress", "隔离压力"), ("family", "家庭关系"), ("relationships", "人际关系"),
    ("study", "学业压力"), ("work", "工作压力"), ("bereavement", "丧亲哀伤"), ("health", "健康担忧"),
    ("self_harm", "自伤自杀念头"), ("other", "其他"),
]


def add(apps, schema_editor):
    Topic = apps.get_model("hotline", "Topic")
    for sort, (code, name) in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


def remove(apps, schema_editor):
    apps.get_model("hotline", "Topic").objects.filter(code__in=[c for c, _ in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_hotline_calls_and_followups")]
    operations = [migrations.RunPython(add, remove)]
