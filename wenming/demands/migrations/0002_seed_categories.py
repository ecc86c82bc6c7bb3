"""Data: the request categories of SPEC 4.5 (offices add their own in the admin)."""

from django.db import migrations

CATEGORIES = [
    ("shopping", "代购生活物资", True), ("medicine", "送药", True), ("escort", "就医陪护", False),
    ("psychological", "心理疏导", False), ("elderly_disabled", "助老助残", False), ("disinfection", "消杀", False),
    ("repair", "维修", False), ("policy", "政策咨询", False), ("other", "其他", False),
]
SKILLS = {"escort": ["medical"], "medicine": ["medical"], "psychological": ["psychological"]}


def add(apps, schema_editor):
    Category = apps.get_model("demands", "DemandCategory")
    Skill = apps.get_model("volunteers", "Skill")
    for sort, (code, name, purchase) in enumerate(CATEGORIES, start=1):
        category, _ = Category.objects.get_or_create(code=code, defaults={"name": name, "sort": sort,
                                                                          "is_purchase": purchase})
        category.skills.set(Skill.objects.filter(code__in=SKILLS.get(code, [])))


def remove(apps, schema_editor):
    apps.get_model("demands", "DemandCategory").objects.filter(code__in=[c for c, _, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_requests_offers_events"), ("volunteers", "0003_exact_match_indexes")]
    operations = [migrations.RunPython(add, remove)]
