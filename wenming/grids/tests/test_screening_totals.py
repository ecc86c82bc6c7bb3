"""Screening totals (排查总数) beside the per-household visits (issue 14): an office's month
count covers what no visit row names, never twice — the figure is max(total, visits) through
every visit recorded, corrected or voided afterwards, under concurrent writers too; totals do
not nest, not even after a subtree move; the rebuild agrees; the API, the page and the read
for the work report."""

from datetime import date, datetime

import pytest
from django.test import Client

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.core.testing import CONCURRENT, at_once, code_of, ran_ok
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.rebuild import differences
from wenming.dashboards.summary import figures_for, fold_all
from wenming.grids.models import ScreeningTotal
from wenming.grids.screening_totals import screening_total_set
from wenming.grids.selectors import screening_figures
from wenming.grids.visit_services import visit_correct, visit_void
from wenming.orgs.services import node_move
from wenming.volunteers.tests.factories import user

from .factories import visit

FEB = date(2020, 2, 1)
MAR = date(2020, 3, 1)
HOUSEHOLDS, SITES = "households", "sites"
PAPER = "据2020年2月各村纸质排查台账补录"  # every month here is long past: a back-entry (补录)


def counted(node, metric="visits", period=FEB) -> int:
    return int(sum(figures_for(node, [metric], since=period, until=period).values()))


def visits(actor, grid, n: int, day: int = 10, start: int = 0):
    return [visit(actor, grid, address=f"九里村三组 {start + i} 号", visited_at=datetime(2020, 2, day, 9, i))
            for i in range(n)]


def set_total(world, node=None, total=0, kind=HOUSEHOLDS, period="2020-02", actor=None, note="", late_reason=PAPER):
    return screening_total_set(actor=actor or world.root, node=node or world.station_a, kind=kind, period=period,
                               total=total, note=note, late_reason=late_reason)


def refused(call) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


@pytest.mark.django_db
def test_a_total_counts_what_no_visit_names_through_every_later_change(world):
    done = visits(world.manager_a, world.grid_a, 5)
    row = set_total(world, total=3200, note="据各村排查台账")
    assert (row.total, row.remainder) == (3200, 3195) and counted(world.county) == 3200  # records below the total
    later = visits(world.manager_a, world.grid_a, 3, day=12, start=100)  # use up the total first
    assert counted(world.county) == 3200 and ScreeningTotal.objects.get().remainder == 3192
    visit_void(actor=world.manager_a, visit=later[0], reason="重复登记")  # back to the total
    assert counted(world.county) == 3200 and ScreeningTotal.objects.get().remainder == 3193
    # a visit corrected into March leaves February's count and counts in March
    visit_correct(actor=world.manager_a, visit=done[0], reason="日期写错", visited_at=datetime(2020, 3, 2, 9, 0))
    assert counted(world.county) == 3200 and counted(world.county, period=MAR) == 1
    assert ScreeningTotal.objects.get().remainder == 3194
    # more visits than the total: the visits win
    set_total(world, total=3)
    assert counted(world.county) == 6 and ScreeningTotal.objects.get().remainder == 0
    assert set_total(world, total=0) is None  # removed: the visits alone
    assert counted(world.county) == 6 and not ScreeningTotal.objects.exists()
    set_total(world, total=40)
    assert AuditEntry.objects.filter(action="grids.screening_total").count() == 4
    fold_all()
    assert differences() == []  # the rebuild from raw rows (visits + remainders) agrees
    assert counted(world.county) == 40 and counted(world.station_b) == 0


@pytest.mark.django_db
def test_a_sites_total_is_the_figure_and_the_work_report_read_has_both(world):
    set_total(world, node=world.county, kind=SITES, total=1500, note="排查企业场所")
    set_total(world, node=world.station_a, kind=HOUSEHOLDS, total=20)
    visits(world.manager_a, world.grid_a, 2)
    assert counted(world.county, "screened_sites") == 1500 and counted(world.county) == 20
    assert screening_figures(world.county, FEB, date(2020, 2, 29)) == {"visits": 20, "screened_sites": 1500}
    assert screening_figures(world.station_b, date(2020, 2, 15), MAR) == {"visits": 0, "screened_sites": 0}
    assert set_total(world, node=world.county, kind=SITES, total=1200).remainder == 1200
    fold_all()
    assert counted(world.county, "screened_sites") == 1200 and differences() == []


@pytest.mark.django_db
def test_totals_do_not_nest_and_bad_input_is_refused(world):
    set_total(world, total=10)
    for node in (world.county, world.grid_a):
        err = refused(lambda node=node: set_total(world, node=node, total=50))
        assert err.code == "grids.screening_total_nested" and world.station_a.name in err.message
    set_total(world, node=world.county, kind=SITES, total=50)  # another kind: fine
    set_total(world, node=world.county, period="2020-03", total=50)  # another month: fine
    for kwargs, code in (({"total": -1}, "grids.screening_total_invalid"),
                         ({"total": "约300"}, "grids.screening_total_invalid"),
                         ({"total": 10**30}, "grids.screening_total_invalid"),
                         ({"total": True}, "grids.screening_total_invalid"),
                         ({"kind": ""}, "grids.screening_kind_unknown"),
                         ({"period": "2099-01"}, "grids.screening_month_future"),
                         ({"period": "2020-13"}, "grids.screening_month_invalid"),
                         ({"period": "0000-01"}, "grids.screening_month_invalid"),
                         ({"period": "\x00"}, "grids.screening_month_invalid")):
        args = {"kind": HOUSEHOLDS, "period": "2020-04", "total": 5, **kwargs}
        assert code_of(lambda args=args: screening_total_set(actor=world.root, node=world.station_b, **args)) == code, kwargs
    assert set_total(world, node=world.station_b, period="2020年4月", total="1,500").total == 1500
    # scope: the sibling station's manager is out (404); an inspector sees but may not enter (403)
    assert refused(lambda: set_total(world, actor=world.manager_b, total=5, period="2020-05")).status == 404
    inspector = user("inspector")
    role_grant(actor=world.root, user=inspector, role=Role.INSPECTOR, node=world.county)
    assert refused(lambda: set_total(world, actor=inspector, total=5, period="2020-05")).status == 403
    assert set_total(world, actor=world.manager_a, total=5, period="2020-05").total == 5


@pytest.mark.django_db
def test_a_subtree_move_settles_the_totals_and_refuses_to_nest_them(world):
    visits(world.manager_a, world.grid_a, 4)
    set_total(world, node=world.station_a, total=6)  # 4 visits under it: 2 more
    set_total(world, node=world.station_b, total=10)  # none under it: all 10
    assert counted(world.station_a) == 6 and counted(world.station_b) == 10 and counted(world.county) == 16
    node_move(actor=world.root, node=world.grid_a, new_parent=world.station_b)
    remainders = dict(ScreeningTotal.objects.values_list("node_id", "remainder"))
    assert remainders == {world.station_a.pk: 6, world.station_b.pk: 6}
    fold_all()
    assert counted(world.station_a) == 6 and counted(world.station_b) == 10 and counted(world.county) == 16
    assert differences() == []
    # a total inside the moved subtree meeting one above its new place: refused, nothing moves
    set_total(world, node=world.grid_a, period="2020-03", total=2)
    set_total(world, node=world.station_a, period="2020-03", total=9)
    err = refused(lambda: node_move(actor=world.root, node=world.grid_a, new_parent=world.station_a))
    assert err.code == "grids.screening_total_move_nests" and err.status == 409
    assert world.grid_a.name in err.message and world.station_a.name in err.message
    world.grid_a.refresh_from_db()
    assert world.grid_a.parent_id == world.station_b.pk


@pytest.mark.django_db
def test_the_api_and_the_page(world):
    api = ApiClient("manager_a")
    res = api.post("/screening-totals", {"node_id": world.station_a.pk, "kind": HOUSEHOLDS, "period": "2020-02",
                                         "total": 30, "note": "台账\x00汇总", "late_reason": PAPER})
    assert res.status_code == 200 and res.json()["total"]["remainder"] == 30
    assert res.json()["total"]["note"] == "台账汇总"
    listed = ApiClient("office").get("/screening-totals", node_id=world.county.pk).json()
    assert [(t["node_name"], t["period"], t["kind"], t["total"]) for t in listed["items"]] == [
        (world.station_a.name, "2020-02", HOUSEHOLDS, 30)]
    assert ApiClient("manager_b").get("/screening-totals", node_id=world.station_a.pk).status_code == 404
    good = {"node_id": world.station_a.pk, "kind": HOUSEHOLDS, "period": "2020-02", "total": 1, "late_reason": PAPER}
    assert ApiClient("manager_b").post("/screening-totals", good).status_code == 404
    for change, status in (({"total": -3}, 422), ({"total": 10**30}, 422), ({"node_id": 10**30}, 422),
                           ({"kind": "farms"}, 422), ({"period": "2020-02\x00"}, 422), ({"period": "2099-01"}, 422),
                           ({"period": "x" * 50}, 422), ({"node_id": world.county.pk}, 404)):
        res = api.post("/screening-totals", good | change)
        assert res.status_code == status, (change, res.content)
        assert set(res.json()) >= {"code", "message"}
    res = ApiClient("office").post("/screening-totals", good | {"node_id": world.county.pk})
    assert res.status_code == 409 and res.json()["code"] == "grids.screening_total_nested"
    res = api.post("/screening-totals", good | {"total": 0})
    assert res.status_code == 200 and res.json() == {"removed": True, "total": None}

    client = Client()
    client.force_login(world.manager_a)
    assert "排查总数填报" in client.get(f"/grids/?node={world.station_a.pk}").content.decode()
    res = client.post("/grids/screening/", {"node": world.station_a.pk, "kind": SITES, "month": "2020-02",
                                            "total": 45, "note": "排查企业场所", "late_reason": PAPER})
    assert res.status_code == 302 and ScreeningTotal.objects.get().total == 45
    page = client.get(res["Location"]).content.decode()
    assert "排查总数按月填报" in page and "45 家" in page and "企业场所" in page
    bad = client.post("/grids/screening/", {"node": world.station_a.pk, "kind": SITES, "month": "2099-01",
                                            "total": 5})
    assert bad.status_code == 422 and "统计月份不能晚于本月" in bad.content.decode()
    other = client.post("/grids/screening/", {"node": world.county.pk, "kind": SITES, "month": "2020-02",
                                              "total": 5, "late_reason": PAPER})
    assert other.status_code in (403, 404, 422)  # the county is not the station manager's to write
    volunteer_client = Client()
    volunteer_client.force_login(user("someone"))
    assert volunteer_client.get("/grids/screening/").status_code == 403


@CONCURRENT
def test_visits_written_at_once_under_a_total_never_count_twice():
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    set_total(world, total=12)
    doors = iter(range(100))

    def one():
        n = next(doors)
        return ran_ok(lambda: visit(world.root, world.grid_a, address=f"九里村五组 {n} 号",
                                    visited_at=datetime(2020, 2, 3, 9, n % 60)))

    assert at_once(16, one) == ["ok"] * 16
    assert counted(world.county) == 16 and ScreeningTotal.objects.get().remainder == 0
    fold_all()
    assert differences() == []


@CONCURRENT
def test_a_total_entered_while_visits_are_written_is_never_stale():
    from wenming.grids.models import HouseholdVisit
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    doors = iter(range(100))

    def one():
        n = next(doors)
        if n == 3:
            return ran_ok(lambda: set_total(world, total=10))
        return ran_ok(lambda: visit(world.root, world.grid_a, address=f"九里村六组 {n} 号",
                                    visited_at=datetime(2020, 2, 4, 9, n)))

    assert at_once(9, one) == ["ok"] * 9
    assert HouseholdVisit.objects.filter(voided_at__isnull=True).count() == 8
    assert ScreeningTotal.objects.get().remainder == 2 and counted(world.county) == 10


@CONCURRENT
def test_two_nodes_on_one_path_entering_a_total_at_once_cannot_both_succeed():
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    nodes = iter([world.county, world.station_a])

    def one():
        node = next(nodes)
        return code_of(lambda: set_total(world, node=node, total=7))

    assert sorted(at_once(2, one)) == ["grids.screening_total_nested", "ok"]
    assert ScreeningTotal.objects.count() == 1


@CONCURRENT
def test_a_move_while_visits_are_written_leaves_every_total_exact():
    """A grid moves between two stations with totals while visits of it are recorded and voided:
    no deadlock, and afterwards each total's remainder is exactly max(total − its visits, 0)."""
    from wenming.grids.models import HouseholdVisit
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    early = visits(world.root, world.grid_a, 4)
    set_total(world, node=world.station_a, total=20)
    set_total(world, node=world.station_b, total=5)
    jobs = iter(range(100))

    def one():
        n = next(jobs)
        if n == 4:
            return ran_ok(lambda: node_move(actor=world.root, node=world.grid_a, new_parent=world.station_b))
        if n < 2:
            return ran_ok(lambda: visit_void(actor=world.root, visit=early[n], reason="重复登记"))
        return ran_ok(lambda: visit(world.root, world.grid_a, address=f"九里村七组 {n} 号",
                                    visited_at=datetime(2020, 2, 5, 9, n)))

    assert at_once(10, one) == ["ok"] * 10
    live = HouseholdVisit.objects.filter(voided_at__isnull=True).count()
    assert live == 4 - 2 + 7
    remainders = dict(ScreeningTotal.objects.values_list("node_id", "remainder"))
    assert remainders == {world.station_a.pk: 20, world.station_b.pk: 0}
    fold_all()
    assert counted(world.station_b) == live and counted(world.county) == 20 + live and differences() == []


@pytest.mark.django_db
def test_a_closed_month_refuses_its_totals_and_visits(world):
    from wenming.orgs.closing import period_close

    january = visit(world.manager_a, world.grid_a, visited_at=datetime(2020, 1, 20, 9, 0))
    period_close(actor=world.office, node=world.county, since="2020-02", until="2020-02", note="一季度报告已报送")
    tries = [lambda: set_total(world, total=10),
             lambda: visits(world.manager_a, world.grid_a, 1),
             lambda: visit_correct(actor=world.manager_a, visit=january, reason="日期写错",
                                   visited_at=datetime(2020, 2, 2, 9, 0))]
    for attempt in tries:
        assert code_of(attempt) == "orgs.period_closed"
    set_total(world, total=10, period="2020-03")  # the month after is open
    assert not ScreeningTotal.objects.filter(period=FEB).exists() and counted(world.county) == 0


@pytest.mark.django_db
def test_screened_sites_reach_the_work_report():
    from wenming.dashboards.work_report import work_report, work_report_text
    from wenming.volunteers.tests.factories import build_world

    w = build_world()
    screening_total_set(actor=w.office, node=w.center, kind="sites", period="2020-02", total=1500, note="据台账",
                        late_reason=PAPER)
    fold_all()
    report = work_report(w.county, since=date(2020, 2, 1), until=date(2020, 3, 1))
    assert report.figures["screened_sites"] == 1500
    assert "本期排查企业场所1,500家" in work_report_text(report)
