"""Data: the usual kinds of information reports. Offices add or retire their own in the admin."""

from django.db import migrations
from django.db.models import ProtectedError

CATEGORIES = [
    ("work_news", "工作动态"), ("practice", "经验做法"), ("exemplary", "典型事迹"),
    ("volunteering", "志愿服务"), ("epidemic", "疫情防控"), ("theory", "理论宣讲"),
    ("culture", "文化活动"), ("custom_reform", "移风易俗"), ("other", "其他"),
]


def add(apps, schema_editor):
    Category = apps.get_model("reporting", "ReportCategory")
    for sort, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


def remove(apps, schema_editor):
    # Only categories no report uses: one with reports stays (PROTECT).
    Category = apps.get_model("reporting", "ReportCategory")
    for category in Category.objects.filter(code__in=[code for code, _ in CATEGORIES]):
        try:
            category.delete()
        except ProtectedError:  # raised before any SQL runs: the transaction stays usable
            pass


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_information_reports")]
    operations = [migrations.RunPython(add, remove)]
