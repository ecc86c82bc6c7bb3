"""Back-entry of a hotline's paper log (issue 14): a month's calls typed in afterwards land in
that month's figures, marked with who and why; calls logged one by one in the same month are
never counted twice (the figure is max(paper, logged)); the rebuild agrees; the work report
quotes the month; the page and the API; refusals in Chinese."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.rebuild import differences
from wenming.dashboards.summary import figures_for, fold_all
from wenming.dashboards.work_report import work_report, work_report_text
from wenming.hotline.models import CallTally
from wenming.hotline.tally_services import call_tally_set

from .factories import build_hotline, log_call

pytestmark = pytest.mark.django_db
FEB = date(2020, 2, 1)


def calls(node, month, metric="hotline_calls") -> int:
    return int(sum(figures_for(node, [metric], since=month, until=month).values()))


def test_a_paper_month_lands_in_its_period_and_is_never_counted_twice(world):
    h = build_hotline(world)
    tally = call_tally_set(actor=world.office, hotline=h.line, period="2020-02", calls=870, crisis=12,
                           reason="据2020年2月纸质接听登记簿补录")
    assert (tally.calls_remainder, tally.crisis_remainder, tally.entered_by) == (870, 12, world.office)
    assert calls(world.county, FEB) == 870 and calls(world.county, FEB, "hotline_crisis") == 12
    row = AuditEntry.objects.get(action="hotline.tally")
    assert row.changes["reason"] == "据2020年2月纸质接听登记簿补录" and row.changes["calls"] == [0, 870]
    text = work_report_text(work_report(world.county, since=FEB, until=FEB))
    assert "约870次" in text
    # this month: a paper count of 3, then four calls logged one by one — the logged ones win
    month = timezone.localdate().replace(day=1)
    call_tally_set(actor=world.office, hotline=h.line, period=f"{month:%Y-%m}", calls=3, reason="值班本")
    start = max(timezone.now() - timedelta(hours=1), timezone.make_aware(datetime.combine(month, datetime.min.time())))
    for _ in range(4):
        log_call(h.c1, started_at=start)
    assert calls(world.county, month) == 4 and CallTally.objects.get(period=month).calls_remainder == 0
    fold_all()
    assert differences() == []
    # both zero: the month's paper count is withdrawn
    assert call_tally_set(actor=world.office, hotline=h.line, period="2020-02", calls=0, crisis=0) is None
    assert calls(world.county, FEB) == 0


def test_refusals(world):
    h = build_hotline(world)
    for kwargs, code in (({"calls": 5, "crisis": 6}, "hotline.tally_count"),
                         ({"calls": -1}, "hotline.tally_count"),
                         ({"calls": 10**12}, "hotline.tally_count"),
                         ({"calls": "约300"}, "hotline.tally_count"),
                         ({"reason": ""}, "hotline.tally_reason"),
                         ({"period": "2099-01"}, "hotline.tally_period"),
                         ({"period": "1999-12"}, "hotline.tally_period"),
                         ({"period": "\x00"}, "hotline.tally_period")):
        args = {"period": "2020-02", "calls": 10, "crisis": 0, "reason": "补录", **kwargs}
        with pytest.raises(DomainError) as refused:
            call_tally_set(actor=world.office, hotline=h.line, **args)
        assert refused.value.code == code, kwargs
    with pytest.raises(DomainError) as refused:
        call_tally_set(actor=h.c1_user, hotline=h.line, period="2020-02", calls=10, reason="补录")
    assert refused.value.status == 404  # a counsellor does not manage the line
    assert not CallTally.objects.exists()


def test_the_page_and_the_api(world):
    h = build_hotline(world)
    client = Client()
    client.force_login(world.office)
    page = client.get(f"/hotline/lines/{h.line.pk}/").content.decode()
    assert "纸质登记补录" in page and "还没有补录" in page
    res = client.post(f"/hotline/lines/{h.line.pk}/tallies/", {"month": "2020-02", "calls": 870, "crisis": 12,
                                                               "reason": "据纸质接听登记簿补录"})
    assert res.status_code == 302
    page = client.get(f"/hotline/lines/{h.line.pk}/").content.decode()
    assert "2020-02" in page and "870" in page and "据纸质接听登记簿补录" in page
    bad = client.post(f"/hotline/lines/{h.line.pk}/tallies/", {"month": "2020-02", "calls": 5, "crisis": 9,
                                                               "reason": "x"})
    assert bad.status_code == 422 and "危机来电不能多于来电" in bad.content.decode()
    api = ApiClient("office")
    got = api.get(f"/hotlines/{h.line.pk}/tallies").json()
    assert [(t["period"], t["calls"], t["calls_remainder"]) for t in got] == [("2020-02", 870, 870)]
    res = api.post(f"/hotlines/{h.line.pk}/tallies", {"period": "2020-03", "calls": 60, "reason": "补录"})
    assert res.status_code == 200 and res.json()["tally"]["calls"] == 60
    assert ApiClient("manager_a").post(f"/hotlines/{h.line.pk}/tallies", {"period": "2020-03", "calls": 1,
                                                                          "reason": "x"}).status_code == 404
