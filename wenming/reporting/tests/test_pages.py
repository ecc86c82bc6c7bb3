"""The report pages: write with images, submit, review, publish; another unit's report is a
404 page; the public portal shows published reports only (and their images only then)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from wenming.core.testing import make_jpeg
from wenming.reporting.models import InfoReport
from wenming.reporting.models import ReportStatus as S

from .factories import approved, category, draft, published, reporting_world, submitted, this_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    w = reporting_world(world)
    w.tmp = tmp_path
    return w


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def html(res) -> str:
    return res.content.decode()


def test_a_liaison_writes_with_images_and_submits(w):
    c = as_user(w.liaison_a)
    page = html(c.get(reverse("reporting:new")))
    assert "九里村小学" in page and 'type="month"' in page and "疫情防控" in page
    res = c.post(reverse("reporting:new"), {
        "author": f"unit:{w.unit_a.pk}", "title": "九里村小学“小手拉大手”活动", "category": category().pk,
        "period": f"{this_month():%Y-%m}", "body": "第一段 <b>加粗</b>\n\n第二段",
        "images": [SimpleUploadedFile("a.jpg", make_jpeg(gps=True), "image/jpeg"),
                   SimpleUploadedFile("b.jpg", b"not an image", "image/jpeg")]})
    report = InfoReport.objects.get()
    assert res.status_code == 302 and res.url == reverse("reporting:detail", args=[report.pk])
    assert report.image_count == 1  # the second file was refused, the draft kept
    assert not Image.open(next(w.tmp.rglob("*.jpg"))).getexif()
    page = html(c.get(res.url))
    assert "第 2 张图片未保存" in page
    assert "&lt;b&gt;加粗&lt;/b&gt;" in page and "<b>加粗</b>" not in page  # escaped on output
    assert "<p>第二段</p>" in page and "提交审核" in page
    image_url = reverse("reporting:image", args=[report.pk, report.images.get().pk])
    assert c.get(image_url).status_code == 200
    c.post(reverse("reporting:submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == S.SUBMITTED
    assert "提交审核" not in html(c.get(reverse("reporting:detail", args=[report.pk])))
    assert report.title in html(c.get(reverse("reporting:mine")))


def test_edit_a_returned_report(w):
    report = submitted(w.liaison_a, unit=w.unit_a)
    as_user(w.manager_a).post(reverse("reporting:review", args=[report.pk]), {"decision": "return", "comment": ""})
    report.refresh_from_db()
    assert report.status == S.SUBMITTED  # a return needs a comment
    as_user(w.manager_a).post(reverse("reporting:review", args=[report.pk]),
                              {"decision": "return", "comment": "请补充数字"})
    report.refresh_from_db()
    assert report.status == S.RETURNED
    c = as_user(w.liaison_a)
    page = html(c.get(reverse("reporting:detail", args=[report.pk])))
    assert "请补充数字" in page and "重新提交" in page
    res = c.post(reverse("reporting:edit", args=[report.pk]), {
        "title": "改后的标题", "category": report.category_id, "period": "2025-01", "body": "补充了数字"})
    assert res.status_code == 302
    report.refresh_from_db()
    assert (report.title, report.period.isoformat()) == ("改后的标题", "2025-01-01")
    res = c.post(reverse("reporting:edit", args=[report.pk]), {
        "title": "", "category": report.category_id, "period": "2099-01", "body": ""})
    assert res.status_code == 422


def test_a_reviewer_approves_and_publishes_from_the_queue(w):
    report = submitted(w.liaison_a, unit=w.unit_a, title="待审报送")
    c = as_user(w.manager_a)
    assert "待审报送" in html(c.get(reverse("reporting:queue")))
    assert "待审报送" not in html(as_user(w.manager_b).get(reverse("reporting:queue")))
    c.post(reverse("reporting:review", args=[report.pk]), {"decision": "approve", "comment": "好"})
    page = html(c.get(reverse("reporting:detail", args=[report.pk])))
    assert "公开发布" in page and "已通过" in page
    c.post(reverse("reporting:publish", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == S.PUBLISHED
    assert html(c.get(reverse("reporting:counts"))).count("九里村小学") >= 1
    res = c.post(reverse("reporting:unpublish", args=[report.pk]), {"comment": ""})
    assert res.status_code == 422 and "请填写撤回原因" in html(res)


def test_a_unit_gets_a_404_page_for_another_units_report(w):
    other = submitted(w.liaison_a2, unit=w.unit_a2, title="卫生室报送")
    c = as_user(w.liaison_a)
    for name in ("reporting:detail", "reporting:edit"):
        res = c.get(reverse(name, args=[other.pk]))
        assert res.status_code == 404 and "未找到该对象或无权访问" in html(res)
    for name in ("reporting:submit", "reporting:delete", "reporting:review", "reporting:publish"):
        assert c.post(reverse(name, args=[other.pk])).status_code == 404
    assert "卫生室报送" not in html(c.get(reverse("reporting:mine")))
    assert "卫生室报送" not in html(c.get(reverse("reporting:all")))
    assert "卫生室报送" not in html(c.get(reverse("reporting:queue")))
    assert c.get(reverse("reporting:detail", args=["²"])).status_code == 404
    # the station manager is not the author: the page shows, the author's actions do not
    page = html(as_user(w.manager_a).get(reverse("reporting:detail", args=[other.pk])))
    assert "卫生室报送" in page and "删除草稿" not in page and "审核结果" in page


def test_the_public_portal_shows_published_reports_only(w):
    shown = published(w.liaison_b, w.manager_b, unit=w.unit_b, title="公开的报送", body="正文<script>x</script>")
    hidden = approved(w.liaison_a, w.manager_a, unit=w.unit_a, title="未发布的报送")
    drafted = draft(w.liaison_a, unit=w.unit_a, title="草稿报送")
    anon = Client()
    page = html(anon.get(reverse("reporting:public")))
    assert "公开的报送" in page and "未发布的报送" not in page and "草稿报送" not in page
    page = html(anon.get(reverse("reporting:public_detail", args=[shown.pk])))
    assert "杨贵店村委会" in page and "&lt;script&gt;" in page and "<script>x" not in page
    assert "liaison_b" not in page  # who wrote it is not published
    for report in (hidden, drafted):
        res = anon.get(reverse("reporting:public_detail", args=[report.pk]))
        assert res.status_code == 404 and "未找到该对象或无权访问" in html(res)
    assert anon.get(reverse("reporting:public_detail", args=["999999"])).status_code == 404
    assert anon.get(reverse("reporting:mine")).status_code == 302  # back office needs a login


def test_public_images_only_while_published(w):
    from wenming.reporting import services

    report = draft(w.liaison_a, unit=w.unit_a)
    image = services.report_image_add(actor=w.liaison_a, report=report, upload=make_jpeg())
    anon = Client()
    url = reverse("reporting:public_image", args=[report.pk, image.pk])
    assert anon.get(url).status_code == 404
    report = services.report_submit(actor=w.liaison_a, report=report)
    report = services.report_approve(actor=w.manager_a, report=report)
    assert anon.get(url).status_code == 404
    report = services.report_publish(actor=w.manager_a, report=report)
    res = anon.get(url)
    assert res.status_code == 200 and res["Content-Type"] == "image/jpeg"
    assert anon.get(reverse("reporting:public_image", args=[report.pk, image.pk + 1000])).status_code == 404
    services.report_unpublish(actor=w.manager_a, report=report, comment="撤回")
    assert anon.get(url).status_code == 404
