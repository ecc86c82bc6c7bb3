"""Every page each demo login can reach, in a real browser on a 390 px phone (issue 15):
none wider than the screen, no English UI text outside proper names, no link that leads to a
refusal (403/404) or a server error.

The demo county is seeded once; each demo account logs in and follows the links it is shown,
breadth first from its home page, one page per address shape (/volunteers/12/ and
/volunteers/13/ are one shape), up to PAGES_PER_ROLE. Downloads (Excel, PDF, ZIP) and the
Django admin (the platform administrator's desktop tool, in Django's own layout) are not
walked. The problems of every page are collected and reported together."""

import os
import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from wenming.core.testing_browser import (
    PHONE,
    chromium_available,
    describe_overflow,
    english_ui_text,
    login,
    overflowing,
    phone_browser,
)
from wenming.seeding.demo_accounts import DEMO_PASSWORD

if not chromium_available() and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it)", allow_module_level=True)

ROLES = ["office", "institute", "station", "leader", "volunteer", "resident", "counselor", "supervisor",
         "inspector", "liaison", "reviewer", "admin"]
PAGES_PER_ROLE = 90
NOT_WALKED = re.compile(r"^/(admin|api|static|media|uploads)/|/logout|/export|/download|/template|/sheet"
                        r"|/pdf|\.(xlsx|pdf|zip|csv)$|format=")
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "img"
# login names of the demo accounts are shown where a person is named (督导：supervisor)
NAMES = {*ROLES}


def shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/N", re.sub(r"/[0-9a-fA-F-]{16,}(?=/|$)", "/U", path))


def walk(browser, base: str, role: str) -> tuple[int, list[str]]:
    ctx = browser.new_context(viewport=dict(PHONE), is_mobile=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, base, role, DEMO_PASSWORD)
    problems, seen, shapes, queue = [], set(), set(), deque([("/", "登录")])
    while queue and len(seen) < PAGES_PER_ROLE:
        path, came_from = queue.popleft()
        seen.add(path)
        errors.clear()
        try:
            res = page.goto(base + path)
        except Exception as exc:  # a link that starts a download is not a page
            if "Download is starting" not in str(exc):
                problems.append(f"{role} {path}: {str(exc)[:120]}")
            continue
        if res is None or res.status >= 400:
            problems.append(f"{role} {path} (linked from {came_from}): HTTP {res.status if res else '?'}")
            continue
        if not res.headers.get("content-type", "").startswith("text/html"):
            continue  # a photo or a file shown by the browser itself
        here = urlparse(page.url).path
        wide = overflowing(page)
        if wide:
            problems.append(f"{role} {here}: wider than {PHONE['width']} px: {describe_overflow(wide[:3])}")
        english = english_ui_text(page, allow=NAMES)
        if english:
            problems.append(f"{role} {here}: English UI text {english[:8]}")
        if errors:
            problems.append(f"{role} {here}: script errors {errors[:2]}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urlparse(urljoin(page.url, href))
            target = url.path + (f"?{url.query}" if url.query else "")
            if url.netloc != urlparse(base).netloc or NOT_WALKED.search(target) or target in seen:
                continue
            key = shape(url.path) + ("?" if url.query else "")
            if key in shapes:
                continue
            shapes.add(key)
            queue.append((target, here))
    ctx.close()
    return len(seen), problems


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_page_of_every_demo_login_fits_the_phone_and_speaks_chinese(live_server, monkeypatch):
    from wenming.seeding.demo import seed_demo

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    seed_demo(volunteers=150, progress=False)
    problems, walked = [], {}
    with phone_browser() as (browser, _):
        for role in ROLES:
            walked[role], found = walk(browser, live_server.url, role)
            problems += found
    assert all(n >= 5 for n in walked.values()), walked  # every login reached its pages
    assert not problems, "\n".join(problems)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_unknown_address_shows_the_chinese_not_found_page_with_a_way_back(live_server):
    base = live_server.url
    with phone_browser() as (_, context):
        page = context.new_page()
        res = page.goto(f"{base}/no-such-page/")
        assert res.status == 404
        assert "未找到该对象或无权访问" in page.inner_text("main")
        assert overflowing(page) == [] and english_ui_text(page) == []
        page.screenshot(path=str(SCREENSHOTS / "it-not-found.png"))
        page.locator("main a", has_text="返回首页").click()
        page.wait_for_url(f"{base}/")
