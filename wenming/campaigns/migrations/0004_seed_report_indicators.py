"""Data: each platform indicator's work-report section, and the figures the seeds' reports
quote that had no indicator yet (秭归: 消杀面积 120万㎡ a day, 生活垃圾转运 4,290 吨, 疫区垃圾
210 吨, 消毒车 3 辆, 喷雾器 15 台; 心理微课 5 期; 宣传标语). Offices add their own on the page."""

from django.db import migrations
from django.db.models import ProtectedError

SECTIONS = {"artwork": "culture", "mask_box": "prevention"}  # the rest stay in 宣传发动
NEW = [  # code, name, unit, section, aggregation
    ("slogan", "宣传标语", "条", "publicity", "sum"),
    ("disinfect_area", "消杀面积", "平方米", "prevention", "sum"),
    ("disinfect_vehicle", "消毒车", "辆", "prevention", "latest"),
    ("sprayer", "喷雾器", "台", "prevention", "latest"),
    ("checkpoint", "卡点值守", "人次", "prevention", "sum"),
    ("garbage", "生活垃圾转运", "吨", "sanitation", "sum"),
    ("epidemic_garbage", "疫区垃圾转运", "吨", "sanitation", "sum"),
    ("micro_lesson", "心理微课", "期", "psychology", "sum"),
    ("performance", "文艺演出", "场", "culture", "sum"),
]


def add(apps, schema_editor):
    Indicator = apps.get_model("campaigns", "Indicator")
    for code, section in SECTIONS.items():
        Indicator.objects.filter(code=code, node__isnull=True).update(section=section)
    for sort, (code, name, unit, section, aggregation) in enumerate(NEW, start=12):
        if Indicator.objects.filter(node__isnull=True, name=name).exclude(code=code).exists():
            continue  # an install already has this figure under its own code (added in the admin)
        Indicator.objects.get_or_create(code=code, defaults={"name": name, "unit": unit, "section": section,
                                                             "aggregation": aggregation, "sort": sort * 10})


def remove(apps, schema_editor):
    Indicator = apps.get_model("campaigns", "Indicator")
    for indicator in Indicator.objects.filter(code__in=[row[0] for row in NEW]):
        try:
            indicator.delete()
        except ProtectedError:  # one with entries stays
            pass


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0003_indicators_by_office")]
    operations = [migrations.RunPython(add, remove)]
