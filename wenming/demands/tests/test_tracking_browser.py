"""On a 390 px phone: a request number never breaks over two lines (the page showing it once,
the board, the request's page), the board finds a request by its number, and the address
/demands/<number>/ opens it (issue 15 item 9)."""

import os

import pytest

from wenming.core.testing_browser import (
    CHROMIUM,
    assert_fits,
    collect_page_errors,
    login,
    phone_browser,
    wrapped_text,
)

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

PASSWORD = "Wenming!2024"
NUMBER = r"D\d{8,14}"
SHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "img")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_request_numbers_stay_whole_and_open_by_number(live_server, monkeypatch):
    from wenming.demands.models import Demand
    from wenming.volunteers.tests.factories import build_world

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = build_world()
    base = live_server.url
    for width in (390, 320):  # a common phone, and the narrowest still sold
        with phone_browser(viewport={"width": width, "height": 800}) as (_, context):
            page = context.new_page()
            errors = collect_page_errors(page)
            login(page, base, "manager_a", PASSWORD)
            page.goto(f"{base}/demands/enter/")
            page.select_option("#id_node", str(world.station_a.pk))
            page.fill("#id_name", "张秀英")
            page.fill("#id_phone", "13812345678")
            page.fill("#id_address", "九里村三组 12 号")
            page.select_option("#id_category", "shopping")
            page.fill("#id_description", "居家隔离，需要代购大米和蔬菜")
            page.locator("form button[type=submit].primary").last.click()
            page.wait_for_selector("#tracking-no")
            number = page.inner_text("#tracking-no").strip()
            assert wrapped_text(page, NUMBER) == [] and wrapped_text(page, r"\d{6}") == []
            assert_fits(page)
            if width == 390:
                os.makedirs(SHOTS, exist_ok=True)
                page.screenshot(path=os.path.join(SHOTS, "h3-request-number.png"))

            # The board finds it by its last digits; the whole number opens it.
            page.goto(f"{base}/demands/board/")
            page.fill("#id_q", number[-4:])
            page.press("#id_q", "Enter")
            page.wait_for_selector(f"text=编号含“{number[-4:]}”")
            assert wrapped_text(page, NUMBER) == []
            assert_fits(page)
            if width == 390:
                page.screenshot(path=os.path.join(SHOTS, "h3-board-search.png"))
            page.fill("#id_q", number.lower())
            page.press("#id_q", "Enter")
            page.wait_for_selector("h1 .mono")
            assert page.inner_text("h1 .mono") == number
            assert wrapped_text(page, NUMBER) == []
            page.goto(f"{base}/demands/{number}/")
            assert page.inner_text("h1 .mono") == number
            assert_fits(page)
            assert errors == []
    assert Demand.objects.count() == 2
