"""The summaries equal the sums over the raw rows for every node of a generated tree, after a
random mix of writes, corrections, folds, subtree moves and a rebuild."""

import random
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from wenming.dashboards import metrics, rebuild, summary
from wenming.dashboards.models import Figure, FigureDelta
from wenming.orgs.models import Node
from wenming.orgs.services import node_create, node_move
from wenming.volunteers.tests.factories import superuser

pytestmark = pytest.mark.django_db

MONTHS = [date(2026, m, 1) for m in (9, 10, 11)]


@pytest.fixture
def ledger(monkeypatch):
    """A metric family 'test:' whose raw rows are this list of (node id, metric, period, value)."""
    rows: list = []
    metrics.register_family("test:", "测试指标", "个")
    monkeypatch.setattr(metrics, "SOURCES", [lambda: list(rows)])
    monkeypatch.setattr(rebuild, "SOURCES", metrics.SOURCES)
    monkeypatch.setattr(rebuild, "load_figure_modules", lambda: None)
    return rows


def _tree(root_user, rng: random.Random) -> list[Node]:
    county = node_create(actor=root_user, parent=None, name="县", kind="county", code="T-C")
    nodes = [county]
    center = node_create(actor=root_user, parent=county, name="中心", kind="center", code="T-CE")
    nodes.append(center)
    for i in range(3):
        inst = node_create(actor=root_user, parent=center, name=f"所{i}", kind="institute", code=f"T-I{i}")
        nodes.append(inst)
        for j in range(rng.randint(2, 3)):
            st = node_create(actor=root_user, parent=inst, name=f"站{i}{j}", kind="station", code=f"T-S{i}{j}")
            nodes.append(st)
            nodes.append(node_create(actor=root_user, parent=st, name=f"点{i}{j}", kind="point", code=f"T-P{i}{j}"))
    return nodes


def _truth(rows) -> dict:
    """Per node, per (metric, period): the sum over the raw rows of its current subtree."""
    paths = dict(Node.objects.values_list("pk", "path"))
    out: dict[int, dict] = defaultdict(lambda: defaultdict(Decimal))
    for node_id, metric, period, value in rows:
        for target, path in paths.items():
            if paths[node_id].startswith(path):
                out[target][(metric, period)] += Decimal(str(value))
    return {n: {k: v for k, v in d.items() if v} for n, d in out.items()}


def _check_every_node(rows, codes):
    truth = _truth(rows)
    for node in Node.objects.all():
        got = {k: v for k, v in summary.figures_for(node, codes).items() if v}
        assert got == truth.get(node.pk, {}), node.name
    children = list(Node.objects.filter(depth=3))
    many = summary.figures_for_children(children, codes)
    for child in children:
        assert {k: v for k, v in many[child.pk].items() if v} == truth.get(child.pk, {})


def test_figures_equal_the_raw_sums_after_writes_corrections_moves_and_a_rebuild(ledger):
    rng = random.Random(7)
    root_user = superuser()
    nodes = _tree(root_user, rng)
    codes = ["test:a", "test:b"]
    for step in range(300):
        node = rng.choice(nodes)
        metric, period = rng.choice(codes), rng.choice(MONTHS)
        value = Decimal(rng.randint(1, 40)) / (4 if metric == "test:b" else 1)
        if ledger and rng.random() < 0.2:  # a correction: a new entry cancelling an earlier one
            n, m, p, v = rng.choice(ledger)
            node, metric, period, value = Node.objects.get(pk=n), m, p, -v
        ledger.append((node.pk, metric, period, value))
        summary.record(node_id=node.pk, metric=metric, delta=value, period=period)
        if step % 37 == 0:
            summary.fold_pending(limit=rng.randint(1, 60))  # partial folds leave some pending
        if step % 90 == 45:  # move a station (with its point) to another institute
            station = rng.choice([n for n in nodes if n.kind == "station"])
            target = rng.choice([n for n in nodes if n.kind == "institute" and n.pk != station.parent_id])
            node_move(actor=root_user, node=Node.objects.get(pk=station.pk), new_parent=target)
        if step % 100 == 99:
            _check_every_node(ledger, codes)
    assert FigureDelta.objects.exists()  # some still pending: readers add them
    _check_every_node(ledger, codes)
    summary.fold_all()
    assert not FigureDelta.objects.exists()
    _check_every_node(ledger, codes)
    assert rebuild.differences() == []
    kept = set(Figure.objects.exclude(value=0).values_list("node_id", "metric", "period", "value"))
    rebuild.rebuild_figures()  # (a rebuild keeps no zero rows; folding may leave some)
    assert set(Figure.objects.values_list("node_id", "metric", "period", "value")) == kept
    _check_every_node(ledger, codes)


def test_check_finds_a_drifted_summary_and_rebuild_repairs_it(ledger):
    root_user = superuser()
    nodes = _tree(root_user, random.Random(1))
    point = next(n for n in nodes if n.kind == "point")
    ledger.append((point.pk, "test:a", MONTHS[0], Decimal(5)))
    summary.record(node_id=point.pk, metric="test:a", delta=5, period=MONTHS[0])
    summary.record(node_id=point.pk, metric="test:a", delta=2, period=MONTHS[0])  # no raw row behind it
    summary.fold_all()
    diffs = rebuild.differences()
    assert len(diffs) == point.depth and all(kept == 7 and want == 5 for _, kept, want in diffs)
    rebuild.rebuild_figures()
    assert rebuild.differences() == []
    assert summary.figures_for(nodes[0], ["test:a"]) == {("test:a", MONTHS[0]): Decimal(5)}


def test_periods_of_each_kind():
    flow = metrics.Metric("x", "x", "个")
    stock = metrics.Metric("y", "y", "个", kind=metrics.STOCK)
    daily = metrics.Metric("z", "z", "个", kind=metrics.DAILY)
    day = date(2026, 11, 22)
    assert (flow.period(day), stock.period(day), daily.period(day)) == (date(2026, 11, 1), metrics.STOCK_PERIOD, day)
    with pytest.raises(KeyError):
        metrics.metric_for("no-such-metric")


def test_reads_count_pending_and_folded_once_whatever_the_nodes_and_codes_asked():
    """A node asked for twice, a parent asked with its child, a metric code outside the
    plain-slug form (bound as a parameter instead of written into the SQL) and two ranges
    for one metric (refused)."""
    root = superuser()
    county = node_create(actor=root, parent=None, name="县", kind="county", code="R-C")
    station = node_create(actor=root, parent=county, name="站", kind="station", code="R-S")
    odd = "test:横幅'; --"
    for node_id, value in ((station.pk, 3), (county.pk, 4)):
        summary.record(node_id=node_id, metric="test:a", delta=value, period=MONTHS[0])
        summary.record(node_id=node_id, metric=odd, delta=value, period=MONTHS[0])
    summary.fold_all()
    summary.record(node_id=station.pk, metric="test:a", delta=10, period=MONTHS[0])  # pending
    summary.record(node_id=station.pk, metric=odd, delta=10, period=MONTHS[0])
    both = summary.figures_for_children([station, county, station], ["test:a", odd])
    for metric in ("test:a", odd):
        assert both[station.pk][(metric, MONTHS[0])] == 13
        assert both[county.pk][(metric, MONTHS[0])] == 17
    assert summary.figures_for(county, ["test:a"], since=MONTHS[1]) == {}
    with pytest.raises(ValueError):
        summary.figures_for_groups(county, [(["test:a"], None, None), (["test:a"], MONTHS[1], None)])
