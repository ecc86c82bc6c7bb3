"""Data: the common epidemic-prevention supplies. Offices add their own in the admin."""

from django.db import migrations
from django.db.models import ProtectedError

ITEMS = [
    ("医用外科口罩", "个", "mask"), ("KN95/N95 口罩", "个", "mask"), ("儿童口罩", "个", "mask"),
    ("84 消毒液", "瓶", "disinfectant"), ("医用酒精（75%）", "瓶", "disinfectant"),
    ("消毒用品（散装）", "吨", "disinfectant"), ("免洗手消毒凝胶", "瓶", "disinfectant"),
    ("喷雾器", "台", "disinfectant"),
    ("医用防护服", "套", "protective"), ("隔离衣", "套", "protective"), ("护目镜", "副", "protective"),
    ("防护面屏", "个", "protective"), ("医用手套", "副", "protective"), ("鞋套", "双", "protective"),
    ("抗原检测试剂", "盒", "testing"), ("红外体温计", "个", "testing"),
    ("常用药品包", "份", "medicine"),
    ("大米", "袋", "living"), ("食用油", "桶", "living"), ("方便面", "箱", "living"),
    ("饮用水", "箱", "living"), ("蔬菜包", "份", "living"), ("牛奶", "箱", "living"),
    ("生活物资包", "份", "living"),
]


def add(apps, schema_editor):
    Item = apps.get_model("supplies", "SupplyItem")
    for sort, (name, unit, category) in enumerate(ITEMS, start=1):
        Item.objects.get_or_create(name=name, defaults={"unit": unit, "category": category, "sort": sort})


def remove(apps, schema_editor):
    # Only items nothing refers to: an item with donations or stock stays (PROTECT).
    Item = apps.get_model("supplies", "SupplyItem")
    for item in Item.objects.filter(name__in=[name for name, _, _ in ITEMS]):
        try:
            item.delete()
        except ProtectedError:  # raised before any SQL runs: the transaction stays usable
            pass


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_supplies_ledger")]
    operations = [migrations.RunPython(add, remove)]
