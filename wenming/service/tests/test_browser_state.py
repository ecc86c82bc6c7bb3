"""In a real browser on a 390 px phone (Debian's chromium, driven by Playwright): a volunteer
logs in by phone and text code (read from the 演示短信 page), opens a project, signs up, sees
已报名 with 取消报名 instead of 报名, cancels and sees 报名 again; 我的服务 shows the cancelled sign-up under 往期 without a cancel button.
Screenshots for the user guide: docs/img/h2-*.png."""

import os
import shutil
from pathlib import Path

import pytest

from wenming.core.testing_browser import login_by_phone_code
from wenming.service.models import Enrollment
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.tests.factories import build_world
from wenming.volunteers.tests.factories import user as make_user

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "img"

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def _login(page, base, phone):
    """Phone + text code, the code read from the 演示短信 page (issue 15's journey)."""
    login_by_phone_code(page, base, phone)


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"h2-{name}.png"), full_page=True)


VOLUNTEER_PHONE = "13722223333"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_volunteer_signs_up_sees_enrolled_cancels_and_sees_sign_up_again(live_server, settings, monkeypatch):
    settings.WENMING_NOTIFY_BACKEND = "outbox"  # the embedded default: texts on the 演示短信 page
    settings.DEMO_SMS_INBOX = "on"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = build_world()
    shift = recruiting_shift(world, capacity=3, address="九里村村委会门口", description="在村口路段劝导文明出行。")
    user = make_user("liming", phone=VOLUNTEER_PHONE)
    world.vol_a.user = user
    world.vol_a.save()
    base = live_server.url
    card = f"#shift-{shift.pk}"
    title = shift.project.title
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            phone = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
            page = phone.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda dialog: dialog.accept())  # 确定取消报名？
            _login(page, base, VOLUNTEER_PHONE)
            page.goto(f"{base}/projects/")
            assert page.locator(f"#list-shift-{shift.pk}").inner_text().endswith("剩余 3/3")
            page.click(f"text={title}")
            page.wait_for_selector(card)
            assert page.locator(f"{card} button").inner_text() == "报名"
            _fits(page)

            page.click(f"{card} button[type=submit]")
            page.wait_for_selector("text=报名成功")
            assert page.locator(f"{card} .shift-state .tag").inner_text() == "已报名"
            assert page.locator(f"{card} button").all_inner_texts() == ["取消报名"]
            _fits(page)
            _shot(page, "signed-up")

            page.click(f"{card} button.cancel-button")
            page.wait_for_selector("text=已取消报名")
            assert page.locator(f"{card} button").all_inner_texts() == ["报名"]
            assert "已报名" not in page.locator(card).inner_text()
            _shot(page, "cancelled")

            page.goto(f"{base}/my/shifts/")
            row = page.locator(".enrollment-card").first
            assert "已取消" in row.inner_text() and row.locator("button").count() == 0
            _fits(page)
            _shot(page, "my-shifts")

            page.goto(f"{base}/projects/")
            assert page.locator(f"#list-shift-{shift.pk}").inner_text().endswith("剩余 3/3")
            assert errors == []
        finally:
            browser.close()
    # The ORM only after the browser is closed: Playwright's sync API runs an event loop here.
    assert list(Enrollment.objects.filter(shift=shift).values_list("status", flat=True)) == ["cancelled"]
