"""Material review: a liaison submits material for their unit's indicator, a reviewer scores
or returns it once, the unit's scoreboard follows (and equals the raw rows), files are
checked and read only by those who may; everyone else gets a 404."""

import io
import threading
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry, Notification
from wenming.core.testing import CONCURRENT, code_of, make_jpeg, make_png
from wenming.core.tests.api_client import ApiClient
from wenming.evaluation.models import Material, UnitTally
from wenming.evaluation.selectors import records, scoreboard
from wenming.evaluation.selectors import surveys as sel
from wenming.evaluation.services import attachments, duties
from wenming.evaluation.services import materials as mat
from wenming.evaluation.services.tallies import tallies_differences
from wenming.evaluation.tests.factories import build_evaluation

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
BAD_IDS = ["²", "abc", "99999999999999999999999"]


def office_file(part: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, "<x/>")
    return buf.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def ev(world, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return build_evaluation(world)


def submit(e, *, actor=None, text="已建立创建工作例会制度，附 2023 年例会台账。", file=None, **kw) -> Material:
    return mat.material_submit(actor=actor or e.liaison_market, campaign=e.campaign, indicator=kw.pop("indicator",
                               e.files), text=text, upload=file, **kw)


def refused(fn, **kw) -> DomainError:
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value


def line(board, indicator):
    return next((ln for ln in board.lines if ln.indicator.pk == indicator.pk), None)


def _lines(board) -> list[tuple]:
    return [(ln.indicator.pk, ln.full, ln.score, ln.material, ln.no_data) for ln in board.lines]


# --- submit, score, return ---------------------------------------------------------------------

@pytest.mark.django_db
def test_a_liaison_submits_and_a_reviewer_scores_it_into_the_unit_board(ev):
    before = scoreboard.unit_board(ev.campaign, ev.market_bureau)
    assert line(before, ev.files).no_data and line(before, ev.files).score == 0
    m = submit(ev, file=upload("例会台账.pdf", PDF))
    assert (m.status, m.unit, m.file_name) == ("submitted", ev.market_bureau, "例会台账.pdf")
    assert m.file.startswith("evaluation_material/") and m.file.endswith(".pdf") and "例会" not in m.file
    assert AuditEntry.objects.filter(action="evaluation.material_submit", object_id=str(m.pk)).exists()
    m = mat.material_review(actor=ev.inspector, material=m, score="1.5", note="制度齐全，台账缺两个月")
    assert (m.status, m.score, m.reviewed_by) == ("scored", Decimal("1.50"), ev.inspector)
    assert UnitTally.objects.get(unit=ev.market_bureau, indicator=ev.files).material_score == Decimal("1.50")
    board = scoreboard.unit_board(ev.campaign, ev.market_bureau)
    assert (line(board, ev.files).material, line(board, ev.files).score) == (Decimal("1.50"), Decimal("1.50"))
    assert board.main_score == before.main_score + Decimal("1.50")
    raw = scoreboard.unit_board_raw(ev.campaign, ev.market_bureau)
    assert _lines(board) == _lines(raw) and (board.score, board.full) == (raw.score, raw.full)
    assert tallies_differences(ev.campaign.pk) == []
    # the county's board averages the leading units' material scores
    county = scoreboard.node_board(ev.campaign, ev.world.county, trend=False)
    assert line(county, ev.files).material == Decimal("1.50")
    assert _lines(county) == _lines(scoreboard.node_board_raw(ev.campaign, ev.world.county, trend=False))
    note = Notification.objects.filter(recipient=ev.liaison_market).latest("id")
    assert note.subject == "测评材料已评分" and "1.50" in note.body


@pytest.mark.django_db
def test_returned_material_is_sent_again_and_the_latest_score_counts(ev):
    m = submit(ev)
    assert refused(submit, e=ev).code == "evaluation.material_pending"  # one waiting at a time
    assert refused(mat.material_return, actor=ev.inspector, material=m, note=" ").code == "evaluation.note_required"
    m = mat.material_return(actor=ev.inspector, material=m, note="请补充例会照片")
    assert (m.status, m.review_note, m.score) == ("returned", "请补充例会照片", None)
    assert not UnitTally.objects.filter(material_score__isnull=False).exists()
    assert Notification.objects.filter(recipient=ev.liaison_market, subject="测评材料被退回").exists()
    second = submit(ev, text="补充了例会照片", file=upload("照片.jpg", make_jpeg()))
    mat.material_review(actor=ev.inspector, material=second, score=1)
    third = submit(ev, text="又补充了台账", file=upload("台账.png", make_png()))
    mat.material_review(actor=ev.inspector, material=third, score="2")
    assert UnitTally.objects.get(unit=ev.market_bureau, indicator=ev.files).material_score == Decimal("2.00")
    assert _lines(scoreboard.unit_board(ev.campaign, ev.market_bureau)) == \
        _lines(scoreboard.unit_board_raw(ev.campaign, ev.market_bureau))
    assert tallies_differences(ev.campaign.pk) == []


@pytest.mark.django_db
def test_a_cooperating_unit_submits_for_itself(ev):
    duties.duty_save(actor=ev.world.office, campaign=ev.campaign, indicator=ev.files, unit=ev.town, role="coop")
    m = submit(ev, actor=ev.liaison_town)
    assert m.unit == ev.town
    mat.material_review(actor=ev.inspector, material=m, score="0.5")
    assert line(scoreboard.unit_board(ev.campaign, ev.town), ev.files).score == Decimal("0.50")


@pytest.mark.django_db
def test_only_a_liaison_of_a_unit_with_the_duty_submits(ev):
    assert refused(submit, e=ev, actor=ev.liaison_admin).code == "evaluation.no_duty"  # 城管局 has no such duty
    assert refused(submit, e=ev, actor=ev.inspector).code == "evaluation.no_unit"
    assert refused(submit, e=ev, actor=ev.world.office).code == "evaluation.no_unit"
    err = refused(submit, e=ev, indicator=ev.hygiene)
    assert (err.code, err.status) == ("evaluation.not_material", 422)
    assert refused(submit, e=ev, text=" \x00 ").code == "evaluation.material_text_required"
    assert refused(submit, e=ev, text="字" * 5001).code == "evaluation.text_too_long"
    assert refused(submit, e=ev, unit_id=ev.city_admin.pk).code == "evaluation.no_unit"
    assert not Material.objects.exists()


@pytest.mark.django_db
def test_files_are_checked_by_content_and_size(ev, monkeypatch):
    for name, data in [("a.exe", PDF), ("台账.pdf", b"MZ not a pdf"), ("a.docx", office_file("xl/workbook.xml")),
                       ("a.xlsx", b"PK\x03\x04 broken"), ("a.jpg", make_png()), ("noext", PDF)]:
        assert refused(submit, e=ev, file=upload(name, data)).code == "evaluation.file_type", name
    assert refused(submit, e=ev, file=upload("a.pdf", b"")).code in ("evaluation.file_empty", "evaluation.file_type")
    monkeypatch.setattr(attachments, "MAX_BYTES", 1024)
    err = refused(submit, e=ev, file=upload("big.pdf", PDF + b"0" * 2000))
    assert (err.code, err.status) == ("evaluation.file_too_large", 413)
    monkeypatch.undo()
    for name, data in [("方案.docx", office_file("word/document.xml")), ("台账.XLSX", office_file("xl/workbook.xml")),
                       ("照片.zip", office_file("a.txt"))]:
        m = submit(ev, file=upload(name, data))
        mat.material_return(actor=ev.inspector, material=m, note="再补充")
    assert Material.objects.count() == 3
    assert Material.objects.get(file_name="台账.xlsx").file.endswith(".xlsx")


# --- review rules --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_reviewer_cannot_score_above_the_points_or_outside_their_area(ev):
    m = submit(ev)
    for bad in ("2.01", "-1", "abc", "NaN", "1e30", "", None, "\x00"):
        err = refused(mat.material_review, actor=ev.inspector, material=m, score=bad)
        assert (err.code, err.status) == ("evaluation.score_invalid", 422), bad
        assert "0 到 2.00" in err.message
    for person in (ev.world.manager_a, ev.liaison_market, ev.liaison_admin):
        assert refused(mat.material_review, actor=person, material=m, score="1").code == "forbidden"
    assert Material.objects.get(pk=m.pk).status == "submitted"
    mat.material_review(actor=ev.world.office, material=m, score="2.00")


@pytest.mark.django_db
def test_a_second_review_of_the_same_material_is_a_conflict(ev):
    m = submit(ev)
    stale = Material.objects.select_related("unit__node", "indicator").get(pk=m.pk)
    mat.material_review(actor=ev.inspector, material=m, score="1")
    err = refused(mat.material_review, actor=ev.world.office, material=stale, score="2")
    assert (err.code, err.status) == ("evaluation.material_done", 409) and "已评分" in err.message
    assert refused(mat.material_return, actor=ev.inspector, material=stale, note="x").code == "evaluation.material_done"
    assert Material.objects.get(pk=m.pk).score == Decimal("1.00")
    assert UnitTally.objects.get(unit=ev.market_bureau, indicator=ev.files).material_score == Decimal("1.00")


@CONCURRENT
def test_concurrent_reviews_score_a_material_once(settings, tmp_path):
    from wenming.core.testing import at_once
    from wenming.volunteers.tests.factories import build_world

    settings.UPLOAD_DIR = tmp_path / "uploads"
    e = build_evaluation(build_world())
    m = submit(e)
    scores, lock = ["0.5", "1", "1.5", "2", "0", "0.25", "0.75", "1.25"], threading.Lock()

    def review():
        with lock:
            score = scores.pop()
        material = Material.objects.select_related("unit__node", "indicator").get(pk=m.pk)  # each reads "submitted"
        return code_of(lambda: mat.material_review(actor=e.inspector, material=material, score=score))

    results = at_once(8, review)
    assert results.count("ok") == 1 and set(results) - {"ok"} == {"evaluation.material_done"}
    final = Material.objects.get(pk=m.pk)
    assert UnitTally.objects.get(unit=e.market_bureau, indicator=e.files).material_score == final.score
    assert AuditEntry.objects.filter(action="evaluation.material_score").count() == 1


# --- who reads what ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_another_units_liaison_and_staff_elsewhere_get_404(ev):
    m = submit(ev, file=upload("台账.pdf", PDF))
    for person in (ev.liaison_admin, ev.liaison_town, ev.world.manager_a):
        assert refused(sel.material_get_for_actor, actor=person, pk=m.pk).code == "not_found"
        assert not records.materials_for_actor(actor=person, campaign=ev.campaign).exists()
    for person in (ev.liaison_market, ev.inspector, ev.world.office):
        assert sel.material_get_for_actor(actor=person, pk=m.pk) == m
    for bad in BAD_IDS:
        assert refused(sel.material_get_for_actor, actor=ev.inspector, pk=bad).code == "not_found"
    assert list(sel.review_queue_for_actor(actor=ev.inspector, campaign=ev.campaign)) == [m]
    assert list(sel.review_queue_for_actor(actor=ev.liaison_market, campaign=ev.campaign)) == []


# --- pages and API -------------------------------------------------------------------------------

def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def html(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_material_pages_submit_review_and_download(ev):
    cid = ev.campaign.pk
    liaison = login(ev.liaison_market)
    page = liaison.get(f"/evaluation/campaigns/{cid}/materials/mine/")
    assert page.status_code == 200 and ev.files.name in html(page) and "尚未提交材料" in html(page)
    assert ev.roads.name not in html(page)  # not this unit's, and not scored by review
    bad = liaison.post(f"/evaluation/campaigns/{cid}/materials/submit/",
                       {"indicator": ev.files.pk, "text": "台账", "file": upload("a.exe", b"MZ")}, follow=True)
    assert "附件只能是" in html(bad) and not Material.objects.exists()
    sent = liaison.post(f"/evaluation/campaigns/{cid}/materials/submit/",
                        {"indicator": ev.files.pk, "unit": ev.market_bureau.pk, "text": "例会制度和台账",
                         "file": upload("台账.pdf", PDF)}, follow=True)
    assert sent.status_code == 200 and "已提交" in html(sent) and "待审核" in html(sent)
    m = Material.objects.get()
    again = liaison.post(f"/evaluation/campaigns/{cid}/materials/submit/",
                         {"indicator": ev.files.pk, "text": "再交一份"}, follow=True)
    assert "已有待审核的材料" in html(again) and Material.objects.count() == 1
    # the reviewer's queue, the score form and the download
    reviewer = login(ev.inspector)
    queue = reviewer.get(f"/evaluation/campaigns/{cid}/materials/")
    assert queue.status_code == 200 and "台账.pdf" in html(queue) and 'name="score"' in html(queue)
    got = reviewer.get(f"/evaluation/materials/{m.pk}/file/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Type"] == "application/pdf" and got["Cache-Control"] == "private, no-store"
    too_much = reviewer.post(f"/evaluation/materials/{m.pk}/review/", {"score": "9", "back": "queue"}, follow=True)
    assert "评分须在 0 到 2.00 之间" in html(too_much)
    done = reviewer.post(f"/evaluation/materials/{m.pk}/review/", {"score": "1.5", "note": "较好"}, follow=True)
    assert done.status_code == 200 and "已评分" in html(done) and "1.50" in html(done)
    again = reviewer.post(f"/evaluation/materials/{m.pk}/review/", {"score": "2"}, follow=True)
    assert "该材料已已评分" not in html(again) and "不能再审核" in html(again)
    assert liaison.get(f"/evaluation/materials/{m.pk}/file/").status_code == 200
    # another unit's liaison and a station's manager: 404 for the page, the file and the review
    for person in (ev.liaison_admin, ev.world.manager_a):
        c = login(person)
        assert c.get(f"/evaluation/materials/{m.pk}/").status_code == 404
        assert c.get(f"/evaluation/materials/{m.pk}/file/").status_code == 404
        assert c.post(f"/evaluation/materials/{m.pk}/review/", {"score": "0"}).status_code == 404
    assert login(ev.liaison_admin).get(f"/evaluation/campaigns/{cid}/materials/").status_code == 403
    assert login(ev.inspector).get(f"/evaluation/campaigns/{cid}/materials/mine/").status_code == 403
    for bad in BAD_IDS:
        assert reviewer.get(f"/evaluation/materials/{bad}/").status_code == 404
        assert reviewer.get(f"/evaluation/campaigns/{bad}/materials/").status_code == 404
    assert Client().get(f"/evaluation/materials/{m.pk}/file/").status_code == 302  # to the login
    assert liaison.get("/evaluation/materials/").status_code == 302
    assert reviewer.get("/evaluation/materials/")["Location"].endswith(f"/campaigns/{cid}/materials/")


@pytest.mark.django_db
def test_material_api_submit_list_review(ev):
    cid = ev.campaign.pk
    liaison = ApiClient("liaison_market")
    res = liaison.client.post(f"/api/v1/evaluation/campaigns/{cid}/materials",
                              {"indicator_id": str(ev.files.pk), "text": "例会台账", "file": upload("台账.pdf", PDF)},
                              **liaison.headers)
    assert res.status_code == 201, res.content
    data = res.json()
    assert data["status"] == "submitted" and data["file_name"] == "台账.pdf" and data["file_url"].endswith("/file")
    mid = data["id"]
    assert [m["id"] for m in liaison.get(f"/evaluation/campaigns/{cid}/materials").json()] == [mid]
    assert ApiClient("liaison_admin").get(f"/evaluation/materials/{mid}").status_code == 404
    assert ApiClient("liaison_admin").get(f"/evaluation/campaigns/{cid}/materials").json() == []
    reviewer = ApiClient("inspector")
    queue = reviewer.get(f"/evaluation/campaigns/{cid}/materials", status="submitted").json()
    assert [m["id"] for m in queue] == [mid]
    too_much = reviewer.post(f"/evaluation/materials/{mid}/review", {"score": "3"})
    assert too_much.status_code == 422 and too_much.json()["code"] == "evaluation.score_invalid"
    ok = reviewer.post(f"/evaluation/materials/{mid}/review", {"score": 1.75, "note": "好"})
    assert ok.status_code == 200 and ok.json()["score"] == "1.75"
    twice = reviewer.post(f"/evaluation/materials/{mid}/review", {"score": "1"})
    assert twice.status_code == 409 and twice.json()["code"] == "evaluation.material_done"
    assert reviewer.post(f"/evaluation/materials/{mid}/return", {"note": "x"}).status_code == 409
    got = reviewer.client.get(f"/api/v1/evaluation/materials/{mid}/file", **reviewer.headers)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert reviewer.get("/evaluation/materials/99999999999999999999999").status_code == 404
    assert ApiClient("liaison_admin").post(f"/evaluation/materials/{mid}/review", {"score": "0"}).status_code == 404
