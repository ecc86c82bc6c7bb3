"""移风易俗 totals beside per-household records (issue 14): a village's paper count for a month
counts what no record names, never twice — the figure is max(total, records) through every
record written, changed or voided afterwards, under concurrent writers too; totals do not
nest; the rebuild agrees; the work report, the API and the page."""

from datetime import date

import pytest
from django.test import Client

from wenming.campaigns import reform_services, reform_totals
from wenming.campaigns.models import ReformTotal
from wenming.campaigns.tests.factories import PAPER, reform
from wenming.core.errors import DomainError
from wenming.core.testing import CONCURRENT, at_once, ran_ok
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.rebuild import differences
from wenming.dashboards.summary import figures_for, fold_all
from wenming.dashboards.work_report import work_report, work_report_text

FEB = date(2020, 2, 1)
KIND = "funeral_simplified"


def reform_total_set(**kwargs):
    """reform_totals.reform_total_set with a 补录说明: every month here is long past (补录 itself:
    test_back_entry.py)."""
    return reform_totals.reform_total_set(**{"late_reason": PAPER, **kwargs})


def counted(node, period=FEB, kind=KIND) -> int:
    return int(sum(figures_for(node, [f"reform:{kind}"], since=period, until=period).values()))


def records(world, n: int, day=date(2020, 2, 10), node=None):
    return [reform(world.root, node or world.station_a, kind=KIND, household=f"三组 {i} 号", occurred_on=day)
            for i in range(n)]


@pytest.mark.django_db
def test_a_total_counts_what_no_record_names_through_every_later_change(world):
    done = records(world, 5)
    row = reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=120,
                           note="据村纸质台账")
    assert (row.total, row.remainder) == (120, 115) and counted(world.county) == 120
    later = records(world, 3)  # registered one by one afterwards: they use up the total first
    assert counted(world.county) == 120 and ReformTotal.objects.get().remainder == 112
    reform_services.reform_record_void(actor=world.root, record=later[0], reason="重复登记")
    assert counted(world.county) == 120 and ReformTotal.objects.get().remainder == 113
    # a record moved to March leaves February's records and counts in March
    reform_services.reform_record_update(actor=world.root, record=done[0], occurred_on=date(2020, 3, 2))
    assert counted(world.county) == 120 and counted(world.county, date(2020, 3, 1)) == 1
    # more records than the total: the records win
    reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=3)
    assert counted(world.county) == 6 and ReformTotal.objects.get().remainder == 0
    # the total removed: the records alone
    assert reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=0) is None
    assert counted(world.county) == 6 and not ReformTotal.objects.exists()
    reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=40)
    fold_all()
    assert differences() == []  # the rebuild from raw rows (records + remainders) agrees
    text = work_report_text(work_report(world.county, since=FEB, until=FEB))
    assert "丧事简办40户" in text


@pytest.mark.django_db
def test_totals_do_not_nest_and_bad_input_is_refused(world):
    reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=10)
    for node in (world.county, world.point_a):
        with pytest.raises(DomainError) as refused:
            reform_total_set(actor=world.root, node=node, kind=KIND, period="2020-02", total=50)
        assert refused.value.code == "campaigns.reform_total_nested" and world.station_a.name in refused.value.message
    reform_total_set(actor=world.root, node=world.county, kind="proxy_sweeping", period="2020-02", total=50)  # ok
    for kwargs, code in (({"total": -1}, "campaigns.reform_total_invalid"),
                         ({"total": "约300"}, "campaigns.reform_total_invalid"),
                         ({"total": 10**30}, "campaigns.reform_total_invalid"),
                         ({"kind": ""}, "campaigns.reform_kind_unknown"),
                         ({"period": "2099-01"}, "campaigns.period_future"),
                         ({"period": "\x00"}, "campaigns.period_invalid")):
        args = {"kind": KIND, "period": "2020-03", "total": 5, **kwargs}
        with pytest.raises(DomainError) as refused:
            reform_total_set(actor=world.root, node=world.station_b, **args)
        assert refused.value.code == code, kwargs
    with pytest.raises(DomainError) as refused:
        reform_total_set(actor=world.manager_b, node=world.station_a, kind=KIND, period="2020-03", total=5)
    assert refused.value.status == 404


@CONCURRENT
def test_records_written_at_once_under_a_total_never_count_twice():
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=12)
    households = iter(range(100))

    def one():
        n = next(households)
        return ran_ok(lambda: reform(world.root, world.station_a, kind=KIND, household=f"五组 {n} 号",
                                     occurred_on=date(2020, 2, 3)))

    assert at_once(16, one) == ["ok"] * 16
    assert counted(world.county) == 16 and ReformTotal.objects.get().remainder == 0
    fold_all()
    assert differences() == []


@pytest.mark.django_db
def test_the_api_and_the_page(world):
    api = ApiClient("manager_a")
    res = api.post("/reform-totals", {"node_id": world.station_a.pk, "kind": KIND, "period": "2020-02", "total": 30,
                                      "late_reason": PAPER})
    assert res.status_code == 200 and res.json()["total"]["remainder"] == 30
    listed = ApiClient("office").get(f"/reform-totals?node_id={world.county.pk}").json()
    assert [(t["node_name"], t["period"], t["total"]) for t in listed["items"]] == [(world.station_a.name, "2020-02", 30)]
    res = ApiClient("manager_b").post("/reform-totals", {"node_id": world.station_a.pk, "kind": KIND,
                                                         "period": "2020-02", "total": 1, "late_reason": PAPER})
    assert res.status_code == 404
    res = api.post("/reform-totals", {"node_id": world.station_a.pk, "kind": KIND, "period": "2020-02", "total": -3,
                                      "late_reason": PAPER})
    assert res.status_code == 422
    client = Client()
    client.force_login(world.manager_a)
    assert "按月合计填报" in client.get("/campaigns/reform/").content.decode()
    page = client.get(f"/campaigns/reform/totals/?node={world.station_a.pk}").content.decode()
    assert "移风易俗按月合计" in page and "30 户" in page
    res = client.post("/campaigns/reform/totals/", {"node": world.station_a.pk, "kind": KIND, "month": "2020-02",
                                                    "total": 45, "note": "补充台账", "late_reason": PAPER})
    assert res.status_code == 302 and ReformTotal.objects.get().total == 45
    bad = client.post("/campaigns/reform/totals/", {"node": world.county.pk, "kind": KIND, "month": "2020-02",
                                                    "total": 5, "late_reason": PAPER})
    assert bad.status_code in (403, 404, 422)  # the county is not the station manager's to write


@CONCURRENT
def test_a_total_entered_while_records_are_written_is_never_stale():
    """The total and the records written at the same moment take the same lock: afterwards
    the remainder is exactly max(total − records, 0), whoever came first."""
    from wenming.campaigns.models import ReformRecord
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    households = iter(range(100))

    def one():
        n = next(households)
        if n == 3:
            return ran_ok(lambda: reform_total_set(actor=world.root, node=world.station_a, kind=KIND,
                                                   period="2020-02", total=10))
        return ran_ok(lambda: reform(world.root, world.station_a, kind=KIND, household=f"六组 {n} 号",
                                     occurred_on=date(2020, 2, 4)))

    assert at_once(9, one) == ["ok"] * 9
    live = ReformRecord.objects.filter(kind=KIND, voided_at__isnull=True).count()
    assert live == 8 and ReformTotal.objects.get().remainder == 2 and counted(world.county) == 10


@CONCURRENT
def test_two_nodes_on_one_path_entering_a_total_at_once_cannot_both_succeed():
    from wenming.core.testing import code_of
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    nodes = iter([world.county, world.station_a])

    def one():
        node = next(nodes)
        return code_of(lambda: reform_total_set(actor=world.root, node=node, kind=KIND, period="2020-02", total=7))

    assert sorted(at_once(2, one)) == ["campaigns.reform_total_nested", "ok"]
    assert ReformTotal.objects.count() == 1


@pytest.mark.django_db
def test_a_subtree_move_settles_the_totals_on_both_paths_and_refuses_to_nest_them(world):
    from wenming.orgs.services import node_move

    records(world, 4, node=world.point_a)
    reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=6)  # 2 beyond
    reform_total_set(actor=world.root, node=world.station_b, kind=KIND, period="2020-02", total=10)  # all 10
    assert counted(world.station_a) == 6 and counted(world.station_b) == 10 and counted(world.county) == 16
    node_move(actor=world.root, node=world.point_a, new_parent=world.station_b)
    remainders = dict(ReformTotal.objects.values_list("node_id", "remainder"))
    assert remainders == {world.station_a.pk: 6, world.station_b.pk: 6}  # the records moved with the point
    fold_all()
    assert counted(world.station_a) == 6 and counted(world.station_b) == 10 and counted(world.county) == 16
    assert differences() == []
    # a total inside the moved subtree meeting one above its new place: refused, nothing moves
    reform_total_set(actor=world.root, node=world.point_a, kind=KIND, period="2020-03", total=2)
    reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-03", total=9)
    with pytest.raises(DomainError) as refused:
        node_move(actor=world.root, node=world.point_a, new_parent=world.station_a)
    assert refused.value.code == "campaigns.reform_total_move_nests" and refused.value.status == 409
    assert world.point_a.name in refused.value.message and world.station_a.name in refused.value.message
    world.point_a.refresh_from_db()
    assert world.point_a.parent_id == world.station_b.pk
    # the move page shows the refusal next to the new parent's code
    client = Client()
    client.force_login(world.root)
    res = client.post(f"/orgs/{world.point_a.pk}/move/", {"parent_code": world.station_a.code})
    assert res.status_code == 422 and "上下级不能重复填报同一月份的合计" in res.content.decode()


@CONCURRENT
def test_a_move_while_records_are_written_leaves_every_total_exact():
    """A point moves between two stations with totals while records under it are registered and
    voided: no deadlock, and each total's remainder is exactly max(total − its records, 0)."""
    from wenming.campaigns.models import ReformRecord
    from wenming.orgs.services import node_move
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    early = records(world, 4, node=world.point_a)
    reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=20)
    reform_total_set(actor=world.root, node=world.station_b, kind=KIND, period="2020-02", total=5)
    jobs = iter(range(100))

    def one():
        n = next(jobs)
        if n == 4:
            return ran_ok(lambda: node_move(actor=world.root, node=world.point_a, new_parent=world.station_b))
        if n < 2:
            return ran_ok(lambda: reform_services.reform_record_void(actor=world.root, record=early[n],
                                                                     reason="重复登记"))
        return ran_ok(lambda: reform(world.root, world.point_a, kind=KIND, household=f"七组 {n} 号",
                                     occurred_on=date(2020, 2, 5)))

    assert at_once(10, one) == ["ok"] * 10
    live = ReformRecord.objects.filter(kind=KIND, voided_at__isnull=True).count()
    assert live == 4 - 2 + 7
    remainders = dict(ReformTotal.objects.values_list("node_id", "remainder"))
    assert remainders == {world.station_a.pk: 20, world.station_b.pk: 0}
    fold_all()
    assert counted(world.station_b) == live and counted(world.county) == 20 + live and differences() == []


@pytest.mark.django_db
def test_a_closed_month_refuses_its_totals_and_records(world):
    from wenming.core.testing import code_of
    from wenming.orgs.closing import period_close

    january = reform(world.root, world.station_a, kind=KIND, occurred_on=date(2020, 1, 20))
    period_close(actor=world.office, node=world.county, since="2020-02", until="2020-02")
    tries = [lambda: reform_total_set(actor=world.root, node=world.station_a, kind=KIND, period="2020-02", total=5),
             lambda: records(world, 1),
             lambda: reform_services.reform_record_update(actor=world.root, record=january,
                                                          occurred_on=date(2020, 2, 3))]
    for attempt in tries:
        assert code_of(attempt) == "orgs.period_closed"
    assert counted(world.county) == 0 and not ReformTotal.objects.exists()
