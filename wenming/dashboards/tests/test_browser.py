"""In a real browser: a county dashboard and the big screen draw their charts (a canvas per
chart, no script errors) with the expected headline figures."""

import os
import shutil
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.service.hours_services import hours_makeup
from wenming.volunteers.tests.factories import build_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_county_dashboard_and_big_screen_draw_their_charts(live_server):
    world = build_world()
    day = timezone.localdate() - timedelta(days=1)
    hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal("12.5"), service_date=day, reason="值守",
                 node=world.station_a)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "office")
            page.fill("input[name=password]", "Wenming!2024")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/dashboards/?node={world.county.pk}")
            assert page.text_content("#fig-volunteers").strip() == "2"
            assert page.text_content("#fig-hours").strip() == "12.50"
            for chart in ("#chart-hours", "#chart-demands", "#chart-projects", "#chart-children"):
                page.wait_for_selector(f"{chart} canvas")
            page.click("#open-screen")
            page.wait_for_url(f"{base}/dashboards/screen/?node={world.county.pk}")
            for chart in ("#chart-hours", "#chart-demands", "#chart-projects", "#chart-children"):
                page.wait_for_selector(f"{chart} canvas")
            assert page.text_content("#s-volunteers").strip() == "2"
            assert page.text_content("#s-hours").strip() == "13"  # the screen rounds to whole hours
            assert errors == []
        finally:
            browser.close()
