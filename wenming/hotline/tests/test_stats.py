"""Statistics: counts only, matching the raw rows (rounded to 5), small cells suppressed, for
hotline.stats holders over their subtree and for supervisors; never a summary, phone or
name. The attacks on the suppression are in test_stats_attacks.py."""

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.core.tests.api_client import ApiClient
from wenming.volunteers.tests.factories import node

from ..disclosure import MIN_CELL, rounded
from ..models import CallLog
from ..services import counselor_add, hotline_create, schedule_set
from ..stats import call_stats_for_actor
from .factories import ALL_DAY, build_hotline, counselor_user, log_call, supervisor_user
from .test_visibility import page_client

pytestmark = pytest.mark.django_db

# (caller group, topic, crisis, minutes) × how many
MIX = [("home_isolated", "anxiety", False, 20)] * 4 + [("student", "study", False, 30)] * 3 + \
      [("elderly", "insomnia", True, 40)] * 2 + [("medical", "anxiety", True, 10)]
SECRET = "只在摘要里出现的句子"
PHONE = "13612345678"


@pytest.fixture
def h(world):
    h = build_hotline(world)
    for i, (group, topic, crisis, minutes) in enumerate(MIX):
        log_call(h.c1 if i % 2 else h.c2, caller_group=group, topic=topic, is_crisis=crisis, duration_minutes=minutes,
                 summary=f"{SECRET}{i}", caller_phone=PHONE, started_at=timezone.now() - timedelta(minutes=5 + i))
    return h


def _check_against_raw(rows: list[dict], raw: Counter) -> None:
    """Every figure shown is the raw count rounded to 5; small ones are hidden, and a hidden
    cell is never the only one of its column (else the total would give it away)."""
    assert {r["key"] for r in rows} == set(raw)
    for r in rows:
        assert r["calls"] == rounded(raw[r["key"]]) or (r["calls"] is None and r["suppressed"])
        if raw[r["key"]] < MIN_CELL:
            assert r["calls"] is None and r["avg_minutes"] is None
    assert sum(r["calls"] is None for r in rows) != 1


def test_statistics_match_the_raw_counts_rounded_and_suppress_small_cells(h):
    body = ApiClient("office").get("/hotline-stats", period="month").json()
    calls = list(CallLog.objects.all())
    assert body["min_cell"] == 3 and body["round_to"] == 5 and body["withheld"] == []
    assert len(calls) == 10 and body["total"]["calls"] == 10
    assert sum(c.is_crisis for c in calls) == 3 and body["total"]["crisis"] == 5  # 3 rounds to 5
    assert body["total"]["avg_minutes"] == "26"  # 260 minutes / 10 calls, whole minutes
    _check_against_raw(body["by_caller_group"], Counter(c.caller_group for c in calls))
    # 4 and 3 both round to 5; elderly (2) and medical (1) are hidden
    assert {r["key"]: r["calls"] for r in body["by_caller_group"]} == {
        "home_isolated": 5, "student": 5, "elderly": None, "medical": None}
    assert {r["key"]: r["suppressed"] for r in body["by_caller_group"]}["elderly"] is True
    _check_against_raw(body["by_topic"], Counter(c.topic.code for c in calls))
    # insomnia (2) is hidden; study (3), the next-smallest cell, is hidden with it
    assert {r["key"]: r["calls"] for r in body["by_topic"]} == {"anxiety": 5, "study": None, "insomnia": None}
    anxiety = next(r for r in body["by_topic"] if r["key"] == "anxiety")
    assert anxiety["crisis"] is None and anxiety["avg_minutes"] == "18"  # 1 crisis call: suppressed
    assert [(r["key"], r["calls"], r["crisis"]) for r in body["by_hotline"]] == [(str(h.line.pk), 10, 5)]
    _check_against_raw(body["by_period"], Counter(timezone.localtime(c.started_at).date().replace(day=1).isoformat()
                                                  for c in calls))


def test_statistics_never_carry_a_summary_phone_or_name(h):
    for username in ("office", "supervisor"):
        for period in ("day", "week", "month"):
            text = json.dumps(ApiClient(username).get("/hotline-stats", period=period).json(), ensure_ascii=False)
            for secret in (SECRET, PHONE, "138****", "136****5678", "counselor1", "counselor2", "supervisor"):
                assert secret not in text
        page = page_client(username).get(reverse("hotline:stats"), {"period": "week"})
        content = page.content.decode()
        assert page.status_code == 200 and 'title="不公开">*<' in content and "取整到 5" in content
        assert SECRET not in content and PHONE not in content and "counselor1" not in content


def test_who_may_read_statistics(world, h):
    # office staff (county) and the supervisor (role at the institute) may; a node manager,
    # a plain counselor and a volunteer-less account may not
    assert ApiClient("supervisor").get("/hotline-stats").json()["total"]["calls"] == 10
    for username in ("manager_a", "counselor1", "leader"):
        res = ApiClient(username).get("/hotline-stats")
        assert res.status_code == 403 and res.json()["code"] == "hotline.stats_forbidden"
        assert page_client(username).get(reverse("hotline:stats")).status_code == 403
    # a line in another town: the supervisor's figures do not include it, the county office's do
    town = node(world.root, world.center, "郭家坝镇新时代文明实践所", "institute", code="ZG-I2")
    other = hotline_create(actor=world.office, node=town, name="郭家坝镇热线", number="12356")
    far_sup = supervisor_user("far_sup", town)
    row = counselor_add(actor=world.office, hotline=other, user=counselor_user("far", town), supervisor=far_sup)
    schedule_set(actor=world.office, counselor=row, slots=ALL_DAY)
    for _ in range(3):
        log_call(row)
    assert call_stats_for_actor(actor=h.sup_user).total.calls == 10
    assert call_stats_for_actor(actor=far_sup).total.calls == 5  # 3, rounded
    assert call_stats_for_actor(actor=world.office).total.calls == 15  # 13, rounded
    assert call_stats_for_actor(actor=world.office, node=town).total.calls == 5
    assert call_stats_for_actor(actor=world.office, node=world.station_a).total.calls == 0
    assert ApiClient("supervisor").get("/hotline-stats", hotline_id=str(other.pk)).status_code == 404


def test_bad_periods_and_ranges_are_chinese_errors(h):
    api = ApiClient("office")
    res = api.get("/hotline-stats", period="year")
    assert res.status_code == 422 and res.json()["code"] == "hotline.period_invalid" and "按日" in res.json()["message"]
    today = timezone.localdate()
    res = api.get("/hotline-stats", date_from=today.isoformat(), date_to=(today - timedelta(days=1)).isoformat())
    assert res.json()["code"] == "hotline.range_invalid"
    res = api.get("/hotline-stats", period="day", date_from="2000-01-01")
    assert res.json()["code"] == "hotline.range_invalid"
    page = page_client("office").get(reverse("hotline:stats"), {"date_from": "2000-01-01", "period": "day"})
    assert page.status_code == 422 and "最长 366 天" in page.content.decode()


def test_one_or_two_calls_in_all_are_not_broken_down(world):
    h = build_hotline(world)
    log_call(h.c1, topic="self_harm", is_crisis=True)
    log_call(h.c2, topic="anxiety")
    body = ApiClient("office").get("/hotline-stats").json()
    assert body["total"]["calls"] is None and body["total"]["suppressed"]
    assert set(body["withheld"]) == {"by_period", "by_caller_group", "by_topic", "by_hotline"}
    assert all(body[name] == [] for name in body["withheld"])
    page = page_client("office").get(reverse("hotline:stats")).content.decode()
    assert page.count("不分项显示") == 4 and "自伤" not in page
