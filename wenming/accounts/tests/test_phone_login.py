"""Phone + text-code login (issue 15): who may use it, the same answers for every phone, the
code rules, the lockout shared with passwords, bad input, the pages and the API."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from wenming.accounts.models import LoginAttempt, RoleAssignment, User
from wenming.accounts.phone_login import login_code_check, login_code_send
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.crypto import blind_index
from wenming.core.demo_sms import demo_texts
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry, PhoneCode
from wenming.core.tests.api_client import PASSWORD
from wenming.demands.tests.factories import volunteer_user
from wenming.demands.tests.mine_factories import last_code
from wenming.volunteers.tests.factories import user

pytestmark = pytest.mark.django_db

NEW_PHONE = "13811112222"
VOL_PHONE = "13722223333"
STAFF_PHONE = "13633334444"


def _err(fn, **kw) -> DomainError:
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value


def _api(client, path, body):
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


@pytest.fixture
def people(world):
    """A volunteer with an account and a phone, a station manager with a phone."""
    world.vol_user = user("vol_phone", phone=VOL_PHONE)
    role_grant(actor=world.root, user=world.vol_user, role=Role.VOLUNTEER, node=world.station_a)
    world.manager_a.set_phone(STAFF_PHONE)
    world.manager_a.save()
    return world


# ---- the services ------------------------------------------------------------------------

def test_a_new_phone_gets_a_resident_account_on_its_first_code_login(people):
    login_code_send(phone=NEW_PHONE, ip="10.0.0.1")
    result = login_code_check(phone=NEW_PHONE, code=last_code(NEW_PHONE), ip="10.0.0.1")
    u = result.user
    assert result.created
    assert not u.has_usable_password() and not u.is_staff
    assert u.phone_hash == blind_index(NEW_PHONE, "user.phone") and u.reveal_phone() == NEW_PHONE
    assert u.phone_masked == "138****2222" and u.phone_verified_at is not None
    assert NEW_PHONE not in u.username and not u.username.isdigit()
    assert list(RoleAssignment.objects.filter(user=u).values_list("role", flat=True)) == [Role.RESIDENT]
    assert AuditEntry.objects.filter(action="user.create", object_id=str(u.pk)).exists()
    assert AuditEntry.objects.filter(action="auth.login", object_id=str(u.pk), changes__via="phone_code").exists()

    # next time: the same account, nothing new
    now = timezone.now() + timedelta(minutes=2)
    login_code_send(phone=NEW_PHONE, ip="10.0.0.1", now=now)
    again = login_code_check(phone=NEW_PHONE, code=last_code(NEW_PHONE), ip="10.0.0.1", now=now)
    assert again.user == u and not again.created
    assert User.objects.filter(phone_hash=u.phone_hash).count() == 1


def test_a_volunteer_logs_in_to_their_own_account(people):
    login_code_send(phone=VOL_PHONE, ip=None)
    result = login_code_check(phone=f"+86 {VOL_PHONE[:3]}-{VOL_PHONE[3:7]}-{VOL_PHONE[7:]}",
                              code=last_code(VOL_PHONE), ip=None)
    assert result.user == people.vol_user and not result.created
    people.vol_user.refresh_from_db()
    assert people.vol_user.phone_verified_at is not None


def test_a_volunteer_whose_account_has_no_phone_is_found_by_the_volunteer_record(people):
    helper = volunteer_user(people, "helper_nophone", phone="13755556666")
    assert not helper.user.phone_hash
    login_code_send(phone="13755556666", ip=None)
    result = login_code_check(phone="13755556666", code=last_code("13755556666"), ip=None)
    assert result.user == helper.user and not result.created  # no second account
    helper.user.refresh_from_db()
    assert helper.user.reveal_phone() == "13755556666" and helper.user.phone_verified_at is not None


@pytest.mark.parametrize("who", ["manager", "leader", "is_staff", "superuser"])
def test_staff_keep_passwords_the_text_holds_no_code_and_the_answers_are_the_same(people, who):
    target = {"manager": people.manager_a, "leader": people.leader, "is_staff": user("clerk"),
              "superuser": people.root}[who]
    phone = {"manager": STAFF_PHONE, "leader": "13644445555", "is_staff": "13655556666",
             "superuser": "13666667777"}[who]
    if who != "manager":
        target.set_phone(phone)
        target.is_staff = target.is_staff or who == "is_staff"
        target.save()
    login_code_send(phone=phone, ip=None)  # the same "sent" as for anyone
    text = demo_texts(phone)[0].body
    assert not re.search(r"\d{6}", text) and "用户名和密码" in text
    # a guess at the code (there is one, never texted) is a wrong code like any other
    code = _err(login_code_check, phone=phone, code="123456", ip=None)
    assert code.code == "auth.code_wrong"
    assert LoginAttempt.objects.count() == 1


def test_an_inactive_account_cannot_log_in_by_code(people):
    people.vol_user.is_active = False
    people.vol_user.save()
    login_code_send(phone=VOL_PHONE, ip=None)
    assert "用户名和密码" in demo_texts(VOL_PHONE)[0].body
    assert _err(login_code_check, phone=VOL_PHONE, code="000000", ip=None).code == "auth.code_wrong"


def test_a_phone_shared_by_two_volunteer_accounts_is_not_guessed(people):
    a = volunteer_user(people, "twin_a", phone="13777778888")
    b = volunteer_user(people, "twin_b", phone="13777778888")
    assert a.user != b.user
    login_code_send(phone="13777778888", ip=None)
    assert "用户名和密码" in demo_texts("13777778888")[0].body
    assert _err(login_code_check, phone="13777778888", code="000000", ip=None).code == "auth.code_wrong"
    assert not User.objects.filter(phone_hash=blind_index("13777778888", "user.phone")).exists()


def test_a_code_works_once_and_not_after_ten_minutes(people):
    now = timezone.now()
    login_code_send(phone=VOL_PHONE, ip=None, now=now)
    code = last_code(VOL_PHONE)
    assert login_code_check(phone=VOL_PHONE, code=code, ip=None, now=now).user == people.vol_user
    assert _err(login_code_check, phone=VOL_PHONE, code=code, ip=None, now=now).code == "auth.code_used"

    later = now + timedelta(minutes=2)
    login_code_send(phone=VOL_PHONE, ip=None, now=later)
    code = last_code(VOL_PHONE)
    expired = later + timedelta(minutes=10, seconds=1)
    assert _err(login_code_check, phone=VOL_PHONE, code=code, ip=None, now=expired).code == "auth.code_wrong"


def test_resend_waits_a_minute_and_a_phone_gets_at_most_five_texts_an_hour(people):
    now = timezone.now()
    login_code_send(phone=NEW_PHONE, ip=None, now=now)
    too_soon = _err(login_code_send, phone=NEW_PHONE, ip=None, now=now + timedelta(seconds=20))
    assert too_soon.code == "auth.code_too_soon" and too_soon.status == 429
    assert "41 秒后再试" in too_soon.message
    for n in range(1, 5):
        login_code_send(phone=NEW_PHONE, ip=None, now=now + timedelta(seconds=61 * n))
    limit = _err(login_code_send, phone=NEW_PHONE, ip=None, now=now + timedelta(seconds=61 * 5))
    assert limit.code == "auth.code_limit"
    assert len(demo_texts(NEW_PHONE)) == 5


def test_one_address_asks_for_at_most_ten_codes_an_hour(people):
    for n in range(10):
        login_code_send(phone=f"1390000{n:04d}", ip="10.9.9.9")
    assert _err(login_code_send, phone="13900009999", ip="10.9.9.9").code == "rate_limited"
    login_code_send(phone="13900009999", ip="10.9.9.10")  # another address is not held up


def test_five_wrong_codes_lock_the_phone_even_for_the_right_code_and_the_password(people, settings):
    settings.LOGIN_MAX_FAILURES = 5
    now = timezone.now()
    login_code_send(phone=VOL_PHONE, ip="10.0.0.2", now=now)
    code = last_code(VOL_PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert _err(login_code_check, phone=VOL_PHONE, code=wrong, ip="10.0.0.2", now=now).code == "auth.code_wrong"
    locked = _err(login_code_check, phone=VOL_PHONE, code=code, ip="10.0.0.3", now=now)
    assert locked.code == "auth.locked" and locked.status == 429 and "15 分钟后再试" in locked.message
    assert _err(login_code_send, phone=VOL_PHONE, ip="10.0.0.3").code == "auth.locked"
    # the same count as a password typed with the phone number
    res = _api(Client(), "/auth/token", {"username": VOL_PHONE, "password": PASSWORD})
    assert res.status_code == 429 and res.json()["code"] == "auth.locked"
    # the code itself is burnt after five wrong tries
    assert PhoneCode.objects.get(purpose="login").attempts == 5
    # once the window has passed, a new code logs in and clears the count
    LoginAttempt.objects.update(at=now - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1))
    later = now + timedelta(minutes=2)
    login_code_send(phone=VOL_PHONE, ip="10.0.0.2", now=later)
    assert login_code_check(phone=VOL_PHONE, code=last_code(VOL_PHONE), ip="10.0.0.2", now=later).user == people.vol_user


def test_wrong_codes_from_one_address_lock_that_address(people, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    for n in range(3):
        _err(login_code_check, phone=f"1390000{n:04d}", code="000000", ip="10.7.7.7")
    assert _err(login_code_send, phone=VOL_PHONE, ip="10.7.7.7").code == "auth.locked"
    login_code_send(phone=VOL_PHONE, ip="10.7.7.8")


@pytest.mark.parametrize("phone,code", [
    ("", "auth.phone_required"), ("   ", "auth.phone_required"), ("1381234567", "auth.phone_invalid"),
    ("138\x0012345678", "auth.phone_invalid"), ("1" * 5000, "auth.phone_invalid"), ("abc", "auth.phone_invalid"),
    ("+1 415 555 0100", "auth.phone_invalid"), ("١٣٨١٢٣٤٥٦٧٨", "auth.phone_invalid"),
])
def test_bad_phones_are_refused_with_a_code(people, phone, code):
    assert _err(login_code_send, phone=phone, ip=None).code == code
    assert _err(login_code_check, phone=phone, code="123456", ip=None).code == code
    assert PhoneCode.objects.count() == 0


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12345\x00", "abcdef", "١٢٣٤٥٦", "9" * 1000])
def test_bad_codes_are_refused_without_counting_a_failure(people, code):
    assert _err(login_code_check, phone=VOL_PHONE, code=code, ip=None).code == "auth.code_format"
    assert LoginAttempt.objects.count() == 0


def test_full_width_digits_of_a_chinese_input_method_are_read_as_digits(people):
    login_code_send(phone="１３７２２２２３３３３", ip=None)
    code = last_code(VOL_PHONE)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert login_code_check(phone=VOL_PHONE, code=wide, ip=None).user == people.vol_user


def test_a_new_number_on_an_account_is_not_proven(people):
    login_code_send(phone=VOL_PHONE, ip=None)
    login_code_check(phone=VOL_PHONE, code=last_code(VOL_PHONE), ip=None)
    u = User.objects.get(pk=people.vol_user.pk)
    assert u.phone_verified_at is not None
    u.set_phone(VOL_PHONE)  # the same number: still proven
    assert u.phone_verified_at is not None
    u.set_phone("13799990000")
    assert u.phone_verified_at is None


# ---- the JSON API --------------------------------------------------------------------------

def test_api_answers_alike_for_phones_with_and_without_accounts(people):
    client = Client()
    answers = [_api(client, "/auth/phone-code", {"phone": p}) for p in (NEW_PHONE, VOL_PHONE, STAFF_PHONE)]
    assert {a.status_code for a in answers} == {202}
    assert len({a.content for a in answers}) == 1
    wrong = [_api(client, "/auth/phone-token", {"phone": p, "code": "000000"})
             for p in (NEW_PHONE, VOL_PHONE, STAFF_PHONE)]
    assert {w.status_code for w in wrong} == {401}
    assert {w.json()["code"] for w in wrong} == {"auth.code_wrong"}
    assert not User.objects.filter(phone_hash=blind_index(NEW_PHONE, "user.phone")).exists()


def test_api_exchanges_phone_and_code_for_a_token(people):
    client = Client()
    assert _api(client, "/auth/phone-code", {"phone": NEW_PHONE}).status_code == 202
    res = _api(client, "/auth/phone-token", {"phone": NEW_PHONE, "code": last_code(NEW_PHONE), "name": "微信"})
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["new_account"] is True and body["token"].startswith("wm_")
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200 and me.json()["phone_masked"] == "138****2222"
    assert [a["role"] for a in me.json()["assignments"]] == ["resident"]
    again = _api(client, "/auth/phone-token", {"phone": NEW_PHONE, "code": last_code(NEW_PHONE)})
    assert again.status_code == 409 and again.json()["code"] == "auth.code_used"


@pytest.mark.parametrize("body,status,code", [
    ({"phone": "\x00"}, 422, "auth.phone_invalid"),
    ({"phone": "1" * 100000}, 422, "auth.phone_invalid"),
    ({"phone": 13812345678}, 422, "invalid_input"),
    ({}, 422, "invalid_input"),
])
def test_api_bad_input_on_requesting_a_code(people, body, status, code):
    res = _api(Client(), "/auth/phone-code", body)
    assert res.status_code == status and res.json()["code"] == code, res.content


@pytest.mark.parametrize("body,code", [
    ({"phone": VOL_PHONE, "code": "12\x003456"}, "auth.code_format"),
    ({"phone": VOL_PHONE, "code": "1" * 100000}, "auth.code_format"),
    ({"phone": VOL_PHONE}, "invalid_input"),
    ({"phone": "13\x00", "code": "123456"}, "auth.phone_invalid"),
])
def test_api_bad_input_on_exchanging_a_code(people, body, code):
    res = _api(Client(), "/auth/phone-token", body)
    assert res.status_code == 422 and res.json()["code"] == code, res.content


def test_api_token_names_and_usernames_with_nul_or_too_long_do_not_fail(people):
    res = _api(Client(), "/auth/token", {"username": "vol\x00phone", "password": PASSWORD})
    assert res.status_code == 401 and res.json()["code"] == "auth.bad_credentials"
    res = _api(Client(), "/auth/token", {"username": "vol_phone", "password": PASSWORD, "name": "x\x00" * 300})
    assert res.status_code == 200, res.content


# ---- the pages -----------------------------------------------------------------------------

def test_login_page_has_a_code_tab_that_says_an_account_is_made(people):
    page = Client().get("/accounts/login/?tab=phone").content.decode()
    assert "验证码登录" in page and "获取验证码" in page and 'name="code"' in page
    assert "首次使用的手机号会自动创建群众账号" in page
    assert 'name="password"' not in page
    default = Client().get("/accounts/login/").content.decode()
    assert 'name="password"' in default and "?tab=phone" in default


def test_page_login_by_code_without_javascript(people):
    client = Client()
    sent = client.post("/accounts/login/code/", {"phone": NEW_PHONE, "code": "should-not-stay"})
    page = sent.content.decode()
    assert sent.status_code == 200 and "验证码已发送" in page and NEW_PHONE in page
    assert "should-not-stay" not in page
    res = client.post("/accounts/login/phone/", {"phone": NEW_PHONE, "code": last_code(NEW_PHONE)})
    assert res.status_code == 302 and res["Location"] == "/demands/mine/"  # a resident's page
    assert client.session[SESSION_KEY]
    mine = client.get("/demands/mine/").content.decode()
    assert "已为您创建群众账号" in mine


def test_page_login_by_code_with_fetch_and_next(people):
    client = Client()
    res = client.post("/accounts/login/code/", {"phone": VOL_PHONE}, HTTP_ACCEPT="application/json")
    assert res.status_code == 202 and res.json()["message"].startswith("验证码已发送")
    again = client.post("/accounts/login/code/", {"phone": VOL_PHONE}, HTTP_ACCEPT="application/json")
    assert again.status_code == 429 and again.json()["code"] == "auth.code_too_soon"
    res = client.post("/accounts/login/phone/", {"phone": VOL_PHONE, "code": last_code(VOL_PHONE),
                                                 "next": "/volunteers/me/"})
    assert res.status_code == 302 and res["Location"] == "/volunteers/me/"


def test_a_volunteer_lands_on_the_home_page_and_foreign_next_is_ignored(people):
    client = Client()
    client.post("/accounts/login/code/", {"phone": VOL_PHONE})
    res = client.post("/accounts/login/phone/", {"phone": VOL_PHONE, "code": last_code(VOL_PHONE),
                                                 "next": "https://evil.example/"})
    assert res.status_code == 302 and res["Location"] == "/"


def test_page_shows_every_error_at_once_and_a_second_tap_lands_logged_in(people):
    client = Client()
    res = client.post("/accounts/login/phone/", {"phone": "12\x00", "code": "12"})
    page = res.content.decode()
    assert res.status_code == 422
    assert "手机号码无效，应为 11 位中国大陆手机号" in page and "请输入短信中的 6 位数字验证码" in page
    res = client.post("/accounts/login/phone/", {"phone": VOL_PHONE, "code": "000000"})
    assert res.status_code == 401 and "验证码不正确或已过期" in res.content.decode()

    client.post("/accounts/login/code/", {"phone": VOL_PHONE},)
    code = last_code(VOL_PHONE)
    first = client.post("/accounts/login/phone/", {"phone": VOL_PHONE, "code": code})
    second = client.post("/accounts/login/phone/", {"phone": VOL_PHONE, "code": code})
    assert first.status_code == 302 and second.status_code == 302 and second["Location"] == first["Location"]
    fresh = Client().post("/accounts/login/phone/", {"phone": VOL_PHONE, "code": code})  # not logged in
    assert fresh.status_code == 409 and "已使用过" in fresh.content.decode()


def test_page_lockout_message(people, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/phone/", {"phone": VOL_PHONE, "code": "000000"})
    res = client.post("/accounts/login/phone/", {"phone": VOL_PHONE, "code": "000000"})
    assert res.status_code == 429 and "登录失败次数过多，请 15 分钟后再试" in res.content.decode()
    sent = client.post("/accounts/login/code/", {"phone": VOL_PHONE})
    assert sent.status_code == 429 and "登录失败次数过多" in sent.content.decode()


def test_password_login_is_unchanged(people):
    client = Client()
    res = client.post("/accounts/login/", {"username": "vol_phone", "password": PASSWORD})
    assert res.status_code == 302 and res["Location"] == "/"
