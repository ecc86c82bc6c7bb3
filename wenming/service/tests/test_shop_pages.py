"""The rewards shop (爱心超市) pages through real requests: redeeming, the one-time code at
the counter, who may manage which shop, and bad ids."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from wenming.accounts.models import User
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.service.hours_services import hours_makeup
from wenming.service.models import PointsEntry, Redemption, RewardItem, VolunteerStats
from wenming.service.rewards_services import reward_item_create, reward_redeem

pytestmark = pytest.mark.django_db

ITEMS = reverse("shop:items")
MINE = reverse("shop:mine")
MANAGE = reverse("shop:manage")
COLLECT = reverse("shop:collect")
BAD_IDS = ["²", "abc", "99999999999999999999999"]


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def html(response) -> str:
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(re.findall(r'<ul class="messages">(.*?)</ul>', html(response), re.S))


def give_points(world, volunteer, hours):
    hours_makeup(actor=world.root, volunteer=volunteer, hours=Decimal(hours), service_date=date(2026, 5, 1),
                 reason="补录", node=world.station_a)


def points(volunteer) -> int:
    return VolunteerStats.objects.get(pk=volunteer.pk).points


def stock(item) -> int:
    return RewardItem.objects.get(pk=item.pk).stock


def as_volunteer(world, volunteer=None, username="liming"):
    """An account for the volunteer (李明 of station A unless told), logged in."""
    volunteer = volunteer or world.vol_a
    user = User.objects.create_user(username=username, password="Wenming!2024")
    volunteer.user = user
    volunteer.save()
    role_grant(actor=world.root, user=user, role=Role.VOLUNTEER, node=volunteer.home_node)
    return login(user)


def rice(world, *, cost=30, stock=2, node=None):
    return reward_item_create(actor=world.root, node=node or world.station_a, name="大米 5 斤", points_cost=cost,
                              stock=stock)


def assert_points_match_ledger(volunteer):
    ledger = PointsEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"] or 0
    assert points(volunteer) == ledger >= 0


# ---- the volunteer's side -----------------------------------------------------------------


def test_a_volunteer_redeems_and_sees_the_code(world):
    give_points(world, world.vol_a, 5)  # 50 points
    item = rice(world)
    me = as_volunteer(world)
    page = html(me.get(ITEMS))
    assert "大米 5 斤" in page and 'id="balance">50<' in page and reverse("shop:redeem", args=[item.pk]) in page

    res = me.post(reverse("shop:redeem", args=[item.pk]), follow=True)
    redemption = Redemption.objects.get(volunteer=world.vol_a)
    assert res.redirect_chain[-1][0] == f"{MINE}#redemption-{redemption.pk}"
    assert points(world.vol_a) == 20 and stock(item) == 1
    assert "兑换成功" in messages_of(res) and redemption.code in messages_of(res)
    assert f'<p class="redeem-code mono" aria-label="兑换码">{redemption.code}</p>' in html(res)
    assert "待领取" in html(res)
    assert_points_match_ledger(world.vol_a)
    # The balance on the list page went down with it, and my shifts links to the shop.
    assert 'id="balance">20<' in html(me.get(ITEMS))
    assert f'href="{ITEMS}"' in html(me.get(reverse("service_pages:my_shifts")))


def test_not_enough_points_is_the_services_message_and_nothing_changes(world):
    give_points(world, world.vol_a, 1)  # 10 points
    item = rice(world, cost=30)
    me = as_volunteer(world)
    assert "还差 20 积分" in html(me.get(ITEMS))
    res = me.post(reverse("shop:redeem", args=[item.pk]), follow=True)
    assert res.redirect_chain[-1][0] == ITEMS
    assert "积分不足（需要 30，现有 10）" in messages_of(res)
    assert points(world.vol_a) == 10 and stock(item) == 2 and not Redemption.objects.exists()
    assert_points_match_ledger(world.vol_a)


def test_stock_of_one_and_two_presses_never_goes_negative(world):
    give_points(world, world.vol_a, 10)  # 100 points: enough for both presses
    item = rice(world, cost=10, stock=1)
    me = as_volunteer(world)
    url = reverse("shop:redeem", args=[item.pk])
    first = me.post(url, follow=True)
    second = me.post(url, follow=True)
    assert "兑换成功" in messages_of(first) and "该物品已兑完" in messages_of(second)
    assert stock(item) == 0 and Redemption.objects.filter(item=item).count() == 1
    assert points(world.vol_a) == 90  # the refused press spent nothing
    assert_points_match_ledger(world.vol_a)
    assert "已兑完</button>" in html(me.get(ITEMS))


def test_my_redemptions_are_only_mine(world):
    for vol in (world.vol_a, world.vol_b):
        give_points(world, vol, 5)
    theirs = reward_redeem(actor=world.root, item=rice(world, node=world.station_b), volunteer=world.vol_b)
    mine = reward_redeem(actor=world.root, item=rice(world), volunteer=world.vol_a)
    page = html(as_volunteer(world).get(MINE))
    assert mine.code in page and theirs.code not in page


def test_a_shop_outside_my_home_is_not_found(world):
    give_points(world, world.vol_a, 5)
    other = rice(world, node=world.station_b)  # station B's shop; 李明 lives in station A
    me = as_volunteer(world)
    assert "大米 5 斤" not in html(me.get(ITEMS))
    res = me.post(reverse("shop:redeem", args=[other.pk]))
    assert res.status_code == 404 and "未找到该对象或无权访问" in html(res)
    assert points(world.vol_a) == 50 and stock(other) == 2


def test_an_account_that_is_no_volunteer_cannot_redeem(world):
    item = rice(world)
    staff = login(world.manager_a)
    assert "尚未登记为志愿者" in html(staff.get(ITEMS))
    res = staff.post(reverse("shop:redeem", args=[item.pk]))
    assert res.status_code == 422 and "当前账号尚未登记为志愿者" in html(res)
    assert stock(item) == 2


def test_shop_pages_need_login(world):
    item = rice(world)
    for url in (ITEMS, MINE, MANAGE):
        res = Client().get(url)
        assert res.status_code == 302 and res.url.startswith(reverse("accounts:login")), url
    assert Client().post(reverse("shop:redeem", args=[item.pk])).status_code == 302
    assert stock(item) == 2


# ---- the staff side -----------------------------------------------------------------------


def test_staff_add_an_item_and_restock_it(world):
    staff = login(world.manager_a)
    page = html(staff.get(MANAGE))
    assert f'<option value="{world.station_a.pk}"' in page and f'<option value="{world.station_b.pk}"' not in page
    assert f'<option value="{world.grid_a.pk}"' not in page
    res = staff.post(reverse("shop:item_new"), {"node": world.station_a.pk, "name": "洗衣液", "points_cost": 20,
                                                 "stock": 3, "description": "一瓶"}, follow=True)
    item = RewardItem.objects.get(name="洗衣液")
    assert item.node == world.station_a and item.stock == 3 and item.points_cost == 20
    assert "已上架“洗衣液”" in messages_of(res) and f'id="item-{item.pk}"' in html(res)

    res = staff.post(reverse("shop:restock", args=[item.pk]), {"add": 5}, follow=True)
    assert stock(item) == 8 and "现有 8" in messages_of(res)
    for bad in ("0", "-2", "abc", "²", "99999999999999999999999"):
        res = staff.post(reverse("shop:restock", args=[item.pk]), {"add": bad}, follow=True)
        assert res.status_code == 200 and "补充数量须为" in messages_of(res), bad
    assert stock(item) == 8

    # A bad form and another station's node: no item.
    res = staff.post(reverse("shop:item_new"), {"node": world.station_b.pk, "name": "牙膏", "points_cost": 0,
                                                 "stock": -1})
    assert res.status_code == 422 and not RewardItem.objects.filter(name="牙膏").exists()


def test_staff_collect_a_code_once(world):
    give_points(world, world.vol_a, 5)
    redemption = reward_redeem(actor=world.root, item=rice(world), volunteer=world.vol_a)
    staff = login(world.manager_a)
    # Read aloud in lower case with a space: still the same code.
    spoken = f"{redemption.code[:5].lower()} {redemption.code[5:].lower()}"
    res = staff.post(COLLECT, {"code": spoken})
    page = html(res)
    assert res.status_code == 200 and "核销成功：大米 5 斤" in page and "李*" in page and "李明" not in page
    redemption.refresh_from_db()
    assert redemption.status == "collected" and redemption.collected_at is not None

    again = staff.post(COLLECT, {"code": redemption.code})
    assert again.status_code == 422 and "兑换码无效或已使用" in html(again) and "核销成功" not in html(again)
    mine = html(as_volunteer(world).get(MINE))
    assert "已领取" in mine and "待领取" not in mine


def test_out_of_scope_staff_cannot_collect_another_nodes_code(world):
    give_points(world, world.vol_a, 5)
    redemption = reward_redeem(actor=world.root, item=rice(world), volunteer=world.vol_a)
    other = login(world.manager_b)
    res = other.post(COLLECT, {"code": redemption.code})
    assert res.status_code == 422 and "兑换码无效或已使用" in html(res) and "李*" not in html(res)
    assert Redemption.objects.get(pk=redemption.pk).status == "pending"
    # Nor see or restock station A's item.
    item = redemption.item
    assert f'id="item-{item.pk}"' not in html(other.get(MANAGE))
    res = other.post(reverse("shop:restock", args=[item.pk]), {"add": 5})
    assert res.status_code == 404 and stock(item) == 1


def test_a_volunteer_gets_403_on_the_manage_pages(world):
    give_points(world, world.vol_a, 5)
    redemption = reward_redeem(actor=world.root, item=rice(world), volunteer=world.vol_a)
    me = as_volunteer(world)
    res = me.get(MANAGE)
    assert res.status_code == 403 and "没有执行此操作的权限" in html(res)
    assert me.post(COLLECT, {"code": redemption.code}).status_code == 403
    assert me.post(reverse("shop:restock", args=[redemption.item_id]), {"add": 9}).status_code == 403
    assert me.post(reverse("shop:item_new"), {"node": world.station_a.pk, "name": "x", "points_cost": 1,
                                              "stock": 1}).status_code == 403
    assert Redemption.objects.get(pk=redemption.pk).status == "pending" and stock(redemption.item) == 1


def test_menu_offers_the_shop_by_role(world):
    home = reverse("home")
    volunteer_home = html(as_volunteer(world).get(home))
    assert f'href="{ITEMS}"' in volunteer_home and f'href="{MANAGE}"' not in volunteer_home
    staff_home = html(login(world.manager_a).get(home))
    assert f'href="{MANAGE}"' in staff_home


# ---- bad ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_are_not_found_or_a_form_error_never_a_500(world, bad):
    give_points(world, world.vol_a, 5)
    item = rice(world)
    me = as_volunteer(world)
    res = me.post(f"/shop/{bad}/redeem/")
    assert res.status_code == 404 and "未找到该对象或无权访问" in html(res)
    staff = login(world.manager_a)
    res = staff.post(f"/manage/shop/{bad}/restock/", {"add": 1})
    assert res.status_code == 404
    res = staff.post(reverse("shop:item_new"), {"node": bad, "name": "牙膏", "points_cost": bad, "stock": bad})
    assert res.status_code == 422 and "选择一个有效的选项" in html(res)
    res = staff.post(COLLECT, {"code": bad})
    assert res.status_code == 422 and "兑换码无效或已使用" in html(res)
    assert points(world.vol_a) == 50 and stock(item) == 2 and RewardItem.objects.count() == 1
