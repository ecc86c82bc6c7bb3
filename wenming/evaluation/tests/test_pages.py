"""The evaluation pages as each role uses them: the inspector records at a site from its QR
code, the liaison answers, the inspector accepts; and who may open what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wenming.core.testing import make_jpeg
from wenming.evaluation.models import Finding
from wenming.evaluation.tests.factories import a_finding, a_round, build_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def e(world, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    return build_evaluation(world)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _jpeg():
    return SimpleUploadedFile("p.jpg", make_jpeg(), content_type="image/jpeg")


def test_every_page_opens_for_the_office(e):
    f = a_finding(e)
    c, cid = _client(e.world.office), e.campaign.pk
    for url in ["/evaluation/", f"/evaluation/campaigns/{cid}/", f"/evaluation/campaigns/{cid}/ranking/",
                f"/evaluation/campaigns/{cid}/duties/", f"/evaluation/campaigns/{cid}/units/{e.market_bureau.pk}/",
                "/evaluation/sites/", f"/evaluation/sites/{e.site_market.pk}/", "/evaluation/rounds/",
                f"/evaluation/rounds/{f.round_id}/", "/evaluation/findings/", f"/evaluation/findings/{f.pk}/",
                f"/evaluation/campaigns/{cid}/scoreboard.xlsx", "/"]:
        res = c.get(url)
        assert res.status_code == 200, url


def test_the_inspector_records_from_the_qr_code_and_the_liaison_answers(e):
    inspector, liaison = _client(e.inspector), _client(e.liaison_market)
    rnd = a_round(e)
    site_page = inspector.get(f"/evaluation/sites/{e.site_market.pk}/").content.decode()
    assert "<svg" in site_page and f"/evaluation/site/{e.site_market.code}/" in site_page
    res = inspector.get(f"/evaluation/site/{e.site_market.code}/")
    assert res.status_code == 302 and res["Location"] == f"/evaluation/rounds/{rnd.pk}/sites/{e.site_market.pk}/record/"
    form = inspector.get(res["Location"]).content.decode()
    assert "农贸市场环境卫生" in form and 'capture="environment"' in form
    res = inspector.post(res["Location"], {"indicator": e.hygiene.pk, "deduction": e.litter.pk,
                                           "description": "地面积水", "severity": "minor", "photos": [_jpeg()],
                                           "lat": "30.8301", "lon": "111.0001", "accuracy": "10"})
    assert res.status_code == 302, res.content.decode()[:2000]
    f = Finding.objects.get()
    assert f.points == e.litter.deduct_points and f.position_passed

    home = liaison.get("/").content.decode()
    assert "本单位待整改的问题" in home
    page = liaison.get("/evaluation/").content.decode()
    assert f.number in page
    detail = liaison.get(f"/evaluation/findings/{f.pk}/").content.decode()
    assert "提交整改" in detail and "复查通过" not in detail
    res = liaison.post(f"/evaluation/findings/{f.pk}/answer/", {"text": "已清扫", "photos": [_jpeg()]})
    assert res.status_code == 302
    f.refresh_from_db()
    assert f.status == "answered"
    assert "待复查的整改" in inspector.get("/").content.decode()
    res = inspector.post(f"/evaluation/findings/{f.pk}/accept/", {"note": "复查合格"})
    f.refresh_from_db()
    assert f.status == "accepted"
    photo = f.photos.first()
    assert liaison.get(f"/evaluation/findings/{f.pk}/photos/{photo.pk}/").status_code == 200


def test_a_liaison_cannot_open_another_units_finding_nor_the_rounds(e):
    f = a_finding(e)
    other = _client(e.liaison_admin)
    assert other.get(f"/evaluation/findings/{f.pk}/").status_code == 404
    assert other.post(f"/evaluation/findings/{f.pk}/answer/", {"text": "x"}).status_code == 404
    assert other.get(f"/evaluation/rounds/{f.round_id}/").status_code == 404
    assert other.get("/evaluation/rounds/").status_code == 404
    assert other.get(f"/evaluation/campaigns/{e.campaign.pk}/units/{e.market_bureau.pk}/").status_code == 404
    assert other.get("/evaluation/").status_code == 200
    assert f.number not in other.get("/evaluation/findings/").content.decode()


def test_refused_actions_show_the_reason_and_change_nothing(e):
    f = a_finding(e)
    inspector = _client(e.inspector)
    res = inspector.post(f"/evaluation/findings/{f.pk}/accept/", {"note": ""}, follow=True)
    assert "当前为“待整改”，不能复查通过" in res.content.decode()
    res = inspector.post(f"/evaluation/findings/{f.pk}/withdraw/", {"reason": ""}, follow=True)
    assert "这个字段是必填项" in res.content.decode() or "请填写" in res.content.decode()
    f.refresh_from_db()
    assert f.status == "open"
    rnd = a_round(e)
    res = inspector.post(f"/evaluation/rounds/{rnd.pk}/sites/{e.site_market.pk}/record/",
                         {"indicator": e.hygiene.pk, "description": "x", "severity": "minor"})
    assert res.status_code == 422 and "请至少上传一张问题照片" in res.content.decode()


@pytest.mark.parametrize("url", ["/evaluation/findings/%C2%B2/", "/evaluation/findings/99999999999999999999999/",
                                 "/evaluation/campaigns/abc/", "/evaluation/sites/-1/", "/evaluation/site/%00/"])
def test_odd_ids_are_a_chinese_404(e, url):
    res = _client(e.inspector).get(url)
    assert res.status_code == 404 and "未找到" in res.content.decode()
