"""The public portal's honours pages through the Django test client: each stage shows only
what it allows, the vote through the pages keeps the rules' limits with Chinese messages, a
double tap gives one vote, a vote can be taken back, objections only during 公示, the
self-nomination form, and hostile input is a 4xx page, never a 500."""

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from wenming.core.tests.api_client import PASSWORD
from wenming.honours.models import Nomination, Objection, Vote
from wenming.honours.services import campaigns, reviews
from wenming.honours.tests.test_votes import on_ballot
from wenming.volunteers.tests.factories import user

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def url(c, tail: str = "") -> str:
    return f"/honours/{c.campaign.pk}/{tail}"


def verified(c, gateway, capture, phone: str = "13800000001") -> Client:
    """A browser whose session holds a voter pass for `phone`, proven through the pages."""
    client = Client()
    page = client.get(url(c, "vote/"))
    assert page.status_code == 200 and "wm_vote_device" in page.cookies
    with capture(execute=True):
        sent = client.post(url(c, "vote/code/"), {"phone": phone}, **JSON)
    assert sent.status_code == 202, sent.content
    code = re.search(r"验证码是 (\d{6})", next(t for p, t in reversed(gateway.sent) if p == phone)).group(1)
    done = client.post(url(c, "vote/verify/"), {"phone": phone, "code": code})
    assert done.status_code == 302 and code not in done["Location"]
    assert client.session.get(f"honours.vote.pass.{c.campaign.pk}")
    return client


def cast(client, c, nomination, submission=None, **extra):
    return client.post(url(c, "vote/cast/"), {"nomination": nomination.pk,
                                              "submission": submission or str(uuid.uuid4())}, **extra)


def to_notice(c, ballot):
    """The vote closed, the first nominee selected, the notice (公示) begun."""
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review")
    reviews.selection_set(actor=c.office, nomination=ballot[0], selected=True)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="notice")
    c.campaign.refresh_from_db()


# --- what each stage shows ------------------------------------------------------------------------

def test_nothing_of_a_draft_or_nominating_campaigns_nominees_is_shown(city):
    c = city
    from wenming.honours.tests.test_campaigns import by_unit

    n = by_unit(c)  # submitted, waiting for the initial review
    draft = campaigns.campaign_create(actor=c.office, node=c.city, category=c.category, name="筹备中的评选",
                                      year=2021, nominate_from=timezone.localdate(),
                                      nominate_until=timezone.localdate(), places=1)
    client = Client()
    home = client.get("/honours/")
    assert home.status_code == 200
    text = home.content.decode()
    assert c.campaign.name in text and "推荐报名" in text and "筹备中的评选" not in text
    assert client.get(f"/honours/{draft.pk}/").status_code == 404
    assert client.get(f"/honours/{draft.pk}/vote/").status_code == 404
    page = client.get(url(c))
    assert page.status_code == 200
    body = page.content.decode()
    assert n.name not in body and "推荐对象将在初审后公布" in body and "投票规则" in body
    assert client.get(url(c, f"nominees/{n.pk}/")).status_code == 404
    vote = client.get(url(c, "vote/")).content.decode()
    assert "投票尚未开始" in vote and n.name not in vote
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    assert n.name not in client.get(url(c)).content.decode()  # nor during the initial review


def test_each_stage_shows_its_own_people(city, gateway, django_capture_on_commit_callbacks):
    c = city
    ballot = on_ballot(c)
    client = Client()
    page = client.get(url(c)).content.decode()
    assert all(n.name in page for n in ballot) and "投票候选人" in page and "<svg" in page  # the vote's QR code
    assert f"/honours/{c.campaign.pk}/vote/" in page
    nominee = client.get(url(c, f"nominees/{ballot[0].pk}/")).content.decode()
    assert ballot[0].story in nominee and "为TA投票" in nominee and "提出异议" not in nominee
    to_notice(c, ballot)
    page = client.get(url(c)).content.decode()
    assert "拟表彰对象公示" in page and ballot[0].name in page and ballot[1].name not in page
    assert client.get(url(c, f"nominees/{ballot[1].pk}/")).status_code == 404  # not selected: not shown now
    assert "提出异议" in client.get(url(c, f"nominees/{ballot[0].pk}/")).content.decode()
    vote = client.get(url(c, "vote/")).content.decode()
    assert "投票已结束" in vote and "公示期至" in vote and 'class="vote-form"' not in vote


# --- the vote -------------------------------------------------------------------------------------

def test_voting_through_the_pages_keeps_the_limits_with_chinese_messages(city, gateway,
                                                                       django_capture_on_commit_callbacks):
    c = city
    a, b, d = on_ballot(c, votes_per_day=2)
    anonymous = Client().get(url(c, "vote/")).content.decode()
    assert "先验证手机号" in anonymous and "验证后投票" in anonymous and 'class="vote-form"' not in anonymous
    client = verified(c, gateway, django_capture_on_commit_callbacks)
    page = client.get(url(c, "vote/")).content.decode()
    assert "手机号验证成功" in page and "*******0001" in page and 'class="vote-form"' in page
    assert "今天还可以投 <strong id=\"left\">2</strong> 票" in page

    tap = str(uuid.uuid4())
    first = cast(client, c, a, tap, **JSON)
    assert first.status_code == 201 and first.json()["votes"] == 1 and first.json()["left"] == 1
    assert "投票成功" in first.json()["message"] and a.name in first.json()["mine"]
    # every card's button state comes back: a's votes for today are used up, the others still vote
    assert first.json()["spent"] == {str(a.pk): "今天已为TA投满", str(b.pk): "", str(d.pk): ""}
    again = cast(client, c, a, tap, **JSON)  # a double tap: the first vote back
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["votes"] == 1
    assert Vote.objects.filter(nomination=a).count() == 1

    over = cast(client, c, a, **JSON)
    assert over.status_code == 409
    assert over.json()["message"] == f"今天您已为“{a.name}”投过 1 票，明天再来吧" and over.json()["votes"] == 1
    assert over.json()["spent"][str(a.pk)] == "今天已为TA投满"  # a page left open learns it too
    assert cast(client, c, b, **JSON).status_code == 201
    full = cast(client, c, d, **JSON)
    assert full.status_code == 409 and full.json()["message"] == "今天您已投满 2 票，明天再来吧"

    # without JavaScript: the post comes back to the page, the outcome on the nominee's card
    plain = cast(client, c, d)
    assert plain.status_code == 302 and plain["Location"].endswith(f"#n-{d.pk}")
    page = client.get(plain["Location"]).content.decode()
    assert "今天您已投满 2 票，明天再来吧" in page and "今天还可以投 <strong id=\"left\">0</strong> 票" in page
    assert page.count('disabled>今天的票已投完</button>') == 3  # nothing left to offer today

    # 撤回: the vote leaves the count and the day's allowance returns
    mine = Vote.objects.get(nomination=b)
    undone = client.post(url(c, "vote/undo/"), {"vote": mine.pk})
    assert undone.status_code == 302
    page = client.get(undone["Location"]).content.decode()
    assert f"已撤回对“{b.name}”的投票，今天您还可以投 1 票。" in page and "已撤回" in page
    assert cast(client, c, d, **JSON).status_code == 201
    counts = dict(Nomination.objects.filter(pk__in=[a.pk, b.pk, d.pk]).values_list("pk", "votes"))
    assert counts == {a.pk: 1, b.pk: 0, d.pk: 1}
    # someone else's browser cannot take this phone's votes back
    other = verified(c, gateway, django_capture_on_commit_callbacks, phone="13800000002")
    other.post(url(c, "vote/undo/"), {"vote": Vote.objects.get(nomination=a).pk})
    assert Nomination.objects.get(pk=a.pk).votes == 1


def test_a_wrong_code_and_an_expired_pass_ask_to_verify_again(city, gateway, django_capture_on_commit_callbacks):
    c = city
    a, *_ = on_ballot(c, 1)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(c, "vote/code/"), {"phone": "13800000003"}, **JSON)
    too_soon = client.post(url(c, "vote/code/"), {"phone": "13800000003"}, **JSON)
    assert too_soon.status_code == 429 and "秒后再试" in too_soon.json()["message"]
    wrong = client.post(url(c, "vote/verify/"), {"phone": "13800000003", "code": "000000"})
    assert wrong.status_code == 422 and "验证码不正确或已过期，请重新获取" in wrong.content.decode()
    # no pass in the session: the vote is refused with the way back
    refused = cast(client, c, a, **JSON)
    assert refused.status_code == 401 and refused.json()["reverify"] is True
    assert refused.json()["message"] == "手机验证已失效，请重新验证"
    client = verified(c, gateway, django_capture_on_commit_callbacks, phone="13800000004")
    session = client.session
    session[f"honours.vote.pass.{c.campaign.pk}"] = "forged-token"
    session.save()
    page = client.get(url(c, "vote/")).content.decode()
    assert "手机验证已失效（有效期 2 小时），请重新验证" in page and "先验证手机号" in page
    assert not Vote.objects.exists()


def test_votes_posted_after_the_vote_closed_are_refused_in_chinese(city, gateway,
                                                                  django_capture_on_commit_callbacks):
    c = city
    ballot = on_ballot(c, 2)
    client = verified(c, gateway, django_capture_on_commit_callbacks)
    assert cast(client, c, ballot[0], **JSON).status_code == 201
    mine = Vote.objects.get()
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review")
    late = cast(client, c, ballot[1], **JSON)
    assert late.status_code == 409 and late.json()["message"] == "投票已结束"
    assert client.post(url(c, "vote/code/"), {"phone": "13800000009"}, **JSON).status_code == 409
    undo = client.post(url(c, "vote/undo/"), {"vote": mine.pk})
    assert undo.status_code == 302 and "投票已结束" in client.get(undo["Location"]).content.decode()
    page = client.get(url(c, "vote/")).content.decode()
    assert "投票已结束" in page and "复审" in page and "投票结果" in page
    assert Vote.objects.filter(undone_at__isnull=True).count() == 1


# --- 公示 and objections ---------------------------------------------------------------------------

def test_objections_are_taken_only_during_the_notice(city, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    c = city
    ballot = on_ballot(c, 2)
    client = Client()
    path = url(c, f"objection/{ballot[0].pk}/")
    assert "只有在公示期间才能" in client.get(path).content.decode()
    early = client.post(path, {"mode": "anonymous", "text": "该候选人的事迹与实际情况不符，请核实。"})
    assert early.status_code == 409 and not Objection.objects.exists()
    to_notice(c, ballot)
    assert client.get(url(c, f"objection/{ballot[1].pk}/")).status_code == 404  # not selected
    named = client.post(path, {"mode": "named", "text": "该候选人的事迹与实际情况不符，请核实。"})
    assert named.status_code == 422 and "实名反映请填写姓名和手机号" in named.content.decode()
    short = client.post(path, {"mode": "anonymous", "text": "不同意"})
    assert short.status_code == 422 and "请写明异议内容（10 到 5000 字）" in short.content.decode()
    done = client.post(path, {"mode": "named", "name": "周先生", "phone": "13600000001",
                              "text": "该候选人的事迹与实际情况不符，请核实。"})
    assert done.status_code == 302
    objection = Objection.objects.get()
    page = client.get(done["Location"]).content.decode()
    assert f"您的异议已提交，编号 {objection.number}" in page
    assert (objection.anonymous, objection.name, objection.phone_masked.count("*")) == (False, "周先生", 4)


# --- self-nomination ------------------------------------------------------------------------------

def test_self_nomination_needs_a_login_then_takes_a_volunteer_or_a_resident(city):
    c = city
    path = url(c, "nominate/")
    anon = Client().get(path)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"] and "next=" in anon["Location"]

    c.nurse.user = user("nurse_login")
    c.nurse.save(update_fields=["user"])
    nurse = Client()
    assert nurse.login(username="nurse_login", password=PASSWORD)
    form = nurse.get(path).content.decode()
    assert "以注册志愿者" in form and c.nurse.volunteer_no in form
    story = {"title": "抗疫一线的守护者", "story": "疫情期间连续值守卡点六十天，为村民代购药品和生活物资三百余次。", "consent": "on"}
    short = nurse.post(path, {**story, "rec_name_1": "钱一", "rec_phone_1": "13700000001"})
    assert short.status_code == 422 and "个人自荐须有 2 位联名推荐人" in short.content.decode()
    bad = nurse.post(path, {**story, "rec_name_1": "钱一", "rec_phone_1": "12345"})
    assert bad.status_code == 422 and "第 1 位联名推荐人" in bad.content.decode()
    done = nurse.post(path, {**story, "rec_name_1": "钱一", "rec_phone_1": "13700000001", "rec_name_2": "孙二",
                             "rec_phone_2": "13700000002"})
    assert done.status_code == 302
    mine = Nomination.objects.get(nominated_by="self")
    assert (mine.volunteer, mine.kind, mine.recommenders.count()) == (c.nurse, "volunteer", 2)
    page = nurse.get(path).content.decode()
    assert mine.number in page and "待初审" in page and "自荐已提交" in page
    assert "已提交，推荐报名截止后由所在县区初审" in page

    resident = user("resident_login", phone="13512345678")
    client = Client()
    client.force_login(resident)
    form = client.get(path).content.decode()
    assert "身份证号码" in form and "秭归县文明办" in form  # the county is a place to pick
    found = client.post(path, {"action": "search", "place_q": "九里村"}).content.decode()
    assert "九里村新时代文明实践站" in found
    from wenming.honours.tests.factories import resident_id

    values = {**story, "name": "赵阿姨", "id_number": resident_id(3), "node": str(c.station.pk),
              "rec_name_1": "钱一", "rec_phone_1": "13700000001", "rec_name_2": "孙二", "rec_phone_2": "13700000002"}
    no_place = client.post(path, {**values, "node": ""})
    assert no_place.status_code == 422 and "请选择所在地" in no_place.content.decode()
    stranger = client.post(path, {**values, "phone": "13512340000"})  # not the account's phone
    assert stranger.status_code == 403 and "自荐请填写本人账号绑定的手机号" in stranger.content.decode()
    assert client.post(path, {**values, "phone": "135 1234 5678"}).status_code == 302
    theirs = Nomination.objects.get(submitted_by=resident)
    assert (theirs.kind, theirs.node, theirs.name) == ("resident", c.station, "赵阿姨")

    # what the page says follows the campaign: returned during the initial review
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    Nomination.objects.filter(pk=mine.pk).update(status="returned", status_reason="请补充值守照片")
    page = nurse.get(path).content.decode()
    assert "理由：请补充值守照片" in page and "已退回修改：请按退回理由联系主办的文明办补充材料。" in page
    Nomination.objects.filter(pk=mine.pk).update(status="shortlisted")
    Nomination.objects.filter(pk=theirs.pk).update(status="rejected")  # nothing left waiting for review
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")
    assert "已入围，正在网络投票" in nurse.get(path).content.decode()


def test_self_nomination_is_closed_outside_the_nominating_stage(city):
    c = city
    client = Client()
    client.force_login(user("late_login"))
    from wenming.honours.tests.test_campaigns import by_unit

    by_unit(c)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    page = client.get(url(c, "nominate/"))
    assert page.status_code == 200 and "推荐报名已经结束" in page.content.decode()
    late = client.post(url(c, "nominate/"), {"title": "x", "story": "y" * 30, "consent": "on"})
    assert late.status_code in (403, 409, 422)
    assert not Nomination.objects.filter(nominated_by="self").exists()


# --- the roll -------------------------------------------------------------------------------------

def test_the_honour_roll_filters_by_level_and_year(city):
    c = city
    ballot = on_ballot(c, 2)
    to_notice(c, ballot)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="announced",
                            now=timezone.now() + timedelta(days=8))
    client = Client()
    roll = client.get("/honours/roll/").content.decode()
    assert ballot[0].name in roll and ballot[1].name not in roll and "2020年度市级“身边好人”" in roll
    assert ballot[0].name in client.get("/honours/roll/?level=city&year=2020").content.decode()
    assert ballot[0].name not in client.get("/honours/roll/?level=county").content.decode()
    assert ballot[0].name not in client.get("/honours/roll/?year=2021").content.decode()
    page = client.get(url(c)).content.decode()
    assert "受表彰的先进典型" in page and ballot[0].name in page
    assert client.get(url(c, f"nominees/{ballot[0].pk}/")).status_code == 200


# --- hostile input --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/honours/²/", "/honours/999999999999999999999999999999/", "/honours/abc/vote/", "/honours/-1/",
    "/honours/999999999999999999999999999999/vote/", "/honours/{c}/nominees/999999999999999999999999/",
    "/honours/{c}/nominees/²/", "/honours/{c}/nominees/{n}/photos/99999999999999999999999/",
    "/honours/{c}/objection/12345678901234567890123/", "/honours/{c}/nominate/x/",
])
def test_bad_ids_are_404_pages(city, path):
    c = city
    ballot = on_ballot(c, 1)
    res = Client().get(path.format(c=c.campaign.pk, n=ballot[0].pk))
    assert res.status_code == 404 and "text/html" in res["Content-Type"]


def test_the_back_offices_manage_paths_are_never_taken_for_a_campaign_id():
    from django.urls import resolve

    assert not resolve("/honours/manage/").url_name.startswith("portal")
    assert resolve("/honours/12/").url_name == "portal_campaign"
    assert resolve("/honours/roll/").url_name == "portal_roll"


def test_hostile_posts_are_4xx_never_500(city, gateway, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")
    c = city
    a, *_ = on_ballot(c, 1)
    client = verified(c, gateway, django_capture_on_commit_callbacks)
    for value in ("\x00", "1" * 30, "²", "", "-5", str(a.pk) + "\x00"):
        res = client.post(url(c, "vote/cast/"), {"nomination": value, "submission": "\x00" * 50}, **JSON)
        assert res.status_code == 404 and res.json()["code"] == "honours.not_on_ballot", value
        assert client.post(url(c, "vote/undo/"), {"vote": value}).status_code == 302
    for phone in ("\x00", "1" * 300, "13800000001\x00", "<script>"):
        res = client.post(url(c, "vote/code/"), {"phone": phone}, **JSON)
        assert 400 <= res.status_code < 500
        res = client.post(url(c, "vote/verify/"), {"phone": phone, "code": "\x00" * 10})
        assert 400 <= res.status_code < 500
    # a device cookie that is not ours is replaced, not trusted
    client.cookies["wm_vote_device"] = "\x7f" * 300
    assert cast(client, c, a, **JSON).status_code == 201
    assert client.get(url(c, "vote/")).status_code == 200
    assert client.get(url(c, "vote/cast/")).status_code == 302  # back to the vote page
    roll = client.get("/honours/roll/", {"level": "\x00", "year": "9" * 40, "page": "²"})
    assert roll.status_code == 200
    assert Client().get("/honours/", {"page": "9" * 40}).status_code == 200
    to_notice(c, [a])
    objection = url(c, f"objection/{a.pk}/")
    res = client.post(objection, {"mode": "anonymous", "text": "内容\x00有空字符的异议，请核实情况。"})
    assert 400 <= res.status_code < 500
    res = client.post(objection, {"mode": "\x00", "text": "x" * 6000, "name": "\x00", "phone": "1" * 100})
    assert res.status_code == 422
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    res = client.post(objection, {"mode": "anonymous", "text": "照片附后，请核实该候选人的事迹。", "photo": fake})
    assert 400 <= res.status_code < 500 and not Objection.objects.exists()
    # a logged-in person posting junk to the self-nomination
    person = Client()
    person.force_login(user("junk_login"))
    res = person.post(url(c, "nominate/"), {"title": "\x00", "story": "\x00" * 10, "node": "9" * 40,
                                            "rec_name_1": "\x00", "rec_phone_1": "\x00"})
    assert 400 <= res.status_code < 500


def test_opening_a_vote_form_address_leads_back_to_the_vote_page(city):
    c = city
    on_ballot(c, 1)
    for tail in ("vote/code/", "vote/verify/", "vote/cast/", "vote/undo/", "vote/forget/"):
        r = Client().get(url(c, tail))
        assert r.status_code == 302 and r["Location"] == url(c, "vote/"), tail
    assert "邀请好友投票" in Client().get(url(c, "vote/")).content.decode()
