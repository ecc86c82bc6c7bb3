from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from wenming.core.errors import DomainError
from wenming.service.hours_services import hours_makeup
from wenming.service.models import PointsEntry, Redemption, RewardItem, VolunteerStats
from wenming.service.rewards_services import (
    redemption_collect,
    reward_item_create,
    reward_redeem,
    reward_restock,
)
from wenming.service.tests.factories import many_volunteers, storm
from wenming.volunteers.tests.factories import build_world


def _give_points(world, volunteer, hours):
    hours_makeup(actor=world.root, volunteer=volunteer, hours=Decimal(hours), service_date=date(2026, 5, 1),
                 reason="补录", node=world.station_a)


def _assert_points_match(volunteer):
    stats = VolunteerStats.objects.get(pk=volunteer.pk)
    assert stats.points == PointsEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"] >= 0


@pytest.mark.django_db
def test_redeem_spends_points_and_the_code_works_once(world):
    _give_points(world, world.vol_a, 5)  # 50 points
    item = reward_item_create(actor=world.manager_a, node=world.station_a, name="大米 5 斤", points_cost=30, stock=2)
    redemption = reward_redeem(actor=world.manager_a, item=item, volunteer=world.vol_a)
    assert len(redemption.code) == 10 and VolunteerStats.objects.get(pk=world.vol_a.pk).points == 20
    with pytest.raises(DomainError) as exc:
        reward_redeem(actor=world.manager_a, item=item, volunteer=world.vol_a)
    assert exc.value.code == "service.not_enough_points" and "现有 20" in exc.value.message
    item.refresh_from_db()
    assert item.stock == 1  # the refused redemption took nothing
    assert redemption_collect(actor=world.manager_a, code=redemption.code.lower()).status == "collected"
    with pytest.raises(DomainError) as exc:
        redemption_collect(actor=world.manager_a, code=redemption.code)
    assert exc.value.code == "service.code_invalid"
    with pytest.raises(DomainError):
        redemption_collect(actor=world.manager_b, code=redemption.code)  # another station's counter
    _assert_points_match(world.vol_a)
    assert reward_restock(actor=world.manager_a, item=item, add=3).stock == 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stock_never_goes_negative_under_concurrent_redemptions():
    world = build_world()
    item = reward_item_create(actor=world.root, node=world.station_a, name="口罩一盒", points_cost=10, stock=5)
    people = many_volunteers(world, 30)
    for person in people:
        _give_points(world, person, 1)  # 10 points each: enough for one
    results = storm([lambda v=v: reward_redeem(actor=world.root, item=item, volunteer=v).status for v in people])
    assert results.count("pending") == 5 and results.count("service.out_of_stock") == 25
    item.refresh_from_db()
    assert item.stock == 0 and Redemption.objects.filter(item=item).count() == 5
    for person in people:
        _assert_points_match(person)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_points_never_go_negative_under_concurrent_redemptions():
    world = build_world()
    item = reward_item_create(actor=world.root, node=world.station_a, name="洗衣液", points_cost=10, stock=100)
    _give_points(world, world.vol_a, 2)  # 20 points: two redemptions at most
    results = storm([lambda: reward_redeem(actor=world.root, item=item, volunteer=world.vol_a).status] * 12,
                     threads=12)
    assert results.count("pending") == 2 and results.count("service.not_enough_points") == 10
    assert RewardItem.objects.get(pk=item.pk).stock == 98
    _assert_points_match(world.vol_a)


@pytest.mark.django_db
def test_rewards_api_for_a_volunteer_and_the_counter(world):
    from wenming.accounts.models import User
    from wenming.core.tests.api_client import ApiClient

    user = User.objects.create_user(username="liming", password="Wenming!2024")
    world.vol_a.user = user
    world.vol_a.save()
    _give_points(world, world.vol_a, 2)
    staff = ApiClient("manager_a")
    item = staff.post("/rewards", {"node_id": world.station_a.pk, "name": "牙膏", "points_cost": 15, "stock": 1})
    assert item.status_code == 201
    me = ApiClient("liming")
    assert [r["name"] for r in me.get("/rewards").json()] == ["牙膏"]
    res = me.post(f"/rewards/{item.json()['id']}/redeem")
    assert res.status_code == 201 and res.json()["status"] == "pending"
    assert me.post(f"/rewards/{item.json()['id']}/redeem").json()["code"] == "service.out_of_stock"
    assert staff.post("/redemptions/collect", {"code": res.json()["code"]}).json()["status"] == "collected"
    assert staff.post("/redemptions/collect", {"code": res.json()["code"]}).status_code == 404
