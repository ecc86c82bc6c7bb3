"""Ugly input never makes a 500: bad ids are 404, bad values are Chinese errors with codes."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.core.tests.api_client import ApiClient

from ..models import CallLog, DutyShift
from .factories import build_hotline, log_call
from .test_visibility import page_client

pytestmark = pytest.mark.django_db

BAD_IDS = ["²", "abc", "-1", "99999999999999999999999"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def h(world):
    h = build_hotline(world)
    h.call = log_call(h.c1, is_crisis=True)
    return h


def _call_body(h, **overrides) -> dict:
    return {"hotline_id": h.line.pk, "started_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
            "duration_minutes": 10, "caller_group": "student", "topic": "anxiety", "outcome": "soothed", **overrides}


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_in_the_api_are_not_found(h, bad):
    api = ApiClient("counselor1")
    for res in (api.get(f"/hotline-calls/{bad}"), api.patch(f"/hotline-calls/{bad}", {}),
                api.post(f"/hotline-calls/{bad}/reveal-phone"), api.post(f"/hotline-followups/{bad}/complete", {}),
                api.post(f"/hotline-calls/{bad}/followups", {"due_on": timezone.localdate().isoformat()}),
                api.get(f"/hotlines/{bad}"), api.get(f"/hotlines/{bad}/counselors"),
                api.get(f"/hotline-counselors/{bad}/schedule")):
        assert res.status_code == 404 and res.json()["code"] == "not_found", (res.status_code, res.content)
    assert api.get("/hotline-calls", hotline_id=bad).json()["count"] == 0
    assert api.get("/hotline-calls", counselor_id=bad).json()["count"] == 0
    office = ApiClient("office")
    assert office.get("/hotline-stats", node_id=bad).status_code == 404
    assert office.get("/hotline-stats", hotline_id=bad).status_code == 404


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_on_the_pages_are_not_found(h, bad):
    client = page_client("counselor1")
    for res in (client.get(f"/hotline/calls/{bad}/"), client.get(f"/hotline/calls/{bad}/edit/"),
                client.post(f"/hotline/calls/{bad}/phone/"), client.post(f"/hotline/calls/{bad}/followups/"),
                client.post(f"/hotline/followups/{bad}/done/")):
        assert res.status_code == 404
    res = page_client("supervisor").get(reverse("hotline:supervision"), {"counselor": bad})
    assert res.status_code == 200 and reverse("hotline:call_detail", args=[h.call.pk]) not in res.content.decode()
    res = page_client("office").get(reverse("hotline:stats"), {"node": bad, "hotline": bad})
    assert res.status_code == 422 and "选择一个有效的选项" in res.content.decode()
    res = client.post(reverse("hotline:call_new"), {**_page_data(h), "hotline": bad})
    assert res.status_code == 422 and "选择一个有效的选项" in res.content.decode()


@pytest.mark.parametrize(("field", "value", "code"), [
    ("duration_minutes", -5, "hotline.duration_invalid"),
    ("duration_minutes", 601, "hotline.duration_invalid"),
    ("duration_minutes", 10 ** 30, "hotline.duration_invalid"),
    ("topic", "astrology", "hotline.topic_unknown"),
    ("topic", "", "hotline.topic_unknown"),
    ("caller_group", "aliens", "hotline.caller_group_unknown"),
    ("outcome", "solved?", "hotline.outcome_unknown"),
    ("referral", "moon", "hotline.referral_unknown"),
    ("caller_phone", "call me", "hotline.phone_invalid"),
    ("caller_phone", "１３８１２３４５６７８", "hotline.phone_invalid"),
    ("summary", "含有\x00空字符", "hotline.text_invalid"),
    ("summary", "长" * 4001, "hotline.text_invalid"),
    ("started_at", "2000-01-01T08:00:00+08:00", "hotline.started_at_invalid"),
    ("duration_minutes", "abc", "invalid_input"),
    ("started_at", "昨天晚上", "invalid_input"),
])
def test_bad_values_in_the_api_are_chinese_errors(h, field, value, code):
    res = ApiClient("counselor1").post("/hotline-calls", _call_body(h, **{field: value}))
    assert res.status_code == 422, res.content
    body = res.json()
    assert body["code"] == code and CJK.search(body["message"])
    assert CallLog.objects.count() == 1


def test_a_bad_patch_changes_nothing(h):
    api = ApiClient("counselor1")
    res = api.patch(f"/hotline-calls/{h.call.pk}", {"duration_minutes": -1, "summary": "新的摘要"})
    assert res.json()["code"] == "hotline.duration_invalid"
    res = api.patch(f"/hotline-calls/{h.call.pk}", {"topic": "nope"})
    assert res.json()["code"] == "hotline.topic_unknown" and "nope" in res.json()["message"]
    h.call.refresh_from_db()
    assert h.call.duration_minutes == 25 and h.call.topic.code == "anxiety"


def _page_data(h, **overrides) -> dict:
    return {"hotline": h.line.pk, "started_at": (timezone.localtime() - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "10", "caller_group": "student", "topic": "anxiety", "outcome": "soothed",
            **overrides}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("duration_minutes", "-5", "通话时长须为 0 至 600"),
    ("duration_minutes", "abc", "输入整数"),
    ("topic", "astrology", "选择一个有效的选项"),
    ("caller_phone", "abc", "来电号码格式不正确"),
    ("started_at", "2000-01-01T08:00", "来电时间须在最近 7 天内"),
    ("outcome", "referred", "请选择转介去向"),
])
def test_bad_values_on_the_entry_form_are_chinese_errors(h, field, value, message):
    res = page_client("counselor1").post(reverse("hotline:call_new"), _page_data(h, **{field: value}))
    assert res.status_code == 422 and message in res.content.decode()
    assert CallLog.objects.count() == 1


def test_bad_schedules_and_follow_up_dates_are_chinese_errors(world, h):
    office = ApiClient("office")
    url = f"/hotline-counselors/{h.c2.pk}/schedule"
    for shifts in ([{"weekday": 0, "starts_at": "08:00", "ends_at": "12:00"}],
                   [{"starts_at": "08:00", "ends_at": "12:00"}],
                   [{"weekday": 1, "on_date": "2030-01-01", "starts_at": "08:00", "ends_at": "12:00"}],
                   [{"weekday": 1, "starts_at": "08:00", "ends_at": "12:00"}] * 2):
        res = office.call("put", url, {"shifts": shifts})
        assert res.status_code == 422 and res.json()["code"] == "hotline.shift_invalid"
        assert CJK.search(res.json()["message"])
    res = office.call("put", url, {"shifts": [{"weekday": 1, "starts_at": "25:00", "ends_at": "12:00"}]})
    assert res.status_code == 422 and res.json()["code"] == "invalid_input"
    assert DutyShift.objects.filter(counselor=h.c2).count() == 7
    res = ApiClient("counselor1").post(f"/hotline-calls/{h.call.pk}/followups", {"due_on": "2001-01-01"})
    assert res.json()["code"] == "hotline.due_invalid" and "90 天" in res.json()["message"]
