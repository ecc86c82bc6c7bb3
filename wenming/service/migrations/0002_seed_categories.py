"""Data: the project categories of SPEC 4.4. Offices add their own in the admin."""

from django.db import migrations

CATEGORIES = [
    ("epidemic_publicity", "防疫宣传"), ("temperature_check", "测温验码"), ("order", "秩序维护"),
    ("supplies_delivery", "物资配送"), ("disinfection", "防疫消杀"), ("psychological", "心理疏导"),
    ("testing_support", "核酸检测协助"), ("screening", "排查登记"), ("shopping", "代购"),
    ("medical", "医疗保障"), ("rescue", "应急救援"), ("civility", "文明劝导"), ("traffic", "文明交通"),
    ("customs_reform", "移风易俗"), ("theory", "理论宣讲"), ("arts", "文艺"), ("elderly_disabled", "助老助残"),
    ("minors", "关爱未成年人"), ("environment", "环境整治"), ("other", "其他"),
]


def add(apps, schema_editor):
    Category = apps.get_model("service", "ProjectCategory")
    for sort, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


def remove(apps, schema_editor):
    apps.get_model("service", "ProjectCategory").objects.filter(code__in=[c for c, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
