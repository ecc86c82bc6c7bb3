"""In a real browser on a 390 px phone (Debian's chromium, driven by Playwright): a volunteer
opens the map of nearby activities (centred on their home node, then on their position),
a project with its photos, and their electronic volunteer card, whose QR address opens
their record for the station's manager; a resident opens the map, logged in and not; a
published report shows its photo full size on tap. Screenshots: docs/img/h5-*.png."""

import os
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.orgs.models import Node
from wenming.reporting import services as reports
from wenming.reporting.tests.factories import draft, reporting_world
from wenming.seeding.demo_photos import activity_photo
from wenming.service.models import VolunteerStats
from wenming.service.photos.services import project_photo_add
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.tests.factories import build_world, user

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--lang=zh-CN"]
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "img"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}

if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed here (CI installs it: apt-get install chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def _session_cookie(user_obj, base: str) -> dict:
    """Log in without the login page (its forms are another journey's): a real session."""
    c = Client()
    c.force_login(user_obj)
    return {"name": "sessionid", "value": c.cookies["sessionid"].value, "url": base}


def _fits(page) -> None:
    """No wider than the phone, and no English in the interface (core/testing_browser.py)."""
    from wenming.core.testing_browser import assert_chinese, assert_fits

    assert_fits(page)
    assert_chinese(page)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"h5-{name}.png"), full_page=False)


def _setup(settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    w = reporting_world(build_world())
    spots = {"county": ("30.830", "110.980"), "center": ("30.831", "110.981"), "institute": ("30.840", "110.960"),
             "station_a": ("30.823", "110.977"), "station_b": ("30.850", "110.990"),
             "point_a": ("30.824", "110.978")}
    for name, (lat, lon) in spots.items():
        Node.objects.filter(pk=getattr(w, name).pk).update(lat=lat, lon=lon, address=f"秭归县茅坪镇{getattr(w, name).name}")
    w.shift = recruiting_shift(w, starts_in=timedelta(days=2), lat="30.8260", lon="110.9770", address="九里村文化广场")
    w.project = w.shift.project
    project_photo_add(actor=w.manager_a, project=w.project, upload=activity_photo(11), phase="before",
                      caption="活动点位踩点")
    project_photo_add(actor=w.manager_a, project=w.project, upload=activity_photo(12), caption="路口文明劝导")
    w.liming = user("liming")
    w.vol_a.user = w.liming
    w.vol_a.save()
    VolunteerStats.objects.create(volunteer=w.vol_a, auto_hours=Decimal("36.00"), makeup_hours=Decimal("0"),
                                  points=36, star_level=1)
    w.jumin = user("jumin")
    role_grant(actor=w.root, user=w.jumin, role=Role.RESIDENT, node=w.station_b)
    report = draft(w.liaison_a, unit=w.unit_a, title="九里村小学开展文明实践活动")
    reports.report_image_add(actor=w.liaison_a, report=report, upload=activity_photo(41))
    reports.report_submit(actor=w.liaison_a, report=report)
    reports.report_approve(actor=w.manager_a, report=report)
    w.report = reports.report_publish(actor=w.manager_a, report=report)
    return w


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_map_card_and_photos_on_the_phone(live_server, settings, tmp_path):
    w = _setup(settings, tmp_path)
    base = live_server.url
    cookies = {name: _session_cookie(u, base) for name, u in
               (("liming", w.liming), ("jumin", w.jumin), ("manager_a", w.manager_a))}
    project_url = f"{base}/projects/{w.project.pk}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        errors: list[str] = []
        try:
            # A volunteer: the map around their home node, then around where they stand.
            phone = browser.new_context(**PHONE, geolocation={"latitude": 30.8262, "longitude": 110.9771},
                                        permissions=["geolocation"])
            phone.add_cookies([cookies["liming"]])
            page = phone.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{base}/projects/")
            page.click("text=在地图上看附近的活动和阵地")
            page.wait_for_selector("#nearby-map")
            assert page.text_content("#map-center") == "九里村新时代文明实践站"
            assert page.locator("#place-list li").count() >= 3
            _fits(page)
            _shot(page, "map-volunteer")
            page.click("#locate-button")
            page.wait_for_url("**lat=30.826**")
            assert page.text_content("#map-center") == "您的位置"
            assert page.locator("#map-me").count() == 1
            assert "文明劝导进社区" in page.text_content("#place-1")  # the activity where they stand comes first
            page.locator("#place-list li").first.scroll_into_view_if_needed()
            _fits(page)
            _shot(page, "map-position")

            # The activity's page with its photos; a tap shows one full size.
            page.click("#place-1 h3 a")
            page.wait_for_url(project_url)
            page.wait_for_selector("#photos .photo-thumb img")
            assert page.locator("#photos .photo-thumb").count() == 2
            page.locator("#photos .photo-thumb").first.click()
            lightbox = page.locator(".lightbox:target")
            lightbox.wait_for()
            page.wait_for_function("() => { const i = document.querySelector('.lightbox:target img');"
                                   " return i && i.complete && i.naturalWidth > 0; }")
            assert "活动点位踩点" in lightbox.text_content()
            _shot(page, "project-photo")
            page.click(".lightbox:target .lightbox-close")
            assert page.locator(".lightbox:target").count() == 0

            # The electronic volunteer card, from 我的服务.
            page.goto(f"{base}/my/shifts/")
            page.click("#my-card-link")
            page.wait_for_selector("#volunteer-card")
            assert page.text_content("#card-name") == "李明"
            assert page.text_content("#card-number") == w.vol_a.volunteer_no
            assert "36.00" in page.text_content("#card-hours") and "1 星" in page.text_content("#card-star")
            assert w.vol_a.id_number_masked not in page.content()
            assert page.locator("#card-qr svg").count() == 1
            scan_url = page.get_attribute("#card-qr", "data-scan-url")
            _fits(page)
            _shot(page, "card")

            # The station's manager scans it: the volunteer's record. A stranger: nothing.
            staff = browser.new_context(**PHONE)
            staff.add_cookies([cookies["manager_a"]])
            staff_page = staff.new_page()
            staff_page.on("pageerror", lambda exc: errors.append(str(exc)))
            staff_page.goto(scan_url)
            assert staff_page.url == f"{base}/volunteers/{w.vol_a.pk}/"
            assert "李明" in staff_page.content()
            stranger = browser.new_context(**PHONE).new_page()
            stranger.on("pageerror", lambda exc: errors.append(str(exc)))
            answer = stranger.goto(scan_url)
            assert answer.status == 404 and "李明" not in stranger.content()
            assert stranger.locator("text=工作人员登录").count() == 1
            _fits(stranger)
            _shot(stranger, "card-scan-stranger")

            # The manager adds a photo on the phone.
            staff_page.goto(f"{base}/manage/projects/{w.project.pk}/photos/")
            staff_page.set_input_files("#photo_images", files=[{"name": "after.jpg", "mimeType": "image/jpeg",
                                                                 "buffer": activity_photo(13).read()}])
            staff_page.check("#photo_phase_2")  # 活动后
            staff_page.fill("#photo_caption", "活动结束合影")
            staff_page.click("#photo-form button[type=submit]")
            staff_page.wait_for_selector("text=已上传 1 张活动照片")
            assert staff_page.text_content("#photo-count") == "3"
            _fits(staff_page)
            _shot(staff_page, "photos-manage")

            # A resident: logged in, the map around their station; logged out, around the county.
            resident = browser.new_context(**PHONE)
            resident.add_cookies([cookies["jumin"]])
            rpage = resident.new_page()
            rpage.on("pageerror", lambda exc: errors.append(str(exc)))
            rpage.goto(f"{base}/map/")
            assert rpage.text_content("#map-center") == "杨贵店村新时代文明实践站"
            _fits(rpage)
            _shot(rpage, "map-resident")
            public = browser.new_context(**PHONE).new_page()
            public.on("pageerror", lambda exc: errors.append(str(exc)))
            public.goto(f"{base}/map/")
            assert public.text_content("#map-center") == "秭归县文明办"
            public.click("nav.chips a:has-text('招募中的活动')")
            public.wait_for_url("**show=projects**")
            assert public.locator("#place-list li").count() == 1
            _fits(public)

            # A published report shows its photo; a tap shows it full size.
            public.goto(f"{base}/reports/public/{w.report.pk}/")
            thumb = public.locator("#images img").first
            thumb.wait_for()
            # loaded (not a broken image): waited for, as a busy machine serves it later
            public.wait_for_function("() => { const i = document.querySelector('#images img');"
                                     " return i && i.complete && i.naturalWidth > 0; }")
            public.locator("#images a").first.click()
            public.locator(".lightbox:target img").wait_for()
            _fits(public)
            _shot(public, "report-photo")
            assert errors == []
        finally:
            browser.close()
