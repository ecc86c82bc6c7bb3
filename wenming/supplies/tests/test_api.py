"""The supplies API through real requests with bearer tokens."""

import pytest

from wenming.core.tests.api_client import ApiClient
from wenming.supplies.models import StockMovement

from .factories import MASK, SUIT, item, receive, sibling_supplies, stock_of

pytestmark = pytest.mark.django_db


def lines(**by_name) -> list[dict]:
    names = {"mask": MASK, "suit": SUIT}
    return [{"item_id": item(names[k]).pk, "quantity": q} for k, q in by_name.items()]


def test_items_are_listed_with_their_units(world):
    res = ApiClient("manager_a").get("/supplies/items")
    assert res.status_code == 200
    mask = next(i for i in res.json() if i["name"] == MASK)
    assert mask["unit"] == "个" and mask["category_label"] == "口罩"


def test_receive_distribute_and_read_back(world):
    api = ApiClient("manager_a")
    res = api.post("/supplies/donations", {"node_id": world.station_a.pk, "donor_name": "秭归县爱心企业",
                                           "donor_phone": "13812345678", "lines": lines(mask=10000, suit="110")})
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["donor_phone_masked"] == "138****5678" and "13812345678" not in res.content.decode()
    assert {(line["item_name"], line["quantity"]) for line in body["lines"]} == {(MASK, "10000.000"),
                                                                                 (SUIT, "110.000")}
    res = api.post("/supplies/distributions", {
        "from_node_id": world.station_a.pk, "to_kind": "household", "household_name": "张三丰",
        "household_address": "九里村3组12号", "reason": "居家隔离户", "lines": lines(mask=300)})
    assert res.status_code == 201, res.content
    assert res.json()["recipient"].startswith("张*丰") and "12号" not in res.content.decode()
    res = api.post("/supplies/distributions", {
        "from_node_id": world.station_a.pk, "to_kind": "node", "to_node_id": world.point_a.pk, "reason": "调拨",
        "lines": lines(suit=10)})
    assert res.status_code == 201 and res.json()["recipient"] == world.point_a.name
    listed = api.get("/supplies/distributions", to_kind="node").json()
    assert listed["count"] == 1 and listed["items"][0]["to_node_id"] == world.point_a.pk
    assert api.get("/supplies/donations").json()["count"] == 1
    totals = api.get("/supplies/stock/totals", node_id=world.station_a.pk).json()
    assert {i["item_name"]: (i["own"], i["subtree"]) for i in totals["items"]} == {
        MASK: ("9700.000", "9700.000"), SUIT: ("100.000", "110.000")}
    stock = api.get("/supplies/stock", node_id=world.station_a.pk, subtree=False).json()
    assert stock["count"] == 2 and {s["node_id"] for s in stock["items"]} == {world.station_a.pk}
    moves = api.get("/supplies/movements", page_size=2).json()
    assert moves["count"] == 5 and len(moves["items"]) == 2 and moves["page_size"] == 2
    outs = api.get("/supplies/movements", kind="distribution_out").json()
    assert [m["quantity"] for m in outs["items"]] == ["-300.000"] and outs["items"][0]["recorded_by"] == "manager_a"


def test_a_short_distribution_answers_409_with_the_item_and_what_is_left(world):
    receive(world.root, world.station_a, {MASK: 5})
    res = ApiClient("manager_a").post("/supplies/distributions", {
        "from_node_id": world.station_a.pk, "to_kind": "team", "to_team_id": world.team_a.pk, "reason": "值守",
        "lines": lines(mask=6)})
    assert res.status_code == 409
    assert res.json()["code"] == "supplies.insufficient_stock" and "现有 5 个" in res.json()["message"]
    assert stock_of(world.station_a) == 5


def test_adjust_by_delta_and_by_count(world):
    receive(world.root, world.station_a, {MASK: 100})
    api = ApiClient("manager_a")
    res = api.post("/supplies/stock/adjust", {"node_id": world.station_a.pk, "item_id": item(MASK).pk,
                                              "delta": "-4", "reason": "破损"})
    assert res.status_code == 201 and res.json()["quantity"] == "-4.000" and res.json()["kind"] == "adjustment"
    res = api.post("/supplies/stock/adjust", {"node_id": world.station_a.pk, "item_id": item(MASK).pk,
                                              "counted": 96, "reason": "盘点"})
    assert res.status_code == 200 and "账实相符" in res.json()["result"]
    res = api.post("/supplies/stock/adjust", {"node_id": world.station_a.pk, "item_id": item(MASK).pk,
                                              "reason": "盘点"})
    assert res.status_code == 422 and res.json()["code"] == "supplies.adjust_invalid"


def test_out_of_scope_answers_404_like_missing(world):
    receive(world.root, world.station_a, {MASK: 10})
    donation_id = receive(world.root, world.station_a, {SUIT: 1}).pk
    api = ApiClient("manager_b")
    for path, query in [("/supplies/stock/totals", {"node_id": world.station_a.pk}),
                        ("/supplies/stock", {"node_id": world.station_a.pk}),
                        ("/supplies/movements", {"node_id": world.station_a.pk}),
                        (f"/supplies/donations/{donation_id}", {}),
                        ("/supplies/donations/999999", {})]:
        res = api.get(path, **query)
        assert res.status_code == 404 and res.json()["code"] == "not_found", path
    res = api.post("/supplies/distributions", {"from_node_id": world.station_a.pk, "to_kind": "household",
                                               "household_name": "李四", "household_address": "杨贵店村",
                                               "reason": "x", "lines": lines(mask=1)})
    assert res.status_code == 404
    res = api.post("/supplies/donations", {"node_id": world.station_a.pk, "donor_name": "x", "lines": lines(mask=1)})
    assert res.status_code == 404
    assert api.get("/supplies/stock").json()["count"] == 0
    assert stock_of(world.station_a) == 10 and StockMovement.objects.count() == 2


def test_bad_input_answers_with_a_code(world):
    api = ApiClient("manager_a")
    res = api.post("/supplies/donations", {"node_id": world.station_a.pk, "donor_name": "x",
                                           "lines": [{"item_id": 987654, "quantity": 1}]})
    assert res.status_code == 422 and res.json()["code"] == "supplies.item_unknown"
    res = api.post("/supplies/donations", {"node_id": world.station_a.pk, "donor_name": "x",
                                           "lines": lines(mask="1.2345")})
    assert res.status_code == 422 and res.json()["code"] == "supplies.quantity_invalid"
    res = api.post("/supplies/distributions", {"from_node_id": world.station_a.pk, "to_kind": "drone",
                                               "reason": "x", "lines": lines(mask=1)})
    assert res.status_code == 422 and res.json()["code"] == "invalid_input"
    assert ApiClient().get("/supplies/stock").status_code == 401


def test_reveal_needs_the_privilege(world):
    receive(world.root, world.station_a, {MASK: 10})
    api = ApiClient("manager_a")
    dist = api.post("/supplies/distributions", {
        "from_node_id": world.station_a.pk, "to_kind": "household", "household_name": "张三",
        "household_address": "九里村3组12号", "reason": "x", "lines": lines(mask=1)}).json()
    assert api.post(f"/supplies/distributions/{dist['id']}/reveal", {"reason": "送货"}).status_code == 403
    res = ApiClient("office").post(f"/supplies/distributions/{dist['id']}/reveal", {"reason": "送货"})
    assert res.status_code == 200 and res.json() == {"household_address": "九里村3组12号"}


def test_every_object_endpoint_answers_404_for_a_sibling_station(world):
    ids = sibling_supplies(world)
    api = ApiClient("manager_a")
    for method, path in [("get", "/supplies/donations/{donation_id}"),
                         ("post", "/supplies/donations/{donation_id}/reveal"),
                         ("get", "/supplies/distributions/{distribution_id}"),
                         ("post", "/supplies/distributions/{distribution_id}/reveal")]:
        res = api.call(method, path.format(**ids), {})
        assert res.status_code == 404 and res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}, path
