"""Data: the tally indicators offices report (SPEC 3, 4.6). Offices add their own in the admin."""

from django.db import migrations
from django.db.models import ProtectedError

INDICATORS = [
    ("banner", "横幅", "条"), ("poster", "宣传画", "份"), ("leaflet", "宣传单", "份"), ("vehicle", "宣传车", "辆次"),
    ("persuasion", "劝导", "人次"), ("sms", "公益短信", "条"), ("psa", "公益广告", "批次"), ("artwork", "文艺作品", "件"),
    ("video", "短视频", "条"), ("pageview", "浏览量", "次"), ("mask_box", "口罩回收箱", "个"),
]


def add(apps, schema_editor):
    Indicator = apps.get_model("campaigns", "Indicator")
    for sort, (code, name, unit) in enumerate(INDICATORS, start=1):
        Indicator.objects.get_or_create(code=code, defaults={"name": name, "unit": unit, "sort": sort * 10})


def remove(apps, schema_editor):
    # Only indicators nothing refers to: one with entries stays (PROTECT).
    Indicator = apps.get_model("campaigns", "Indicator")
    for indicator in Indicator.objects.filter(code__in=[code for code, _, _ in INDICATORS]):
        try:
            indicator.delete()
        except ProtectedError:  # raised before any SQL runs: the transaction stays usable
            pass


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_campaigns_tables")]
    operations = [migrations.RunPython(add, remove)]
