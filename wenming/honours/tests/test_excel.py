"""The campaign workbook: every stage in it (nominations with status, registry figures,
priority, reviews with scores and averages, votes and voided votes, objections), the rows the
actor may read, formula-safe cells, no ID number or phone, and an audit row."""

import io

import pytest
from openpyxl import load_workbook

from wenming.core.crypto import decrypt
from wenming.core.models import AuditEntry
from wenming.honours.models import Nomination
from wenming.honours.selectors import votes as vote_reads
from wenming.honours.services import campaigns, nominations, notice, reviews
from wenming.honours.services import votes as sv
from wenming.honours.tests.factories import resident_id

from .staff_world import (
    at_initial,
    client,
    hw_fixture,  # noqa: F401 (the fixture "hw")
    score_fields,
    scores,
    vote_farm,
)

pytestmark = pytest.mark.django_db

M = "/honours/manage"


def _book(res):
    assert res.status_code == 200, res.content[:500]
    assert res["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(res.content), read_only=True)


def _rows(book, title) -> list[tuple]:
    return [tuple(r) for r in book[title].iter_rows(values_only=True)]


def _all_text(book) -> str:
    return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)


def test_the_workbook_holds_every_stage_without_personal_numbers(hw, gateway, django_capture_on_commit_callbacks):
    c = hw
    number = resident_id(7)
    aunt = nominations.nomination_create(
        actor=c.manager, campaign=c.campaign, kind="resident", nominated_by="node", nominating_node=c.station,
        consent=True, name="赵阿姨", id_number=number, phone="13712345678", node=c.station,
        title="=HYPERLINK(\"http://evil\")", story="@SUM(1+1) 疫情期间为村民代购药品和生活物资三百余次，邻里称赞。")
    w = at_initial(c)
    for n in (w.n1, w.n2, aunt):
        reviews.review_submit(actor=c.reviewer2, nomination=n, decision="pass", scores=scores(c, 50, 30))


    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")
    c.campaign.refresh_from_db()
    vote_farm(c, gateway, django_capture_on_commit_callbacks, w.n1)
    cluster = next(cl for cl in vote_reads.vote_clusters(c.campaign) if cl.kind == "address")
    sv.votes_void(actor=c.office, campaign=c.campaign, vote_ids=cluster.vote_ids, reason="同一地址集中投票")
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review")
    c.campaign.refresh_from_db()
    reviews.review_submit(actor=c.city_reviewer, nomination=w.n1, decision="pass", scores=scores(c, 58, 38))
    reviews.selection_set(actor=c.office, nomination=w.n1, selected=True)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="notice")
    notice.objection_submit(nomination=Nomination.objects.get(pk=w.n1.pk), text="=cmd|' /C calc'!A0 值守天数不符",
                            anonymous=False, name="周先生", phone="13600000001")

    book = _book(client(c.office).get(f"{M}/campaigns/{c.campaign.pk}/nominations.xlsx"))
    assert book.sheetnames == ["评选概况", "推荐名单", "评审意见", "网络投票", "作废投票", "公示异议"]
    rows = _rows(book, "推荐名单")
    data = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(data) == {w.n1.number, w.n2.number, aunt.number}
    nurse = data[w.n1.number]
    assert (nurse["姓名/名称"], nurse["状态"], nurse["抗疫一线"], nurse["推荐单位/阵地"]) == \
        ("刘护士", "拟表彰", "是", "秭归县人民医院")
    assert (nurse["初审平均分"], nurse["复审平均分"], nurse["复审评审数"]) == (80, 96, 1)
    assert (nurse["有效票数"], nurse["作废票"], nurse["公示异议"], nurse["星级"]) == (1, 6, 1, 0)
    assert nurse["志愿者编号"] == c.nurse.volunteer_no
    # typed text is never a formula
    assert data[aunt.number]["事迹标题"].startswith("'=")
    reviews_rows = _rows(book, "评审意见")
    assert reviews_rows[0][6:8] == ("事迹突出（60）", "群众认可（40）")
    assert len(reviews_rows) == 1 + 4
    final = next(r for r in reviews_rows if r[2] == "复审")
    assert final[6:9] == (58, 38, 96) and final[3] == "city_reviewer"
    votes = {r[0]: r for r in _rows(book, "网络投票")[1:]}
    assert votes[w.n1.number][3:7] == (1, 7, 0, 6)
    voided = _rows(book, "作废投票")[1:]
    assert len(voided) == 6 and all(r[3].startswith("尾号") and len(r[3]) == 6 for r in voided)
    objection = _rows(book, "公示异议")[1]
    assert objection[5] == "周先生" and objection[6].startswith("'=")
    # no ID number, no phone, not even the voters'
    text = _all_text(book)
    for secret in (number, decrypt(c.nurse.id_number_enc), "13712345678", "13600000001", "13900000011",
                   "17000000001", "13800000009", c.nurse.id_number_masked, aunt.id_number_masked):
        assert secret not in text, secret
    row = AuditEntry.objects.get(action="honours.export")
    assert (row.actor, row.changes["nominations"], row.object_id) == (c.office, 3, str(c.campaign.pk))


def test_a_county_exports_only_its_own_nominations_and_no_voided_votes(hw):
    c = hw
    theirs = nominations.nomination_create(
        actor=c.other_office, campaign=c.campaign, kind="volunteer", nominated_by="node",
        nominating_node=c.other_county, volunteer=c.far, consent=True, title="外县好人",
        story="疫情期间连续值守卡点六十天，为村民代购药品和生活物资三百余次。")
    w = at_initial(c)
    client(c.reviewer2).post(f"{M}/nominations/{w.n2.pk}/review/", {"decision": "pass", **score_fields(c)})
    client(c.reviewer2).post(f"{M}/nominations/{w.n1.pk}/review/", {"decision": "return", "reason": "补充照片"})
    book = _book(client(c.county_office).get(f"{M}/campaigns/{c.campaign.pk}/nominations.xlsx"))
    assert "作废投票" not in book.sheetnames and "公示异议" not in book.sheetnames
    numbers = {r[0] for r in _rows(book, "推荐名单")[1:]}
    assert numbers == {w.n1.number, w.n2.number} and theirs.number not in _all_text(book)
    assert len(_rows(book, "评审意见")) == 3
    other = _book(client(c.other_office).get(f"{M}/campaigns/{c.campaign.pk}/nominations.xlsx"))
    assert {r[0] for r in _rows(other, "推荐名单")[1:]} == {theirs.number}
    # a liaison: their unit's nomination only
    mine = _book(client(c.liaison).get(f"{M}/campaigns/{c.campaign.pk}/nominations.xlsx"))
    assert {r[0] for r in _rows(mine, "推荐名单")[1:]} == {w.n1.number}
    assert len(_rows(mine, "评审意见")) == 1 and "zg_reviewer2" not in _all_text(mine)  # who reviewed: staff only
    assert "退回修改" in _all_text(mine) and "补充照片" in _all_text(mine)  # the status and its reason
    assert client(c.liaison).get(f"{M}/campaigns/{10**30}/nominations.xlsx").status_code == 404
