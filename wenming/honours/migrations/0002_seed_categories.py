"""The categories the seed reports name (衡阳, 太原, 衡阳高新区); offices add their own."""

from django.db import migrations

CATEGORIES = [
    ("moral_model", "道德模范", ["volunteer", "resident"]),
    ("good_people", "身边好人", ["volunteer", "resident"]),
    ("china_good_people", "中国好人", ["volunteer", "resident"]),
    ("most_beautiful", "最美人物", ["volunteer", "resident"]),
    ("excellent_volunteer", "优秀志愿者", ["volunteer"]),
    ("star_volunteer", "星级志愿者", ["volunteer"]),
    ("excellent_team", "优秀志愿服务组织", ["team", "unit"]),
    ("good_youth", "新时代好少年", ["resident", "volunteer"]),
    ("civilized_family", "文明家庭", ["family"]),
    ("civilized_unit", "文明单位", ["unit"]),
]


def seed(apps, schema_editor):
    Category = apps.get_model("honours", "HonourCategory")
    for sort, (code, name, kinds) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "nominee_kinds": kinds, "sort": sort * 10})


def unseed(apps, schema_editor):
    apps.get_model("honours", "HonourCategory").objects.filter(code__in=[c for c, _, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("honours", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
