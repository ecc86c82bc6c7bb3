"""Times are shown in the site's time zone wherever a person reads them, never UTC (issue 15
item 9): the JSON API, model names in the admin, command output."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from wenming.core.local_time import local_iso, local_text
from wenming.core.models import Notification

UTC_EVENING = dt.datetime(2026, 12, 7, 17, 30, tzinfo=dt.UTC)  # 2026-12-08 01:30 in Shanghai


def test_local_text_and_iso_show_the_shanghai_clock(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    assert local_text(UTC_EVENING) == "2026-12-08 01:30:00"
    assert local_text("2026-12-07T17:30:00+00:00") == "2026-12-08 01:30:00"
    assert local_text("2026-12-07T17:30:00Z", "%H:%M") == "01:30"
    assert local_text("not a time") == "not a time"
    assert local_iso(UTC_EVENING) == "2026-12-08T01:30:00+08:00"


@pytest.mark.django_db
def test_the_api_answers_times_at_plus_eight(world):
    from wenming.service.certificate_services import certificate_issue
    from wenming.service.hours_services import hours_makeup

    hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal(2), service_date=dt.date(2025, 6, 1),
                 reason="据纸质签到表补录", node=world.station_a)
    cert = certificate_issue(actor=world.manager_a, volunteer=world.vol_a)
    client = Client()
    client.force_login(world.manager_a)
    body = client.get(f"/api/v1/service-certificates/{cert.pk}").json()
    issued = body["issued_at"]
    assert issued.endswith("+08:00") and not issued.endswith("Z")
    assert abs(dt.datetime.fromisoformat(issued) - cert.issued_at) < dt.timedelta(milliseconds=1)  # same instant
    assert issued[:16] == timezone.localtime(cert.issued_at).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db
def test_model_names_show_local_time():
    note = Notification(subject="报名成功", created_at=UTC_EVENING)
    assert str(note) == "2026-12-08 01:30 报名成功"


def test_restore_reports_the_backup_time_in_local_time(monkeypatch, tmp_path, settings):
    import io
    from types import SimpleNamespace

    from django.core.management import call_command

    from wenming.ops.management.commands import restore

    settings.TIME_ZONE = "Asia/Shanghai"
    report = SimpleNamespace(created_at="2026-12-07T17:30:00+00:00", wenming_version="0.1.0", tables=1, rows=2,
                             uploads=0, summary=[], migrations_applied=0, encrypted_checked=0, keys_installed=False,
                             passphrase_unused=False)
    monkeypatch.setattr(restore, "backup_restore", lambda *a, **k: report)
    out = io.StringIO()
    call_command("restore", str(tmp_path / "x.tar"), stdout=out)
    assert "已恢复 2026-12-08 01:30:00 的备份" in out.getvalue() and "+00:00" not in out.getvalue()
