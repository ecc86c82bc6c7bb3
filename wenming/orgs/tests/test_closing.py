"""统计期关账 (issue 14): an office closes a period after its report; back-entries and changes
dated in it are refused anywhere in its subtree until it reopens the period with a reason;
the report of the closed period stays the same; both moves are audited; scope as everywhere."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from wenming.campaigns.tally_services import tally_add
from wenming.campaigns.tests.factories import indicator
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.summary import fold_all
from wenming.dashboards.work_report import work_report, work_report_text
from wenming.hotline.tally_services import call_tally_set
from wenming.hotline.tests.factories import build_hotline
from wenming.orgs import closing
from wenming.orgs.models import PeriodClosing
from wenming.service.hours_services import hours_correct, hours_makeup
from wenming.volunteers.tests.factories import build_world, node

pytestmark = pytest.mark.django_db
FEB, MAR, APR = date(2020, 2, 1), date(2020, 3, 1), date(2020, 4, 1)


@pytest.fixture
def w():
    world = build_world()
    world.makeup = hours_makeup(actor=world.root, volunteer=world.vol_a, hours=Decimal(4),
                                service_date=date(2020, 2, 10), reason="卡点值守（据签到表补录）", node=world.station_a)
    tally_add(actor=world.office, indicator=indicator("banner"), period=FEB, value=100, node=world.center,
              late_reason="据2020年2月纸质台账补录")
    return world


def _refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_a_closed_period_refuses_back_entries_below_the_office_until_it_is_reopened(w):
    shut = closing.period_close(actor=w.office, node=w.county, since="2020-02", until="2020-03", note="一季度报告已报送")
    assert (shut.since, shut.until, shut.period_label) == (FEB, MAR, "2020年2月至2020年3月")
    tries = [
        lambda: hours_makeup(actor=w.root, volunteer=w.vol_a, hours=Decimal(2), service_date=date(2020, 3, 31),
                             reason="补录", node=w.station_a),
        lambda: hours_correct(actor=w.root, record=w.makeup, delta=Decimal(-1), reason="多记了一小时"),
        lambda: tally_add(actor=w.office, indicator=indicator("poster"), period=MAR, value=5, node=w.center,
                          late_reason="补录"),
    ]
    for attempt in tries:
        err = _refused(attempt)
        assert err.code == "orgs.period_closed" and err.status == 409
        assert "2020年" in err.message and "秭归县文明办" in err.message and "重新开放" in err.message
    # the months around it are open
    hours_makeup(actor=w.root, volunteer=w.vol_a, hours=Decimal(2), service_date=date(2020, 4, 1), reason="补录",
                 node=w.station_a)
    tally_add(actor=w.office, indicator=indicator("poster"), period=date(2020, 1, 1), value=5, node=w.center,
              late_reason="补录")
    # reopening needs a reason; then the back-entry lands in its period
    assert _refused(lambda: closing.period_reopen(actor=w.office, closing=shut, reason=" \x00 ")).code \
        == "orgs.reopen_reason"
    closing.period_reopen(actor=w.office, closing=shut, reason="发现漏录一页签到表")
    assert _refused(lambda: closing.period_reopen(actor=w.office, closing=shut, reason="再次")).code == "orgs.not_closed"
    record = tries[0]()
    assert record.service_date == date(2020, 3, 31)
    actions = list(AuditEntry.objects.filter(action__startswith="orgs.period_").values_list("action", flat=True))
    assert sorted(actions) == ["orgs.period_close", "orgs.period_reopen"]


def test_the_hotline_paper_log_of_a_closed_month_is_refused(w):
    h = build_hotline(w)
    closing.period_close(actor=w.office, node=w.county, since="2020-02", until="2020-02")
    err = _refused(lambda: call_tally_set(actor=w.office, hotline=h.line, period="2020-02", calls=50,
                                          reason="据纸质登记簿补录"))
    assert err.code == "orgs.period_closed"
    call_tally_set(actor=w.office, hotline=h.line, period="2020-03", calls=50, reason="据纸质登记簿补录")


def test_the_report_of_a_closed_period_stays_what_was_sent(w):
    fold_all()
    sent = work_report_text(work_report(w.county, since=FEB, until=MAR))
    closing.period_close(actor=w.office, node=w.county, since=FEB, until=MAR)
    _refused(lambda: hours_makeup(actor=w.root, volunteer=w.vol_b, hours=Decimal(8), service_date=date(2020, 2, 11),
                                  reason="补录", node=w.station_b))
    _refused(lambda: tally_add(actor=w.office, indicator=indicator("banner"), period=FEB, value=9, node=w.center,
                               late_reason="补录"))
    hours_makeup(actor=w.root, volunteer=w.vol_b, hours=Decimal(8), service_date=date(2020, 4, 11), reason="补录",
                 node=w.station_b)
    fold_all()
    assert work_report_text(work_report(w.county, since=FEB, until=MAR)) == sent


@pytest.mark.parametrize("since, until", [
    ("2020-03", "2020-02"),  # reversed
    ("2026-12", "2026-12"), ("2020-02", "2099-01"),  # not over yet
    ("1999-12", "2000-01"), ("2020-13", "2020-13"), ("", ""), ("\x002020-02", "2020-03"), ("9" * 7, "9" * 7),
    ("2000-02", "2019-12"),  # more than ten years
])
def test_only_whole_months_that_are_over_can_be_closed(w, since, until):
    assert _refused(lambda: closing.period_close(actor=w.office, node=w.county, since=since, until=until)).code \
        == "orgs.period_invalid"
    assert not PeriodClosing.objects.exists()


def test_an_office_cannot_close_an_overlapping_period_twice_nor_outside_its_scope(w):
    closing.period_close(actor=w.office, node=w.county, since="2020-02", until="2020-03")
    assert _refused(lambda: closing.period_close(actor=w.office, node=w.county, since="2020-03",
                                                 until="2020-04")).code == "orgs.period_overlap"
    # a station manager may see the node but not close: 403; another county: 404
    assert _refused(lambda: closing.period_close(actor=w.manager_a, node=w.station_a, since="2020-02",
                                                 until="2020-02")).status == 403
    other = node(w.root, None, "兴山县文明办", "county", code="420526", admin_code="420526000000")
    assert _refused(lambda: closing.period_close(actor=w.office, node=other, since="2020-02",
                                                 until="2020-02")).status == 404
    # the station's manager is still bound by the county's closing
    assert _refused(lambda: hours_makeup(actor=w.manager_a, volunteer=w.vol_a, hours=Decimal(1),
                                         service_date=date(2020, 2, 3), reason="补录", node=w.station_a)).code \
        == "orgs.period_closed"


def test_closings_through_the_api(w):
    api = ApiClient("office")
    res = api.post("/closings", {"node_id": w.county.pk, "since": "2020-02", "until": "2020-03", "note": "已报送"})
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["period"] == "2020年2月至2020年3月" and body["open"] is False and body["closed_by"] == "office"
    again = api.post("/closings", {"node_id": w.county.pk, "since": "2020-03", "until": "2020-03"})
    assert again.status_code == 409 and again.json()["code"] == "orgs.period_overlap"
    for bad in ({"node_id": 10**30, "since": "2020-01", "until": "2020-01"},
                {"node_id": w.county.pk, "since": "x" * 400, "until": "2020-01"},
                {"node_id": w.county.pk, "since": "2020-01\x00", "until": "2020-01"}):
        assert api.post("/closings", bad).status_code in (404, 422)
    assert [c["id"] for c in api.get("/closings").json()] == [body["id"]]
    assert api.post(f"/closings/{body['id']}/reopen", {"reason": ""}).json()["code"] == "orgs.reopen_reason"
    reopened = api.post(f"/closings/{body['id']}/reopen", {"reason": "漏录"}).json()
    assert reopened["open"] is True and reopened["reopen_reason"] == "漏录"
    assert ApiClient("manager_b").post(f"/closings/{body['id']}/reopen", {"reason": "x"}).status_code in (403, 404)


def test_the_closings_page(w):
    c = Client()
    c.force_login(w.office)
    page = c.get(f"/orgs/closings/?node={w.county.pk}&since=2020-02&until=2020-03")
    assert page.status_code == 200 and "关账" in page.content.decode() and 'value="2020-02"' in page.content.decode()
    res = c.post("/orgs/closings/", {"node": str(w.county.pk), "since": "2020-02", "until": "2020-03", "note": "已报送"})
    assert res.status_code == 302
    shut = PeriodClosing.objects.get()
    bad = c.post("/orgs/closings/", {"node": str(w.county.pk), "since": "2020-03", "until": "2020-03"})
    assert bad.status_code == 409 and "重叠" in bad.content.decode()
    report = c.get(f"/dashboards/report/?node={w.county.pk}&since=2020-02&until=2020-03").content.decode()
    assert "已于" in report and "关账" in report
    empty = c.post(f"/orgs/closings/{shut.pk}/reopen/", {"reason": ""})
    assert empty.status_code == 422
    assert c.post(f"/orgs/closings/{shut.pk}/reopen/", {"reason": "漏录一页"}).status_code == 302
    assert c.post("/orgs/closings/99999999999999999999999/reopen/", {"reason": "x"}).status_code == 404
    shut.refresh_from_db()
    assert shut.is_open and shut.reopen_reason == "漏录一页"
