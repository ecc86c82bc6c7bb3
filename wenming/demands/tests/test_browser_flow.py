"""In a real browser (Debian's chromium, driven by Playwright): a resident's request from the
public form on a phone to the rating, through the pages everyone really uses.

1. A resident without an account asks for the SMS code, fills the form and submits; the
   tracking number and the one-time query code are shown once.
2. A dispatcher opens the board, the request, 受理 and 派单 to a ranked candidate.
3. The volunteer sees the offer (no resident phone, name or door number yet), accepts,
   starts, completes with a note, the receipt amount and a proof photo.
4. The resident tracks the request with number and code and gives it 5 stars.

The SMS goes out through the fake gateway the other demand tests use
(`wenming.core.notify.FakeSmsGateway`): the live server runs in this process, so the texts it
"sent" are readable here, while the outbox row keeps no code once it is sent.
"""

import io
import os
import re
import shutil
from decimal import Decimal

import pytest

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.models import AuditEntry, Notification
from wenming.core.notify import FakeSmsGateway
from wenming.core.tests.api_client import PASSWORD
from wenming.demands.models import Demand, DemandStatus, Offer, OfferStatus
from wenming.demands.tests.factories import volunteer_user
from wenming.volunteers.tests.factories import build_world, user

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

_pw = pytest.importorskip("playwright.sync_api")
sync_playwright, expect = _pw.sync_playwright, _pw.expect

PHONE = "13812345678"
NAME = "张秀英"
DOOR = "三组 12 号"
ADDRESS = f"九里村{DOOR}"
MOBILE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


@pytest.fixture
def gateway(settings):
    """SMS through the fake gateway (settings reach the live server: same process)."""
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    yield FakeSmsGateway
    FakeSmsGateway.sent.clear()


@pytest.fixture
def uploads(settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path


def _jpeg(path):
    """A small real JPEG (Pillow), as a phone camera would give."""
    from PIL import Image

    img = Image.new("RGB", (120, 90), (200, 60, 40))
    img.paste((40, 90, 200), (60, 0, 120, 90))
    img.save(path, "JPEG", quality=85)
    return path


def _image_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return img.size


def _sms_to(gateway, phone: str) -> list[str]:
    return [text for to, text in list(gateway.sent) if to == phone]


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _no_resident_contact(text: str, where: str) -> None:
    assert PHONE not in text, f"resident's phone shown on {where}"
    assert NAME not in text, f"resident's name shown on {where}"
    assert DOOR not in text, f"resident's door number shown on {where}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_residents_request_goes_from_the_phone_form_to_five_stars(live_server, gateway, uploads):
    world = build_world()
    dispatcher = user("dispatcher_a")
    role_grant(actor=world.root, user=dispatcher, role=Role.NODE_MANAGER, node=world.station_a)  # 审单派单
    helper = volunteer_user(world, "helper1", phone="13700000001")
    other = volunteer_user(world, "helper2", phone="13700000002")  # a second candidate, not ticked
    photo = _jpeg(uploads / "proof.jpg")
    base = live_server.url
    errors: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # ---- 1. the resident's form on a phone --------------------------------------------
            resident = browser.new_context(**MOBILE).new_page()
            resident.on("pageerror", lambda exc: errors.append(f"resident: {exc}"))
            resident.goto(f"{base}/demands/new/")
            expect(resident.locator("h1")).to_have_text("群众点单")
            resident.fill("#id_name", NAME)
            resident.fill("#id_phone", PHONE)
            resident.click("#send-code")
            expect(resident.locator("#code-status")).to_have_text("验证码已发送，请查收短信（10 分钟内有效）")
            expect(resident.locator("#send-code")).to_be_disabled()  # the 60-second wait
            texts = _sms_to(gateway, PHONE)
            assert len(texts) == 1 and "点单验证码" in texts[0], texts
            code = re.search(r"验证码是 (\d{6})", texts[0]).group(1)

            resident.fill("#id_code", code)
            resident.fill("#id_address", ADDRESS)
            resident.select_option("#id_category", "shopping")
            expect(resident.locator("#items")).to_be_visible()  # the shopping list, for purchases
            resident.fill("#id_item_name_1", "大米")
            resident.fill("#id_item_quantity_1", "2")
            resident.fill("#id_item_unit_1", "袋")
            resident.fill("#id_item_budget_1", "120")
            resident.fill("#id_description", "居家隔离，需要代购大米和蔬菜")
            resident.check("input[name=urgency][value=urgent]")
            resident.fill("#id_preferred_time", "今天下午")
            resident.get_by_role("button", name="提交点单").click()

            expect(resident.locator("p.result")).to_have_text(f"点单已提交，由{world.station_a.name}负责处理。")
            expect(resident.locator(".keep-code")).to_contain_text("查询码只显示这一次")
            tracking_no = resident.locator("#tracking-no").inner_text().strip()
            tracking_code = resident.locator("#tracking-code").inner_text().strip()
            assert re.fullmatch(r"D\d{11}", tracking_no) and re.fullmatch(r"\d{6}", tracking_code)
            expect(resident.locator("dl.fields")).to_contain_text("待审核")

            # right away: 查询进度 carries the number (never the code) over
            resident.get_by_role("link", name="查询进度").click()
            expect(resident.locator("#id_tracking_no")).to_have_value(tracking_no)
            assert tracking_code not in resident.url
            resident.fill("#id_tracking_code", tracking_code)
            resident.get_by_role("button", name="查询").click()
            expect(resident.locator("#status")).to_have_text("待审核")
            expect(resident.locator("#node")).to_have_text(world.station_a.name)
            expect(resident.locator(".rate-form")).to_have_count(0)

            # ---- 2. the dispatcher: board → request → 受理 → 派单 to a ranked candidate ---------
            staff = browser.new_context(locale="zh-CN").new_page()
            staff.on("pageerror", lambda exc: errors.append(f"staff: {exc}"))
            _login(staff, base, "dispatcher_a")
            staff.goto(f"{base}/demands/board/")
            expect(staff.locator("h1")).to_have_text("点单调度")
            group = staff.locator("#group-submitted")
            expect(group).to_contain_text("待审核")
            expect(group).to_contain_text("代购生活物资")
            group.get_by_role("link", name=tracking_no).click()

            expect(staff.locator("#status")).to_have_text("待审核")
            expect(staff.locator("#contact")).to_contain_text("138****5678")  # masked until revealed
            _no_resident_contact(staff.locator("#contact").inner_text(), "the dispatcher's page")
            expect(staff.locator("table.items")).to_contain_text("大米")
            staff.get_by_role("button", name="受理", exact=True).click()
            expect(staff.locator("ul.messages")).to_contain_text("已受理，请派单")
            expect(staff.locator("#status")).to_have_text("已受理")

            candidates = staff.locator("table.candidates")
            expect(candidates).to_be_visible()
            expect(staff.locator(f"#candidate-{helper.pk}")).to_contain_text(helper.volunteer_no)
            expect(staff.locator(f"#candidate-{other.pk}")).to_contain_text(other.volunteer_no)
            expect(staff.locator(f"#candidate-{helper.pk} .score")).to_have_text(re.compile(r"\d"))
            expect(staff.locator(f"#candidate-{helper.pk} ul.reasons")).to_contain_text("技能匹配")
            staff.check(f"#cand-{helper.pk}")
            staff.locator("section.dispatch").get_by_role("button", name="派单", exact=True).click()
            expect(staff.locator("ul.messages")).to_contain_text("已派单给1 名志愿者，按顺序同时派出 1 个")
            expect(staff.locator("#status")).to_have_text("已派单")
            expect(staff.locator("table.offers")).to_contain_text(helper.volunteer_no)
            expect(staff.locator("table.offers")).to_contain_text("待接单")

            # ---- 3. the volunteer: offer → 接单 → 开始服务 → 完成 with proof ---------------------
            offer_sms = _sms_to(gateway, helper.reveal_phone())
            assert len(offer_sms) == 1 and "新派单：代购生活物资" in offer_sms[0], offer_sms
            _no_resident_contact(offer_sms[0], "the offer's SMS")
            assert _sms_to(gateway, other.reveal_phone()) == []  # not ticked: not asked
            offer_path = re.search(r"/demands/offers/\d+/", offer_sms[0]).group(0)

            vol = browser.new_context(**MOBILE).new_page()
            vol.on("pageerror", lambda exc: errors.append(f"volunteer: {exc}"))
            _login(vol, base, "helper1")
            vol.goto(f"{base}/demands/offers/")
            expect(vol.get_by_role("heading", name="待接单（1）")).to_be_visible()
            card = vol.locator("article.offer-card", has_text=tracking_no)
            expect(card).to_contain_text("代购生活物资")
            expect(card).to_contain_text("居家隔离，需要代购大米和蔬菜")
            expect(card).to_contain_text("接单后可看到群众的联系方式。")
            _no_resident_contact(vol.content(), "the volunteer's offer list")

            vol.goto(f"{base}{offer_path}")  # the link in the SMS
            expect(vol.locator("article.offer-card")).to_contain_text(tracking_no)
            _no_resident_contact(vol.content(), "the offer's page")
            vol.get_by_role("button", name="接单", exact=True).click()

            expect(vol.locator("ul.messages")).to_contain_text("接单成功")
            expect(vol.locator("#status")).to_have_text("已接单")
            expect(vol.locator("#contact")).to_contain_text(PHONE)  # now, and only now
            expect(vol.locator("#contact")).to_contain_text(NAME)
            expect(vol.locator("#contact")).to_contain_text(DOOR)
            vol.get_by_role("button", name="开始服务").click()
            expect(vol.locator("ul.messages")).to_contain_text("已开始服务")
            expect(vol.locator("#status")).to_have_text("服务中")

            done = vol.locator(f"form[action='/demands/my/{_demand_id(vol.url)}/complete/']")
            done.locator("textarea[name=note]").fill("大米已送到，本人签收")
            done.locator("input[name=receipt_amount]").fill("118.50")
            done.locator("input[name=photo]").set_input_files(str(photo))
            done.get_by_role("button", name="完成", exact=True).click()
            expect(vol.locator("ul.messages")).to_contain_text("已完成，感谢您的服务！群众可凭查询码评价。")
            expect(vol.locator("#status")).to_have_text("已完成")
            expect(vol.get_by_text("大米已送到，本人签收")).to_be_visible()
            expect(vol.get_by_text("118.50 元")).to_be_visible()
            proof = vol.get_by_role("img", name="完成照片 1")
            expect(proof).to_be_attached()
            served = vol.request.get(f"{base}{proof.get_attribute('src')}")  # with the volunteer's session
            assert served.ok and served.headers["content-type"].startswith("image/"), served.status
            assert _image_size(served.body()) == (120, 90)  # a real picture came back (re-encoded)

            # ---- 4. the resident tracks and rates -----------------------------------------------
            resident.goto(f"{base}/demands/track/")
            resident.fill("#id_tracking_no", tracking_no.lower())
            resident.fill("#id_tracking_code", tracking_code)
            resident.get_by_role("button", name="查询").click()
            expect(resident.locator("#status")).to_have_text("已完成")
            expect(resident.locator("dl.fields")).to_contain_text("118.50 元")
            expect(resident.locator("ol.history")).to_contain_text("志愿者已接单")
            expect(resident.locator("ol.history")).to_contain_text("服务完成")
            history = resident.locator("ol.history").inner_text()
            assert helper.name not in history and helper.volunteer_no not in history
            expect(resident.get_by_role("heading", name="评价本次服务")).to_be_visible()
            resident.check("input[name=rating][value='5']")
            resident.fill("#id_comment", "很及时，谢谢志愿者")
            resident.get_by_role("button", name="提交评价").click()
            expect(resident.locator("#rated")).to_have_text("感谢您的评价！")
            expect(resident.locator("#status")).to_have_text("已评价")
            expect(resident.locator("span.stars")).to_have_text("★★★★★")
            expect(resident.locator("dl.fields")).to_contain_text("很及时，谢谢志愿者")
            expect(resident.locator(".rate-form")).to_have_count(0)
            assert errors == [], errors
        finally:
            browser.close()

    # The ORM only after the browser is closed: Playwright's sync API runs an event loop here.
    demand = Demand.objects.get(tracking_no=tracking_no)
    assert demand.status == DemandStatus.RATED
    assert (demand.rating, demand.rating_comment) == (5, "很及时，谢谢志愿者")
    assert demand.node == world.station_a and demand.urgency == "urgent" and demand.channel == "web"
    assert demand.accepted_by == helper
    assert (demand.proof_note, demand.receipt_amount) == ("大米已送到，本人签收", Decimal("118.50"))
    assert demand.photos.count() == 1
    assert [(i.name, i.quantity, i.unit, i.budget) for i in demand.items.all()] == [
        ("大米", Decimal(2), "袋", Decimal("120.00"))]
    assert list(Offer.objects.filter(demand=demand).values_list("volunteer_id", "status")) == [
        (helper.pk, OfferStatus.ACCEPTED)]
    assert AuditEntry.objects.filter(action="demand.contact_reveal", actor=helper.user).exists()
    sent_code = Notification.objects.get(recipient__isnull=True, volunteer__isnull=True)
    assert sent_code.sent_at is not None and code not in sent_code.body  # the code did not outlive its SMS


def _demand_id(url: str) -> str:
    return re.search(r"/demands/my/(\d+)/", url).group(1)
