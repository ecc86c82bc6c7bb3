"""The delivery-run pages: a dispatcher gathers and runs, a volunteer buys and delivers, a
resident confirms on the tracking page; outsiders get 404 pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wenming.core.models import AuditEntry
from wenming.core.notify import FakeSmsGateway
from wenming.core.testing import make_jpeg
from wenming.deliveries.models import DeliveryReceipt, DeliveryRun, DeliveryStop
from wenming.deliveries.tests.factories import reviewed_purchase, run_with, volunteer_user
from wenming.demands.models import Demand

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(res) -> str:
    return res.content.decode()


@pytest.fixture
def crew(world, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    world.runner = volunteer_user(world, "runner1", phone="13700000001")
    world.households = [reviewed_purchase(world, n) for n in (1, 2)]
    return world


def test_a_dispatcher_gathers_and_a_volunteer_delivers_through_the_pages(crew, django_capture_on_commit_callbacks):
    staff = _client(crew.manager_a)
    res = staff.post("/deliveries/new/", {"node": crew.station_a.pk, "title": "九里村代购第一批",
                                          "planned_for": "2026-11-23"})
    run = DeliveryRun.objects.get()
    assert res.status_code == 302 and res["Location"] == f"/deliveries/{run.pk}/"
    page = _text(staff.get(f"/deliveries/{run.pk}/"))
    assert "可纳入的代购点单（2）" in page and crew.households[0].tracking_no in page
    staff.post(f"/deliveries/{run.pk}/stops/", {"demand": [d.pk for d in crew.households]})
    assert DeliveryStop.objects.filter(run=run).count() == 2
    page = _text(staff.get(f"/deliveries/{run.pk}/"))
    assert "采购清单" in page and "2袋" in page and "13800000001" not in page

    res = staff.post(f"/deliveries/{run.pk}/volunteers/", {"numbers": "WM9999999999"}, follow=True)
    assert "找不到志愿者编号：WM9999999999" in _text(res)
    staff.post(f"/deliveries/{run.pk}/volunteers/", {"numbers": crew.runner.volunteer_no})
    assert "开始采购" in _text(staff.post(f"/deliveries/{run.pk}/purchase/", follow=True))

    me = _client(crew.runner.user)
    assert run.title in _text(me.get("/deliveries/"))
    revealed = _text(me.post(f"/deliveries/{run.pk}/contacts/"))
    assert "13800000001" in revealed and "九里村1组1号" in revealed
    assert AuditEntry.objects.filter(action="demand.contact_reveal", actor=crew.runner.user).count() == 2
    assert "13800000001" not in _text(me.get(f"/deliveries/{run.pk}/"))  # masked again on reload

    me.post(f"/deliveries/{run.pk}/receipts/", {"amount": "118.00", "shop": "惠民超市",
                                                "photo": SimpleUploadedFile("r.jpg", make_jpeg(), "image/jpeg")})
    receipt = DeliveryReceipt.objects.get()
    assert receipt.image_id is not None
    assert me.get(f"/deliveries/{run.pk}/receipts/{receipt.pk}/photo/").status_code == 200
    bad = me.post(f"/deliveries/{run.pk}/receipts/", {"amount": "abc", "shop": "x"}, follow=True)
    assert "金额须为 0 到 99999999 之间的数字" in _text(bad)

    with django_capture_on_commit_callbacks(execute=True):
        me.post(f"/deliveries/{run.pk}/deliver/")
    codes = {phone: body.split("收货码 ")[1][:6] for phone, body in FakeSmsGateway.sent}
    first, second = DeliveryStop.objects.filter(run=run).order_by("demand_id")
    wrong = me.post(f"/deliveries/stops/{first.pk}/confirm/", {"code": "12"}, follow=True)
    assert "收货码是 6 位数字" in _text(wrong)
    me.post(f"/deliveries/stops/{first.pk}/amount/", {"amount": "59"})
    me.post(f"/deliveries/stops/{first.pk}/confirm/", {"code": codes["13800000001"]})
    res = me.post(f"/deliveries/stops/{second.pk}/mark/", {"reason": "家中无人", "outcome": "cancel"}, follow=True)
    assert "请选择点单去向" in _text(res)  # closing a request is for staff
    me.post(f"/deliveries/stops/{second.pk}/mark/", {"reason": "家中无人", "outcome": "requeue"})
    run.refresh_from_db()
    assert run.status == "closed"
    assert Demand.objects.get(pk=crew.households[0].pk).receipt_amount == 59
    assert Demand.objects.get(pk=crew.households[1].pk).status == "reviewed"
    page = _text(staff.get(f"/deliveries/{run.pk}/"))
    assert "已完成" in page and "上门核对收货码" in page and "家中无人" in page
    assert f"#{run.pk} 九里村代购第一批" in _text(staff.get(f"/demands/{crew.households[0].pk}/"))
    xlsx = staff.get(f"/deliveries/{run.pk}/buying-list.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_the_resident_confirms_on_the_tracking_page(crew):
    demand = crew.households[0]
    run = run_with(crew, [demand], [crew.runner])
    from wenming.deliveries import services

    services.run_start_purchase(actor=crew.manager_a, run=run)
    resident = Client()
    key = {"tracking_no": demand.tracking_no, "tracking_code": demand.tracking_code}
    assert "确认收货" not in _text(resident.post("/demands/track/", key))  # not out for delivery yet
    services.run_start_delivery(actor=crew.manager_a, run=run)
    page = _text(resident.post("/demands/track/", key))
    assert "代购物资正在配送" in page and "已纳入代购配送" in page
    wrong = resident.post("/demands/track/confirm-delivery/", {**key, "tracking_code": "000000"})
    assert wrong.status_code == 404
    page = _text(resident.post("/demands/track/confirm-delivery/", key))
    assert "已确认收货" in page and "评价本次服务" in page
    assert DeliveryRun.objects.get(pk=run.pk).status == "closed"


def test_outsiders_get_404_pages_and_members_may_leave(crew):
    run = run_with(crew, crew.households, [crew.runner])
    stop = DeliveryStop.objects.filter(run=run).first()
    sibling = _client(crew.manager_b)
    for url in (f"/deliveries/{run.pk}/", f"/deliveries/{run.pk}/buying-list.xlsx"):
        assert sibling.get(url).status_code == 404
    for url in (f"/deliveries/{run.pk}/purchase/", f"/deliveries/stops/{stop.pk}/mark/",
                f"/deliveries/{run.pk}/contacts/"):
        assert sibling.post(url, {"reason": "x"}).status_code == 404
    assert run.title not in _text(sibling.get("/deliveries/"))
    for bad in ("²", "99999999999999999999999", "abc"):
        assert _client(crew.manager_a).get(f"/deliveries/{bad}/").status_code == 404
    me = _client(crew.runner.user)
    assert me.post(f"/deliveries/{run.pk}/purchase/").status_code == 403  # staff start buying
    res = me.post(f"/deliveries/{run.pk}/leave/", {"volunteer": crew.runner.pk, "reason": "家中老人生病"})
    assert res.status_code == 302 and res["Location"] == "/deliveries/"
    assert me.get(f"/deliveries/{run.pk}/").status_code == 404
    assert Client().get(f"/deliveries/{run.pk}/").status_code == 302  # login first
