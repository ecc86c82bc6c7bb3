"""Data: the skill catalogue (SPEC 4.3). Offices may add their own through the admin."""

from django.db import migrations

SKILLS = [
    ("medical", "医疗护理"), ("psychological", "心理疏导"), ("rescue", "应急救援"), ("driving", "驾驶"),
    ("legal", "法律咨询"), ("arts", "文艺表演"), ("it", "信息技术"), ("education", "教育辅导"),
    ("publicity", "宣传摄影"), ("repair", "家电维修"), ("disinfection", "消杀防疫"), ("translation", "外语翻译"),
    ("elderly_care", "助老助残"), ("sign_language", "手语"), ("cooking", "餐饮烹饪"), ("logistics", "物资搬运"),
]


def add_skills(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for sort, (code, name) in enumerate(SKILLS, start=1):
        Skill.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})


def remove_skills(apps, schema_editor):
    apps.get_model("volunteers", "Skill").objects.filter(code__in=[c for c, _ in SKILLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(add_skills, remove_skills)]
