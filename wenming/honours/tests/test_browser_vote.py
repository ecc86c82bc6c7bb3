"""In a real browser (Debian's chromium, Playwright) on a 390 px phone: a resident opens the
vote link, proves the phone with the text code, votes, sees the count go up, is told in plain
Chinese that a second vote for the same nominee today is over the limit, and takes the vote
back. Every page on the way must fit the phone; screenshots go to /tmp/honours_shots/.

The text goes out through the fake gateway (`wenming.core.notify.FakeSmsGateway`, the
`gateway` fixture of conftest.py): the live server runs in this process, so the code it
"sent" is readable here."""

import os
import re
import shutil
from pathlib import Path

import pytest

from wenming.core.uploads import image_store
from wenming.honours.models import Nomination, NominationFile, Vote
from wenming.honours.tests.factories import build_city
from wenming.honours.tests.test_votes import on_ballot

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

_pw = pytest.importorskip("playwright.sync_api")
sync_playwright, expect = _pw.sync_playwright, _pw.expect

MOBILE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
PHONE = "13812345678"
SHOTS = Path("/tmp/honours_shots")


def _jpeg(path) -> Path:
    from PIL import Image

    img = Image.new("RGB", (640, 480), (200, 60, 40))
    img.paste((250, 220, 120), (0, 300, 640, 480))
    img.save(path, "JPEG", quality=85)
    return path


def _fits(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{where} is {width} px wide on a 390 px phone"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_resident_verifies_votes_and_is_told_the_limit_on_a_phone(live_server, gateway, settings, tmp_path,
                                                                    monkeypatch):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    # the checks read the database between browser steps, inside Playwright's event loop
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    c = build_city()
    a, b, _ = on_ballot(c)  # 5 votes a day, 1 per nominee
    Nomination.objects.filter(pk=a.pk).update(priority=True, priority_note="疫情期间连续值守卡点六十天")
    photo = image_store(actor=c.root, upload=_jpeg(tmp_path / "a.jpg").read_bytes(), purpose="honour_evidence")
    NominationFile.objects.create(nomination=a, image=photo)
    base, errors = live_server.url, []
    vote_path = f"/honours/{c.campaign.pk}/vote/"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(**MOBILE).new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # ---- the campaign page: rules, ballot, the vote's link and QR code ----------------
            page.goto(f"{base}/honours/{c.campaign.pk}/")
            expect(page.locator("h1")).to_have_text(c.campaign.name)
            expect(page.locator("#stage")).to_have_text("网络投票")
            expect(page.locator("#rules")).to_contain_text("每个手机号每天最多投 5 票")
            expect(page.locator("#vote-qr svg")).to_be_visible()
            _fits(page, "the campaign page")
            _shot(page, "01-campaign")

            # ---- the vote link: verify the phone first -----------------------------------------
            page.goto(f"{base}{vote_path}")
            expect(page.locator("h1")).to_contain_text("网络投票")
            expect(page.locator(f"#n-{a.pk} .tag.priority")).to_have_text("抗疫一线")
            expect(page.locator(f"#n-{a.pk} img.photo")).to_be_visible()
            expect(page.locator(f"#n-{a.pk}")).to_contain_text("验证后投票")
            _fits(page, "the vote page before verifying")
            _shot(page, "02-vote-verify")
            page.fill("#id_phone", PHONE)
            page.click("#send-code")
            expect(page.locator("#code-status")).to_have_text("验证码已发送，请查收短信（10 分钟内有效）")
            expect(page.locator("#send-code")).to_be_disabled()  # the 60-second wait
            texts = [t for to, t in list(gateway.sent) if to == PHONE]
            assert len(texts) == 1 and "网络投票" in texts[0], texts
            code = re.search(r"验证码是 (\d{6})", texts[0]).group(1)
            page.fill("#id_code", code)
            page.click("#verify-button")
            expect(page.locator("#voter")).to_contain_text("手机号验证成功，2 小时内可以直接投票。")
            expect(page.locator("#voter")).to_contain_text("*******5678")
            expect(page.locator("#left")).to_have_text("5")
            assert code not in page.url and "token" not in page.url
            _fits(page, "the vote page once verified")

            # a second tab, opened now, still offers a vote for every nominee
            stale = page.context.new_page()
            stale.on("pageerror", lambda exc: errors.append(str(exc)))
            stale.goto(f"{base}{vote_path}")

            # ---- vote: the count goes up in place ----------------------------------------------
            card = page.locator(f"#n-{a.pk}")
            card.get_by_role("button", name="投票").click()
            expect(card.locator(".vote-msg")).to_contain_text("投票成功！")
            expect(card.locator(".votes")).to_have_text("1")
            expect(card.locator(".today")).to_have_text("今天已为TA投 1 票")
            expect(page.locator("#left")).to_have_text("4")
            expect(page.locator("#mine-list")).to_contain_text(a.name)
            _fits(page, "the vote page after a vote")
            _shot(page, "03-voted")

            # the card now says the nominee's votes for today are used up; the others still vote
            expect(card.locator("form.vote-form button")).to_have_text("今天已为TA投满")
            expect(card.locator("form.vote-form button")).to_be_disabled()
            expect(page.locator(f"#n-{b.pk} form.vote-form button")).to_be_enabled()

            # ---- a second vote for the same nominee from the other tab: over today's limit ----
            stale_card = stale.locator(f"#n-{a.pk}")
            stale_card.get_by_role("button", name="投票").click()
            expect(stale_card.locator(".vote-msg")).to_have_text(f"今天您已为“{a.name}”投过 1 票，明天再来吧")
            expect(stale_card.locator(".votes")).to_have_text("1")
            expect(stale_card.locator("form.vote-form button")).to_have_text("今天已为TA投满")
            stale_card.scroll_into_view_if_needed()
            stale.screenshot(path=str(SHOTS / "04-over-the-limit.png"))
            stale.close()
            assert Nomination.objects.get(pk=a.pk).votes == 1 and Vote.objects.count() == 1

            # another nominee still takes a vote
            other = page.locator(f"#n-{b.pk}")
            other.get_by_role("button", name="投票").click()
            expect(other.locator(".votes")).to_have_text("1")
            expect(page.locator("#left")).to_have_text("3")

            # ---- 撤回: the vote leaves the count, the allowance returns -------------------------
            page.locator("#mine-list li", has_text=a.name).get_by_role("button", name="撤回").click()
            expect(page.locator("#mine")).to_contain_text(f"已撤回对“{a.name}”的投票，今天您还可以投 4 票。")
            expect(page.locator(f"#n-{a.pk} .votes")).to_have_text("0")
            expect(page.locator(f"#n-{a.pk} form.vote-form button")).to_have_text("投票")
            _fits(page, "the vote page after taking a vote back")
            _shot(page, "05-undone")

            # ---- the nominee's page ------------------------------------------------------------
            page.goto(f"{base}/honours/{c.campaign.pk}/nominees/{a.pk}/")
            expect(page.locator("#story")).to_contain_text("连续值守卡点六十天")
            expect(page.locator("#photos img")).to_have_count(1)
            _fits(page, "the nominee's page")
            _shot(page, "06-nominee")
        finally:
            browser.close()
    assert errors == []
    assert dict(Nomination.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "votes")) == {a.pk: 0, b.pk: 1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_notice_the_self_nomination_and_the_roll_fit_a_phone(live_server, settings, tmp_path, monkeypatch):
    """An objection during 公示 with its confirmation number, the self-nomination form of a
    signed-in resident, and the honour roll once announced — each on a 390 px phone."""
    from datetime import timedelta

    from django.utils import timezone

    from wenming.core.tests.api_client import PASSWORD
    from wenming.honours.models import HonourCategory, Objection
    from wenming.honours.services import campaigns, reviews
    from wenming.volunteers.tests.factories import user

    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    c = build_city()
    a, b, _ = on_ballot(c)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review")
    reviews.selection_set(actor=c.office, nomination=a, selected=True)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="notice")
    today = timezone.localdate()
    open_call = campaigns.campaign_create(
        actor=c.office, node=c.city, category=HonourCategory.objects.get(code="good_people"),
        name="2021年度宜昌市“最美志愿者”评选（请在推荐截止日期前提交事迹材料）", year=2021,
        nominate_from=today, nominate_until=today + timedelta(days=20), places=10, self_nomination=True,
        recommenders_required=2, vote_until=timezone.now() + timedelta(days=30), intro="面向全市征集。")
    campaigns.stage_advance(actor=c.office, campaign=open_call, to="nominating")
    user("resident_web", phone="13512345678")
    base, errors = live_server.url, []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(**MOBILE).new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{base}/honours/")
            expect(page.locator(f"#campaign-{open_call.pk}")).to_contain_text("我要自荐")
            expect(page.locator(f"#campaign-{c.campaign.pk}")).to_contain_text("查看公示")
            _fits(page, "the honours home")
            _shot(page, "07-home")

            # ---- 公示: an anonymous objection, its number shown -----------------------------------
            page.goto(f"{base}/honours/{c.campaign.pk}/")
            expect(page.locator("#shown > h2")).to_have_text("拟表彰对象公示")
            expect(page.locator("#shown")).not_to_contain_text(b.name)
            page.locator(f"#n-{a.pk}").get_by_role("link", name="事迹与异议").click()
            page.locator("#object").click()
            expect(page.locator("h1")).to_have_text(f"对“{a.name}”提出异议")
            page.fill("#id_text", "短")
            page.click("#submit-objection")
            expect(page.locator("#f-text .error")).to_have_text("请写明异议内容（10 到 5000 字）")
            _fits(page, "the objection form")
            _shot(page, "08-objection")
            page.fill("#id_text", "该候选人的值守天数与实际不符，请核实。")
            page.click("#submit-objection")
            number = Objection.objects.get().number
            expect(page.locator("ul.messages")).to_contain_text(f"您的异议已提交，编号 {number}")
            _fits(page, "the nominee's page after an objection")

            # ---- 个人自荐: to the login page and back, then the form ------------------------------
            page.goto(f"{base}/honours/{open_call.pk}/nominate/")
            page.wait_for_url(re.compile(r"/accounts/login/\?next="))
            page.fill("input[name=username]", "resident_web")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/honours/{open_call.pk}/nominate/")
            expect(page.locator("h1")).to_have_text("个人自荐")
            page.fill("#id_place_q", "九里村")
            page.get_by_role("button", name="查找").click()
            expect(page.locator("#id_node")).to_contain_text("九里村新时代文明实践站")
            _fits(page, "the self-nomination form")
            _shot(page, "09-nominate")

            # ---- announced: the honour roll -----------------------------------------------------
            from wenming.honours.services import notice

            notice.objection_answer(actor=c.office, objection=Objection.objects.get(), answer="经核实，值守记录属实。",
                                    upheld=False)
            campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="announced",
                                    now=timezone.now() + timedelta(days=8))
            page.goto(f"{base}/honours/roll/")
            expect(page.locator(f"#h-{a.pk}")).to_contain_text("2020年度市级“身边好人”")
            page.select_option("#id_level", "county")
            page.get_by_role("button", name="筛选").click()
            expect(page.locator("#roll")).to_contain_text("没有符合条件的先进典型")
            page.select_option("#id_level", "city")
            page.get_by_role("button", name="筛选").click()
            expect(page.locator(f"#h-{a.pk}")).to_be_visible()
            _fits(page, "the honour roll")
            _shot(page, "10-roll")
        finally:
            browser.close()
    assert errors == []
