"""In a real browser: a county dashboard and the big screen draw their charts (a canvas per
chart, no script errors) with the expected headline figures."""

import os
import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from wenming.orgs.models import Node
from wenming.service.hours_services import hours_makeup
from wenming.volunteers.tests.factories import build_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


LATIN = re.compile(r"[A-Za-z_]{3,}")
SHOTS = Path("/tmp/dashboard_shots")


def _login(page, base):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "Wenming!2024")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _no_raw_codes(page, where: str, content: str):
    """The content (not the top bar, which names the signed-in account) speaks Chinese."""
    words = set(LATIN.findall(page.inner_text(content))) - {"Excel"}
    assert not words, f"{where} shows {sorted(words)}"


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
            _login(page, base)
            page.goto(f"{base}/dashboards/?node={world.county.pk}")
            assert page.text_content("#fig-volunteers").strip() == "2"
            assert page.text_content("#fig-hours").strip() == "12.50"
            for chart in ("#chart-hours", "#chart-demands", "#chart-projects", "#chart-children"):
                page.wait_for_selector(f"{chart} canvas")
            page.click("#open-screen")
            page.wait_for_url(re.compile(rf"{base}/dashboards/screen/\?node={world.county.pk}&since=.*"))
            for chart in ("#chart-hours", "#chart-demands", "#chart-projects", "#chart-children"):
                page.wait_for_selector(f"{chart} canvas")
            assert page.text_content("#s-volunteers").strip() == "2"
            assert page.text_content("#s-hours").strip() == "13"  # the screen rounds to whole hours
            assert errors == []
        finally:
            browser.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_office_reads_an_epidemic_period_on_a_phone_and_the_big_screen_with_its_map(live_server):
    """2020-02…2020-03 on a 390 px phone: the period's figures in styled cards, the charts and
    the map of the stations, Chinese words only; then the big screen for the same period."""
    world = build_world()
    for day, hours in ((date(2020, 2, 10), 8), (date(2020, 2, 11), 8), (date(2020, 3, 2), 6)):
        hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal(hours), service_date=day,
                     reason="疫情防控卡点值守", node=world.station_a)
    Node.objects.filter(pk=world.station_a.pk).update(lat=Decimal("30.83"), lon=Decimal("110.98"))
    Node.objects.filter(pk=world.station_b.pk).update(lat=Decimal("30.86"), lon=Decimal("110.95"))
    base, query = live_server.url, f"node={world.county.pk}&since=2020-02&until=2020-03"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                        locale="zh-CN")
            page = phone.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base)
            page.goto(f"{base}/dashboards/?{query}")
            assert page.text_content("#period-label").strip() == "2020年2月至2020年3月"
            assert page.text_content("#fig-period-hours").strip() == "22"
            for chart in ("#chart-hours", "#chart-children", "#chart-map"):
                page.wait_for_selector(f"{chart} canvas")
            styled = page.evaluate("""() => {
                const dl = document.querySelector('#headline'), dd = dl.querySelector('dd');
                return [getComputedStyle(dl).display, parseFloat(getComputedStyle(dd).fontSize)]; }""")
            assert styled[0] == "grid" and styled[1] >= 20, styled
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the dashboard is {width} px wide on a 390 px phone"
            _no_raw_codes(page, "the dashboard", "main")
            page.screenshot(path=str(SHOTS / "01-dashboard-2020.png"), full_page=True)

            screen = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN").new_page()
            screen.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(screen, base)
            screen.goto(f"{base}/dashboards/screen/?{query}")
            for chart in ("#chart-hours", "#chart-children", "#chart-map", "#chart-projects"):
                screen.wait_for_selector(f"{chart} canvas")
            assert screen.text_content("#period").strip() == "2020年2月至2020年3月"
            assert screen.text_content("#s-period-hours").strip() == "22"
            _no_raw_codes(screen, "the big screen", ".screen")
            screen.screenshot(path=str(SHOTS / "02-screen-2020.png"))
            assert errors == []
        finally:
            browser.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_office_closes_a_reported_period_and_reopens_it_on_a_phone(live_server, monkeypatch):
    """After the 2020-02…2020-03 report: 关账本期 from the report, the closing listed, the report
    says it is closed, a back-entry into it is refused, and the office reopens it with a reason."""
    from wenming.orgs.models import PeriodClosing

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the test reads the database between pages
    world = build_world()
    base, query = live_server.url, f"node={world.county.pk}&since=2020-02&until=2020-03"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                       locale="zh-CN").new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base)
            page.goto(f"{base}/dashboards/report/?{query}")
            page.click("#close-hint a")  # 关账本期
            assert page.input_value("input[name=since]") == "2020-02"
            assert page.input_value("input[name=until]") == "2020-03"
            page.fill("input[name=note]", "2020年2—3月工作报告已报送")
            page.click("#close-period button[type=submit]")
            page.wait_for_selector("#closings .tag")
            assert page.text_content("#closings .tag").strip() == "已关账"
            closing = PeriodClosing.objects.get()
            assert (closing.node_id, closing.closed_by.username) == (world.county.pk, "office")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(SHOTS / "03-closed.png"), full_page=True)

            page.goto(f"{base}/dashboards/report/?{query}")
            assert "已于" in page.text_content(f"#closed-{closing.pk}")
            with pytest.raises(Exception, match="period_closed|已关账"):
                hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal(2), service_date=date(2020, 2, 10),
                             reason="据纸质签到表补录", node=world.station_a)

            page.goto(f"{base}/orgs/closings/")
            page.click(f"#closing-{closing.pk} summary")
            page.fill(f"#closing-{closing.pk} textarea[name=reason], #closing-{closing.pk} input[name=reason]",
                      "发现2020年2月卡点值守签到表漏录一页")
            page.click(f"#closing-{closing.pk} button[type=submit]")
            page.wait_for_selector(f"#closing-{closing.pk} .tag.muted")
            assert page.text_content(f"#closing-{closing.pk} .tag").strip() == "已重新开放"
            hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal(2), service_date=date(2020, 2, 10),
                         reason="据纸质签到表补录", node=world.station_a)
            assert errors == []
        finally:
            browser.close()
