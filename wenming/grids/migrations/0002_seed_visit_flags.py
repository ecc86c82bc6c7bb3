"""Data: the flags of door-to-door screening (敲门行动). Offices add their own in the admin."""

from django.db import migrations
from django.db.models import ProtectedError

FLAGS = [
    # (code, name, suggests a follow-up request)
    ("returnee", "返乡人员", False),
    ("home_isolation", "居家隔离", True),
    ("elderly_alone", "独居老人", True),
    ("needs_help", "需要帮助", True),
    ("fever", "发热症状", True),
    ("disabled", "残疾人", False),
    ("left_behind_child", "留守儿童", False),
    ("hardship", "困难家庭", True),
    ("chronic_illness", "慢性病患者", False),
    ("pregnant", "孕产妇", False),
]


def add(apps, schema_editor):
    Flag = apps.get_model("grids", "VisitFlag")
    for sort, (code, name, follow_up) in enumerate(FLAGS, start=1):
        Flag.objects.get_or_create(code=code, defaults={"name": name, "sort": sort, "suggests_follow_up": follow_up})


def remove(apps, schema_editor):
    # Flags already used on visits keep their history: only unused ones go.
    Flag = apps.get_model("grids", "VisitFlag")
    for flag in Flag.objects.filter(code__in=[code for code, _, _ in FLAGS]):
        if not flag.visits.exists():
            try:
                flag.delete()
            except ProtectedError:
                pass


class Migration(migrations.Migration):
    dependencies = [("grids", "0001_grids_claims_visits")]
    operations = [migrations.RunPython(add, remove)]
