"""The supplies pages through real requests."""

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from wenming.supplies.models import Distribution, Donation, StockMovement

from .factories import MASK, SUIT, item, receive, stock_of

pytestmark = pytest.mark.django_db


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def html(response) -> str:
    return response.content.decode()


def line_data(*rows, prefix="lines") -> dict:
    data = {f"{prefix}-TOTAL_FORMS": "6", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "50"}
    for i, (name, qty) in enumerate(rows):
        data[f"{prefix}-{i}-item"] = str(item(name).pk)
        data[f"{prefix}-{i}-quantity"] = str(qty)
    return data


def test_stock_page_shows_the_node_and_its_subtree_roll_up(world):
    receive(world.root, world.station_a, {MASK: 1000})
    receive(world.root, world.point_a, {MASK: 30, SUIT: 5})
    res = login(world.manager_a).get(reverse("supplies:stock"))
    assert res.status_code == 200
    page = html(res)
    assert world.station_a.name in page and "1030" in page and "登记捐赠" in page
    assert re.search(r"九里村一组实践点</a></td>\s*<td[^>]*>医用外科口罩 30 个；医用防护服 5 套", page)
    res = login(world.office).get(reverse("supplies:stock"), {"node": world.institute.pk})
    assert res.status_code == 200 and "1030" in html(res)


def test_another_stations_manager_never_sees_station_a_on_the_stock_page(world):
    receive(world.root, world.station_a, {MASK: 777})
    for node in (world.station_a.pk, "²", "99999999999999999999999", "abc"):
        res = login(world.manager_b).get(reverse("supplies:stock"), {"node": node})
        assert res.status_code == 200 and "777" not in html(res)
        assert world.station_b.name in html(res)


def test_pages_need_a_supplies_grant(world):
    assert Client().get(reverse("supplies:stock")).status_code == 302  # to the login page
    for name in ("stock", "donations", "distributions", "movements", "donation_new", "distribute", "adjust"):
        assert login(world.leader).get(reverse(f"supplies:{name}")).status_code == 403, name


def test_receiving_a_donation_from_the_page(world):
    c = login(world.manager_a)
    form = c.get(reverse("supplies:donation_new"), {"node": world.station_a.pk})
    assert form.status_code == 200 and "登记入库" in html(form)
    data = {"node": world.station_a.pk, "donor_name": "秭归县爱心企业", "donor_phone": "13812345678",
            "received_at": "2026-01-05T09:30", "note": ""}
    res = c.post(reverse("supplies:donation_new"), {**data, **line_data((MASK, 10000), (SUIT, "110"))})
    assert res.status_code == 302 and res["Location"].endswith(f"?node={world.station_a.pk}")
    assert stock_of(world.station_a) == 10000 and stock_of(world.station_a, SUIT) == 110
    listing = html(c.get(reverse("supplies:donations")))
    assert "秭归县爱心企业" in listing and "138****5678" in listing and "13812345678" not in listing
    # No lines: the form comes back with the service's message, nothing recorded.
    res = c.post(reverse("supplies:donation_new"), {**data, **line_data()})
    assert res.status_code == 422 and "请至少填写一种物资" in html(res)
    assert Donation.objects.count() == 1


def test_a_manager_cannot_receive_into_another_station(world):
    data = {"node": world.station_a.pk, "donor_name": "x", "received_at": "2026-01-05T09:30",
            **line_data((MASK, 1))}
    res = login(world.manager_b).post(reverse("supplies:donation_new"), data)
    assert res.status_code == 422 and not Donation.objects.exists()


def test_distributing_from_the_page_and_a_short_line_shown_in_the_form(world):
    receive(world.root, world.station_a, {MASK: 100, SUIT: 2})
    c = login(world.manager_a)
    form = c.get(reverse("supplies:distribute"), {"node": world.station_a.pk})
    assert form.status_code == 200 and "现有库存" in html(form) and world.team_a.name in html(form)
    data = {"from_node": world.station_a.pk, "to_kind": "household", "household_name": "张三丰",
            "household_address": "九里村3组12号", "reason": "居家隔离户", "distributed_at": "2026-01-05T10:00"}
    res = c.post(reverse("supplies:distribute"), {**data, **line_data((MASK, 40))})
    assert res.status_code == 302 and stock_of(world.station_a) == 60
    res = c.post(reverse("supplies:distribute"), {**data, **line_data((MASK, 10), (SUIT, 3))})
    assert res.status_code == 409 and "“医用防护服”库存不足" in html(res) and "现有 2 套" in html(res)
    assert stock_of(world.station_a) == 60 and Distribution.objects.count() == 1
    res = c.post(reverse("supplies:distribute"), {**data, **line_data((MASK, 40)), "to_kind": "node",
                                                  "to_node": world.point_a.pk})
    assert res.status_code == 302 and stock_of(world.point_a) == 40
    listing = html(c.get(reverse("supplies:distributions")))
    assert "张*丰" in listing and "张三丰" not in listing and "12号" not in listing
    assert world.point_a.name in listing


def test_stocktake_and_the_movement_history(world):
    receive(world.root, world.station_a, {MASK: 100})
    c = login(world.manager_a)
    assert c.get(reverse("supplies:adjust"), {"node": world.station_a.pk}).status_code == 200
    res = c.post(reverse("supplies:adjust"), {"node": world.station_a.pk, "item": item(MASK).pk, "counted": "97",
                                              "delta": "", "reason": "盘点"})
    assert res.status_code == 302 and stock_of(world.station_a) == 97
    res = c.post(reverse("supplies:adjust"), {"node": world.station_a.pk, "item": item(MASK).pk, "counted": "",
                                              "delta": "-98", "reason": "报废"})
    assert res.status_code == 409 and "现有 97 个" in html(res)
    page = html(c.get(reverse("supplies:movements"), {"node": world.station_a.pk, "kind": "adjustment"}))
    assert "盘点调整" in page and "-3" in page and "捐赠入库</span>" not in page
    assert StockMovement.objects.count() == 2
    res = c.get(reverse("supplies:movements"), {"node": "²", "item": "abc"})
    assert res.status_code == 200 and "没有符合条件的流水" in html(res)


def test_admin_lists_the_ledger_read_only(world):
    receive(world.root, world.station_a, {MASK: 1})
    c = login(world.root)
    for model in admin.site._registry:
        if model._meta.app_label == "supplies":
            url = reverse(f"admin:supplies_{model._meta.model_name}_changelist")
            assert c.get(url).status_code == 200, url
    assert c.get(reverse("admin:supplies_stockmovement_add")).status_code == 403
    assert c.get(reverse("admin:supplies_supplyitem_add")).status_code == 200
