"""我的点单 (issue 15): a logged-in resident's own requests without the tracking code — found
by the phone the account has proven or linked when filed logged in; nobody else's; rating."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from wenming.accounts.models import User
from wenming.accounts.phone_login import login_code_check, login_code_send
from wenming.accounts.services import token_issue
from wenming.core.tests.api_client import PASSWORD
from wenming.demands.mine import demand_list_for_resident
from wenming.demands.models import Demand, DemandEvent, DemandStatus
from wenming.demands.tests.factories import entered, volunteer_user
from wenming.demands.tests.mine_factories import completed, last_code
from wenming.volunteers.tests.factories import user

pytestmark = pytest.mark.django_db

PHONE = "13812345678"  # the phone of the factories' requests
OTHER = "13887654321"


def _resident(phone=PHONE) -> User:
    """A resident who logged in by code (so the phone is proven); returns the account."""
    login_code_send(phone=phone, ip=None)
    return login_code_check(phone=phone, code=last_code(phone), ip=None).user


def _client(u: User) -> Client:
    c = Client()
    c.force_login(u)
    return c


def _api(u: User):
    _, secret = token_issue(user=u)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def cast(world):
    world.helper = volunteer_user(world, "helper1", phone="13700000001")
    return world


def test_requests_made_with_the_phone_are_listed_with_state_and_next_step(cast):
    mine, _ = entered(cast, description="需要代购降压药")
    theirs, _ = entered(cast, phone=OTHER, description="别人的点单")
    me = _resident()
    page = _client(me).get("/demands/mine/")
    text = page.content.decode()
    assert page.status_code == 200
    assert mine.tracking_no in text and "需要代购降压药" in text and "待审核" in text
    assert f"下一步：</strong>等待{cast.station_a.name}审核受理" in text
    assert theirs.tracking_no not in text and "别人的点单" not in text
    assert "phone-not-proven" not in text

    detail = _client(me).get(f"/demands/mine/{mine.pk}/").content.decode()
    assert "办理过程" in detail and "已提交" in detail and mine.tracking_no in detail
    assert PHONE not in detail and "138****5678" in detail  # the contact stays masked


def test_another_residents_request_answers_the_same_404_as_a_missing_one(cast):
    theirs, _ = entered(cast, phone=OTHER)
    c = _client(_resident())
    for path in (f"/demands/mine/{theirs.pk}/", "/demands/mine/999999/", "/demands/mine/abc/",
                 "/demands/mine/99999999999999999999999/", "/demands/mine/%C2%B2/"):
        res = c.get(path)
        assert res.status_code == 404, path
        assert theirs.tracking_no not in res.content.decode()
    res = c.post(f"/demands/mine/{theirs.pk}/rate/", {"rating": "5"})
    assert res.status_code == 404


def test_the_page_needs_a_login(cast):
    res = Client().get("/demands/mine/")
    assert res.status_code == 302 and res["Location"].startswith("/accounts/login/?next=/demands/mine/")


def test_a_phone_typed_into_an_account_finds_nothing_until_proven_by_a_code(cast):
    entered(cast)
    typed = user("typed", phone=PHONE)  # e.g. at registration or by staff: not proven
    assert not demand_list_for_resident(actor=typed).exists()
    text = _client(typed).get("/demands/mine/").content.decode()
    assert "phone-not-proven" in text and "用验证码登录" in text and "138****5678" in text
    login_code_send(phone=PHONE, ip=None)
    assert login_code_check(phone=PHONE, code=last_code(PHONE), ip=None).user == typed
    typed.refresh_from_db()
    assert demand_list_for_resident(actor=typed).count() == 1


def test_a_proof_counts_for_180_days_and_reaches_180_days_back(cast):
    old, _ = entered(cast, now=timezone.now() - timedelta(days=200))
    recent, _ = entered(cast)
    me = _resident()
    assert list(demand_list_for_resident(actor=me)) == [recent]  # a recycled number's past holder stays hidden
    User.objects.filter(pk=me.pk).update(phone_verified_at=timezone.now() - timedelta(days=181))
    me.refresh_from_db()
    assert not demand_list_for_resident(actor=me).exists()  # a number given up since is not read


def test_a_request_filed_while_logged_in_is_linked_to_the_account(cast):
    volunteer = cast.helper.user  # an account without a proven phone, filing for a neighbour
    c = _client(volunteer)
    form = c.get("/demands/new/").content.decode()
    assert "我的点单" in form
    c.post("/demands/new/code/", {"phone": OTHER})
    res = c.post("/demands/new/", {
        "name": "张秀英", "phone": OTHER, "code": last_code(OTHER), "address": "九里村三组 12 号",
        "category": "shopping", "description": "帮邻居代购", "urgency": "normal"})
    assert res.status_code == 200, res.content.decode()[:2000]
    demand = Demand.objects.get(description="帮邻居代购")
    assert demand.resident == volunteer and demand.created_by is None
    assert "此单已记入您的账号" in res.content.decode() and 'id="to-mine"' in res.content.decode()
    assert [d.pk for d in demand_list_for_resident(actor=volunteer)] == [demand.pk]
    assert demand.pk in [d.pk for d in demand_list_for_resident(actor=_resident(OTHER))]  # and the phone's holder


def test_the_form_starts_with_the_residents_own_phone(cast):
    me = _resident()
    form = _client(me).get("/demands/new/").content.decode()
    assert f'value="{PHONE}"' in form


def test_a_completed_request_is_rated_once_from_the_page(cast):
    demand, _ = entered(cast)
    me = _resident()
    c = _client(me)
    assert "rate-form" not in c.get(f"/demands/mine/{demand.pk}/").content.decode()
    early = c.post(f"/demands/mine/{demand.pk}/rate/", {"rating": "5"}, follow=True)
    assert "不能评价" in early.content.decode()  # not completed yet: said, nothing written

    completed(cast, demand, cast.helper)
    listing = c.get("/demands/mine/").content.decode()
    assert "去评价" in listing and "服务已完成，请为本次服务评价" in listing
    page = c.get(f"/demands/mine/{demand.pk}/").content.decode()
    assert "评价本次服务" in page and "36.50 元" in page and "服务完成" in page
    assert cast.helper.name not in page and cast.helper.volunteer_no not in page

    res = c.post(f"/demands/mine/{demand.pk}/rate/", {"rating": "4", "comment": "很及时\x00，谢谢"})
    assert res.status_code == 422  # NUL: the form says so, nothing written
    res = c.post(f"/demands/mine/{demand.pk}/rate/", {"rating": "4", "comment": "很及时，谢谢"})
    assert res.status_code == 302 and res["Location"] == f"/demands/mine/{demand.pk}/"
    again = c.post(f"/demands/mine/{demand.pk}/rate/", {"rating": "1"}, follow=True)  # a second tap
    text = again.content.decode()
    assert "已评价" in text and "★★★★" in text
    demand.refresh_from_db()
    assert demand.status == DemandStatus.RATED and demand.rating == 4 and demand.rating_comment == "很及时，谢谢"
    assert DemandEvent.objects.filter(demand=demand, action="rate").count() == 1
    assert DemandEvent.objects.get(demand=demand, action="rate").actor == me


@pytest.mark.parametrize("body", [{}, {"rating": "0"}, {"rating": "6"}, {"rating": "abc"},
                                  {"rating": "9" * 30}, {"rating": "5", "comment": "好" * 301}])
def test_bad_ratings_are_refused_under_their_field(cast, body):
    demand, _ = entered(cast)
    completed(cast, demand, cast.helper)
    res = _client(_resident()).post(f"/demands/mine/{demand.pk}/rate/", body)
    assert res.status_code == 422
    demand.refresh_from_db()
    assert demand.status == DemandStatus.COMPLETED and demand.rating is None


def test_the_tracking_code_keeps_working_for_residents_who_do_not_log_in(cast):
    demand, code = entered(cast)
    res = Client().post("/demands/track/", {"tracking_no": demand.tracking_no, "tracking_code": code})
    assert res.status_code == 200 and "待审核" in res.content.decode()
    assert "在“我的点单”查看全部点单" in Client().get("/demands/track/").content.decode()


# ---- the API -------------------------------------------------------------------------------

def test_api_lists_shows_and_rates_my_requests(cast):
    demand, _ = entered(cast)
    theirs, _ = entered(cast, phone=OTHER)
    me = _resident()
    auth = _api(me)
    c = Client()
    listing = c.get("/api/v1/me/demands", **auth).json()
    assert listing["count"] == 1 and listing["items"][0]["tracking_no"] == demand.tracking_no
    item = listing["items"][0]
    assert item["status"] == "submitted" and item["status_name"] == "待审核" and item["can_rate"] is False
    assert item["category_name"] and item["node_name"] == cast.station_a.name and item["next_step"]
    detail = c.get(f"/api/v1/me/demands/{demand.pk}", **auth).json()
    assert detail["phone"] == "138****5678" and detail["events"][0]["label"] == "已提交"
    assert PHONE not in json.dumps(detail, ensure_ascii=False)

    for bad in (theirs.pk, 999999, "abc", "9" * 40):
        res = c.get(f"/api/v1/me/demands/{bad}", **auth)
        assert res.status_code == 404 and res.json()["code"] == "not_found", bad

    early = c.post(f"/api/v1/me/demands/{demand.pk}/rate", json.dumps({"rating": 5}),
                   content_type="application/json", **auth)
    assert early.status_code == 409 and early.json()["code"] == "demands.bad_status"
    completed(cast, demand, cast.helper)
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "五"}, {"rating": 10**30}, {}):
        res = c.post(f"/api/v1/me/demands/{demand.pk}/rate", json.dumps(bad), content_type="application/json", **auth)
        assert res.status_code == 422, (bad, res.content)
    ok = c.post(f"/api/v1/me/demands/{demand.pk}/rate", json.dumps({"rating": 5, "comment": "谢谢\x00" + "好" * 400}),
                content_type="application/json", **auth)
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "rated" and ok.json()["rating"] == 5 and len(ok.json()["rating_comment"]) == 300
    twice = c.post(f"/api/v1/me/demands/{demand.pk}/rate", json.dumps({"rating": 1}),
                   content_type="application/json", **auth)
    assert twice.status_code == 409
    other = c.post(f"/api/v1/me/demands/{theirs.pk}/rate", json.dumps({"rating": 5}),
                   content_type="application/json", **auth)
    assert other.status_code == 404


def test_api_needs_a_login_and_staff_see_only_their_own_here(cast):
    entered(cast)
    assert Client().get("/api/v1/me/demands").status_code == 401
    staff = Client()
    assert staff.login(username="manager_a", password=PASSWORD)
    assert staff.get("/api/v1/me/demands").json()["count"] == 0  # the board is elsewhere


@pytest.mark.slow
def test_the_demo_resident_login_finds_the_demos_completed_request_to_rate(db):
    from wenming.seeding.demo import seed_demo

    seed_demo(volunteers=300, progress=False)
    resident = User.objects.get(username="resident")
    assert resident.phone_masked == "138****0014"
    assert [d.status for d in demand_list_for_resident(actor=resident)] == [DemandStatus.COMPLETED]
