"""The job page in a real browser (Debian's chromium, Playwright) on a 390 px phone: it
polls itself with htmx while the job runs, turns into the download when the job is done,
fits the screen, and a failed job shows the reason and the way back."""

import threading

import pytest

from wenming.core.files import file_save
from wenming.core.models import BackgroundJob, JobStatus
from wenming.service.tests.test_browser import ARGS, CHROMIUM, _login, sync_playwright
from wenming.volunteers.tests.factories import build_world


def _in_thread(work) -> None:
    """ORM calls while Playwright's sync API holds an event loop in this thread."""
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_job_page_follows_the_job_on_a_phone(live_server, settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    world = build_world()
    job = BackgroundJob.objects.create(kind="volunteers.export", actor=world.manager_a,
                                       node_path=world.station_a.path, perm="volunteer.view",
                                       status=JobStatus.RUNNING, done=3, total=12, message="正在处理",
                                       params={"back_url": "/volunteers/"})
    failed = BackgroundJob.objects.create(kind="volunteers.roster_import", actor=world.manager_a,
                                          status=JobStatus.FAILED, error_code="roster.missing_headers",
                                          message="工作表“志愿者名册”缺少必填列：姓名", params={"back_url": "/volunteers/roster/upload/"})

    def finish():
        name = file_save(f"jobs/{job.public_id}/result.xlsx", b"PK\x03\x04 not really")
        BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, done=12, message="已导出 12 名志愿者",
                                                       result_name=name, result_filename="志愿者名单.xlsx",
                                                       result_type="application/octet-stream")

    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
            page = phone.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            _login(page, base, "manager_a")
            page.goto(f"{base}/jobs/{job.public_id}/")
            assert "导出志愿者名单" in page.title()
            assert page.text_content("#job-status .tag") == "进行中"
            assert "已处理 3 / 12" in page.text_content("#job-status")
            page.screenshot(path=str(tmp_path / "job-running.png"), full_page=True)

            _in_thread(finish)  # the next poll (every 2 s) shows the download, without a reload
            page.wait_for_selector("#job-status a.primary", timeout=8000)
            assert page.text_content("#job-status a.primary").strip() == "下载志愿者名单.xlsx"
            assert page.text_content("#job-status .tag") == "已完成"
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(tmp_path / "job-done.png"), full_page=True)
            with page.expect_download() as download:
                page.click("#job-status a.primary")
            assert download.value.suggested_filename == "志愿者名单.xlsx"

            page.goto(f"{base}/jobs/{failed.public_id}/")
            assert "缺少必填列" in page.text_content("#job-status [role=alert]")
            back = page.locator("#job-status a", has_text="返回重新发起")
            assert back.get_attribute("href") == "/volunteers/roster/upload/"
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(tmp_path / "job-failed.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
