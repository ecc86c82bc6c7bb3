"""The delivery-run API end to end: gather, assign, buy with a photographed receipt, export the
buying list, deliver, confirm at the door and by the resident, close."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook
from PIL import Image

from wenming.core.notify import FakeSmsGateway
from wenming.core.testing import make_jpeg
from wenming.core.tests.api_client import ApiClient
from wenming.deliveries.tests.factories import reviewed_purchase, volunteer_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(settings):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    return FakeSmsGateway


def test_the_api_runs_a_delivery_from_gathering_to_closed(world, gateway, settings, tmp_path,
                                                         django_capture_on_commit_callbacks):
    settings.UPLOAD_DIR = str(tmp_path)
    runner = volunteer_user(world, "runner1", phone="13700000001")
    a = reviewed_purchase(world, 1, [{"name": "大米", "quantity": 2, "unit": "袋", "budget": 120}])
    b = reviewed_purchase(world, 2, [{"name": "大米", "quantity": 1, "unit": "袋", "budget": 60},
                                     {"name": "口罩", "quantity": 20, "unit": "只"}])
    staff, me, anon = ApiClient("manager_a"), ApiClient(runner.user.username), ApiClient(None)

    res = staff.post("/delivery-runs", {"node_id": world.station_a.pk, "title": "九里村代购第一批"})
    assert res.status_code == 201, res.content
    rid = res.json()["id"]
    assert {c["tracking_no"] for c in staff.get(f"/delivery-runs/{rid}/candidates").json()} == \
        {a.tracking_no, b.tracking_no}
    detail = staff.post(f"/delivery-runs/{rid}/stops", {"demand_ids": [a.pk, b.pk]}).json()
    rice = next(line for line in detail["buying_list"] if line["name"] == "大米")
    assert (rice["quantity"], rice["household_count"], rice["budget"]) == ("3.00", 2, "180.00")
    assert "13800000001" not in str(detail) and "九里村1组1号" not in str(detail)  # masked
    assert staff.get(f"/delivery-runs/{rid}/candidates").json() == []

    assert me.get(f"/delivery-runs/{rid}").status_code == 404  # not on the run yet
    staff.post(f"/delivery-runs/{rid}/volunteers", {"volunteer_ids": [runner.pk]})
    assert me.get(f"/delivery-runs/{rid}").status_code == 200
    assert me.post(f"/delivery-runs/{rid}/purchase").json()["code"] == "deliveries.not_member"
    assert staff.post(f"/delivery-runs/{rid}/purchase").json()["run"]["status"] == "purchasing"

    browser = Client()
    browser.force_login(runner.user)
    res = browser.post(f"/api/v1/delivery-runs/{rid}/receipts",
                       {"amount": "176.80", "shop": "九里村惠民超市",
                        "photo": SimpleUploadedFile("r.jpg", make_jpeg(gps=True), "image/jpeg")})
    assert res.status_code == 201, res.content
    assert not Image.open(next(tmp_path.rglob("*.jpg"))).getexif()  # GPS and all EXIF gone
    assert browser.get(res.json()["photo_url"]).status_code == 200
    outsider = Client()
    outsider.force_login(world.manager_b)
    assert outsider.get(res.json()["photo_url"]).status_code == 404
    bad = browser.post(f"/api/v1/delivery-runs/{rid}/receipts", {"amount": "-3", "shop": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "deliveries.amount_invalid"

    book = load_workbook(BytesIO(b"".join(staff.get(f"/delivery-runs/{rid}/buying-list.xlsx").streaming_content)),
                         read_only=True)
    assert list(book["采购清单"].iter_rows(values_only=True))[1][:4] == ("大米", 3, "袋", 2)
    bag_rows = list(book["分户清单"].iter_rows(values_only=True))[1:]
    assert len(bag_rows) == 3 and "13800000001" not in str(bag_rows)

    contacts = me.get(f"/delivery-runs/{rid}/contacts").json()
    assert {c["phone"] for c in contacts} == {"13800000001", "13800000002"}
    assert ApiClient("manager_b").get(f"/delivery-runs/{rid}/contacts").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        assert me.post(f"/delivery-runs/{rid}/deliver").json()["run"]["status"] == "delivering"
    codes = {phone: body.split("收货码 ")[1][:6] for phone, body in gateway.sent}
    stop_a = next(s for s in me.get(f"/delivery-runs/{rid}").json()["stops"] if s["demand_id"] == a.pk)
    assert me.post(f"/delivery-stops/{stop_a['id']}/amount", {"amount": "118.5"}).json()["amount"] == "118.50"
    typo = me.post(f"/delivery-stops/{stop_a['id']}/confirm", {"code": "abc"})
    assert typo.status_code == 422 and typo.json()["code"] == "deliveries.code_format"
    wrong = me.post(f"/delivery-stops/{stop_a['id']}/confirm",
                    {"code": "000000" if codes["13800000001"] != "000000" else "111111"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "deliveries.code_wrong"
    assert me.get(f"/delivery-runs/{rid}/contacts")["Cache-Control"] == "no-store"
    done = me.post(f"/delivery-stops/{stop_a['id']}/confirm", {"code": codes["13800000001"]}).json()
    assert done["status"] == "confirmed" and done["confirmed_via"] == "door_code"

    key = {"tracking_no": b.tracking_no, "tracking_code": b.tracking_code}
    assert anon.post("/delivery-confirmations", {**key, "tracking_code": "000000"}).status_code == 404
    assert anon.post("/delivery-confirmations", key).json()["status"] == "completed"
    final = staff.get(f"/delivery-runs/{rid}").json()
    assert final["run"]["status"] == "closed" and final["figures"]["confirmed"] == 2
    assert final["figures"]["receipts"] == "176.80"
    assert anon.post("/delivery-confirmations", key).json()["code"] == "deliveries.not_delivering"
    assert anon.post("/demands/rate", {**key, "rating": 5}).json()["status"] == "rated"


def test_runs_are_scoped_like_the_requests(world):
    a = reviewed_purchase(world, 1)
    staff = ApiClient("manager_a")
    rid = staff.post("/delivery-runs", {"node_id": world.station_a.pk, "title": "第一批"}).json()["id"]
    sibling = ApiClient("manager_b")
    assert sibling.get(f"/delivery-runs/{rid}").status_code == 404
    assert sibling.post(f"/delivery-runs/{rid}/stops", {"demand_ids": [a.pk]}).status_code == 404
    assert sibling.get("/delivery-runs").json()["count"] == 0
    assert staff.get("/delivery-runs").json()["count"] == 1
    assert ApiClient("office").get(f"/delivery-runs/{rid}").status_code == 200  # the county sees it
    # another station's request cannot be added by station A, and a grid cannot organise a run
    b = reviewed_purchase(world, 2, node=world.station_b)
    assert staff.post(f"/delivery-runs/{rid}/stops", {"demand_ids": [b.pk]}).status_code == 404
    assert staff.post("/delivery-runs", {"node_id": world.grid_a.pk, "title": "x"}).json()["code"] == \
        "deliveries.node_invalid"
    assert staff.post("/delivery-runs", {"node_id": world.station_b.pk, "title": "x"}).status_code == 404
    assert staff.post("/delivery-runs", {"node_id": world.station_a.pk, "title": "  "}).json()["code"] == \
        "deliveries.title_required"
    assert staff.post(f"/delivery-runs/{rid}/stops", {"demand_ids": []}).json()["code"] == "deliveries.no_demands"
    # ids past 64 bits are "no such object", never a 500 (SQLite would overflow)
    assert staff.post(f"/delivery-runs/{rid}/stops", {"demand_ids": [10**20]}).status_code == 404
    assert staff.post(f"/delivery-runs/{rid}/volunteers/{10**20}/leave", {"reason": "x"}).status_code == 404
