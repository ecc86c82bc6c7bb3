"""In a real browser (Debian's chromium, Playwright) on a 390 px phone: an inspector scans a
site's code, records a finding with a photo (the position checked), the unit's liaison sees
it on their workbench and answers with evidence, the inspector accepts, and the scoreboard
moves. Every page on the way must fit the phone."""

import os
import re
import shutil
from decimal import Decimal

import pytest

from wenming.core.tests.api_client import PASSWORD
from wenming.evaluation.models import Finding, FindingStatus
from wenming.evaluation.selectors import scoreboard
from wenming.evaluation.tests.factories import a_round, build_evaluation
from wenming.volunteers.tests.factories import build_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

_pw = pytest.importorskip("playwright.sync_api")
sync_playwright, expect = _pw.sync_playwright, _pw.expect

MOBILE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
AT_MARKET = {"latitude": 30.8301, "longitude": 111.0001, "accuracy": 15}


def _jpeg(path):
    from PIL import Image

    img = Image.new("RGB", (160, 120), (90, 140, 60))
    img.paste((200, 200, 200), (0, 60, 160, 120))
    img.save(path, "JPEG", quality=85)
    return str(path)


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _fits(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{where} is {width} px wide on a 390 px phone"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inspector_records_liaison_answers_inspector_accepts_on_a_phone(live_server, settings, tmp_path,
                                                                      monkeypatch):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    # the checks read the database between browser steps, inside Playwright's event loop
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    e = build_evaluation(build_world())
    rnd = a_round(e)
    before = scoreboard.node_board(e.campaign, e.world.county).score
    base, errors = live_server.url, []
    photo, evidence = _jpeg(tmp_path / "problem.jpg"), _jpeg(tmp_path / "fixed.jpg")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # ---- the inspector at the market: its code opens the form -------------------------
            ctx = browser.new_context(**MOBILE, geolocation=AT_MARKET, permissions=["geolocation"])
            insp = ctx.new_page()
            insp.on("pageerror", lambda exc: errors.append(f"inspector: {exc}"))
            _login(insp, base, "inspector")
            expect(insp.locator(".todo-panel")).to_contain_text("测评督查")
            _fits(insp, "the inspector's home")
            insp.goto(f"{base}/evaluation/site/{e.site_market.code}/")
            insp.wait_for_url(re.compile(rf"/evaluation/rounds/{rnd.pk}/sites/{e.site_market.pk}/record/$"))
            expect(insp.locator("h1")).to_have_text("录入问题")
            _fits(insp, "the recording form")
            insp.select_option("#id_indicator", str(e.hygiene.pk))
            insp.select_option("#id_deduction", str(e.litter.pk))
            insp.fill("#id_description", "东门入口地面积水、散落垃圾")
            insp.set_input_files("#id_photos", photo)
            insp.click("#submit-finding")
            expect(insp.locator("ul.messages")).to_contain_text("已交办责任单位")
            expect(insp.locator("#finding-status")).to_have_text("待整改")
            expect(insp.locator("dl.fields")).to_contain_text("在点位范围内")
            expect(insp.locator("dl.fields")).to_contain_text("县市场监管局（牵头单位）")
            _fits(insp, "the finding page")
            finding = Finding.objects.get()
            assert finding.position_passed and finding.points == Decimal("0.30")
            assert insp.locator("img.thumb").count() == 1

            # ---- the liaison: workbench → task → answer with a photo --------------------------
            lia = browser.new_context(**MOBILE).new_page()
            lia.on("pageerror", lambda exc: errors.append(f"liaison: {exc}"))
            _login(lia, base, "liaison_market")
            expect(lia.locator(".todo-panel")).to_contain_text("本单位待整改的问题")
            _fits(lia, "the liaison's home")
            lia.locator(".todo-panel").get_by_role("link", name="去整改").click()
            expect(lia.locator("#my-tasks")).to_contain_text(finding.number)
            _fits(lia, "the liaison's workbench")
            lia.locator("#my-tasks").get_by_role("link", name=re.compile("九里村农贸市场")).first.click()
            expect(lia.locator("#answer")).to_be_visible()
            lia.fill("#id_text", "已组织清扫，增设排水沟盖板")
            lia.set_input_files("#id_photos", evidence)
            lia.click("#submit-answer")
            expect(lia.locator("ul.messages")).to_contain_text("等待督查员复查")
            expect(lia.locator("#finding-status")).to_have_text("待复查")
            _fits(lia, "the answered finding")

            # ---- the inspector re-inspects and accepts ----------------------------------------
            insp.goto(f"{base}/")
            expect(insp.locator(".todo-panel")).to_contain_text("待复查的整改")
            insp.goto(f"{base}/evaluation/findings/{finding.pk}/")
            insp.fill("#id_note", "复查已整改到位")
            insp.click("#accept")
            expect(insp.locator("#finding-status")).to_have_text("已整改")
            assert insp.locator("img.thumb").count() == 2

            # ---- the scoreboard moved ---------------------------------------------------------
            insp.goto(f"{base}/evaluation/campaigns/{e.campaign.pk}/")
            _fits(insp, "the scoreboard")
            after = scoreboard.node_board(e.campaign, e.world.county).score
            assert after < before
            expect(insp.locator("#total")).to_contain_text(str(after))
            lia.goto(f"{base}/evaluation/campaigns/{e.campaign.pk}/units/{e.market_bureau.pk}/")
            expect(lia.locator("table.board")).to_contain_text("扣 0.30 分")
            _fits(lia, "the unit's board")
        finally:
            browser.close()
    assert errors == []
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACCEPTED
