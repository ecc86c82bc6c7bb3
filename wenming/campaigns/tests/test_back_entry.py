"""补录 (issue 14) of 移风易俗 records and month totals and of tallies: what is dated more than a
week before it is entered (a month's figure: entered more than a week after the month ended)
needs a 补录说明; without one nothing is written, with one it counts in its own month, keeps
the reason with who and when, is audited and is marked 补录 where it is listed. On-time
entries need none; a closed period still refuses them (orgs/closing.py)."""

import io
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.campaigns import reform_services, reform_totals, tally_services
from wenming.campaigns.models import ReformRecord, ReformTotal, TallyEntry, TallyTotal
from wenming.campaigns.sheet import tally_sheet_import
from wenming.core.models import AuditEntry
from wenming.core.testing import code_of
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.summary import figures_for, fold_all
from wenming.dashboards.work_report import work_report, work_report_workbook
from wenming.orgs.closing import period_close

from .factories import fill, indicator, template

pytestmark = pytest.mark.django_db
FEB = date(2020, 2, 1)
KIND = "funeral_simplified"
LATE = "core.late_reason_required"


def _at(year: int, month: int, day: int):
    """A fixed now (10:00 local) for the on-time/late boundary."""
    return time_machine.travel(timezone.make_aware(datetime(year, month, day, 10)), tick=False)


def _page(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _html(res) -> str:
    return res.content.decode()


def _figure(node, metric: str, period: date = FEB) -> int:
    return int(sum(figures_for(node, [metric], since=period, until=period).values()))


def _report_rows(node, month: date) -> dict:
    """The work report's workbook of one month, read back from the real .xlsx."""
    fold_all()
    book = load_workbook(io.BytesIO(work_report_workbook(work_report(node, since=month, until=month))), read_only=True)
    return {r[0]: r[1] for r in book["工作数据"].iter_rows(values_only=True) if len(r) > 1}


# ---- 移风易俗 records ------------------------------------------------------------------------

def test_a_record_dated_over_a_week_ago_needs_a_reason_and_then_counts_in_its_month(world):
    api = ApiClient("manager_a")
    body = {"node_id": world.station_a.pk, "kind": KIND, "household": "三组 12 号", "occurred_on": "2020-02-12"}
    for reason in (None, "", "   ", "\x00", "\x00 \x00"):
        res = api.post("/reform-records", body if reason is None else {**body, "late_reason": reason})
        assert (res.status_code, res.json()["code"]) == (422, LATE), repr(reason)
        assert "补录说明" in res.json()["message"]
    assert not ReformRecord.objects.exists() and _figure(world.county, f"reform:{KIND}") == 0
    assert not AuditEntry.objects.filter(action="campaigns.reform_create").exists()

    res = api.post("/reform-records", {**body, "late_reason": "据2020年2月村\x00登记簿补录"})
    assert res.status_code == 201, res.content
    got = res.json()
    assert got["late_reason"] == "据2020年2月村登记簿补录" and got["occurred_on"] == "2020-02-12"
    record = ReformRecord.objects.get()
    assert record.recorded_by == world.manager_a and record.recorded_at.date() > date(2020, 2, 12)
    audit = AuditEntry.objects.get(action="campaigns.reform_create")
    assert audit.changes["late_reason"] == "据2020年2月村登记簿补录"
    # counted in February 2020, not in the month it was typed in
    assert _figure(world.county, f"reform:{KIND}") == 1
    assert _figure(world.county, f"reform:{KIND}", timezone.localdate().replace(day=1)) == 0
    assert _report_rows(world.county, FEB)["丧事简办"] == 1
    # the list marks it, with the day it was entered and the reason
    listing = _html(_page(world.manager_a).get(reverse("campaigns:reform")))
    row = listing.split(f'id="reform-{record.pk}"')[1].split("</tr>")[0]
    assert "补录" in row and "据2020年2月村登记簿补录" in row and f"{timezone.localdate():%Y-%m-%d}" in row


def test_a_recent_record_needs_no_reason_and_is_not_marked(world):
    for days in (0, 3, 7):
        day = timezone.localdate() - timedelta(days=days)
        record = reform_services.reform_record_create(actor=world.manager_a, node=world.station_a, kind=KIND,
                                                      household=f"一组 {days} 号", occurred_on=day)
        assert record.late_reason == ""
    assert code_of(lambda: reform_services.reform_record_create(
        actor=world.manager_a, node=world.station_a, kind=KIND, household="一组 8 号",
        occurred_on=timezone.localdate() - timedelta(days=8))) == LATE
    assert ReformRecord.objects.count() == 3
    assert "补录" not in _html(_page(world.manager_a).get(reverse("campaigns:reform"))).split("<table")[-1]


def test_moving_a_record_back_over_a_week_needs_a_reason_unless_it_has_one(world):
    today = reform_services.reform_record_create(actor=world.manager_a, node=world.station_a, kind=KIND,
                                                 household="二组 1 号", occurred_on=timezone.localdate())
    api = ApiClient("manager_a")
    res = api.patch(f"/reform-records/{today.pk}", {"occurred_on": "2020-02-03"})
    assert (res.status_code, res.json()["code"]) == (422, LATE)
    assert ReformRecord.objects.get(pk=today.pk).occurred_on == timezone.localdate()
    res = api.patch(f"/reform-records/{today.pk}", {"occurred_on": "2020-02-03", "late_reason": "日期登记有误，据登记簿更正"})
    assert res.status_code == 200 and res.json()["late_reason"] == "日期登记有误，据登记簿更正"
    # a back-entry moved within the past keeps its reason; a note change asks for none
    res = api.patch(f"/reform-records/{today.pk}", {"occurred_on": "2020-02-04", "note": "丧事简办承诺书"})
    assert res.status_code == 200 and res.json()["late_reason"] == "日期登记有误，据登记簿更正"
    assert _figure(world.county, f"reform:{KIND}") == 1


def test_the_record_page_asks_for_the_reason_of_a_back_entry(world):
    c = _page(world.manager_a)
    form = _html(c.get(reverse("campaigns:reform_new")))
    assert 'name="late_reason"' in form and "补录说明" in form and "placeholder=" in form
    data = {"node": world.station_a.pk, "kind": KIND, "household": "三组 5 号", "occurred_on": "2020-02-20"}
    res = c.post(reverse("campaigns:reform_new"), data)
    assert res.status_code == 422 and "补录说明" in _html(res) and not ReformRecord.objects.exists()
    res = c.post(reverse("campaigns:reform_new"), {**data, "late_reason": "a\x00b"})
    assert res.status_code == 422 and not ReformRecord.objects.exists()  # the form refuses NUL: no 500
    res = c.post(reverse("campaigns:reform_new"), {**data, "late_reason": "据2020年2月村登记簿补录"})
    assert res.status_code == 302 and ReformRecord.objects.get().late_reason == "据2020年2月村登记簿补录"


# ---- 移风易俗 month totals ------------------------------------------------------------------

def test_a_late_month_total_needs_a_reason_keeps_the_latest_and_is_audited(world):
    api = ApiClient("manager_a")
    body = {"node_id": world.station_a.pk, "kind": KIND, "period": "2020-02", "total": 120}
    for reason in (None, "", "\x00"):
        res = api.post("/reform-totals", body if reason is None else {**body, "late_reason": reason})
        assert (res.status_code, res.json()["code"]) == (422, LATE), repr(reason)
    assert not ReformTotal.objects.exists() and _figure(world.county, f"reform:{KIND}") == 0
    assert not AuditEntry.objects.filter(action__startswith="campaigns.reform_total").exists()

    res = api.post("/reform-totals", {**body, "late_reason": "据2020年2月各村纸质台账补录"})
    assert res.status_code == 200 and res.json()["total"]["late_reason"] == "据2020年2月各村纸质台账补录"
    assert _figure(world.county, f"reform:{KIND}") == 120 and _report_rows(world.county, FEB)["丧事简办"] == 120
    res = api.post("/reform-totals", {**body, "total": 130, "late_reason": "补充三组台账"})
    assert res.status_code == 200
    total = ReformTotal.objects.get()
    assert (total.total, total.late_reason) == (130, "补充三组台账")
    late = AuditEntry.objects.filter(action="campaigns.reform_total").order_by("pk")
    assert [a.changes["late_reason"] for a in late] == ["据2020年2月各村纸质台账补录", "补充三组台账"]
    assert AuditEntry.objects.filter(action="campaigns.reform_total").count() == 2
    listed = api.get("/reform-totals", node_id=world.station_a.pk).json()["items"]
    assert [t["late_reason"] for t in listed] == ["补充三组台账"]
    page = _html(_page(world.manager_a).get(reverse("campaigns:reform_total")))
    row = page.split(f'id="reform-total-{total.pk}"')[1].split("</tr>")[0]
    assert "补录" in row and "补充三组台账" in row
    # the page form takes it too
    c = _page(world.manager_a)
    data = {"node": world.station_a.pk, "kind": "wedding_cancelled", "month": "2020-02", "total": 7}
    res = c.post(reverse("campaigns:reform_total"), data)
    assert res.status_code == 422 and "补录说明" in _html(res) and ReformTotal.objects.count() == 1
    res = c.post(reverse("campaigns:reform_total"), {**data, "late_reason": "据2020年2月台账补录"})
    assert res.status_code == 302 and ReformTotal.objects.get(kind="wedding_cancelled").late_reason


def test_last_months_total_entered_within_a_week_of_its_end_needs_no_reason(world):
    with _at(2026, 12, 3):
        row = reform_totals.reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2026-11",
                                             total=12)
        assert row.late_reason == ""
        assert code_of(lambda: reform_totals.reform_total_set(actor=world.root, node=world.station_a, kind=KIND,
                                                              period="2026-10", total=5)) == LATE
    with _at(2026, 12, 8):  # 8 days after 30 November: late now
        assert code_of(lambda: reform_totals.reform_total_set(actor=world.root, node=world.station_a, kind=KIND,
                                                              period="2026-11", total=13)) == LATE
    assert ReformTotal.objects.get().total == 12


# ---- tallies --------------------------------------------------------------------------------

def test_a_late_tally_entry_needs_a_reason_and_counts_in_its_month(world):
    api = ApiClient("manager_a")
    body = {"node_id": world.station_a.pk, "indicator": "banner", "period": "2020-02", "value": 1596}
    for reason in (None, "", "\x00"):
        res = api.post("/tallies", body if reason is None else {**body, "late_reason": reason})
        assert (res.status_code, res.json()["code"]) == (422, LATE), repr(reason)
    assert not TallyEntry.objects.exists() and not TallyTotal.objects.exists()
    assert _figure(world.county, "tally:banner") == 0

    res = api.post("/tallies", {**body, "note": "宣传横幅", "late_reason": "据2020年2月纸质台账补录"})
    assert res.status_code == 201, res.content
    assert (res.json()["late_reason"], res.json()["reason"]) == ("据2020年2月纸质台账补录", "宣传横幅")
    entry = TallyEntry.objects.get()
    assert AuditEntry.objects.get(action="campaigns.tally_add").changes["late_reason"] == "据2020年2月纸质台账补录"
    assert _figure(world.county, "tally:banner") == 1596
    assert _report_rows(world.county, FEB)["悬挂横幅（宣传发动）"] == 1596
    listed = api.get("/tallies", period="2020-02").json()["items"]
    assert [e["late_reason"] for e in listed] == ["据2020年2月纸质台账补录"]
    page = _html(_page(world.manager_a).get(reverse("campaigns:entries")))
    row = page.split(f'id="entry-{entry.pk}"')[1].split("</tr>")[0]
    assert "补录" in row and "据2020年2月纸质台账补录" in row
    # a correction of that month gives its own reason and is asked for no other
    fix = tally_services.tally_correct(actor=world.manager_a, entry=entry, delta=-96, reason="重复统计了 96 条")
    assert (fix.reason, fix.late_reason) == ("重复统计了 96 条", "")
    assert _figure(world.county, "tally:banner") == 1500


def test_last_months_tally_entered_three_days_after_its_end_is_on_time(world):
    with _at(2026, 12, 3):
        entry = tally_services.tally_add(actor=world.manager_a, indicator=indicator("banner"), period="2026-11",
                                         value=20, node=world.station_a)
        assert entry.late_reason == ""
        assert code_of(lambda: tally_services.tally_add(actor=world.manager_a, indicator=indicator("banner"),
                                                        period="2026-10", value=5, node=world.station_a)) == LATE
    with _at(2026, 12, 7):  # 30 November + 7 days: still on time
        tally_services.tally_add(actor=world.manager_a, indicator=indicator("poster"), period="2026-11", value=3,
                                 node=world.station_a)
    with _at(2026, 12, 8):
        assert code_of(lambda: tally_services.tally_add(actor=world.manager_a, indicator=indicator("poster"),
                                                        period="2026-11", value=3, node=world.station_a)) == LATE
    assert TallyEntry.objects.count() == 2


def test_the_entry_page_asks_for_the_reason_of_a_late_month(world):
    c = _page(world.manager_a)
    assert 'name="late_reason"' in _html(c.get(reverse("campaigns:entry_new")))
    data = {"subject": f"n:{world.station_a.pk}", "indicator": indicator("banner").pk, "month": "2020-02",
            "value": 10}
    res = c.post(reverse("campaigns:entry_new"), data)
    assert res.status_code == 422 and "补录说明" in _html(res) and not TallyEntry.objects.exists()
    res = c.post(reverse("campaigns:entry_new"), {**data, "late_reason": "据2020年2月纸质台账补录"})
    assert res.status_code == 302 and TallyEntry.objects.get().late_reason == "据2020年2月纸质台账补录"


def _late_sheet(world) -> bytes:
    return fill(template(world.manager_a, world.station_a, period=FEB), {"banner": 1596, "poster": 6882})


def test_a_late_sheet_needs_a_reason_for_all_its_rows_or_writes_nothing(world):
    data = _late_sheet(world)
    assert code_of(lambda: tally_sheet_import(actor=world.manager_a, upload=io.BytesIO(data))) == LATE
    assert not TallyEntry.objects.exists() and not TallyTotal.objects.exists()
    result = tally_sheet_import(actor=world.manager_a, upload=io.BytesIO(data), late_reason="据2020年2月纸质台账补录")
    assert len(result.entries) == 2
    assert set(TallyEntry.objects.values_list("late_reason", flat=True)) == {"据2020年2月纸质台账补录"}
    assert AuditEntry.objects.get(action="campaigns.tally_sheet").changes["late_reason"] == "据2020年2月纸质台账补录"
    assert _figure(world.county, "tally:banner") == 1596 and _figure(world.county, "tally:poster") == 6882
    # the same sheet again changes nothing, so it asks for nothing
    again = tally_sheet_import(actor=world.manager_a, upload=io.BytesIO(data))
    assert again.entries == [] and TallyEntry.objects.count() == 2


def test_the_upload_page_and_api_take_the_reason_of_a_late_sheet(world):
    c = _page(world.manager_a)
    form = _html(c.get(reverse("campaigns:sheet_upload")))
    assert 'name="late_reason"' in form and "补录说明" in form
    data = _late_sheet(world)

    def upload(**extra):
        file = io.BytesIO(data)
        file.name = "表.xlsx"
        return c.post(reverse("campaigns:sheet_upload"), {"file": file, **extra})

    res = upload()
    assert res.status_code == 422 and "补录说明" in _html(res) and not TallyEntry.objects.exists()
    res = upload(late_reason="\x00")
    assert res.status_code == 422 and not TallyEntry.objects.exists()
    res = upload(late_reason="据2020年2月纸质台账补录")
    assert res.status_code == 200 and "2 项有变动" in _html(res)
    assert set(TallyEntry.objects.values_list("late_reason", flat=True)) == {"据2020年2月纸质台账补录"}
    listing = _html(c.get(reverse("campaigns:entries")))
    assert listing.count(">补录</span>") == 2

    api = ApiClient("manager_a")
    more = fill(template(world.manager_a, world.station_a, period=FEB), {"leaflet": 70000})

    def api_upload(**extra):
        file = io.BytesIO(more)
        file.name = "表.xlsx"
        return api.client.post("/api/v1/tallies/sheet", {"file": file, **extra}, **api.headers)

    res = api_upload()
    assert (res.status_code, res.json()["code"]) == (422, LATE) and TallyEntry.objects.count() == 2
    res = api_upload(late_reason="据2020年2月纸质台账补录")
    assert res.status_code == 200 and TallyEntry.objects.filter(late_reason__startswith="据2020年2月").count() == 3


def test_a_closed_period_still_refuses_back_entries_with_a_reason(world):
    period_close(actor=world.office, node=world.county, since="2020-02", until="2020-02")
    reason = "据2020年2月纸质台账补录"
    tries = [
        lambda: tally_services.tally_add(actor=world.manager_a, indicator=indicator("banner"), period=FEB, value=1,
                                         node=world.station_a, late_reason=reason),
        lambda: tally_sheet_import(actor=world.manager_a, upload=io.BytesIO(_late_sheet(world)), late_reason=reason),
        lambda: reform_services.reform_record_create(actor=world.manager_a, node=world.station_a, kind=KIND,
                                                     household="一组 1 号", occurred_on=date(2020, 2, 3),
                                                     late_reason=reason),
        lambda: reform_totals.reform_total_set(actor=world.manager_a, node=world.station_a, kind=KIND,
                                               period="2020-02", total=5, late_reason=reason),
    ]
    for attempt in tries:
        assert code_of(attempt) == "orgs.period_closed"
    assert not (TallyEntry.objects.exists() or ReformRecord.objects.exists() or ReformTotal.objects.exists())
