"""The request pages through real requests: a resident submits, tracks and rates; staff
review, dispatch and close; a volunteer accepts, sees the contact only then, uploads a photo
and completes; wrong states, wrong actors and bad ids are refused without a 500."""

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wenming.core.models import AuditEntry
from wenming.core.notify import FakeSmsGateway
from wenming.core.testing import make_jpeg
from wenming.demands import staff_views
from wenming.demands import workflow as wf
from wenming.demands.models import Demand, DemandPhoto, DemandStatus, Offer, OfferStatus
from wenming.demands.tests.factories import entered, volunteer_user
from wenming.demands.tests.test_workflow import _to

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
NAME = "张秀英"
DOOR = "三组 12 号"
BAD_IDS = ["²", "abc", "99999999999999999999999"]


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def html(response) -> str:
    return response.content.decode()


def messages_of(response) -> str:
    return " ".join(re.findall(r'<ul class="messages">(.*?)</ul>', html(response), re.S))


def text_of(response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)<', html(response), re.S)
    return match.group(1).strip() if match else ""


@pytest.fixture
def gateway(settings):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    return FakeSmsGateway


@pytest.fixture
def cast(world):
    world.helper = volunteer_user(world, "helper1", phone="13700000001")
    world.second = volunteer_user(world, "helper2", phone="13700000002")
    world.bystander = volunteer_user(world, "helper3", phone="13700000003")
    return world


def _last_code(gateway) -> str:
    return gateway.sent[-1][1].split("验证码是 ")[1][:6]


FORM = {"name": NAME, "phone": PHONE, "address": f"九里村{DOOR}", "category": "shopping",
        "description": "居家隔离，需要代购大米和蔬菜", "urgency": "urgent", "preferred_time": "今天下午",
        "item_name_1": "大米", "item_quantity_1": "2", "item_unit_1": "袋", "item_budget_1": "120",
        "item_name_2": "青菜", "item_quantity_2": "", "item_unit_2": "", "item_budget_2": ""}


# ---- the resident --------------------------------------------------------------------------

def test_a_resident_submits_with_the_sms_code_tracks_and_later_rates(cast, gateway,
                                                                      django_capture_on_commit_callbacks):
    anon = Client()
    page = anon.get(reverse("demands:new"))
    assert page.status_code == 200 and "获取验证码" in html(page) and 'data-purchase="1"' in html(page)

    # 获取验证码 without JavaScript: the whole form goes along and comes back filled in
    with django_capture_on_commit_callbacks(execute=True):
        sent = anon.post(reverse("demands:send_code"), {**FORM, "code": ""})
    assert sent.status_code == 200 and "验证码已发送" in html(sent)
    assert f'value="{NAME}"' in html(sent) and 'value="大米"' in html(sent)
    assert "这个字段是必填项" not in html(sent)  # not yet validated
    assert gateway.sent[-1][0] == PHONE
    code = _last_code(gateway)
    again = anon.post(reverse("demands:send_code"), {**FORM})
    assert again.status_code == 429 and re.search(r"请 \d+ 秒后再试", html(again))
    as_json = anon.post(reverse("demands:send_code"), {"phone": PHONE}, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 429 and as_json.json()["code"] == "demands.code_too_soon"
    bad_phone = anon.post(reverse("demands:send_code"), {"phone": "12345"}, HTTP_ACCEPT="application/json")
    assert bad_phone.status_code == 422 and bad_phone.json()["message"]

    wrong = anon.post(reverse("demands:new"), {**FORM, "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422 and "验证码不正确或已过期" in html(wrong)
    missing = anon.post(reverse("demands:new"), {**FORM, "code": code, "item_name_1": "", "description": ""})
    assert missing.status_code == 422 and "请填写物品名称，或清空这一行" in html(missing)
    assert not Demand.objects.exists()

    done = anon.post(reverse("demands:new"), {**FORM, "code": code})
    assert done.status_code == 200, html(done)
    demand = Demand.objects.get()
    tracking_code = text_of(done, "tracking-code")
    assert text_of(done, "tracking-no") == demand.tracking_no and re.fullmatch(r"[0-9]{6}", tracking_code)
    assert "只显示这一次" in html(done) and demand.node == cast.station_a and demand.urgency == "urgent"
    assert [(i.name, i.quantity, i.unit) for i in demand.items.order_by("id")] == [
        ("大米", Decimal(2), "袋"), ("青菜", Decimal(1), "")]
    assert demand.items.get(name="大米").budget == Decimal("120.00")

    key = {"tracking_no": demand.tracking_no.lower(), "tracking_code": tracking_code}
    assert anon.get(reverse("demands:track"), {"no": demand.tracking_no}).status_code == 200
    bad = anon.post(reverse("demands:track"), {**key, "tracking_code": "000000" if tracking_code != "000000"
                                                else "111111"})
    assert bad.status_code == 404 and "点单编号或查询码不正确" in html(bad)
    tracked = anon.post(reverse("demands:track"), key)
    assert tracked.status_code == 200 and text_of(tracked, "status") == "待审核"
    assert text_of(tracked, "node") == cast.station_a.name and "评价本次服务" not in html(tracked)
    early = anon.post(reverse("demands:rate"), {**key, "rating": 5})
    assert early.status_code == 409 and "不能评价" in html(early)

    # the request is served; the history the resident sees carries no volunteer's data
    demand = wf.demand_review(actor=cast.manager_a, demand=demand)
    demand = wf.demand_dispatch(actor=cast.manager_a, demand=demand, volunteers=[cast.second, cast.helper])
    wf.offer_decline(actor=cast.second.user, offer=Offer.objects.get(volunteer=cast.second),
                     reason="家里有病人走不开")
    demand = wf.offer_accept(actor=cast.helper.user, offer=Offer.objects.get(volunteer=cast.helper))
    demand = wf.demand_start(actor=cast.helper.user, demand=demand)
    wf.demand_complete(actor=cast.helper.user, demand=demand, note="已放门口", receipt_amount="118.50")
    tracked = anon.post(reverse("demands:track"), key)
    body = html(tracked)
    assert text_of(tracked, "status") == "已完成" and "118.50" in body and "评价本次服务" in body
    assert cast.helper.name not in body and cast.second.name not in body and "走不开" not in body
    assert "helper" not in body and "志愿者已接单" in body

    assert anon.post(reverse("demands:rate"), {**key, "rating": 6}).status_code == 422
    rated = anon.post(reverse("demands:rate"), {**key, "rating": 4, "comment": "很及时"})
    assert rated.status_code == 200 and "感谢您的评价" in html(rated) and text_of(rated, "status") == "已评价"
    demand.refresh_from_db()
    assert (demand.status, demand.rating, demand.rating_comment) == (DemandStatus.RATED, 4, "很及时")
    twice = anon.post(reverse("demands:rate"), {**key, "rating": 1})
    assert twice.status_code == 409 and "不能评价" in html(twice)
    demand.refresh_from_db()
    assert demand.rating == 4


def test_the_public_form_keeps_to_the_node_it_was_opened_for(world, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("demands:send_code"), {"phone": PHONE})
    form = {**FORM, "address": "不知道哪里", "category": "escort", "code": _last_code(gateway)}
    for bad in BAD_IDS:  # a bad ?node= is ignored, never a 500
        assert Client().get(reverse("demands:new"), {"node": bad}).status_code == 200
    res = Client().post(reverse("demands:new"), {**form, "node": str(world.institute.pk)})
    assert res.status_code == 200
    assert Demand.objects.get().node == world.institute  # fallback inside the node, not the county


# ---- staff -------------------------------------------------------------------------------

def test_staff_review_dispatch_by_number_and_close_through_the_pages(cast):
    demand, code = entered(cast)
    staff = login(cast.manager_a)
    board = staff.get(reverse("demands:board"))
    assert board.status_code == 200 and demand.tracking_no in html(board) and 'id="group-submitted"' in html(board)

    page = staff.get(reverse("demands:detail", args=[demand.pk]))
    assert page.status_code == 200 and "138****5678" in html(page) and PHONE not in html(page)
    assert NAME not in html(page) and "查看联系方式" in html(page) and "大米" in html(page)
    shown = staff.post(reverse("demands:contact", args=[demand.pk]))
    assert shown.status_code == 200 and PHONE in html(shown) and NAME in html(shown) and DOOR in html(shown)
    assert shown["Cache-Control"].startswith("max-age=0")
    assert AuditEntry.objects.filter(action="demand.contact_reveal", actor=cast.manager_a).count() == 1

    res = staff.post(reverse("demands:reject", args=[demand.pk]), {"reason": ""})
    assert res.status_code == 422 and "请填写原因" in html(res)
    res = staff.post(reverse("demands:review", args=[demand.pk]), follow=True)
    assert "已受理" in messages_of(res) and Demand.objects.get().status == DemandStatus.REVIEWED
    # wrong state: the service's message, nothing changes
    res = staff.post(reverse("demands:reject", args=[demand.pk]), {"reason": "重复点单"}, follow=True)
    assert "点单当前为“已受理”，不能不予受理" in messages_of(res)
    res = staff.post(reverse("demands:close", args=[demand.pk]), follow=True)
    assert "不能办结" in messages_of(res) and Demand.objects.get().status == DemandStatus.REVIEWED

    page = staff.get(reverse("demands:detail", args=[demand.pk]))
    assert "按志愿者编号派单" in html(page)
    res = staff.post(reverse("demands:dispatch", args=[demand.pk]), {"numbers": "", "at_once": 1})
    assert res.status_code == 422 and "请至少选择一名志愿者或一支队伍" in html(res)
    res = staff.post(reverse("demands:dispatch", args=[demand.pk]), {"numbers": "WM0000000000", "at_once": 1})
    assert res.status_code == 422 and "未找到编号为 WM0000000000 的志愿者" in html(res)
    assert not Offer.objects.exists()
    numbers = f"{cast.helper.volunteer_no.lower()}，{cast.second.volunteer_no}"
    res = staff.post(reverse("demands:dispatch", args=[demand.pk]),
                     {"numbers": numbers, "at_once": 1, "team": [str(cast.team_a.pk)]}, follow=True)
    assert "已派单给2 名志愿者、1 支队伍" in messages_of(res)
    offers = list(Offer.objects.order_by("rank"))
    assert [(o.volunteer_id, o.team_id, o.status) for o in offers] == [
        (cast.helper.pk, None, OfferStatus.OFFERED), (cast.second.pk, None, OfferStatus.QUEUED),
        (None, cast.team_a.pk, OfferStatus.QUEUED)]
    again = staff.post(reverse("demands:dispatch", args=[demand.pk]), {"numbers": cast.helper.volunteer_no,
                                                                        "at_once": 1}, follow=True)
    assert "已派过此单" in messages_of(again) and Offer.objects.count() == 3

    _serve(cast, demand)
    res = staff.post(reverse("demands:close", args=[demand.pk]), {"note": "回访满意"}, follow=True)
    assert "已办结" in messages_of(res) and Demand.objects.get().status == DemandStatus.CLOSED
    page = staff.get(reverse("demands:detail", args=[demand.pk]))
    assert "查看联系方式" not in html(page)  # closed: only staff with the reveal privilege
    assert staff.post(reverse("demands:contact", args=[demand.pk])).status_code == 403
    office = login(cast.office).post(reverse("demands:contact", args=[demand.pk]))
    assert office.status_code == 200 and PHONE in html(office)


def _serve(world, demand):
    demand.refresh_from_db()
    demand = wf.offer_accept(actor=world.helper.user, offer=Offer.objects.get(demand=demand, volunteer=world.helper))
    demand = wf.demand_start(actor=world.helper.user, demand=demand)
    return wf.demand_complete(actor=world.helper.user, demand=demand, note="已送到")


def test_the_board_groups_by_state_flags_overdue_and_filters(cast, settings):
    late, _ = entered(cast, now=timezone.now() - timedelta(hours=3))
    fresh, _ = _to(cast, "reviewed")
    staff = login(cast.manager_a)
    board = html(staff.get(reverse("demands:board")))
    row = re.search(rf'<tr class="([^"]*)"[^>]*id="demand-{late.pk}"', board)
    assert row and "overdue" in row.group(1) and "已超时" in board
    assert 'id="group-submitted"' in board and 'id="group-reviewed"' in board
    only = html(staff.get(reverse("demands:board"), {"status": "reviewed"}))
    assert fresh.tracking_no in only and late.tracking_no not in only
    junk = staff.get(reverse("demands:board"), {"status": "nope", "page": "²"})
    assert junk.status_code == 200 and late.tracking_no in html(junk)
    assert login(cast.manager_b).get(reverse("demands:board")).status_code == 200
    assert late.tracking_no not in html(login(cast.manager_b).get(reverse("demands:board")))
    assert login(cast.helper.user).get(reverse("demands:board")).status_code == 403
    assert Client().get(reverse("demands:board")).status_code == 302


def _candidate(vol, score, *texts):
    reasons = [SimpleNamespace(factor="x", label="技能匹配", points=40.0, max_points=40.0, text=t) for t in texts]
    return SimpleNamespace(volunteer_id=vol.pk, name="某*", volunteer_no=vol.volunteer_no, score=score,
                           distance_km=0.4, reasons=reasons)


def test_dispatch_shows_ranked_candidates_with_reasons_and_sends_the_ticked_ones(cast, monkeypatch):
    demand, _ = _to(cast, "reviewed")
    calls = []

    def fake_rank(*, actor, demand, limit=10):
        calls.append((actor, demand.pk, limit))
        return [_candidate(cast.second, 92.5, "具备所需技能：代购", "距点单位置约 0.4 公里"),
                _candidate(cast.helper, 70.0, "当前没有在办点单")]

    monkeypatch.setattr(staff_views, "rank_candidates", fake_rank)
    staff = login(cast.manager_a)
    page = html(staff.get(reverse("demands:detail", args=[demand.pk])))
    assert "推荐候选人" in page and "具备所需技能：代购" in page and "当前没有在办点单" in page
    assert "92.5" in page and "技能匹配 40.0/40.0" in page and "0.4 公里" in page
    assert calls == [(cast.manager_a, demand.pk, 10)]
    assert cast.second.name not in page  # masked
    res = staff.post(reverse("demands:dispatch", args=[demand.pk]),
                     {"volunteer": [str(cast.second.pk), "abc", "²", str(cast.helper.pk)], "at_once": 2},
                     follow=True)
    assert "已派单给2 名志愿者" in messages_of(res)
    assert [(o.volunteer_id, o.status) for o in Offer.objects.order_by("rank")] == [
        (cast.second.pk, OfferStatus.OFFERED), (cast.helper.pk, OfferStatus.OFFERED)]
    page = html(staff.get(reverse("demands:detail", args=[demand.pk])))
    assert "已派过" in page  # never offered twice

    monkeypatch.setattr(staff_views, "rank_candidates", None)
    page = html(staff.get(reverse("demands:detail", args=[demand.pk])))
    assert "推荐候选人" not in page and "按志愿者编号派单" in page


def test_the_real_ranking_feeds_the_dispatch_page(cast):
    pytest.importorskip("wenming.demands.ranking")
    demand, _ = _to(cast, "reviewed")
    staff = login(cast.manager_a)
    page = html(staff.get(reverse("demands:detail", args=[demand.pk])))
    assert "推荐候选人" in page
    for vol in (cast.helper, cast.second, cast.bystander):
        assert f'id="candidate-{vol.pk}"' in page and vol.volunteer_no in page and vol.name not in page
    res = staff.post(reverse("demands:dispatch", args=[demand.pk]), {"volunteer": [str(cast.bystander.pk)],
                                                                      "at_once": 1})
    assert res.status_code == 302 and Offer.objects.get().volunteer == cast.bystander
    page = html(staff.get(reverse("demands:detail", args=[demand.pk])))
    assert f'id="candidate-{cast.bystander.pk}"' not in page  # a volunteer already asked is not proposed again


def test_a_volunteer_of_another_scope_cannot_be_dispatched_by_id(cast):
    demand, _ = _to(cast, "reviewed")
    res = login(cast.manager_a).post(reverse("demands:dispatch", args=[demand.pk]),
                                     {"volunteer": [str(cast.vol_b.pk)], "numbers": cast.vol_b.volunteer_no,
                                      "at_once": 1})
    assert res.status_code == 422 and "不在您的管理范围内" in html(res) and not Offer.objects.exists()


def test_operators_enter_a_hotline_request_at_a_node_they_manage(cast):
    staff = login(cast.manager_a)
    page = staff.get(reverse("demands:enter"))
    assert page.status_code == 200 and cast.station_a.name in html(page) and cast.station_b.name not in html(page)
    form = {**FORM, "node": str(cast.station_b.pk)}
    res = staff.post(reverse("demands:enter"), form)
    assert res.status_code == 422 and "选择一个有效的选项" in html(res) and not Demand.objects.exists()
    res = staff.post(reverse("demands:enter"), {**FORM, "node": str(cast.station_a.pk), "phone": "12345"})
    assert res.status_code == 422 and not Demand.objects.exists()
    res = staff.post(reverse("demands:enter"), {**FORM, "node": str(cast.station_a.pk)})
    assert res.status_code == 200 and "电话点单已录入" in html(res)
    demand = Demand.objects.get()
    assert demand.channel == "hotline" and demand.created_by == cast.manager_a and demand.node == cast.station_a
    assert text_of(res, "tracking-no") == demand.tracking_no and len(text_of(res, "tracking-code")) == 6
    assert login(cast.helper.user).get(reverse("demands:enter")).status_code == 403


# ---- the volunteer -----------------------------------------------------------------------

def test_a_volunteer_sees_no_phone_until_accepting_then_uploads_a_photo_and_completes(cast, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    demand, _ = _to(cast, "dispatched")  # helper asked first, second queued behind
    me = login(cast.helper.user)
    offers = me.get(reverse("demands:offers"))
    body = html(offers)
    assert offers.status_code == 200 and demand.tracking_no in body and "接单" in body
    assert PHONE not in body and "138****5678" not in body and NAME not in body and DOOR not in body
    offer = Offer.objects.get(demand=demand, volunteer=cast.helper)
    single = me.get(reverse("demands:offer", args=[offer.pk]))
    assert single.status_code == 200 and PHONE not in html(single) and NAME not in html(single)
    assert me.get(reverse("demands:my_demand", args=[demand.pk])).status_code == 404  # not accepted yet
    assert not AuditEntry.objects.filter(action="demand.contact_reveal").exists()

    res = me.post(reverse("demands:offer_accept", args=[offer.pk]))
    assert res.status_code == 302 and res.url == reverse("demands:my_demand", args=[demand.pk])
    page = me.get(res.url)
    assert page.status_code == 200 and PHONE in html(page) and NAME in html(page) and DOOR in html(page)
    assert "大米" in html(page) and "开始服务" in html(page)
    assert AuditEntry.objects.filter(action="demand.contact_reveal", actor=cast.helper.user).count() == 1
    assert page["Cache-Control"].startswith("max-age=0")

    early = me.post(reverse("demands:add_photo", args=[demand.pk]),
                    {"photo": SimpleUploadedFile("a.jpg", make_jpeg(), "image/jpeg")}, follow=True)
    assert "不能上传照片" in messages_of(early) and not DemandPhoto.objects.exists()
    res = me.post(reverse("demands:start", args=[demand.pk]), follow=True)
    assert "已开始服务" in messages_of(res) and Demand.objects.get().status == DemandStatus.IN_PROGRESS

    res = me.post(reverse("demands:add_photo", args=[demand.pk]),
                  {"photo": SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", "image/jpeg")}, follow=True)
    assert "仅支持 JPEG、PNG、WebP 图片" in messages_of(res) and not DemandPhoto.objects.exists()
    res = me.post(reverse("demands:add_photo", args=[demand.pk]), {}, follow=True)
    assert "请选择要上传的照片" in messages_of(res)
    res = me.post(reverse("demands:add_photo", args=[demand.pk]),
                  {"photo": SimpleUploadedFile("door.jpg", make_jpeg(gps=True), "image/jpeg")}, follow=True)
    assert "照片已上传" in messages_of(res) and DemandPhoto.objects.count() == 1

    bad = me.post(reverse("demands:complete", args=[demand.pk]), {"note": "x", "receipt_amount": "abc"})
    assert bad.status_code == 422 and "小票金额须为不小于 0 的数字" in html(bad)
    bad = me.post(reverse("demands:complete", args=[demand.pk]),
                  {"note": "x", "photo": SimpleUploadedFile("y.png", b"not a png", "image/png")})
    assert bad.status_code in (415, 422) and "图片" in html(bad)
    assert Demand.objects.get().status == DemandStatus.IN_PROGRESS
    res = me.post(reverse("demands:complete", args=[demand.pk]),
                  {"note": "已放门口", "receipt_amount": "86.50",
                   "photo": SimpleUploadedFile("receipt.jpg", make_jpeg(), "image/jpeg")}, follow=True)
    assert "已完成" in messages_of(res)
    demand.refresh_from_db()
    assert (demand.status, demand.proof_note, demand.receipt_amount) == ("completed", "已放门口", Decimal("86.50"))
    assert DemandPhoto.objects.count() == 2

    photo = DemandPhoto.objects.first()
    url = reverse("demands:photo", args=[demand.pk, photo.pk])
    assert f'src="{url}"' in html(res)
    assert me.get(url).status_code == 200 and me.get(url)["Content-Type"] == "image/jpeg"
    assert login(cast.manager_a).get(url).status_code == 200
    assert f'src="{url}"' in html(login(cast.manager_a).get(reverse("demands:detail", args=[demand.pk])))
    assert login(cast.manager_b).get(url).status_code == 404
    assert login(cast.bystander.user).get(url).status_code == 404
    assert login(cast.manager_a).get(reverse("demands:photo", args=[demand.pk, photo.pk + 100])).status_code == 404


def test_wrong_actor_and_wrong_state_posts_show_the_message_and_change_nothing(cast):
    demand, _ = _to(cast, "dispatched")
    helper, second, bystander = (login(v.user) for v in (cast.helper, cast.second, cast.bystander))
    offer = Offer.objects.get(demand=demand, volunteer=cast.helper)

    res = helper.post(reverse("demands:offer_decline", args=[offer.pk]), {"reason": "  "}, follow=True)
    assert "请填写婉拒原因" in messages_of(res) and Offer.objects.get(pk=offer.pk).status == OfferStatus.OFFERED
    assert bystander.post(reverse("demands:offer_accept", args=[offer.pk])).status_code == 404
    assert helper.post(reverse("demands:offer_accept", args=[offer.pk])).status_code == 302

    # second was queued behind helper: their offer is withdrawn now
    queued = Offer.objects.get(demand=demand, volunteer=cast.second)
    res = second.post(reverse("demands:offer_accept", args=[queued.pk]), follow=True)
    assert "该派单已失效" in messages_of(res)
    # once withdrawn, second no longer sees the request at all
    assert second.post(reverse("demands:start", args=[demand.pk])).status_code == 404
    assert second.get(reverse("demands:my_demand", args=[demand.pk])).status_code == 404
    assert second.post(reverse("demands:complete", args=[demand.pk]), {"note": "抢功"}).status_code == 404
    assert bystander.post(reverse("demands:start", args=[demand.pk])).status_code == 404
    res = helper.post(reverse("demands:complete", args=[demand.pk]), {"note": "太早"}, follow=True)
    assert "点单当前为“已接单”，不能完成" in messages_of(res)
    assert Demand.objects.get().status == DemandStatus.ACCEPTED and Demand.objects.get().accepted_by == cast.helper

    # a volunteer cannot reach the dispatcher's actions at all
    assert helper.post(reverse("demands:close", args=[demand.pk])).status_code == 403
    assert helper.get(reverse("demands:detail", args=[demand.pk])).status_code == 403
    assert Client().post(reverse("demands:offer_accept", args=[offer.pk])).status_code == 302  # to login


def test_declining_asks_the_next_candidate(cast):
    demand, _ = _to(cast, "dispatched")
    offer = Offer.objects.get(demand=demand, volunteer=cast.helper)
    res = login(cast.helper.user).post(reverse("demands:offer_decline", args=[offer.pk]),
                                       {"reason": "临时出差", "back": "offer"})
    assert res.url == reverse("demands:offer", args=[offer.pk])
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.DECLINED
    assert Offer.objects.get(demand=demand, volunteer=cast.second).status == OfferStatus.OFFERED
    assert "已婉拒" in html(login(cast.helper.user).get(res.url))
    nxt = html(login(cast.second.user).get(reverse("demands:offers")))
    assert demand.tracking_no in nxt and "临时出差" not in nxt


# ---- scope and bad ids ---------------------------------------------------------------------

def test_station_b_staff_get_404_on_station_a_requests(cast):
    demand, _ = _to(cast, "submitted")
    other = login(cast.manager_b)
    assert other.get(reverse("demands:detail", args=[demand.pk])).status_code == 404
    for name in ("contact", "review", "reject", "dispatch", "close"):
        res = other.post(reverse(f"demands:{name}", args=[demand.pk]), {"reason": "x", "numbers": "x",
                                                                        "at_once": 1})
        assert res.status_code == 404, name
    assert Demand.objects.get().status == DemandStatus.SUBMITTED
    assert not AuditEntry.objects.filter(action="demand.contact_reveal").exists()


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_are_not_found_never_a_500(cast, bad):
    demand, _ = _to(cast, "dispatched")
    staff, me = login(cast.manager_a), login(cast.helper.user)
    for name in ("detail", "my_demand"):
        assert staff.get(reverse(f"demands:{name}", args=[bad])).status_code == 404
    for name in ("contact", "review", "reject", "dispatch", "close", "start", "complete", "add_photo"):
        assert staff.post(reverse(f"demands:{name}", args=[bad]), {"reason": "x"}).status_code == 404, name
    assert me.get(reverse("demands:offer", args=[bad])).status_code == 404
    for name in ("offer_accept", "offer_decline"):
        assert me.post(reverse(f"demands:{name}", args=[bad]), {"reason": "x"}).status_code == 404
    assert staff.get(reverse("demands:photo", args=[bad, 1])).status_code == 404
    assert staff.get(reverse("demands:photo", args=[demand.pk, bad])).status_code == 404
    res = Client().post(reverse("demands:track"), {"tracking_no": bad, "tracking_code": "123456"})
    assert res.status_code in (404, 422) and "查询码" in html(res)
