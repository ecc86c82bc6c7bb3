"""补录 (issue 14) of household visits and screening totals, by the one rule of
core/back_entry.py: a visit dated more than 7 days before it is typed in, or a month's total
entered more than 7 days after the month ended, needs a reason; refused without one (nothing
written), counted in its own month with one, marked in the list, the visit's page and the
export, and kept in the audit row; a recent record needs none."""

import re
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.core.models import AuditEntry
from wenming.core.testing import code_of
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.summary import figures_for
from wenming.grids.models import GridHousehold, HouseholdVisit, ScreeningTotal
from wenming.grids.screening_totals import screening_total_set
from wenming.grids.visit_services import visit_record

pytestmark = pytest.mark.django_db

FEB = date(2020, 2, 1)
PAPER = "据2020年2月纸质走访登记表补录"


def counted(node, period, metric="visits") -> int:
    return int(sum(figures_for(node, [metric], since=period, until=period).values()))


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def export_rows(response) -> list[dict]:
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def field_errors(page: str, name: str) -> str:
    found = re.search(rf'<div class="field has-error" id="f-{name}">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


def test_a_back_dated_visit_needs_a_reason_and_nothing_is_written_without_one(world):
    api = ApiClient("manager_a")
    body = {"grid_id": world.grid_a.pk, "address": "九里村三组 12 号", "residents_count": 3,
            "visited_at": "2020-02-10T09:30:00+08:00", "flags": ["home_isolation"]}
    for reason in ("", "   ", "\x00\x00"):
        res = api.post("/visits", {**body, "late_reason": reason})
        assert res.status_code == 422 and res.json()["code"] == "core.late_reason_required", res.content
    assert not HouseholdVisit.objects.exists() and not GridHousehold.objects.filter(visit_count__gt=0).exists()
    assert not AuditEntry.objects.filter(action="grids.visit_record").exists()
    assert counted(world.county, FEB) == 0
    assert api.post("/visits", {**body, "late_reason": "x" * 201}).status_code == 422  # over the schema's limit


def test_a_back_entry_lands_in_its_month_and_is_marked_in_list_page_api_and_export(world):
    api = ApiClient("manager_a")
    body = {"grid_id": world.grid_a.pk, "address": "九里村三组 12 号", "residents_count": 3,
            "visited_at": "2020-02-10T09:30:00+08:00", "late_reason": f"\x00{PAPER}\x00 "}
    res = api.post("/visits", body)
    assert res.status_code == 201, res.content
    made = res.json()
    assert made["late_reason"] == PAPER and made["is_back_entry"]  # NUL characters stripped, no 500
    visit = HouseholdVisit.objects.get()
    assert visit.late_reason == PAPER and visit.recorded_by == world.manager_a
    assert counted(world.county, FEB) == 1 and counted(world.grid_a, FEB) == 1  # February's figure, not today's
    this_month = timezone.localdate().replace(day=1)
    assert counted(world.county, this_month) == 0
    entry = AuditEntry.objects.get(action="grids.visit_record")
    assert entry.changes["late_reason"] == PAPER and entry.changes["visited_at"].startswith("2020-02-10")
    assert api.get(f"/visits/{visit.pk}").json()["late_reason"] == PAPER
    assert [v["late_reason"] for v in api.get("/visits").json()["items"]] == [PAPER]
    # a recent visit needs no reason and is not a back-entry
    recent = (timezone.now() - timedelta(days=6)).isoformat()
    res = api.post("/visits", {**body, "address": "九里村三组 14 号", "visited_at": recent, "late_reason": ""})
    assert res.status_code == 201 and res.json()["late_reason"] == "" and not res.json()["is_back_entry"]

    c = login(world.manager_a)
    page = c.get(reverse("grids:visits")).content.decode()
    today = f"{timezone.localdate():%Y-%m-%d}"
    row = re.search(rf'<tr id="visit-{visit.pk}".*?</tr>', page, re.S).group(0)
    assert ">补录</span>" in row and PAPER in row and today in row
    other = re.search(rf'<tr id="visit-(?!{visit.pk}")\d+".*?</tr>', page, re.S).group(0)
    assert "补录" not in other
    detail = c.get(reverse("grids:visit", args=[visit.pk])).content.decode()
    assert ">补录</span>" in detail and PAPER in detail

    for res in (c.get(reverse("grids:visits_export")), api.get("/visits/export")):
        assert res.status_code == 200
        rows = {r["走访时间"]: r for r in export_rows(res)}
        assert rows["2020-02-10 09:30"]["补录"] == f"补录 {today} manager_a：{PAPER}"
        assert not any(r["补录"] for when, r in rows.items() if when != "2020-02-10 09:30")


def test_the_visit_form_asks_for_the_reason_on_its_field(world):
    c = login(world.manager_a)
    url = reverse("grids:visit_new", args=[world.grid_a.pk])
    form = c.get(url).content.decode()
    assert 'name="late_reason"' in form and "如：据2020年2月纸质走访登记表补录" in form
    old = (timezone.localtime() - timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    data = {"address": "九里村三组 12 号", "residents_count": "2", "note": "", "visited_at": old,
            "client_token": "t-late"}
    res = c.post(url, data)
    assert res.status_code == 422 and "请填写补录说明" in field_errors(res.content.decode(), "late_reason")
    assert not HouseholdVisit.objects.exists()
    res = c.post(url, {**data, "late_reason": "已\x00补录"})  # a NUL from a form: refused by the form, no 500
    assert res.status_code == 422 and not HouseholdVisit.objects.exists()
    res = c.post(url, {**data, "late_reason": "据纸质走访登记表补录"})
    assert res.status_code == 302 and HouseholdVisit.objects.get().late_reason == "据纸质走访登记表补录"
    recent = (timezone.localtime() - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")
    res = c.post(url, {**data, "address": "九里村三组 13 号", "visited_at": recent, "client_token": "t-now"})
    assert res.status_code == 302 and HouseholdVisit.objects.count() == 2


def test_a_back_entry_in_a_closed_month_is_still_refused(world):
    from wenming.orgs.closing import period_close

    period_close(actor=world.office, node=world.county, since="2020-02", until="2020-02", note="报告已报送")
    assert code_of(lambda: visit_record(actor=world.manager_a, grid=world.grid_a, address="九里村三组 12 号",
                                        visited_at=datetime(2020, 2, 10, 9, 0),
                                        late_reason=PAPER)) == "orgs.period_closed"
    assert not HouseholdVisit.objects.exists()


# ---- screening totals: a month's figure is late 7 days after the month's last day ----------

def at(day: date):
    return time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, 10)), tick=False)


def set_total(world, period, total=30, late_reason="", node=None):
    return screening_total_set(actor=world.root, node=node or world.station_a, kind="households", period=period,
                               total=total, late_reason=late_reason)


def test_a_total_for_a_long_past_month_needs_a_reason_and_keeps_the_latest(world):
    with at(date(2026, 12, 8)):  # November ended 8 days ago: late; December is this month
        assert code_of(lambda: set_total(world, "2026-11")) == "core.late_reason_required"
        assert code_of(lambda: set_total(world, "2020-02", late_reason="\x00 ")) == "core.late_reason_required"
        assert not ScreeningTotal.objects.exists() and not AuditEntry.objects.filter(
            action="grids.screening_total").exists()
        assert set_total(world, "2026-12").late_reason == ""
        row = set_total(world, "2026-11", late_reason="据11月各村\x00纸质排查台账补录")
        assert row.late_reason == "据11月各村纸质排查台账补录" and row.total == 30
        assert counted(world.county, date(2026, 11, 1)) == 30
        row = set_total(world, "2026-11", total=45, late_reason="台账漏加一页")  # a change: the latest reason
        assert ScreeningTotal.objects.get(pk=row.pk).late_reason == "台账漏加一页"
        assert AuditEntry.objects.filter(action="grids.screening_total").count() == 3
        late = AuditEntry.objects.filter(action="grids.screening_total", changes__has_key="late_reason").order_by("pk")
        assert [(a.changes["period"], a.changes["total"], a.changes["late_reason"]) for a in late] == [
            ("2026-11", [30, 30], "据11月各村纸质排查台账补录"), ("2026-11", [30, 45], "台账漏加一页")]
        assert code_of(lambda: set_total(world, "2026-11", total=0)) == "core.late_reason_required"
        assert set_total(world, "2026-11", total=0, late_reason="重复填报") is None  # removing is a change too
        assert late.last().changes == {"kind": "households", "period": "2026-11", "total": [45, 0], "note": "",
                                         "late_reason": "重复填报"}
        assert counted(world.county, date(2026, 11, 1)) == 0


def test_last_months_total_within_a_week_of_its_end_needs_no_reason(world):
    with at(date(2026, 12, 7)):  # 7 days after 30 November: still on time
        assert set_total(world, "2026-11").late_reason == ""
        assert set_total(world, "2026-12", node=world.station_b).late_reason == ""
    with at(date(2027, 1, 1)):  # a total for December typed in on New Year's Day
        assert set_total(world, "2026-12", total=40, node=world.station_b).total == 40


def test_screening_totals_api_and_page_take_the_reason(world):
    api = ApiClient("manager_a")
    body = {"node_id": world.station_a.pk, "kind": "households", "period": "2020-02", "total": 30}
    res = api.post("/screening-totals", body)
    assert res.status_code == 422 and res.json()["code"] == "core.late_reason_required"
    res = api.post("/screening-totals", {**body, "late_reason": "\x00据各村纸质排查台账补录"})
    assert res.status_code == 200, res.content
    assert res.json()["total"]["late_reason"] == "据各村纸质排查台账补录"
    listed = api.get("/screening-totals", node_id=world.station_a.pk).json()["items"]
    assert [t["late_reason"] for t in listed] == ["据各村纸质排查台账补录"]
    assert AuditEntry.objects.get(action="grids.screening_total").changes["late_reason"] == "据各村纸质排查台账补录"

    c = login(world.manager_a)
    form = {"node": world.station_a.pk, "kind": "sites", "month": "2020-03", "total": 45}
    res = c.post("/grids/screening/", form)
    assert res.status_code == 422 and "请填写补录说明" in field_errors(res.content.decode(), "late_reason")
    res = c.post("/grids/screening/", {**form, "late_reason": "据纸质台账补录"})
    assert res.status_code == 302
    page = c.get(res["Location"]).content.decode()
    table = re.search(r'<table class="responsive" id="screening-totals">.*?</table>', page, re.S).group(0)
    assert table.count(">补录</span>") == 2 and "据纸质台账补录" in table
    month = f"{timezone.localdate():%Y-%m}"
    res = c.post("/grids/screening/", {**form, "month": month})  # this month: no reason needed
    assert res.status_code == 302
    assert ScreeningTotal.objects.get(period=timezone.localdate().replace(day=1)).late_reason == ""
