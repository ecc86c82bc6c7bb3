"""The reports API end to end: write, attach images (checked, EXIF stripped), submit, return,
resubmit, approve, publish; scope (another unit's report is a 404); the public portal."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from wenming.api import api
from wenming.core.testing import make_jpeg, make_png_header
from wenming.core.tests.api_client import PASSWORD, ApiClient

from .factories import (
    REPORTING_BODIES,
    approved,
    category,
    draft,
    published,
    reporting_world,
    sibling_reporting,
    submitted,
    this_month,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    w = reporting_world(world)
    w.tmp = tmp_path
    return w


def browser(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def upload(client: Client, report_id: int, data: bytes, name: str = "photo.jpg"):
    return client.post(f"/api/v1/reports/{report_id}/images", {"image": SimpleUploadedFile(name, data, "image/jpeg")})


def test_a_unit_report_from_draft_to_the_portal(w):
    liaison, station, anon = ApiClient("liaison_a", PASSWORD), ApiClient("manager_a"), ApiClient()
    options = liaison.get("/reports/author-options").json()
    assert options == [{"kind": "unit", "id": w.unit_a.pk, "name": "九里村小学"}]
    res = liaison.post("/reports", {"unit_id": w.unit_a.pk, "title": "九里村小学开展文明实践活动",
                                    "body": "<script>alert(1)</script>\n\n组织学生 60 人。",
                                    "category_id": category("volunteering").pk, "period": f"{this_month():%Y-%m}"})
    assert res.status_code == 201, res.content
    report = res.json()
    rid = report["id"]
    assert (report["status"], report["node_id"], report["unit_name"], report["period"]) == \
        ("draft", w.station_a.pk, "九里村小学", f"{this_month():%Y-%m}")
    assert report["actions"] == ["edit", "add_image", "submit", "delete"]

    res = upload(browser(w.liaison_a), rid, make_jpeg(200, 100, gps=True))
    assert res.status_code == 201, res.content
    stored = next(w.tmp.rglob("*.jpg"))
    assert "report_image" in str(stored) and not Image.open(stored).getexif()  # GPS and camera gone
    image_url = res.json()["url"]

    assert station.get(f"/reports/{rid}").status_code == 404  # a draft is the unit's own business
    res = liaison.post(f"/reports/{rid}/submit")
    assert res.json()["status"] == "submitted" and res.json()["actions"] == []
    assert liaison.patch(f"/reports/{rid}", {"title": "改"}).json()["code"] == "reporting.bad_status"

    queue = station.get("/reports/review-queue").json()
    assert [r["id"] for r in queue["items"]] == [rid]
    assert station.get(f"/reports/{rid}").json()["actions"] == ["approve", "return", "adopt"]
    res = station.post(f"/reports/{rid}/return", {"comment": ""})
    assert res.status_code == 422 and res.json()["code"] == "reporting.comment_required"
    assert station.post(f"/reports/{rid}/return", {"comment": "请补充活动照片"}).json()["status"] == "returned"

    res = liaison.patch(f"/reports/{rid}", {"body": "组织学生 60 人，家长 20 人。", "period": "2025-12"})
    assert res.status_code == 200 and res.json()["period"] == "2025-12"
    assert liaison.post(f"/reports/{rid}/submit").json()["status"] == "submitted"
    assert station.post(f"/reports/{rid}/approve", {"comment": ""}).json()["status"] == "approved"
    assert anon.get(f"/reports/public/{rid}").status_code == 404
    assert anon.client.get(image_url.replace("/reports/", "/reports/public/")).status_code == 404

    detail = station.post(f"/reports/{rid}/publish").json()
    assert detail["status"] == "published" and detail["actions"] == ["unpublish", "adopt"]
    assert [h["decision"] for h in detail["history"]] == ["submit", "return", "resubmit", "approve", "publish"]
    assert detail["history"][1]["comment"] == "请补充活动照片"

    public = anon.get(f"/reports/public/{rid}").json()
    assert public["body"].startswith("组织学生") and "author" not in public
    res = anon.client.get(public["images"][0]["url"])
    assert res.status_code == 200 and res["Content-Type"] == "image/jpeg"
    assert [r["id"] for r in anon.get("/reports/public").json()["items"]] == [rid]

    res = station.post(f"/reports/{rid}/unpublish", {"comment": "照片未经本人同意"})
    assert res.json()["status"] == "approved"
    assert anon.get(f"/reports/public/{rid}").status_code == 404
    assert anon.client.get(public["images"][0]["url"]).status_code == 404


def test_a_unit_cannot_reach_another_units_unpublished_report(w):
    other = submitted(w.liaison_a2, unit=w.unit_a2, title="卫生室报送")
    approved_b = approved(w.liaison_b, w.manager_b, unit=w.unit_b, title="杨贵店报送")
    client = ApiClient("liaison_a")
    for report in (other, approved_b):
        for method, path, body in [("get", f"/reports/{report.pk}", None), ("patch", f"/reports/{report.pk}",
                                   {"title": "改"}), ("post", f"/reports/{report.pk}/submit", {}),
                                   ("delete", f"/reports/{report.pk}", None),
                                   ("get", f"/reports/public/{report.pk}", None)]:
            res = client.call(method, path, body)
            assert res.status_code == 404, (method, path)
            assert res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}
    listed = client.get("/reports", page_size=200).json()
    assert listed["count"] == 0
    assert client.get("/reports", unit_id=w.unit_a2.pk).json()["count"] == 0
    assert client.get("/reports/counts/units").json() == []


def test_images_are_checked_and_limited(w, django_capture_on_commit_callbacks):
    report = draft(w.liaison_a, unit=w.unit_a)
    c = browser(w.liaison_a)
    res = c.post(f"/api/v1/reports/{report.pk}/images",
                 {"image": SimpleUploadedFile("x.jpg", b"%PDF-1.4 not an image", "image/jpeg")})
    assert res.status_code == 415 and res.json()["code"] == "upload.unsupported_type"
    res = upload(c, report.pk, make_png_header(20000, 20000), "bomb.png")
    assert res.json()["code"] == "upload.too_many_pixels"
    assert ApiClient("liaison_a").post(f"/reports/{report.pk}/images").json()["code"] == "upload.empty"
    for _ in range(9):
        assert upload(c, report.pk, make_jpeg()).status_code == 201
    res = upload(c, report.pk, make_jpeg())
    assert res.status_code == 409 and res.json()["code"] == "reporting.too_many_images"
    report.refresh_from_db()
    assert report.image_count == 9 == report.images.count()
    first = report.images.first()
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row is gone
        assert c.delete(f"/api/v1/reports/{report.pk}/images/{first.pk}").status_code == 204
    report.refresh_from_db()
    assert report.image_count == 8 and len(list(w.tmp.rglob("*.jpg"))) == 8
    # the station reads a submitted report's images; the unit next door never does
    ApiClient("liaison_a").post(f"/reports/{report.pk}/submit")
    image_id = report.images.first().pk
    assert browser(w.manager_a).get(f"/api/v1/reports/{report.pk}/images/{image_id}").status_code == 200
    assert browser(w.liaison_a2).get(f"/api/v1/reports/{report.pk}/images/{image_id}").status_code == 404
    assert c.delete(f"/api/v1/reports/{report.pk}/images/{image_id}").json()["code"] == "reporting.bad_status"


def test_validation_answers_with_codes(w):
    client = ApiClient("liaison_a")
    base = {"unit_id": w.unit_a.pk, "title": "标题", "category_id": category().pk, "period": "2026-01"}
    for changes, code in [({"period": "2026-1x"}, "reporting.period_invalid"),
                          ({"category_id": 999999}, "reporting.category_unknown"),
                          ({"unit_id": None}, "reporting.author_required"),
                          ({"unit_id": None, "node_id": w.station_a.pk}, "not_found"),
                          ({"title": "\x00 "}, "reporting.title_required")]:
        res = client.post("/reports", {**base, **changes})
        assert res.json()["code"] == code, changes
    res = ApiClient("manager_a").post("/reports", {**base, "unit_id": w.unit_a.pk})
    assert res.status_code == 403 and res.json()["code"] == "reporting.not_author"
    assert client.get("/reports", period_from="abc").json()["code"] == "reporting.period_invalid"
    assert client.get("/reports", search="\x00").status_code == 200
    assert ApiClient().get("/reports/public", search="\x00九里").status_code == 200
    names = [c["name"] for c in ApiClient().get("/reports/categories").json()]
    assert names[:5] == ["工作动态", "经验做法", "典型事迹", "志愿服务", "疫情防控"]
    rid = client.post("/reports", base).json()["id"]
    assert client.delete(f"/reports/{rid}").status_code == 204
    assert client.get(f"/reports/{rid}").status_code == 404


def test_node_counts_come_from_the_summaries(w):
    published(w.liaison_a, w.manager_a, unit=w.unit_a)
    submitted(w.manager_b, node=w.station_b)
    res = ApiClient("office").get("/reports/counts/nodes", node_id=w.institute.pk)
    body = res.json()
    assert body["totals"] == {"submitted": 2, "approved": 1, "published": 1}
    assert body["months"] == [{"period": f"{this_month():%Y-%m}", "submitted": 2, "approved": 1, "published": 1}]
    assert [(c["node_name"], c["submitted"]) for c in body["children"]] == [(w.station_a.name, 1),
                                                                            (w.station_b.name, 1)]
    assert ApiClient("manager_a").get("/reports/counts/nodes", node_id=w.station_b.pk).status_code == 404
    units = ApiClient("office").get("/reports/counts/units").json()
    assert units == [{"unit_id": w.unit_a.pk, "unit_name": "九里村小学", "node_name": w.station_a.name,
                      "period": f"{this_month():%Y-%m}", "submitted": 1, "approved": 1, "published": 1}]


def test_every_report_endpoint_answers_404_for_a_sibling_station(w):
    """The same sweep the cross-app scope test runs, over this app's routes."""
    sibling = sibling_reporting(w)
    client = ApiClient("manager_a")
    checked = 0
    for path, ops in api.get_openapi_schema()["paths"].items():
        path = path.removeprefix("/api/v1")
        if not path.startswith("/reports") or "{" not in path:
            continue
        for method in ops:
            url = re.sub(r"\{(\w+)\}", lambda m: str(sibling[m.group(1)]), path)
            body = REPORTING_BODIES.get((method, path), lambda _: {})(w)
            res = client.call(method, url, body)
            assert res.status_code == 404, f"{method.upper()} {url}: {res.status_code} {res.content[:200]}"
            assert res.json() == {"code": "not_found", "message": "未找到该对象或无权访问"}
            checked += 1
    assert checked == 15  # with the two adoption endpoints
    assert ApiClient("office").get(f"/reports/{sibling['report_id']}").status_code == 200
