"""The evaluation API end to end: an inspector records a finding with a photo at a site, the
liaison answers with evidence, the inspector accepts, the scoreboard moves; and the scope
and bad-input answers."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.core.testing import make_jpeg
from wenming.core.tests.api_client import ApiClient
from wenming.evaluation.tests.factories import a_finding, a_round, build_evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def e(world, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    return build_evaluation(world)


def _jpeg(name="p.jpg"):
    return SimpleUploadedFile(name, make_jpeg(), content_type="image/jpeg")


def test_inspector_to_liaison_to_acceptance_moves_the_scoreboard(e):
    inspector, liaison, other = ApiClient("inspector"), ApiClient("liaison_market"), ApiClient("liaison_admin")
    cid = e.campaign.pk
    before = inspector.get(f"/evaluation/campaigns/{cid}/scoreboard").json()
    res = inspector.post(f"/evaluation/campaigns/{cid}/rounds", {
        "node_id": e.world.county.pk, "title": "五月暗访", "planned_on": "2023-05-10",
        "site_ids": [e.site_market.pk], "indicator_ids": [e.hygiene.pk]})
    assert res.status_code == 201, res.content
    rid = res.json()["id"]
    assert liaison.get(f"/evaluation/campaigns/{cid}/rounds").json() == []  # unannounced: not for units

    res = inspector.client.post(f"/api/v1/evaluation/rounds/{rid}/findings", {
        "site_id": e.site_market.pk, "indicator_id": e.hygiene.pk, "description": "摊位外溢占道", "points": "1",
        "lat": "30.8301", "lon": "111.0001", "photos": [_jpeg()]}, **inspector.headers)
    assert res.status_code == 201, res.content
    body = res.json()
    fid = body["finding"]["id"]
    assert body["finding"]["position_passed"] is True and body["finding"]["status"] == "open"
    assert {(r["unit_name"], r["role"]) for r in body["routes"]} == {("县市场监管局", "lead"), ("茅坪镇政府", "coop")}
    photo_id = body["events"][0]["photo_ids"][0]
    assert inspector.get(f"/evaluation/findings/{fid}/photos/{photo_id}").status_code == 200

    mine = liaison.get("/evaluation/findings").json()
    assert [f["id"] for f in mine["items"]] == [fid]
    assert other.get(f"/evaluation/findings/{fid}").status_code == 404
    assert other.get(f"/evaluation/findings/{fid}/photos/{photo_id}").status_code == 404
    assert other.get("/evaluation/findings").json()["count"] == 0

    res = liaison.client.post(f"/api/v1/evaluation/findings/{fid}/answer", {"text": "已清理并设置隔离栏",
                                                                            "photos": [_jpeg()]}, **liaison.headers)
    assert res.status_code == 200, res.content
    assert res.json()["finding"]["status"] == "answered"
    assert liaison.post(f"/evaluation/findings/{fid}/accept", {}).status_code == 403
    res = inspector.post(f"/evaluation/findings/{fid}/accept", {"note": "复查已整改"})
    assert res.json()["finding"]["status"] == "accepted"

    after = inspector.get(f"/evaluation/campaigns/{cid}/scoreboard").json()
    assert Decimal(after["main_score"]) == Decimal(before["main_score"]) - 1
    unit = liaison.get(f"/evaluation/campaigns/{cid}/units/{e.market_bureau.pk}/scoreboard").json()
    assert unit["counts"]["findings"] == 1 and unit["counts"]["live"] == 0
    assert other.get(f"/evaluation/campaigns/{cid}/units/{e.market_bureau.pk}/scoreboard").status_code == 404
    ranking = inspector.get(f"/evaluation/campaigns/{cid}/ranking").json()
    assert ranking["ranking"][-1]["name"] == "县市场监管局"


def test_a_liaison_sees_only_their_units_duties(e):
    liaison = ApiClient("liaison_market")
    duties = liaison.get(f"/evaluation/campaigns/{e.campaign.pk}/duties").json()["items"]
    assert {d["unit_name"] for d in duties} == {"县市场监管局"}
    office = ApiClient("office")
    assert office.get(f"/evaluation/campaigns/{e.campaign.pk}/duties").json()["count"] == 5


def test_the_office_sets_up_a_campaign_through_the_api(e):
    office = ApiClient("office")
    res = office.post("/evaluation/campaigns", {"node_id": e.world.county.pk, "name": "2024年度测评", "year": 2024,
                                                "starts_on": "2024-01-01", "ends_on": "2024-12-31"})
    assert res.status_code == 201, res.content
    cid = res.json()["id"]
    area = office.post(f"/evaluation/campaigns/{cid}/indicators", {"code": "1", "name": "政务环境", "level": "area"})
    assert area.status_code == 201, area.content
    ind = office.post(f"/evaluation/campaigns/{cid}/indicators", {
        "code": "1.1", "name": "政务服务", "level": "indicator", "parent_id": area.json()["id"], "points": "3",
        "methods": ["实地考察", "report"], "site_types": ["government"], "deduct_points": "0.5"})
    assert ind.status_code == 201, ind.content
    assert ind.json()["methods"] == ["field", "report"] and ind.json()["site_types"] == ["government"]
    bad = office.post(f"/evaluation/campaigns/{cid}/indicators", {"code": "1.1.1", "name": "x", "level": "deduction",
                                                                  "parent_id": area.json()["id"]})
    assert bad.status_code == 422 and bad.json()["code"] == "evaluation.parent_invalid"
    dup = office.post(f"/evaluation/campaigns/{cid}/indicators", {"code": "1.1", "name": "y", "level": "area"})
    assert dup.json()["code"] == "evaluation.code_taken"
    duty = office.post(f"/evaluation/campaigns/{cid}/duties", {"indicator_id": ind.json()["id"],
                                                               "unit_id": e.city_admin.pk, "head_name": "李局长"})
    assert duty.status_code == 201, duty.content
    second = office.post(f"/evaluation/campaigns/{cid}/duties", {"indicator_id": ind.json()["id"],
                                                                 "unit_id": e.education.pk})
    assert second.status_code == 409 and second.json()["code"] == "evaluation.lead_taken"
    assert ApiClient("inspector").post(f"/evaluation/campaigns/{cid}/duties", {
        "indicator_id": ind.json()["id"], "unit_id": e.education.pk, "role": "coop"}).status_code == 403


@pytest.mark.parametrize("path", ["/evaluation/findings/99999999999999999999999", "/evaluation/findings/-1",
                                  "/evaluation/findings/%C2%B2", "/evaluation/campaigns/99999999999999999999",
                                  "/evaluation/sites/0"])
def test_odd_ids_are_not_found_never_a_server_error(e, path):
    assert ApiClient("inspector").get(path).status_code == 404


def test_bad_input_gets_a_code_not_a_server_error(e):
    inspector = ApiClient("inspector")
    rnd = a_round(e)
    url = f"/api/v1/evaluation/rounds/{rnd.pk}/findings"
    base = {"site_id": e.site_market.pk, "indicator_id": e.hygiene.pk, "description": "问题"}
    cases = [
        ({**base, "description": "\x00"}, "evaluation.description_required"),
        ({**base, "points": "9" * 40}, "evaluation.points_invalid"),
        ({**base, "severity": ""}, "evaluation.choice_invalid"),
        ({**base, "lat": "NaN", "lon": "1"}, "venue.coordinates_invalid"),
        ({**base}, "evaluation.photo_required"),
        ({**base, "indicator_id": e.item.pk}, "evaluation.not_scored"),
        ({**base, "indicator_id": "1" * 30}, "not_found"),
    ]
    for data, code in cases:
        res = inspector.client.post(url, {**data, "photos": [_jpeg()]} if code != "evaluation.photo_required"
                                    else data, **inspector.headers)
        assert res.status_code in (403, 404, 409, 422), (data, res.content)
        assert res.json()["code"] == code, (data, res.content)
    f = a_finding(e, rnd)
    assert inspector.post(f"/evaluation/findings/{f.pk}/withdraw", {"reason": "\x00 "}).json()["code"] == \
        "evaluation.reason_required"
    assert inspector.get("/evaluation/findings", search="\x00" * 3, status="", unit_id=10**30).status_code in (200, 422)


def test_a_site_duty_routes_the_sites_findings_to_another_unit(e):
    office = ApiClient("office")
    res = office.post(f"/evaluation/sites/{e.site_market.pk}/duties", {"campaign_id": e.campaign.pk,
                                                                     "indicator_id": e.hygiene.pk,
                                                                     "unit_id": e.town.pk})
    assert res.status_code == 200, res.content
    assert a_finding(e).lead_unit == e.town
    assert ApiClient("liaison_town").post(f"/evaluation/sites/{e.site_market.pk}/duties", {
        "campaign_id": e.campaign.pk, "indicator_id": e.hygiene.pk}).status_code == 404


def test_the_duty_plan_file_is_uploaded_by_the_office_and_read_by_the_unit(e):
    office, liaison, other = ApiClient("office"), ApiClient("liaison_market"), ApiClient("liaison_admin")
    duty = e.campaign.duties.get(indicator=e.hygiene, unit=e.market_bureau)
    url = f"/api/v1/evaluation/campaigns/{e.campaign.pk}/duties/{duty.pk}/plan"
    pdf = SimpleUploadedFile("农贸市场整治方案.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
                             content_type="application/pdf")
    res = office.client.post(url, {"file": pdf}, **office.headers)
    assert res.status_code == 200, res.content
    assert res.json()["plan_file_name"] == "农贸市场整治方案.pdf"
    got = liaison.client.get(url, **liaison.headers)
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF-")
    assert other.client.get(url, **other.headers).status_code == 404
    fake = SimpleUploadedFile("方案.pdf", b"MZ not a pdf", content_type="application/pdf")
    assert office.client.post(url, {"file": fake}, **office.headers).status_code == 415  # checked by content
    assert office.client.post(url, {}, **office.headers).json()["code"] == "evaluation.plan_file_required"
    assert liaison.client.post(url, {"file": pdf}, **liaison.headers).status_code == 403
