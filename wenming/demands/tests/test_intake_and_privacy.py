"""The public form with its phone code, routing, tracking, and who sees the resident's contact."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry, Notification
from wenming.core.notify import FakeSmsGateway
from wenming.core.tests.api_client import ApiClient
from wenming.demands import workflow as wf
from wenming.demands.intake import DemandInput, demand_submit, phone_check_send
from wenming.demands.models import Demand, Offer
from wenming.demands.routing import route
from wenming.demands.tests.factories import entered, volunteer_user
from wenming.orgs.models import Node

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _form(**extra) -> DemandInput:
    values = {"name": "张秀英", "phone": PHONE, "address": "九里村三组 12 号", "category": "medicine",
              "description": "高血压药吃完了，需要代买"}
    values.update(extra)
    return DemandInput(**values)


def _last_code(gateway) -> str:
    return gateway.sent[-1][1].split("验证码是 ")[1][:6]


@pytest.fixture
def gateway(settings):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    return FakeSmsGateway


def test_the_public_form_needs_the_code_sent_to_the_phone(world, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone_check_send(phone=PHONE)
    assert gateway.sent[0][0] == PHONE
    code = _last_code(gateway)
    with pytest.raises(DomainError) as exc:
        demand_submit(data=_form(), code="000000" if code != "000000" else "111111")
    assert exc.value.code == "demands.code_wrong"
    demand, tracking = demand_submit(data=_form(), code=code)
    assert demand.status == "submitted" and demand.node == world.station_a and demand.routed_by == "address"
    assert demand.phone_masked == "138****5678" and PHONE not in demand.phone_enc
    with pytest.raises(DomainError):
        demand_submit(data=_form(), code=code)  # a code is spent once
    assert len(tracking) == 6 and Demand.objects.count() == 1
    row = Notification.objects.get()
    assert row.recipient_id is None and row.phone_masked == "138****5678" and row.sent_at is not None
    assert code not in row.body  # the code does not outlive its sending


def test_codes_are_rate_limited_and_die_after_five_wrong_tries(world, gateway, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        phone_check_send(phone=PHONE, now=now)
    with pytest.raises(DomainError) as exc:
        phone_check_send(phone=PHONE, now=now + timedelta(seconds=10))
    assert exc.value.code == "demands.code_too_soon" and exc.value.status == 429
    code = _last_code(gateway)
    for _ in range(5):
        with pytest.raises(DomainError):
            demand_submit(data=_form(), code="999999" if code != "999999" else "888888")
    with pytest.raises(DomainError):
        demand_submit(data=_form(), code=code)  # burnt by the wrong tries
    assert not Demand.objects.exists()


def test_routing_by_grid_position_address_and_fallback(world):
    assert route(grid=world.grid_a) == (world.station_a, "grid")
    Node.objects.filter(pk=world.station_b.pk).update(lat="30.900", lon="110.900")
    assert route(lat="30.905", lon="110.902") == (world.station_b, "position")  # about 0.6 km away
    assert route(address="秭归县杨贵店村二组") == (world.station_b, "address")
    assert route(address="月球基地", within=world.institute) == (world.institute, "fallback")
    top, how = route(address="不知道哪里")
    assert how == "fallback" and top.parent_id is None


@pytest.mark.parametrize("bad, code", [
    ({"category": "nope"}, "demands.category_unknown"),
    ({"description": "  "}, "demands.field_required"),
    ({"items": [{"name": "米", "quantity": -1}]}, "demands.items_invalid"),
    ({"items": [{"name": "米", "quantity": "abc"}]}, "demands.items_invalid"),
    ({"items": [{"name": "", "quantity": 1}]}, "demands.items_invalid"),
    ({"items": [{"name": "米", "quantity": 1, "budget": "1e400"}]}, "demands.items_invalid"),
    ({"phone": "12345"}, "volunteer.phone_invalid"),
])
def test_bad_requests_are_refused_with_a_code_and_nothing_is_written(world, bad, code):
    with pytest.raises(DomainError) as exc:
        entered(world, **bad)
    assert exc.value.code == code
    assert not Demand.objects.exists()


def test_no_resident_phone_reaches_a_volunteer_before_acceptance(world):
    helper = volunteer_user(world, "helper1", phone="13700000001")
    demand, _ = entered(world)
    wf.demand_review(actor=world.manager_a, demand=demand)
    wf.demand_dispatch(actor=world.manager_a, demand=demand, volunteers=[helper])
    me = ApiClient(helper.user.username)
    for body in (me.get("/me/offers").content.decode(), me.get(f"/demands/{demand.pk}").content.decode()):
        assert PHONE not in body and "12 号" not in body and "张秀英" not in body
    assert me.get(f"/demands/{demand.pk}").json()["phone"] == "138****5678"
    assert me.get(f"/demands/{demand.pk}/contact").status_code == 403
    offer = Offer.objects.get(demand=demand)
    assert me.post(f"/offers/{offer.pk}/accept").json()["status"] == "accepted"
    contact = me.get(f"/demands/{demand.pk}/contact").json()
    assert contact["phone"] == PHONE and "12 号" in contact["address"] and contact["revealed"] is True
    assert AuditEntry.objects.filter(action="demand.contact_reveal", actor=helper.user).count() == 1


def test_after_closure_only_staff_with_the_privilege_see_the_contact(world):
    from wenming.demands.tests.test_workflow import _to

    world.helper = volunteer_user(world, "helper1", phone="13700000001")
    world.second = volunteer_user(world, "helper2", phone="13700000002")
    demand, _ = _to(world, "closed")
    assert ApiClient(world.helper.user.username).get(f"/demands/{demand.pk}/contact").status_code == 403
    assert ApiClient("manager_a").get(f"/demands/{demand.pk}/contact").status_code == 403  # no privilege
    assert ApiClient("office").get(f"/demands/{demand.pk}/contact").json()["phone"] == PHONE  # may_reveal_pii
    assert ApiClient("manager_b").get(f"/demands/{demand.pk}").status_code == 404  # another station


def test_the_api_walks_a_request_from_form_to_rating(world, gateway, django_capture_on_commit_callbacks):
    helper = volunteer_user(world, "helper1", phone="13700000001")
    anon = ApiClient(None)
    with django_capture_on_commit_callbacks(execute=True):
        assert anon.post("/demands/phone-checks", {"phone": PHONE}).status_code == 202
    res = anon.post("/demands/public", {"name": "张秀英", "phone": PHONE, "address": "九里村三组 12 号",
                                        "category": "shopping", "description": "代购大米", "code": _last_code(gateway),
                                        "items": [{"name": "大米", "quantity": 2, "unit": "袋", "budget": 120}]})
    assert res.status_code == 201, res.content
    sub = res.json()
    key = {"tracking_no": sub["tracking_no"], "tracking_code": sub["tracking_code"]}
    office = ApiClient("manager_a")
    pid = sub["id"]
    assert office.get(f"/demands/{pid}").json()["items"][0]["name"] == "大米"
    assert office.post(f"/demands/{pid}/review").json()["status"] == "reviewed"
    assert office.post(f"/demands/{pid}/dispatch", {"volunteer_ids": [helper.pk]}).json()["status"] == "dispatched"
    me = ApiClient(helper.user.username)
    offer = me.get("/me/offers").json()[0]
    assert me.post(f"/offers/{offer['id']}/accept").json()["status"] == "accepted"
    assert me.post(f"/demands/{pid}/start").json()["status"] == "in_progress"
    done = me.post(f"/demands/{pid}/complete", {"note": "已放门口", "receipt_amount": "118.50"}).json()
    assert done["status"] == "completed" and done["receipt_amount"] == "118.50"
    assert anon.post("/demands/rate", {**key, "rating": 6}).json()["code"] == "demands.rating_invalid"
    tracked = anon.post("/demands/rate", {**key, "rating": 5, "comment": "谢谢"}).json()
    assert tracked["status"] == "rated" and [e["action"] for e in tracked["events"]][-1] == "rate"
    assert anon.post("/demands/track", {**key, "tracking_code": "000000"}).status_code == 404
    assert office.post(f"/demands/{pid}/close", {}).json()["status"] == "closed"


def test_proof_photos_are_checked_stripped_and_shown_only_to_those_who_see_the_request(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from PIL import Image

    from wenming.core.testing import make_jpeg
    from wenming.demands.tests.test_workflow import _to

    settings.UPLOAD_DIR = str(tmp_path)
    world.helper = volunteer_user(world, "helper1", phone="13700000001")
    world.second = volunteer_user(world, "helper2", phone="13700000002")
    demand, _ = _to(world, "in_progress")
    me = Client()
    me.force_login(world.helper.user)
    url = f"/api/v1/demands/{demand.pk}/photos"
    res = me.post(url, {"photo": SimpleUploadedFile("receipt.jpg", make_jpeg(gps=True), "image/jpeg")})
    assert res.status_code == 201, res.content
    photo_url = res.json()["url"]
    stored = next(tmp_path.rglob("*.jpg"))
    assert not Image.open(stored).getexif()  # no EXIF, so no GPS position
    fake = me.post(url, {"photo": SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", "image/jpeg")})
    assert fake.status_code in (415, 422) and fake.json()["code"].startswith("upload.")
    assert me.get(photo_url).status_code == 200
    other = Client()
    other.force_login(world.manager_b)
    assert other.get(photo_url).status_code == 404
    staff = Client()
    staff.force_login(world.manager_a)
    assert staff.get(photo_url).status_code == 200
    assert staff.post(url, {"photo": SimpleUploadedFile("r.jpg", make_jpeg(), "image/jpeg")}).status_code == 403


def test_tracking_hides_volunteers_and_stops_guessing(world):
    from django.core.cache import cache

    from wenming.demands.selectors import TRACK_TRIES_PER_REQUEST
    from wenming.demands.tests.test_workflow import _to

    cache.clear()
    world.helper = volunteer_user(world, "helper1", phone="13700000001")
    world.second = volunteer_user(world, "helper2", phone="13700000002")
    demand, code = _to(world, "reviewed")
    wf.demand_dispatch(actor=world.manager_a, demand=demand, volunteers=[world.helper, world.second], at_once=2)
    wf.offer_decline(actor=world.second.user, offer=Offer.objects.get(demand=demand, volunteer=world.second),
                     reason="家里老人生病")
    wf.offer_accept(actor=world.helper.user, offer=Offer.objects.get(demand=demand, volunteer=world.helper))
    anon = ApiClient(None)
    import json

    body = json.dumps(anon.post("/demands/track", {"tracking_no": demand.tracking_no,
                                                   "tracking_code": code}).json(), ensure_ascii=False)
    assert "志愿者已接单" in body
    for secret in (world.helper.name, world.second.name, "家里老人生病", "helper1"):
        assert secret not in body
    wrong = "000000" if code != "000000" else "111111"
    answers = [anon.post("/demands/track", {"tracking_no": demand.tracking_no, "tracking_code": wrong}).status_code
               for _ in range(TRACK_TRIES_PER_REQUEST)]
    assert answers == [404] * TRACK_TRIES_PER_REQUEST
    assert anon.post("/demands/track", {"tracking_no": demand.tracking_no, "tracking_code": code}).status_code == 429
    cache.clear()


def test_review_fixes_positions_sms_per_client_and_masked_addresses(world, gateway, django_capture_on_commit_callbacks):
    with pytest.raises(DomainError) as exc:
        entered(world, lat="123456", lon="110.9")
    assert exc.value.code == "demands.position_invalid" and not Demand.objects.exists()
    demand, _ = entered(world, address="九里村三组12号", lat="30.8123", lon="110.9")
    assert demand.address_masked == "九里村***" and str(demand.lat) == "30.812"
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(10):
            phone_check_send(phone=f"1390000{n:04d}", client="198.51.100.9")
    with pytest.raises(DomainError) as exc:
        phone_check_send(phone="13900009999", client="198.51.100.9")
    assert exc.value.status == 429 and len(gateway.sent) == 10


def test_only_volunteers_who_can_log_in_are_dispatched(world):
    demand, _ = entered(world)
    wf.demand_review(actor=world.manager_a, demand=demand)
    with pytest.raises(DomainError) as exc:
        wf.demand_dispatch(actor=world.manager_a, demand=demand, volunteers=[world.vol_a])  # no account
    assert exc.value.code == "demands.no_account" and not Offer.objects.exists()


def test_an_operator_files_requests_only_inside_their_own_area(world):
    from wenming.orgs.services import node_create

    grid_b = node_create(actor=world.root, parent=world.station_b, name="杨贵店村第一网格", kind="grid")
    with pytest.raises(DomainError) as exc:
        entered(world, grid=grid_b)  # manager_a, within station A, pointing at station B's grid
    assert exc.value.code == "not_found" and not Demand.objects.exists()
