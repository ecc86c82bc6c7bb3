"""Pages fit a 390 px phone (issue 15 item 7), checked in a real browser with the helpers of
wenming/core/testing_browser.py, which the every-page check over every demo login reuses:

- the helpers themselves, on pages written for the purpose: a wide element is reported with
  its path, a wide table inside a sideways-scrolling box is not, English words are found and
  proper names, units and codes are not;
- the report pages that were 441 px wide, and a list of public and staff pages, are no wider
  than the phone.
"""

import os

import pytest

from wenming.core.testing_browser import (
    CHROMIUM,
    assert_fits,
    check_pages,
    collect_page_errors,
    english_ui_report,
    english_ui_text,
    login,
    overflowing,
    page_width,
    phone_browser,
    wrapped_text,
)

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

PASSWORD = "Wenming!2024"
SHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "img")

PAGE = """<!doctype html><html lang="zh-Hans"><head><meta name="viewport" content="width=device-width,
initial-scale=1"><style>body{{margin:0;font:16px sans-serif}} .box{{padding:8px}}</style></head>
<body><header><span class="who">zhangsan</span></header><main class="box">{body}</main></body></html>"""


def test_overflowing_names_the_elements_that_stick_out():
    with phone_browser() as (_, context):
        page = context.new_page()
        page.set_content(PAGE.format(body='<h1>标题</h1><form class="filters"><div><input id="wide" '
                                          'style="width:450px" name="q"></div></form>'))
        assert page_width(page) > 390
        found = overflowing(page)
        assert [f["element"] for f in found] == ["input#wide[name=q]"]
        assert found[0]["path"] == "main.box > form.filters > div > input#wide[name=q]"
        assert found[0]["over_by"] > 50 and found[0]["how"] == "box"
        with pytest.raises(AssertionError) as caught:
            assert_fits(page)
        assert "input#wide[name=q]" in str(caught.value) and "超出" in str(caught.value)

        # A wide table inside a box that scrolls sideways is the way to show it: not a fault.
        page.set_content(PAGE.format(body='<div style="overflow-x:auto"><table style="width:900px"><tr>'
                                          '<td>很宽的表格</td></tr></table></div>'))
        assert overflowing(page) == [] and page_width(page) <= 390
        assert_fits(page)

        # A long unbroken string spilling out of a narrow box is found too.
        page.set_content(PAGE.format(body='<p id="long" style="width:200px">' + "W" * 80 + "</p>"))
        found = overflowing(page)
        assert [f["element"] for f in found] == ["p#long"] and found[0]["how"] == "content"

        # A fitting page.
        page.set_content(PAGE.format(body="<p>正常的页面</p>"))
        assert overflowing(page) == [] and page_width(page) == 390


def test_english_ui_text_finds_words_but_not_names_units_or_codes():
    body = ('<h1>Not Found</h1><p>导出 Excel 文件 volunteers.xlsx，扫 QR 码，距离 3 km，ID 号</p>'
            '<p>志愿者编号 WM0000000001，点单 D20260000001，阵地 ZG-I01-S001，网址 https://x.example.cn/a</p>'
            '<p hidden>Hidden text</p><code>manage.py migrate</code><input placeholder="Search">'
            '<button title="Close">关闭</button><select><option>全部</option><option>Other</option></select>')
    with phone_browser() as (_, context):
        page = context.new_page()
        page.set_content(PAGE.format(body=body))
        assert english_ui_text(page) == ["Not", "Found", "Other", "Search", "Close"]
        assert english_ui_text(page, allow=["Other"], skip=["h1"]) == ["Search", "Close"]
        report = english_ui_report(page)
        assert report[0].where == "h1" and report[0].context == "Not Found"
        page.set_content(PAGE.format(body='<p>点单编号 <span class="mono">D20260000001</span></p>'))
        assert english_ui_text(page) == [] and wrapped_text(page, r"D\d{11}") == []


def _shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, name), full_page=False)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_report_pages_and_other_pages_fit_a_390px_phone(live_server, monkeypatch):
    from wenming.volunteers.tests.factories import build_world

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    build_world()
    base = live_server.url
    public = ["/", "/reports/public/", "/volunteers/register/", "/demands/new/", "/demands/track/", "/projects/",
              "/service/verify/", "/accounts/login/", "/nowhere-at-all/"]
    staff = ["/", "/reports/", "/reports/review/", "/reports/all/", "/reports/counts/", "/reports/new/",
             "/reports/public/?period_from=2026-01&period_to=2026-12&search=x", "/demands/board/",
             "/demands/board/?q=0001", "/grids/", "/volunteers/"]
    widths: dict[str, list] = {}
    with phone_browser() as (browser, context):
        page = context.new_page()
        errors = collect_page_errors(page)
        for path in public:
            page.goto(base + path)
            widths[path] = overflowing(page)
            assert_fits(page)
            if path == "/reports/public/":
                _shot(page, "h3-reports-public.png")
        staff_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
        staff_page = staff_context.new_page()
        errors += collect_page_errors(staff_page)
        login(staff_page, base, "office", PASSWORD)
        checks = check_pages(staff_page, base, staff, english=False)
        assert [c.path for c in checks] == staff and all(c.status == 200 for c in checks)
        widths |= {"office " + c.path: c.overflow for c in checks}
        assert [c for c in checks if not c.ok] == []
        staff_page.goto(base + "/reports/")
        _shot(staff_page, "h3-reports-mine.png")
        with pytest.raises(AssertionError):
            login(staff_page, base, "office", "wrong-password")  # a refusal says so at once
        assert errors == []
    assert {path: found for path, found in widths.items() if found} == {}
