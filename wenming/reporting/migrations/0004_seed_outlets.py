"""Data: the outlets the seeds' reports count adoptions in (秭归: 学习强国 12 篇, 中国文明网 10
篇, 湖北文明网 10 篇) and the usual others. A platform admin renames the province's and the
city's to their own (湖北文明网, 宜昌文明网 …) or adds more in the admin."""

from django.db import migrations
from django.db.models import ProtectedError

OUTLETS = [  # code, name, level
    ("xuexi", "学习强国", "national"),
    ("wenming_cn", "中国文明网", "national"),
    ("xinhua", "新华网", "national"),
    ("people", "人民网", "national"),
    ("province_site", "省级文明网", "province"),
    ("province_media", "省级媒体", "province"),
    ("city_media", "市级媒体", "city"),
    ("county_media", "县级融媒体中心", "county"),
]


def add(apps, schema_editor):
    Outlet = apps.get_model("reporting", "Outlet")
    for sort, (code, name, level) in enumerate(OUTLETS, start=1):
        Outlet.objects.get_or_create(code=code, defaults={"name": name, "level": level, "sort": sort * 10})


def remove(apps, schema_editor):
    Outlet = apps.get_model("reporting", "Outlet")
    for outlet in Outlet.objects.filter(code__in=[code for code, _, _ in OUTLETS]):
        try:
            outlet.delete()
        except ProtectedError:
            pass


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_outlets")]
    operations = [migrations.RunPython(add, remove)]
