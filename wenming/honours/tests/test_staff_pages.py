"""The honours back office as each role uses it: the office sets a campaign up and moves it
on, nodes and units nominate through the form, reviewers review (or are told to abstain),
the office selects, voids a cluster of stuffed votes and answers objections; who may open
what (out of scope is a 404), and hostile input is a 4xx, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.core.crypto import decrypt
from wenming.core.models import AuditEntry
from wenming.evaluation.models import UnitMember
from wenming.honours.models import HonourCampaign, Nomination, Review, Vote
from wenming.honours.selectors import votes as vote_reads
from wenming.honours.selectors.staff import todo_counts
from wenming.honours.services import notice
from wenming.honours.tests.factories import resident_id

from .staff_world import (
    at_final,
    at_initial,
    at_notice,
    at_voting,
    by_node,
    client,
    hw_fixture,  # noqa: F401 (the fixture "hw")
    jpeg,
    pdf,
    score_fields,
    vote_farm,
)

pytestmark = pytest.mark.django_db

M = "/honours/manage"
STORY = "疫情期间连续值守卡点六十天，为村民代购药品和生活物资三百余次。"


def page(res) -> str:
    return res.content.decode()


def messages_of(res) -> str:
    return " ".join(str(m) for m in res.context["messages"]) if res.context else ""


def test_every_page_opens_for_the_office_and_the_menu_and_home_lead_there(hw):
    c = hw
    w = at_initial(c)
    office, cid = client(c.office), c.campaign.pk
    for url in [f"{M}/", f"{M}/?show=all", f"{M}/campaigns/new/", f"{M}/campaigns/{cid}/",
                f"{M}/campaigns/{cid}/edit/", f"{M}/campaigns/{cid}/nominations/",
                f"{M}/campaigns/{cid}/nominations/?status=submitted&sort=votes&priority=1&q=刘",
                f"{M}/campaigns/{cid}/nominate/", f"{M}/campaigns/{cid}/votes/", f"{M}/campaigns/{cid}/objections/",
                f"{M}/nominations/{w.n1.pk}/", f"{M}/campaigns/{cid}/nominations.xlsx"]:
        assert office.get(url).status_code == 200, url
    listing = page(office.get(f"{M}/campaigns/{cid}/nominations/"))
    assert "刘护士" in listing and "张大叔" in listing and "抗疫一线" in listing
    home = page(office.get("/"))
    assert "先进典型评选" in home and f"{M}/" in home
    # the reviewer's home: what waits for them, leading to the list
    reviewer_home = page(client(c.reviewer2).get("/"))
    assert "待初审的推荐" in reviewer_home and f"{M}/campaigns/{cid}/nominations/?status=submitted" in reviewer_home
    assert "先进典型评审" in reviewer_home
    # the liaison sees the campaign and their own nomination only
    liaison = client(c.liaison)
    assert "推荐先进典型" in page(liaison.get("/"))
    mine = page(liaison.get(f"{M}/campaigns/{cid}/nominations/"))
    assert "刘护士" in mine and "张大叔" not in mine


def test_roles_without_honours_are_refused_and_out_of_scope_is_a_404(hw):
    c = hw
    w = at_initial(c)
    from wenming.volunteers.tests.factories import user

    nobody = client(user("nobody"))
    assert nobody.get(f"{M}/").status_code == 403
    assert nobody.get(f"{M}/campaigns/{c.campaign.pk}/").status_code == 404
    # a county office works in the city's campaign but never sees another county's nomination
    other = client(c.other_office)
    assert other.get(f"{M}/campaigns/{c.campaign.pk}/").status_code == 200
    for url in [f"{M}/nominations/{w.n1.pk}/", f"{M}/nominations/{w.n1.pk}/edit/",
                f"{M}/nominations/{w.n1.pk}/photos/1/", f"{M}/nominations/{w.n1.pk}/files/1/",
                f"{M}/campaigns/{c.campaign.pk}/votes/", f"{M}/campaigns/{c.campaign.pk}/edit/"]:
        assert other.get(url).status_code == 404, url
    assert other.post(f"{M}/nominations/{w.n1.pk}/review/", {"decision": "pass"}).status_code == 404
    assert other.post(f"{M}/campaigns/{c.campaign.pk}/advance/", {"to": "voting"}).status_code == 404
    assert "刘护士" not in page(other.get(f"{M}/campaigns/{c.campaign.pk}/nominations/"))
    # the county office sees its county's nomination
    assert client(c.county_office).get(f"{M}/nominations/{w.n1.pk}/").status_code == 200
    # a reviewer of the county cannot run the city's campaign
    assert client(c.reviewer2).post(f"{M}/campaigns/{c.campaign.pk}/cancel/", {"reason": "x"}).status_code == 404
    # a county's own campaign is not found by the other county
    mine = client(c.county_office)
    res = mine.post(f"{M}/campaigns/new/", _campaign_form(c, c.county, name="2024年度秭归好人"))
    assert res.status_code == 302, page(res)[:3000]
    theirs = HonourCampaign.objects.get(name="2024年度秭归好人")
    assert other.get(f"{M}/campaigns/{theirs.pk}/").status_code == 404
    assert client(c.office).get(f"{M}/campaigns/{theirs.pk}/").status_code == 200


def _campaign_form(c, node, **extra) -> dict:
    today = timezone.localdate()
    return {"category": c.category.pk, "node": node.pk, "name": "2024年度宜昌最美志愿者", "year": 2024, "places": 10,
            "nominate_from": today.isoformat(), "nominate_until": (today + timedelta(days=20)).isoformat(),
            "by_units": "on", "by_nodes": "on", "recommenders_required": 3, "priority_label": "抗疫一线",
            "vote_enabled": "on", "vote_until": (timezone.localtime() + timedelta(days=25)).strftime("%Y-%m-%dT%H:%M"),
            "votes_per_nominee_per_day": 1, "votes_per_day": 5, "votes_per_address_per_hour": 60,
            "vote_weight_percent": 20, "notice_days": 7, "intro": "评选身边的好人好事。", **extra}


def test_the_office_sets_a_campaign_up_and_moves_it_on_through_the_pages(hw):
    c = hw
    office = client(c.office)
    bad = office.post(f"{M}/campaigns/new/", _campaign_form(c, c.city, name="", places=0,
                                                           nominate_until="2000-01-01"))
    assert bad.status_code == 422
    text = page(bad)
    for msg in ("这个字段是必填项", "推荐截止不能早于推荐开始", "大于或等于1"):
        assert msg in text, msg
    res = office.post(f"{M}/campaigns/new/", _campaign_form(c, c.city))
    assert res.status_code == 302
    new = HonourCampaign.objects.get(name="2024年度宜昌最美志愿者")
    assert (new.level, new.stage, new.places, new.created_by) == ("city", "draft", 10, c.office)
    url = f"{M}/campaigns/{new.pk}/"
    assert res["Location"] == url
    text = page(office.get(url))
    assert "进入下一阶段：推荐报名" in text and "筹备中" in text and "添加评审标准" in text
    # criteria: added, and a duplicate is refused with its message
    assert office.post(url, {"name": "事迹突出", "points": "60"}).status_code == 302
    dup = office.post(url, {"name": "事迹突出", "points": "40"})
    assert dup.status_code == 409 and "已存在" in page(dup)
    assert list(new.criteria.values_list("name", "points")) == [("事迹突出", 60)]
    # the plan edited: only what changed is sent
    form = _campaign_form(c, c.city, places=12)
    res = office.post(f"{url}edit/", {k: v for k, v in form.items() if k not in ("category", "node", "year")})
    assert res.status_code == 302
    new.refresh_from_db()
    assert new.places == 12
    # moving on, one stage at a time
    res = office.post(f"{url}advance/", {"to": "nominating"}, follow=True)
    assert "已进入“推荐报名”阶段" in messages_of(res)
    new.refresh_from_db()
    assert new.stage == "nominating"
    assert "还不能" not in page(res) and "进入下一阶段：初审" in page(res)
    res = office.post(f"{url}advance/", {"to": "voting"}, follow=True)
    assert "下一步只能是“初审”" in messages_of(res)
    # the criteria are fixed once nominations close
    by_node_in(c, new)
    office.post(f"{url}advance/", {"to": "initial_review"})
    new.refresh_from_db()
    assert new.stage == "initial_review" and "添加评审标准" not in page(office.get(url))
    assert office.post(url, {"name": "群众认可", "points": "40"}).status_code == 404
    # blocked: a nomination still waits for the initial review
    res = office.post(f"{url}advance/", {"to": "voting"}, follow=True)
    assert "还不能进入“网络投票”：还有 1 份推荐待初审" in messages_of(res)
    # cancel with a reason (required)
    res = office.post(f"{url}cancel/", {"reason": ""}, follow=True)
    assert "须填写原因" in messages_of(res)
    office.post(f"{url}cancel/", {"reason": "上级统一部署，本年度合并评选"})
    new.refresh_from_db()
    assert new.stage == "cancelled"
    assert AuditEntry.objects.filter(action="honours.campaign_cancel", object_id=str(new.pk)).exists()


def by_node_in(c, campaign):
    from wenming.honours.services import nominations

    return nominations.nomination_create(actor=c.manager, campaign=campaign, kind="volunteer", nominated_by="node",
                                         nominating_node=c.station, volunteer=c.farmer, consent=True,
                                         title="卡点值守", story=STORY)


def test_a_node_and_a_unit_nominate_through_the_form(hw):
    c = hw
    cid = c.campaign.pk
    manager = client(c.manager)
    url = f"{M}/campaigns/{cid}/nominate/"
    # everything a form can say at once
    empty = manager.post(url, {"nominated_by": "node", "nominating_node": c.station.pk, "kind": "resident",
                               "id_number": "123", "phone": "12"})
    assert empty.status_code == 422
    text = page(empty)
    for msg in ("请填写姓名", "请选择所在地", "身份证", "手机", "主要事迹", "请确认被推荐人已同意"):
        assert msg in text, msg
    # the finder: by name within the station, then picked into the form
    found = page(manager.get(url, {"q": "张大"}))
    assert "张大叔" in found and c.farmer.volunteer_no in found and "陈老师" not in found
    picked = page(manager.get(url, {"pick": c.farmer.volunteer_no, "pool": f"node-{c.station.pk}"}))
    assert f'value="{c.farmer.volunteer_no}"' in picked
    res = manager.post(url, {"nominated_by": "node", "nominating_node": c.station.pk, "kind": "volunteer",
                             "volunteer": c.farmer.volunteer_no, "title": "村口卡点的守护者", "story": STORY,
                             "priority": "on", "priority_note": "抗疫卡点值守", "consent": "on",
                             "photos": [jpeg(), jpeg("b.jpg")], "files": [pdf()]})
    assert res.status_code == 302, page(res)[:3000]
    n = Nomination.objects.get(volunteer=c.farmer)
    assert (n.nominating_node, n.priority, n.submitted_by) == (c.station, True, c.manager)
    assert n.files.filter(image__isnull=False).count() == 2 and n.files.exclude(file="").count() == 1
    detail = manager.get(res["Location"])
    text = page(detail)
    assert "村口卡点的守护者" in text and "抗疫卡点值守" in text and "证明.pdf" in text
    photo, doc = n.files.filter(image__isnull=False).first(), n.files.exclude(file="").get()
    assert manager.get(f"{M}/nominations/{n.pk}/photos/{photo.pk}/").status_code == 200
    got = manager.get(f"{M}/nominations/{n.pk}/files/{doc.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")
    assert client(c.other_office).get(f"{M}/nominations/{n.pk}/files/{doc.pk}/").status_code == 404
    # the same person again is a duplicate, said next to the form
    again = manager.post(url, {"nominated_by": "node", "nominating_node": c.station.pk, "kind": "volunteer",
                               "volunteer": "张大叔", "title": "再推荐", "story": STORY, "consent": "on"})
    assert again.status_code == 409 and n.number in page(again)
    # a station cannot nominate outside its subtree
    far = manager.post(url, {"nominated_by": "node", "nominating_node": c.station.pk, "kind": "volunteer",
                             "volunteer": c.far.volunteer_no, "title": "外县", "story": STORY, "consent": "on"})
    assert far.status_code == 422 and "没有找到志愿者" in page(far)
    # a resident: ID number and phone kept encrypted, the page shows them masked
    number = resident_id(5)
    res = manager.post(url, {"nominated_by": "node", "nominating_node": c.station.pk, "kind": "resident",
                             "name": "赵阿姨", "id_number": number, "phone": "13712345678", "place": c.station.pk,
                             "title": "热心肠的赵阿姨", "story": STORY, "consent": "on"})
    assert res.status_code == 302, page(res)[:3000]
    aunt = Nomination.objects.get(name="赵阿姨")
    text = page(manager.get(f"{M}/nominations/{aunt.pk}/"))
    assert number not in text and "13712345678" not in text and aunt.id_number_masked in text
    assert decrypt(aunt.phone_enc) == "13712345678"
    # a liaison nominates by unit: their unit's volunteer by name
    UnitMember.objects.create(unit=c.hospital, volunteer=c.nurse, joined_on=timezone.localdate())
    liaison = client(c.liaison)
    form = page(liaison.get(url))
    assert "秭归县人民医院" in form and "以文明办/阵地名义推荐" not in form
    res = liaison.post(url, {"nominated_by": "unit", "nominating_unit": c.hospital.pk, "kind": "volunteer",
                             "volunteer": "刘护士", "title": "抗疫一线的白衣天使", "story": STORY, "consent": "on"})
    assert res.status_code == 302, page(res)[:3000]
    assert Nomination.objects.get(volunteer=c.nurse).nominating_unit == c.hospital
    # a reviewer cannot nominate
    assert client(c.reviewer2).get(url).status_code == 403


def test_a_unit_names_a_volunteer_beyond_its_members_by_number_and_name_only(hw):
    """The pages and the API share one rule: a number alone names nobody outside the
    nominator's pool (numbers cannot be walked to learn names); with the exact name it does."""
    from wenming.core.tests.api_client import ApiClient

    c = hw
    url = f"{M}/campaigns/{c.campaign.pk}/nominate/"
    liaison = client(c.liaison)
    pool = f"unit-{c.hospital.pk}"
    alone = page(liaison.get(url, {"q": c.farmer.volunteer_no, "pool": pool}))
    assert c.farmer.name not in alone
    both = page(liaison.get(url, {"q": f"{c.farmer.volunteer_no} {c.farmer.name}", "pool": pool}))
    assert c.farmer.name in both
    body = {"nominated_by": "unit", "nominating_unit": c.hospital.pk, "kind": "volunteer", "title": "村口卡点的守护者",
            "story": STORY, "consent": "on"}
    res = liaison.post(url, {**body, "volunteer": c.farmer.volunteer_no})
    assert res.status_code == 422 and "没有找到志愿者" in page(res)
    api = ApiClient("hospital_liaison").post(f"/honours/campaigns/{c.campaign.pk}/nominations", {
        "kind": "volunteer", "nominated_by": "unit", "nominating_unit_id": c.hospital.pk,
        "volunteer_no": c.farmer.volunteer_no, "consent": True, "title": "村口卡点的守护者", "story": STORY})
    assert (api.status_code, api.json()["code"]) == (404, "not_found")
    res = liaison.post(url, {**body, "volunteer": f"{c.farmer.name}（{c.farmer.volunteer_no.lower()}）"})
    assert res.status_code == 302, page(res)[:2000]
    assert Nomination.objects.get(volunteer=c.farmer).nominating_unit == c.hospital


def test_reviewers_review_on_the_page_and_one_from_the_nominees_unit_must_abstain(hw):
    c = hw
    w = at_initial(c)  # the hospital nominates its nurse; c.reviewer works at the hospital
    url = f"{M}/nominations/{w.n1.pk}/"
    conflicted = client(c.reviewer)
    text = page(conflicted.get(url))
    assert "须回避" in text and "同属“秭归县人民医院”" in text and "提交评审意见" not in text
    res = conflicted.post(f"{url}review/", {"decision": "pass", **score_fields(c)})
    assert res.status_code == 403 and "须回避" in page(res)
    assert not Review.objects.exists()
    # the to-do count leaves out what the reviewer must abstain from
    waiting = Nomination.objects.filter(campaign=c.campaign, status="submitted").count()
    assert todo_counts(c.reviewer2)["initial"].count == waiting
    assert todo_counts(c.reviewer)["initial"].count == waiting - 1
    other = client(c.reviewer2)
    text = page(other.get(url))
    assert "提交评审意见" in text and "事迹突出（满分 60）" in text and "须回避" not in text
    # the story comes first, the form after it; a link at the top leads there
    assert text.index('id="story"') < text.index('id="review"') and 'href="#review"' in text
    # several problems at once: a return needs a reason; a score above the full points
    bad = other.post(f"{url}review/", {"decision": "return"})
    assert bad.status_code == 422 and "退回或不通过须填写理由" in page(bad)
    bad = other.post(f"{url}review/", {"decision": "pass", **score_fields(c, a=61)})
    assert bad.status_code == 422 and "“事迹突出”的得分须为 0 到 60" in page(bad)
    res = other.post(f"{url}review/", {"decision": "return", "reason": "请补充值守照片"})
    assert res.status_code == 302
    w.n1.refresh_from_db()
    assert (w.n1.status, w.n1.status_reason) == ("returned", "请补充值守照片")
    assert "您已初审" in page(other.get(url))
    # the nominator corrects it and it goes back to the initial review
    liaison = client(c.liaison)
    detail = page(liaison.get(url))
    assert "修改并重新提交" in detail and "请补充值守照片" in detail
    assert "zg_reviewer2" not in detail  # who reviewed it: staff only
    res = liaison.post(f"{url}edit/", {"title": "补充后的事迹", "story": STORY + "附值守照片。", "consent": "on"})
    assert res.status_code == 302
    w.n1.refresh_from_db()
    assert (w.n1.status, w.n1.title) == ("submitted", "补充后的事迹")
    assert client(c.manager).get(f"{url}edit/").status_code == 404  # not the nominator
    # a second reviewer decides now (the first already reviewed at this stage)
    Review.objects.all().delete()
    res = other.post(f"{url}review/", {"decision": "pass", "reason": "", **score_fields(c)})
    assert res.status_code == 302
    w.n1.refresh_from_db()
    assert w.n1.status == "shortlisted"
    assert Review.objects.get().total == 80


def test_the_office_selects_at_the_final_review_within_the_places(hw):
    c = hw
    w = at_final(c)
    office = client(c.office)
    c.campaign.places = 1
    c.campaign.save(update_fields=["places"])
    text = page(office.get(f"{M}/campaigns/{c.campaign.pk}/nominations/?sort=score"))
    assert "拟表彰" in text and "复审阶段" in text
    res = office.post(f"{M}/nominations/{w.n1.pk}/select/", {"action": "select"}, follow=True)
    assert "已将 刘护士 列为拟表彰对象" in messages_of(res)
    res = office.post(f"{M}/nominations/{w.n2.pk}/select/", {"action": "select", "next": "list"}, follow=True)
    assert "名额已满（1 名）" in messages_of(res)
    assert res.redirect_chain[-1][0] == f"{M}/campaigns/{c.campaign.pk}/nominations/"
    res = office.post(f"{M}/nominations/{w.n2.pk}/select/", {"action": "reject", "reason": ""}, follow=True)
    assert "须填写理由" in messages_of(res)
    office.post(f"{M}/nominations/{w.n2.pk}/select/", {"action": "reject", "reason": "事迹不够突出"})
    office.post(f"{M}/nominations/{w.n1.pk}/select/", {"action": "unselect"})
    for n in (w.n1, w.n2):
        n.refresh_from_db()
    c.campaign.refresh_from_db()
    assert (w.n1.status, w.n2.status, c.campaign.selected_count) == ("shortlisted", "rejected", 0)
    # a reviewer cannot select
    assert client(c.city_reviewer).post(f"{M}/nominations/{w.n1.pk}/select/",
                                        {"action": "select"}).status_code == 403
    # the final reviewer scores on the page
    res = client(c.city_reviewer).post(f"{M}/nominations/{w.n1.pk}/review/",
                                       {"decision": "pass", **score_fields(c, 58, 38)})
    assert res.status_code == 302
    assert "复审平均分" in page(office.get(f"{M}/nominations/{w.n1.pk}/"))


def test_the_office_voids_a_cluster_of_stuffed_votes_from_the_monitor(hw, gateway, django_capture_on_commit_callbacks):
    c = hw
    w = at_voting(c)
    vote_farm(c, gateway, django_capture_on_commit_callbacks, w.n1)
    office = client(c.office)
    url = f"{M}/campaigns/{c.campaign.pk}/votes/"
    text = page(office.get(url))
    assert "同一网络地址多个手机号投票" in text and "尾号0005" in text and "作废这组投票" in text
    assert "13800000009" not in text and "17000000005" not in text
    assert "还没有作废过投票" in text
    cluster = next(cl for cl in vote_reads.vote_clusters(c.campaign) if cl.kind == "address")
    ids = ",".join(str(i) for i in cluster.vote_ids)
    honest = Vote.objects.exclude(pk__in=cluster.vote_ids).get()
    res = office.post(f"{url}void/", {"kind": "address", "key": cluster.key, "votes": ids, "reason": ""}, follow=True)
    assert "作废投票须填写原因" in messages_of(res)
    # an id outside the cluster is not voided with it
    res = office.post(f"{url}void/", {"kind": "address", "key": cluster.key, "votes": f"{ids},{honest.pk}",
                                      "reason": "同一网络地址六个虚拟号段手机号集中投票"}, follow=True)
    assert "已作废 6 张票" in messages_of(res)
    w.n1.refresh_from_db()
    assert w.n1.votes == 1 and Vote.objects.get(pk=honest.pk).voided_at is None
    assert '<strong id="voided-total">6</strong>' in page(res)
    history = page(res).split('id="voids"')[1].split("</section>")[0]
    assert "作废 <strong>6</strong> 张票" in history and "原因：同一网络地址六个虚拟号段手机号集中投票" in history
    assert f"{w.n1.name} 6 张" in history and str(c.office) in history
    row = AuditEntry.objects.get(action="honours.votes_void")
    assert row.changes["by_nomination"] == {str(w.n1.pk): 6}
    # the same cluster again: gone
    res = office.post(f"{url}void/", {"kind": "address", "key": cluster.key, "votes": ids, "reason": "再次"},
                      follow=True)
    assert "已处理或已变化" in messages_of(res)
    # only the office sees the monitor
    assert client(c.county_office).get(url).status_code == 404
    assert client(c.county_office).post(f"{url}void/", {"kind": "address", "key": cluster.key, "votes": ids,
                                                        "reason": "x"}).status_code == 404


def test_objections_are_answered_on_the_page_and_an_upheld_one_drops_the_nominee(hw):
    c = hw
    w = at_notice(c)
    o1 = notice.objection_submit(nomination=w.n1, text="该同志的值守天数与实际不符，请核实。", anonymous=True)
    o2 = notice.objection_submit(nomination=w.n1, text="事迹材料中的照片系他人所摄，有造假嫌疑。", anonymous=False,
                                 name="周先生", phone="13600000001")
    office = client(c.office)
    url = f"{M}/campaigns/{c.campaign.pk}/objections/"
    text = page(office.get(url))
    assert "还有 <strong>2</strong> 条异议待答复" in text and "周先生" in text and "13600000001" not in text
    assert "提交答复" in text
    res = office.post(f"{M}/objections/{o1.pk}/answer/", {"answer": ""}, follow=True)
    assert "这个字段是必填项" in messages_of(res)
    res = office.post(f"{M}/objections/{o1.pk}/answer/", {"answer": "经核实，值守记录属实。"}, follow=True)
    assert f"已答复异议 {o1.number}" in messages_of(res)
    res = office.post(f"{M}/objections/{o2.pk}/answer/", {"answer": "经核实异议成立，取消拟表彰。", "upheld": "on"},
                      follow=True)
    assert "异议成立" in messages_of(res)
    w.n1.refresh_from_db()
    c.campaign.refresh_from_db()
    assert (w.n1.status, c.campaign.selected_count) == ("dropped", 0)
    res = office.post(f"{M}/objections/{o1.pk}/answer/", {"answer": "again"}, follow=True)
    assert "已答复" in messages_of(res)
    # the county office reads them (their county's nominee) but cannot answer
    county = client(c.county_office)
    text = page(county.get(url))
    assert "提交答复" not in text and "事迹材料中的照片" in text and "周先生" not in text  # who objected: the office
    assert client(c.other_office).post(f"{M}/objections/{o1.pk}/answer/", {"answer": "x"}).status_code == 404


def test_a_nominator_withdraws_through_the_page(hw):
    c = hw
    n = by_node(c)
    manager = client(c.manager)
    res = manager.post(f"{M}/nominations/{n.pk}/withdraw/", {"reason": ""}, follow=True)
    assert "请填写撤回原因" in messages_of(res)
    res = manager.post(f"{M}/nominations/{n.pk}/withdraw/", {"reason": "本人婉拒"}, follow=True)
    assert f"已撤回推荐 {n.number}" in messages_of(res)
    n.refresh_from_db()
    assert n.status == "withdrawn"


HOSTILE_IDS = ["²", "1" * 30, "-1", "abc", "0x10", "%00"]


def test_hostile_input_is_a_4xx_never_a_500(hw):
    c = hw
    w = at_initial(c)
    office, reviewer = client(c.office), client(c.reviewer2)
    cid = c.campaign.pk
    for bad in HOSTILE_IDS:
        for url in [f"{M}/campaigns/{bad}/", f"{M}/campaigns/{bad}/nominations/", f"{M}/campaigns/{bad}/votes/",
                    f"{M}/campaigns/{bad}/nominations.xlsx", f"{M}/nominations/{bad}/",
                    f"{M}/nominations/{w.n1.pk}/photos/{bad}/", f"{M}/nominations/{w.n1.pk}/files/{bad}/",
                    f"{M}/objections/{bad}/photo/"]:
            assert office.get(url).status_code == 404, url
        assert office.post(f"{M}/nominations/{bad}/select/", {"action": "select"}).status_code == 404
        assert office.post(f"{M}/objections/{bad}/answer/", {"answer": "x"}).status_code == 404
    # junk in query strings: ignored
    for query in ["status=\x00", "status=nonsense", "sort=__class__", "page=99999999999999999999", "priority=\x00",
                  "q=" + "\x00" * 60]:
        assert office.get(f"{M}/campaigns/{cid}/nominations/?{query}").status_code == 200, query
    assert office.get(f"{M}/?page=-5&show=\x00").status_code == 200
    assert office.get(f"{M}/campaigns/{cid}/nominate/?q=\x00&pool=\x00&pick=" + "9" * 80).status_code == 200
    # NUL characters, huge numbers and empty choices in forms: the form's message, not a 500
    form = _campaign_form(c, c.city, name="好人\x00评选", places="9" * 5000, year="99999999999999999999999",
                          category="", vote_from="\x00", nominate_from="2024-13-45")
    res = office.post(f"{M}/campaigns/new/", form)
    assert res.status_code == 422
    form = {**_campaign_form(c, c.city), "node": str(10**25), "category": str(10**25)}
    assert office.post(f"{M}/campaigns/new/", form).status_code == 422
    assert office.post(f"{M}/campaigns/{cid}/", {"name": "\x00", "points": "1" * 400}).status_code in (404, 422)
    res = office.post(f"{M}/campaigns/{cid}/advance/", {"to": "\x00"}, follow=True)
    assert res.status_code == 200 and "下一步只能是" in messages_of(res)
    assert office.post(f"{M}/campaigns/{cid}/cancel/", {"reason": "\x00" * 10}).status_code == 302
    c.campaign.refresh_from_db()
    assert c.campaign.stage == "initial_review"
    url = f"{M}/nominations/{w.n2.pk}/review/"
    for data in [{"decision": ""}, {"decision": "\x00"}, {"decision": "pass", "reason": "\x00" * 600},
                 {"decision": "pass", **{k: "1e999999" for k in score_fields(c)}},
                 {"decision": "pass", **{k: "NaN" for k in score_fields(c)}},
                 {"decision": "pass", **{k: "9" * 40 for k in score_fields(c)}}]:
        res = reviewer.post(url, data)
        assert 400 <= res.status_code < 500, (data, res.status_code)
    assert not Review.objects.exists()
    assert office.post(f"{M}/nominations/{w.n2.pk}/select/", {"action": "\x00"}).status_code == 404
    res = office.post(f"{M}/nominations/{w.n2.pk}/select/", {"action": "select"}, follow=True)
    assert res.status_code == 200 and "不能确定拟表彰对象" in messages_of(res)
    # the nominate form with every kind of junk
    manager = client(c.manager)
    campaign_open = f"{M}/campaigns/{cid}/nominate/"
    assert manager.get(campaign_open).status_code == 200  # explains that nominations are closed
    for data in [{"nominated_by": "\x00", "kind": "", "volunteer": "\x00" * 60},
                 {"nominated_by": "node", "nominating_node": str(10**30), "kind": "volunteer"}]:
        assert 400 <= manager.post(campaign_open, data).status_code < 500
    # the void form with junk
    vote_url = f"{M}/campaigns/{cid}/votes/void/"
    for data in [{}, {"kind": "\x00", "key": "x", "votes": "²,-1," + "9" * 40, "reason": "r"},
                 {"kind": "address", "key": "abc", "votes": "1," * 5000, "reason": "r"}]:
        res = office.post(vote_url, data)
        assert res.status_code == 302, data


def test_hostile_nominations_while_nominating(hw):
    c = hw
    manager = client(c.manager)
    url = f"{M}/campaigns/{c.campaign.pk}/nominate/"
    for data in [{"nominated_by": "node", "nominating_node": c.station.pk, "kind": "resident", "name": "赵\x00阿姨",
                  "id_number": "\x00" * 20, "phone": "1" * 40, "place": str(10**30), "title": "x" * 101,
                  "story": "短", "consent": "on"},
                 {"nominated_by": "node", "nominating_node": c.station.pk, "kind": "family", "name": "刘家",
                  "id_number": resident_id(2), "place": c.station.pk, "title": "t", "story": STORY, "consent": "on"},
                 {"nominated_by": "unit", "nominating_unit": "1", "kind": "volunteer", "volunteer": "x",
                  "title": "t", "story": STORY, "consent": "on"},
                 {"nominated_by": "node", "nominating_node": c.station.pk, "kind": "volunteer",
                  "volunteer": c.farmer.volunteer_no, "title": "t", "story": STORY, "consent": "on",
                  "photos": [jpeg(f"{i}.jpg") for i in range(10)]}]:
        res = manager.post(url, data)
        assert 400 <= res.status_code < 500, (data.get("kind"), res.status_code)
    assert not Nomination.objects.exists()


def test_a_reviewer_learns_of_a_conflict_before_the_review_begins(hw):
    """During the vote the reviewer from the nominee's unit already sees 须回避."""
    c = hw
    w = at_voting(c)
    page = client(c.reviewer).get(f"/honours/manage/nominations/{w.n1.pk}/").content.decode()
    assert "须回避" in page and "秭归县人民医院" in page
    assert "须回避" not in client(c.reviewer2).get(f"/honours/manage/nominations/{w.n1.pk}/").content.decode()
