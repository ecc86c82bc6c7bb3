"""演示短信 (issue 15): the inbox exists only in a demo without an SMS gateway, never in
production; it shows a phone's texts of the last hour, newest first; code pages link to it."""

from datetime import timedelta

import pytest
from django.core import checks
from django.test import Client
from django.utils import timezone

from wenming.core.demo_sms import check_demo_sms_not_in_production, demo_sms_enabled
from wenming.core.models import AuditEntry, Notification
from wenming.core.notify import FakeSmsGateway, notify_phone, real_sms_configured

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def demo(settings):
    settings.DEMO_SMS_INBOX = "on"
    settings.WENMING_NOTIFY_BACKEND = "outbox"
    settings.PRODUCTION = False
    return settings


def _look(client, phone=PHONE):
    return client.post("/demo-sms/", {"phone": phone})


def test_the_inbox_shows_a_phones_texts_of_the_last_hour_newest_first(demo):
    notify_phone(phone=PHONE, subject="点单验证码", body="您的验证码是 111111，10 分钟内有效。")
    notify_phone(phone=PHONE, subject="登录验证码", body="您的登录验证码是 222222，10 分钟内有效。")
    notify_phone(phone="13900000000", subject="点单验证码", body="您的验证码是 333333。")
    notify_phone(phone=PHONE, subject="点单验证码", body="您的验证码是 444444。")
    Notification.objects.filter(body__contains="444444").update(created_at=timezone.now() - timedelta(minutes=61))
    client = Client()
    page = client.get("/demo-sms/").content.decode()
    assert "系统没有配置真实的短信网关" in page and "本页仅用于演示" in page
    res = _look(client, "+86 138 1234 5678")
    text = res.content.decode()
    assert res.status_code == 200
    assert text.index("222222") < text.index("111111")  # newest first
    assert "333333" not in text and "444444" not in text  # another phone; older than an hour
    assert PHONE not in client.get("/demo-sms/").content.decode()  # the number is never in a URL


def test_the_inbox_says_when_nothing_came_and_refuses_bad_numbers(demo):
    client = Client()
    assert "没有发给该号码的短信" in _look(client).content.decode()
    for bad in ("", "123", "138\x0012345678", "1" * 10000):
        res = _look(client, bad)
        assert res.status_code == 422 and "手机号码" in res.content.decode(), bad


def test_the_inbox_is_404_with_a_real_gateway_in_production_and_when_off(demo):
    assert demo_sms_enabled()
    demo.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    assert real_sms_configured() and not demo_sms_enabled()
    assert Client().get("/demo-sms/").status_code == 404
    assert Client().post("/demo-sms/", {"phone": PHONE}).status_code == 404
    demo.WENMING_NOTIFY_BACKEND = "console"
    assert not real_sms_configured() and demo_sms_enabled()  # a log line reaches nobody either
    demo.PRODUCTION = True
    assert not demo_sms_enabled() and Client().get("/demo-sms/").status_code == 404
    demo.PRODUCTION = False
    demo.DEMO_SMS_INBOX = "off"
    assert Client().get("/demo-sms/").status_code == 404
    FakeSmsGateway.sent.clear()


def test_auto_opens_the_inbox_only_on_the_demo_database(demo):
    demo.DEMO_SMS_INBOX = "auto"
    assert not demo_sms_enabled()  # real data (no demo seed): no inbox, whatever the backend
    AuditEntry.objects.create(action="seed.demo")
    assert demo_sms_enabled()
    demo.PRODUCTION = True
    assert not demo_sms_enabled()


def test_a_system_check_refuses_the_inbox_in_production(demo):
    demo.PRODUCTION = True
    errors = check_demo_sms_not_in_production()
    assert [e.id for e in errors] == ["wenming.E001"] and errors[0].level == checks.ERROR
    assert any(e.id == "wenming.E001" for e in checks.run_checks(tags=[checks.Tags.security]))
    demo.DEMO_SMS_INBOX = "auto"
    assert check_demo_sms_not_in_production() == []
    demo.PRODUCTION = False
    demo.DEMO_SMS_INBOX = "on"
    assert check_demo_sms_not_in_production() == []


@pytest.mark.parametrize("path", ["/demands/new/", "/accounts/login/?tab=phone"])
def test_pages_that_send_codes_link_to_the_inbox_only_in_demo_mode(demo, path):
    page = Client().get(path).content.decode()
    assert 'id="demo-sms-hint"' in page and 'href="/demo-sms/" target="_blank"' in page
    demo.DEMO_SMS_INBOX = "off"
    assert "demo-sms-hint" not in Client().get(path).content.decode()
