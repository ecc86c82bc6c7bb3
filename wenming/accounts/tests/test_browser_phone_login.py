"""In a real browser (Debian's chromium, Playwright) on a 390 px phone, starting logged out,
with the embedded notification default (no SMS gateway: the texts are read on the 演示短信
page, as a newcomer trying the demo would):

(a) a resident submits a request with the code read from the demo inbox, logs in by phone
    code (again from the inbox), finds the request under 我的点单; staff complete it; the
    resident rates it on the page;
(b) a volunteer with an account and a phone logs in by phone code and lands on the home page.

Screenshots go to docs/img/h1-*.png (the user guide uses them)."""

import os
import re
import shutil
from pathlib import Path

import pytest

from wenming.accounts.models import User
from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.demands.models import Demand, DemandStatus
from wenming.demands.tests.factories import volunteer_user
from wenming.demands.tests.mine_factories import completed
from wenming.volunteers.tests.factories import build_world, user

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

_pw = pytest.importorskip("playwright.sync_api")
sync_playwright, expect = _pw.sync_playwright, _pw.expect

MOBILE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "img"
RESIDENT_PHONE = "13812345678"
VOLUNTEER_PHONE = "13722223333"


def _fits(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{where} is {width} px wide on a 390 px phone"


def _shot(page, name: str) -> None:
    _fits(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"h1-{name}.png"), full_page=True)


def _code_from_inbox(page, phone: str, subject: str, shot: str = "") -> str:
    """Follow the page's 演示短信 link (it opens beside the form), type the phone, read the code."""
    with page.expect_popup() as popup:
        page.locator("#demo-sms-hint a").click()
    inbox = popup.value
    expect(inbox.locator("h1")).to_have_text("演示短信")
    expect(inbox.locator("#demo-sms-notice")).to_contain_text("系统没有配置真实的短信网关")
    inbox.fill("#id_phone", phone)
    inbox.locator("#demo-sms-show").click()
    newest = inbox.locator(".demo-sms-item").first
    expect(newest).to_contain_text(subject)
    code = re.search(r"验证码是 (\d{6})", newest.locator(".demo-sms-body").inner_text()).group(1)
    if shot:
        _shot(inbox, shot)
    inbox.close()
    return code


@pytest.fixture
def demo_inbox(settings, monkeypatch):
    """The embedded default (outbox, no gateway) with the 演示短信 page on (settings reach the
    live server: same process). The ORM is used between browser steps."""
    settings.WENMING_NOTIFY_BACKEND = "outbox"
    settings.DEMO_SMS_INBOX = "on"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_resident_requests_logs_in_by_code_finds_it_under_mine_and_rates_it(live_server, demo_inbox):
    world = build_world()
    helper = volunteer_user(world, "helper1", phone="13700000001")
    base = live_server.url
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(**MOBILE)
            context.on("page", lambda pg: pg.on("pageerror", lambda exc: errors.append(str(exc))))
            page = context.new_page()

            # ---- the request form, the code from the 演示短信 inbox -------------------------
            page.goto(f"{base}/demands/new/")
            expect(page.locator("h1")).to_have_text("群众点单")
            page.fill("#id_name", "张秀英")
            page.fill("#id_phone", RESIDENT_PHONE)
            page.click("#send-code")
            expect(page.locator("#code-status")).to_have_text("验证码已发送，请查收短信（10 分钟内有效）")
            expect(page.locator("#demo-sms-hint")).to_contain_text("演示环境未接短信网关")
            _shot(page, "demand-code-sent")
            code = _code_from_inbox(page, RESIDENT_PHONE, "点单验证码", shot="demo-sms-inbox")
            page.fill("#id_code", code)
            page.fill("#id_address", "九里村三组 12 号")
            page.select_option("#id_category", "medicine")
            page.fill("#id_description", "腿脚不便，需要代购降压药")
            page.get_by_role("button", name="提交点单").click()
            expect(page.locator("p.result")).to_contain_text("点单已提交")
            tracking_no = page.locator("#tracking-no").inner_text().strip()
            expect(page.locator(".keep-code")).to_contain_text("在“我的点单”查看进度和评价，无需查询码")
            _shot(page, "demand-submitted")

            # ---- log in by phone code (the link on the result page) ---------------------------
            page.locator(".keep-code").get_by_role("link", name="登录").click()
            expect(page.locator("#tab-phone")).to_have_attribute("aria-current", "page")
            expect(page.locator("#phone-login-note")).to_contain_text("首次使用的手机号会自动创建群众账号")
            page.fill("#id_phone", RESIDENT_PHONE)
            page.click("#send-code")
            expect(page.locator("#code-status")).to_have_text("验证码已发送，请查收短信（10 分钟内有效）")
            expect(page.locator("#send-code")).to_be_disabled()  # the 60-second wait
            code = _code_from_inbox(page, RESIDENT_PHONE, "登录验证码")
            page.fill("#id_code", code)
            _shot(page, "login-by-code")
            page.locator("#phone-login-submit").click()

            # ---- 我的点单 ---------------------------------------------------------------------------
            page.wait_for_url(f"{base}/demands/mine/")
            expect(page.locator("h1")).to_have_text("我的点单")
            expect(page.locator("ul.messages")).to_contain_text("已为您创建群众账号")
            card = page.locator("article.mine-card", has_text=tracking_no)
            expect(card).to_contain_text("待审核")
            expect(card).to_contain_text(f"下一步：等待{world.station_a.name}审核受理")
            _shot(page, "mine-list")

            # staff do their part (the board and the volunteer's pages have their own tests)
            demand = Demand.objects.get(tracking_no=tracking_no)
            completed(world, demand, helper)

            page.reload()
            card = page.locator("article.mine-card", has_text=tracking_no)
            expect(card).to_contain_text("已完成")
            card.get_by_role("link", name="去评价").click()
            expect(page.locator("#status")).to_have_text("已完成")
            expect(page.locator("#next-step")).to_contain_text("请为本次服务评价")
            expect(page.locator("ol.history")).to_contain_text("服务完成")
            assert helper.name not in page.locator("ol.history").inner_text()
            page.check("input[name=rating][value='5']")
            page.fill("#id_comment", "药送得很及时，谢谢")
            _shot(page, "mine-rate")
            page.locator("#rate-submit").click()
            expect(page.locator("ul.messages")).to_contain_text("感谢您的评价！")
            expect(page.locator("#status")).to_have_text("已评价")
            expect(page.locator("span.stars")).to_have_text("★★★★★")
            expect(page.locator("#rate-form")).to_have_count(0)
            _shot(page, "mine-rated")
            assert errors == [], errors
        finally:
            browser.close()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.RATED and demand.rating == 5
    resident = User.objects.get(phone_masked="138****5678")
    assert not resident.has_usable_password()
    assert set(resident.assignments.values_list("role", flat=True)) == {Role.RESIDENT}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_volunteer_logs_in_by_phone_code_and_lands_on_the_home_page(live_server, demo_inbox):
    world = build_world()
    account = user("liming", phone=VOLUNTEER_PHONE)
    role_grant(actor=world.root, user=account, role=Role.VOLUNTEER, node=world.station_a)
    world.vol_a.user = account
    world.vol_a.save(update_fields=["user"])
    base = live_server.url
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(**MOBILE)
            context.on("page", lambda pg: pg.on("pageerror", lambda exc: errors.append(str(exc))))
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.locator("#tab-phone").click()
            page.fill("#id_phone", VOLUNTEER_PHONE)
            page.click("#send-code")
            expect(page.locator("#code-status")).to_have_text("验证码已发送，请查收短信（10 分钟内有效）")
            page.fill("#id_code", _code_from_inbox(page, VOLUNTEER_PHONE, "登录验证码"))
            page.locator("#id_code").press("Enter")  # Enter logs in (not 获取验证码)
            page.wait_for_url(f"{base}/")
            expect(page.locator("h1")).to_have_text("工作台")
            expect(page.locator("header .who")).to_contain_text("liming")
            _shot(page, "volunteer-home")
            assert errors == [], errors
        finally:
            browser.close()
    assert User.objects.get(pk=account.pk).phone_verified_at is not None
