"""In a real browser (Debian's chromium, driven by Playwright): a volunteer signs up on the
mobile page and checks in through the link of the venue QR code."""

import os
import shutil
from datetime import timedelta

import pytest

from wenming.accounts.models import User
from wenming.service.models import Attendance, Enrollment
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.tests.factories import build_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Wenming!2024")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_volunteer_signs_up_on_the_phone_and_checks_in_by_venue_link(live_server):
    world = build_world()
    shift = recruiting_shift(world, capacity=3, starts_in=timedelta(minutes=10), lat="30.823000",
                             lon="110.977000", geofence_radius_m=200)
    user = User.objects.create_user(username="liming", password="Wenming!2024")
    world.vol_a.user = user
    world.vol_a.save()
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                        geolocation={"latitude": 30.8231, "longitude": 110.9771},
                                        permissions=["geolocation"], locale="zh-CN")
            page = phone.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base, "liming")
            page.goto(f"{base}/projects/{shift.project_id}/")
            page.click(f"#shift-{shift.pk} button[type=submit]")
            page.wait_for_selector("text=报名成功")

            staff = browser.new_context().new_page()
            _login(staff, base, "manager_a")
            staff.goto(f"{base}/venue/{shift.pk}/")
            assert staff.locator("svg").count() >= 1
            link = staff.get_attribute("#checkin-link", "href")

            page.goto(link)
            page.click("button[data-action=in]")
            page.wait_for_selector("#result")
            assert page.text_content("#result") == "签到成功"
            assert errors == []
        finally:
            browser.close()
    # The ORM only after the browser is closed: Playwright's sync API runs an event loop here.
    assert Enrollment.objects.get(shift=shift, volunteer=world.vol_a).status == "confirmed"
    attendance = Attendance.objects.get(enrollment__shift=shift)
    assert attendance.geofence_passed is True and attendance.distance_m < 50
