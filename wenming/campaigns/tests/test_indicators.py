"""Office-defined indicators (issue 14): an office adds 道路冲洗面积 for its county on the page or
through the API; its stations enter it like any other; it reaches the work report (in its
section), the workbook and the dashboard; another county's indicator of the same name stays
out of this county; an indicator of vehicles on hand takes its latest month, not a sum."""

from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.campaigns import tally_services
from wenming.campaigns.models import Indicator
from wenming.campaigns.tests.factories import PAPER
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.periods import Period
from wenming.dashboards.selectors import dashboard_for_actor
from wenming.dashboards.work_report import work_report, work_report_text, work_report_workbook
from wenming.volunteers.tests.factories import node, user

pytestmark = pytest.mark.django_db
FEB, MAR = date(2020, 2, 1), date(2020, 3, 1)


def define(client, world, **body):
    return client.post("/indicators", {"node_id": world.county.pk, "name": "道路冲洗面积", "unit": "平方米",
                                       "section": "prevention", **body})


def other_county(world):
    """A second county with its own office."""
    county = node(world.root, None, "兴山县文明办", "county", code="420526", admin_code="420526000000")
    station = node(world.root, county, "古夫镇新时代文明实践站", "station", code="XS-S1")
    office = user("xs_office")
    role_grant(actor=world.root, user=office, role=Role.OFFICE_STAFF, node=county)
    return county, station, office


def test_an_office_indicator_is_entered_and_reaches_the_report_the_workbook_and_the_dashboard(world):
    office, manager = ApiClient("office"), ApiClient("manager_a")
    res = define(office, world)
    assert res.status_code == 201, res.content
    made = res.json()
    assert (made["node_name"], made["section_name"], made["aggregation"]) == ("秭归县文明办", "防控消杀", "sum")
    assert AuditEntry.objects.filter(action="campaigns.indicator_create").count() == 1
    # a station enters it by its name, like any indicator
    for period, value in (("2020-02", 1200000), ("2020-03", 800000)):
        res = manager.post("/tallies", {"node_id": world.station_a.pk, "indicator": "道路冲洗面积", "period": period,
                                        "value": value, "late_reason": PAPER})
        assert res.status_code == 201, res.content
    assert "道路冲洗面积" in [i["name"] for i in manager.get("/indicators").json()]
    report = work_report(world.county, since=FEB, until=MAR)
    text = work_report_text(report)
    assert "防控消杀：道路冲洗面积2,000,000平方米。" in text
    book = load_workbook(BytesIO(work_report_workbook(report)), read_only=True)
    rows = {r[0]: r[1] for r in book["工作数据"].iter_rows(values_only=True) if len(r) > 1}
    assert rows["道路冲洗面积（防控消杀）"] == 2000000
    data = dashboard_for_actor(actor=world.office, node_id=world.county.pk, period=Period(FEB, MAR))
    other = {o["label"]: o for o in data["other"]}
    assert other["宣传统计·道路冲洗面积"]["total"] == 2000000 and other["宣传统计·道路冲洗面积"]["unit"] == "平方米"


def test_another_countys_indicator_stays_out_and_names_are_unique_where_they_meet(world):
    county, station, xs_office = other_county(world)
    assert define(ApiClient("xs_office"), world, node_id=county.pk).status_code == 201  # their own 道路冲洗面积
    assert define(ApiClient("office"), world).status_code == 201  # and ours: another subtree, same name
    res = define(ApiClient("office"), world, unit="亩")
    assert (res.status_code, res.json()["code"]) == (409, "campaigns.indicator_name_taken")
    res = define(ApiClient("office"), world, name="横幅")  # the platform's
    assert (res.status_code, res.json()["code"]) == (409, "campaigns.indicator_name_taken")
    theirs = Indicator.objects.get(node=county)
    with pytest.raises(DomainError) as refused:
        tally_services.tally_add(actor=world.root, indicator=theirs, period=FEB, value=5, node=world.station_a, late_reason=PAPER)
    assert refused.value.code == "campaigns.indicator_not_here" and "兴山县文明办" in refused.value.message
    assert [i["node_name"] for i in ApiClient("office").get("/indicators").json() if i["name"] == "道路冲洗面积"] == \
        ["秭归县文明办"]
    codes = {o["code"] for o in dashboard_for_actor(actor=world.office, node_id=world.county.pk)["other"]}
    assert f"tally:{theirs.code}" not in codes
    # their office cannot see or change ours
    ours = Indicator.objects.get(node=world.county)
    assert ApiClient("xs_office").patch(f"/indicators/{ours.pk}", {"name": "改名"}).status_code == 404


def test_who_may_define_and_bad_input_is_refused_in_chinese(world):
    office = ApiClient("office")
    res = define(ApiClient("manager_a"), world, node_id=world.station_a.pk)
    assert (res.status_code, res.json()["code"]) == (403, "forbidden")
    assert define(ApiClient("manager_a"), world).status_code == 404  # the county is not theirs to see
    banner = Indicator.objects.get(code="banner")
    res = office.patch(f"/indicators/{banner.pk}", {"name": "宣传横幅"})
    assert (res.status_code, res.json()["code"]) == (403, "campaigns.indicator_not_yours")
    for body, code in (({"name": "\x00"}, "campaigns.indicator_name_required"),
                       ({"name": "名" * 33}, "campaigns.indicator_name_required"),
                       ({"unit": ""}, "campaigns.indicator_unit_required"),
                       ({"section": "nonsense"}, "campaigns.indicator_choice"),
                       ({"aggregation": ""}, "campaigns.indicator_choice"),
                       ({"sort": 10**30}, "invalid_input"),
                       ({"node_id": 2**63}, "invalid_input")):
        res = define(office, world, **body)
        assert (res.status_code, res.json()["code"]) == (422, code), (body, res.content)
    assert not Indicator.objects.filter(node__isnull=False).exists()


def test_vehicles_on_hand_take_the_latest_month_and_a_retired_indicator_takes_no_entry(world):
    res = define(ApiClient("office"), world, name="洒水车", unit="辆", aggregation="latest")
    made = Indicator.objects.get(pk=res.json()["id"])
    for period in (FEB, MAR):
        tally_services.tally_add(actor=world.root, indicator=made, period=period, value=3, node=world.station_a, late_reason=PAPER)
    report = work_report(world.county, since=FEB, until=MAR)
    assert report.figures[f"tally:{made.code}"] == 3 and "洒水车3辆" in work_report_text(report)
    data = dashboard_for_actor(actor=world.office, node_id=world.county.pk, period=Period(FEB, MAR))
    assert {o["code"]: o["total"] for o in data["other"]}[f"tally:{made.code}"] == 3
    res = ApiClient("office").patch(f"/indicators/{made.pk}", {"active": False})
    assert res.status_code == 200 and res.json()["active"] is False
    made.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        tally_services.tally_add(actor=world.root, indicator=made, period=MAR, value=1, node=world.station_a, late_reason=PAPER)
    assert refused.value.code == "campaigns.indicator_inactive"


def test_the_indicator_pages(world):
    office = Client()
    office.force_login(world.office)
    page = office.get("/campaigns/indicators/").content.decode()
    assert "横幅" in page and "全平台" in page and "新增本辖区指标" in page and "消杀面积" in page  # the seeded one
    res = office.post("/campaigns/indicators/", {"node": world.county.pk, "name": "生活垃圾清运", "unit": "吨",
                                                 "section": "sanitation", "aggregation": "sum", "sort": 300})
    assert res.status_code == 302
    made = Indicator.objects.get(name="生活垃圾清运")
    clash = office.post("/campaigns/indicators/", {"node": world.county.pk, "name": "生活垃圾清运", "unit": "吨",
                                                   "section": "sanitation", "aggregation": "sum", "sort": 300})
    assert clash.status_code == 409 and "本辖区已有名为“生活垃圾清运”的指标" in clash.content.decode()
    edit = office.get(f"/campaigns/indicators/{made.pk}/")
    assert edit.status_code == 200 and "修改统计指标" in edit.content.decode()
    res = office.post(f"/campaigns/indicators/{made.pk}/", {"name": "生活垃圾转运（本县）", "unit": "吨",
                                                            "section": "sanitation", "aggregation": "sum",
                                                            "sort": 10, "active": "on"})
    assert res.status_code == 302
    made.refresh_from_db()
    assert (made.name, made.sort) == ("生活垃圾转运（本县）", 10)
    manager = Client()
    manager.force_login(world.manager_a)
    page = manager.get("/campaigns/indicators/").content.decode()
    assert "生活垃圾转运（本县）" in page and "新增本辖区指标" not in page
    assert manager.get(f"/campaigns/indicators/{made.pk}/").status_code == 403
    assert manager.post("/campaigns/indicators/", {"name": "x"}).status_code == 403
    assert office.get("/campaigns/indicators/99999999999999999999/").status_code == 404
    # the entry form offers it
    form = manager.get("/campaigns/tallies/new/").content.decode()
    assert "生活垃圾转运（本县）" in form


def test_equipment_on_hand_is_each_subjects_latest_month_added_up(world):
    """Station A's 3 洒水车 of March and station B's 2 of February are 5 for the county, on
    the dashboard, in the work report and in the tallies' totals; an entered 0 counts."""
    res = define(ApiClient("office"), world, name="洒水车", unit="辆", aggregation="latest")
    made = Indicator.objects.get(pk=res.json()["id"])
    tally_services.tally_add(actor=world.root, indicator=made, period=FEB, value=4, node=world.station_a, late_reason=PAPER)
    tally_services.tally_add(actor=world.root, indicator=made, period=MAR, value=3, node=world.station_a, late_reason=PAPER)
    tally_services.tally_add(actor=world.root, indicator=made, period=FEB, value=2, node=world.station_b, late_reason=PAPER)
    assert work_report(world.county, since=FEB, until=MAR).figures[f"tally:{made.code}"] == 5
    data = dashboard_for_actor(actor=world.office, node_id=world.county.pk, period=Period(FEB, MAR))
    row = next(o for o in data["other"] if o["code"] == f"tally:{made.code}")
    assert (row["total"], row["trend"]) == (5, [6, 3])  # February: A 4 + B 2; March: A 3
    totals = ApiClient("office").get(f"/tallies/totals?node_id={world.county.pk}&since=2020-02&until=2020-03").json()
    assert {t["indicator"]: t["value"] for t in totals["values"]}[made.code] == 5
    # station B gave its vehicles back in March: an entered 0 is a value
    entry = tally_services.tally_add(actor=world.root, indicator=made, period=MAR, value=2, node=world.station_b, late_reason=PAPER)
    tally_services.tally_correct(actor=world.root, entry=entry, delta=-2, reason="车辆已归还")
    assert work_report(world.county, since=FEB, until=MAR).figures[f"tally:{made.code}"] == 3
    data = dashboard_for_actor(actor=world.office, node_id=world.county.pk, period=Period(FEB, MAR))
    row = next(o for o in data["other"] if o["code"] == f"tally:{made.code}")
    assert (row["total"], row["trend"]) == (3, [6, 3])  # March: A 3 + B 0


def test_latest_sums_in_one_pass_equal_latest_sum_per_span():
    """The dashboard's trend of an equipment indicator (one pass over the rows) gives what
    latest_sum gives span by span."""
    import random
    from datetime import date

    from wenming.campaigns.tally_selectors import latest_sum, latest_sums

    rng = random.Random(7)
    months = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, m, 1) for m in range(1, 13)]
    rows = [(rng.choice(["sprayer", "vehicle"]), f"{rng.randrange(6)}:", rng.choice(months), rng.randrange(0, 9))
            for _ in range(300)]
    for spans in ([(m, m) for m in months[3:15]], [(date(2025, 1, 1), date(2025, 12, 31)),
                                                  (date(2026, 1, 1), date(2026, 12, 31))]):
        assert latest_sums(rows, "sprayer", spans) == [latest_sum(rows, "sprayer", lo, hi) for lo, hi in spans]
