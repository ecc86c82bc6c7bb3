"""In a real browser on a 390 px phone: a volunteer refused for insurance follows the link in
the refusal, updates the insurance with a photo of the policy and sees 待审核; the station's
manager confirms it from the list of pending confirmations; the volunteer goes back to the
project and signs up. Screenshots for the user guide: docs/img/h2-*.png."""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.testing import make_jpeg
from wenming.service.models import Enrollment
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.change_models import ProfileChange
from wenming.volunteers.models import Volunteer
from wenming.volunteers.tests.factories import build_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
PASSWORD = "Wenming!2024"
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "img"

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def _login(page, base, username, password=PASSWORD):
    """LOGIN HELPER — switch here when phone-code login lands (issue 15, item 1): fill the
    phone, read the code from the demo SMS inbox and submit it, instead of the password form."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"h2-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_refused_for_insurance_volunteer_updates_it_staff_confirm_then_sign_up_succeeds(live_server, settings,
                                                                                         tmp_path):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    world = build_world()
    shift = recruiting_shift(world, capacity=3, requires_insurance=True, address="九里村卡点",
                             risk_disclosure="请全程佩戴口罩；须有有效的志愿服务保险。")
    user = User.objects.create_user(username="liming", password=PASSWORD)
    world.vol_a.user = user
    world.vol_a.save()
    photo = tmp_path / "policy.jpg"
    photo.write_bytes(make_jpeg(1200, 900))
    valid_until = timezone.localdate() + timedelta(days=365)
    base = live_server.url
    card = f"#shift-{shift.pk}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            phone = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
            page = phone.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base, "liming")
            page.goto(f"{base}/projects/{shift.project_id}/")
            assert "未登记" in page.locator("#req-insurance").inner_text()
            page.click(f"{card} button[type=submit]")
            refusal = page.locator(".messages li.error")
            refusal.wait_for()
            assert "请先更新保险信息" in refusal.inner_text()
            _fits(page)
            _shot(page, "insurance-refused")

            refusal.locator("a.fix-link").click()  # 去更新保险信息
            page.wait_for_url(f"{base}/volunteers/me/insurance/?next=*")
            page.fill("input[name=insurer]", "中国人寿秭归支公司")
            page.fill("input[name=policy_no]", "PZG2026-0001")
            page.fill("input[name=valid_until]", f"{valid_until:%Y-%m-%d}")
            page.set_input_files("input[name=evidence]", str(photo))
            _fits(page)
            page.click("form button.primary")
            page.wait_for_selector("text=已提交保险信息")
            assert page.locator("#change-state-insurance .tag").inner_text() == "待审核"
            _fits(page)
            _shot(page, "insurance-pending")

            staff = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN").new_page()
            staff.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(staff, base, "manager_a")
            staff.goto(f"{base}/volunteers/")
            staff.click("#pending-changes a")
            staff.wait_for_url(f"{base}/volunteers/changes/")
            item = staff.locator(".change-card").first
            assert "PZG2026-0001" in item.inner_text() and "待审核" in item.inner_text()
            _fits(staff)
            _shot(staff, "confirm-list")
            item.locator("button.primary").click()  # 确认
            staff.wait_for_selector("text=已确认 李明 的保险信息")
            assert staff.locator("#no-changes").is_visible()

            page.reload()
            assert page.locator("#change-state-insurance .tag").inner_text() == "已确认"
            page.click("#back-to-next")  # 返回报名页面
            page.wait_for_selector(card)
            assert "符合" in page.locator("#req-insurance").inner_text()
            page.click(f"{card} button[type=submit]")
            page.wait_for_selector("text=报名成功")
            assert page.locator(f"{card} .shift-state .tag").inner_text() == "已报名"
            _fits(page)
            _shot(page, "insurance-signed-up")
            assert errors == []
        finally:
            browser.close()
    assert Enrollment.objects.get(shift=shift, volunteer=world.vol_a).status == "confirmed"
    assert Volunteer.objects.get(pk=world.vol_a.pk).insurance_valid_until == valid_until
    change = ProfileChange.objects.get()
    assert (change.status, change.decided_by_id) == ("confirmed", world.manager_a.pk)
