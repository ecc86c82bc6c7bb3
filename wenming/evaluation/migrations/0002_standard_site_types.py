"""The usual kinds of inspection sites of the national evaluation (configuration: offices may
add or rename them)."""

from django.db import migrations

SITE_TYPES = [
    ("market", "农贸市场"), ("back_street", "背街小巷"), ("old_estate", "老旧小区"), ("toilet", "公共厕所"),
    ("school", "学校周边"), ("crossing", "交通路口"), ("park", "公园广场"), ("hospital", "医院"),
    ("station", "车站"), ("government", "政务服务大厅"), ("shopping", "商业大街"), ("construction", "建筑工地"),
    ("scenic", "旅游景区"), ("community", "社区（村）"), ("practice", "新时代文明实践站（所）"),
]


def add(apps, schema_editor):
    SiteType = apps.get_model("evaluation", "SiteType")
    for n, (code, name) in enumerate(SITE_TYPES, start=1):
        SiteType.objects.get_or_create(code=code, defaults={"name": name, "sort": n * 10})


def remove(apps, schema_editor):
    apps.get_model("evaluation", "SiteType").objects.filter(code__in=[c for c, _ in SITE_TYPES],
                                                            sites__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_campaigns_duties_inspections")]
    operations = [migrations.RunPython(add, remove)]
