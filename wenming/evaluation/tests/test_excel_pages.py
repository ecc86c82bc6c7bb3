"""Excel import/export: who may import and export, copying a campaign, and the pages."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from wenming.core.tests.api_client import ApiClient
from wenming.evaluation import excel
from wenming.evaluation.models import Campaign, Duty, SiteType
from wenming.evaluation.tests.factories import build_evaluation
from wenming.volunteers.tests.factories import build_world, node, user

from .excel_world import DUTY_HEADER, SITE_HEADER, sheet_rows, tree_of, upload, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def e(world):
    return build_evaluation(world)


# ---- who may ---------------------------------------------------------------------------------

def test_liaisons_inspectors_and_other_counties_cannot_import_or_export(e, world):
    other = user("other_office")
    from wenming.accounts.roles import Role
    from wenming.accounts.services import role_grant

    role_grant(actor=world.root, user=other, role=Role.OFFICE_STAFF,
               node=node(world.root, None, "兴山县文明办", "county", code="420526"))
    data = workbook(DUTY_HEADER, [["4.1.2", "", "县教育局"]])
    cid = e.campaign.pk
    for username, status in (("liaison_market", 403), ("inspector", 403), ("manager_a", 403),
                             ("other_office", 404)):
        api = ApiClient(username)
        for path in (f"/evaluation/campaigns/{cid}/duty-workbook", f"/evaluation/campaigns/{cid}/indicator-workbook"):
            res = api.client.post("/api/v1" + path, {"file": upload(data)}, **api.headers)
            assert res.status_code == status, (username, path, res.content)
            assert api.get(path).status_code == status
        assert api.post(f"/evaluation/campaigns/{cid}/copy", {"name": "x", "year": 2024, "starts_on": "2024-01-01",
                                                              "ends_on": "2024-12-31"}).status_code == status
    for username in ("liaison_market", "inspector"):
        api = ApiClient(username)
        assert api.client.post("/api/v1/evaluation/site-workbook", {"file": upload(data)},
                               **api.headers).status_code == 403
        assert api.get("/evaluation/site-workbook").status_code == 403
        browser = Client()
        browser.force_login(getattr(e, username))
        for url in (f"/evaluation/campaigns/{cid}/import/duties/", f"/evaluation/campaigns/{cid}/export/tree.xlsx",
                    "/evaluation/sites/import/", f"/evaluation/campaigns/{cid}/copy/"):
            assert browser.get(url).status_code == 403, (username, url)
    assert Duty.objects.get(indicator=e.roads).unit == e.city_admin
    assert Campaign.objects.count() == 1


# ---- copying a campaign ----------------------------------------------------------------------

def test_copying_a_campaign_copies_its_tree_and_duties(e):
    api = ApiClient("office")
    res = api.post(f"/evaluation/campaigns/{e.campaign.pk}/copy",
                   {"name": "2024年度全国文明城市测评", "year": 2024, "starts_on": "2024-01-01", "ends_on": "2024-12-31"})
    assert res.status_code == 201, res.content
    body = res.json()
    assert (body["indicators"], body["duties"], body["copied_from_id"], body["status"]) == (9, 5, e.campaign.pk,
                                                                                          "draft")
    copy = Campaign.objects.get(pk=body["id"])
    assert tree_of(copy) == tree_of(e.campaign)
    assert {(d.indicator.code, d.unit_id, d.role) for d in copy.duties.all()} == \
        {(d.indicator.code, d.unit_id, d.role) for d in e.campaign.duties.all()}
    again = api.post(f"/evaluation/campaigns/{e.campaign.pk}/copy",
                     {"name": "2024年度全国文明城市测评", "year": 2024, "starts_on": "2024-01-01", "ends_on": "2024-12-31"})
    assert (again.status_code, again.json()["code"]) == (409, "evaluation.name_taken")
    bad = api.post(f"/evaluation/campaigns/{e.campaign.pk}/copy",
                   {"name": "x\u0000", "year": 10**30, "starts_on": "2024-01-01", "ends_on": "2024-12-31"})
    assert bad.status_code == 422


def test_the_copy_page_prefills_next_year_and_copies_without_duties_when_asked(e):
    browser = Client()
    browser.force_login(e.world.office)
    url = f"/evaluation/campaigns/{e.campaign.pk}/copy/"
    page = browser.get(url)
    assert page.status_code == 200
    assert "2024年度全国文明城市测评" in page.content.decode()
    res = browser.post(url, {"name": "2024年度测评", "year": 2024, "starts_on": "2024-01-01",
                             "ends_on": "2024-12-31"})
    assert res.status_code == 302
    copy = Campaign.objects.get(name="2024年度测评")
    assert (copy.indicators.count(), copy.duties.count(), copy.year) == (9, 0, 2024)
    res = browser.post(url, {"name": "2024年度测评", "year": 2024, "starts_on": "2024-01-01",
                             "ends_on": "2023-12-31", "with_duties": "on"})
    assert res.status_code == 422
    assert "结束日期不能早于开始日期" in res.content.decode()


# ---- pages -----------------------------------------------------------------------------------

def test_every_excel_page_opens_for_the_office(e):
    browser = Client()
    browser.force_login(e.world.office)
    cid = e.campaign.pk
    for url in (f"/evaluation/campaigns/{cid}/import/tree/", f"/evaluation/campaigns/{cid}/import/duties/",
                "/evaluation/sites/import/", f"/evaluation/campaigns/{cid}/copy/"):
        res = browser.get(url)
        assert res.status_code == 200, url
        assert "viewport" in res.content.decode()
    for url, sheet in ((f"/evaluation/campaigns/{cid}/export/tree.xlsx", "测评体系"),
                       (f"/evaluation/campaigns/{cid}/export/tree-template.xlsx", "测评体系"),
                       (f"/evaluation/campaigns/{cid}/export/duties.xlsx", "责任分解表"),
                       (f"/evaluation/campaigns/{cid}/export/duties-template.xlsx", "责任分解表"),
                       ("/evaluation/sites/export.xlsx", "测评点位"),
                       ("/evaluation/sites/template.xlsx", "测评点位")):
        res = browser.get(url)
        assert res.status_code == 200, url
        assert res["Content-Type"] == excel.XLSX
        data = b"".join(res.streaming_content)
        assert load_workbook(io.BytesIO(data)).sheetnames[0] == sheet
    template = b"".join(browser.get(f"/evaluation/campaigns/{cid}/export/duties-template.xlsx").streaming_content)
    assert [r[0] for r in sheet_rows(template, "责任分解表")[1:]] == ["4.1.1", "4.1.1.1", "4.1.2", "4.1.3", "4.1.4",
                                                                  "9.1"]
    assert browser.get("/evaluation/campaigns/99999999999999999999999/import/tree/").status_code == 404
    assert browser.get("/evaluation/campaigns/²/import/tree/").status_code == 404


def test_the_upload_page_shows_each_bad_row_and_keeps_the_good_ones(e):
    browser = Client()
    browser.force_login(e.world.office)
    data = workbook(DUTY_HEADER, [["4.1.2", "", "县城管局", "茅坪镇政府"], ["4.1.3", "", "火星局"]])
    res = browser.post(f"/evaluation/campaigns/{e.campaign.pk}/import/duties/", {"file": upload(data)})
    assert res.status_code == 200
    html = res.content.decode()
    assert "第 3 行" in html and "找不到单位“火星局”" in html
    assert Duty.objects.filter(indicator=e.roads).count() == 2
    res = browser.post(f"/evaluation/campaigns/{e.campaign.pk}/import/tree/", {"file": upload(b"hello")})
    assert res.status_code == 422
    assert "无法读取文件" in res.content.decode()
    sites = workbook(SITE_HEADER, [["S-0200", "新公厕", "公共厕所", "ZG-S2", "", 95, 111]])
    res = browser.post("/evaluation/sites/import/", {"file": upload(sites)})
    assert res.status_code == 200 and "坐标无效" in res.content.decode()


def test_site_types_by_name_or_code_and_the_tree_template_lists_them(e):
    data = excel.tree_template(actor=e.world.office, campaign=e.campaign)
    notes = str(sheet_rows(data, "填写说明"))
    assert SiteType.objects.get(code="market").name in notes and "未成年人思想道德建设" in notes
    assert sheet_rows(data, "测评体系")[0][0] == "编号*"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_duty_upload_and_its_row_errors_fit_a_390_px_phone(live_server, tmp_path, monkeypatch):
    import os
    import shutil

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip("chromium is not installed here")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    e = build_evaluation(build_world())
    path = tmp_path / "责任分解表.xlsx"
    path.write_bytes(workbook(DUTY_HEADER, [
        ["4.1.2", "背街小巷环境", "县城管局", "茅坪镇政府", "李局长", "局长", "方案" * 40, "市容科", "2023-06-30"],
        ["4.1.3", "知晓率", "一个名字很长很长很长很长很长很长很长很长很长很长很长的不存在的单位"]]))
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                       locale="zh-CN").new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=username]", "office")
            page.fill("input[name=password]", "Wenming!2024")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            for url in (f"/evaluation/campaigns/{e.campaign.pk}/import/duties/",
                        f"/evaluation/campaigns/{e.campaign.pk}/import/tree/", "/evaluation/sites/import/",
                        f"/evaluation/campaigns/{e.campaign.pk}/copy/"):
                page.goto(base + url)
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
            page.goto(f"{base}/evaluation/campaigns/{e.campaign.pk}/import/duties/")
            page.set_input_files("input[type=file]", str(path))
            page.click("button.primary")
            page.wait_for_selector("text=导入结果")
            assert "第 3 行" in page.inner_text("main")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()
    assert Duty.objects.filter(indicator__code="4.1.2").count() == 2
