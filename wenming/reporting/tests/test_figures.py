"""Report figures kept by the services equal what a rebuild computes from the raw rows, after
a random mix of writes, period corrections, withdrawals, partial folds and a subtree move."""

import random
from collections import Counter
from datetime import date

import pytest

from wenming.accounts.scope import forget_scope
from wenming.core.errors import DomainError
from wenming.dashboards import rebuild, summary
from wenming.orgs.services import node_move
from wenming.reporting import figures, services
from wenming.reporting.models import InfoReport
from wenming.reporting.models import ReportStatus as S

from .factories import draft, last_month, reporting_world, this_month

pytestmark = pytest.mark.django_db


def report_differences():
    return [d for d in rebuild.differences() if d[0][1] in figures.METRICS]


def truth(node) -> Counter:
    """Per (metric, month), straight from the report rows of the node's current subtree."""
    out: Counter = Counter()
    for r in InfoReport.objects.filter(node__path__startswith=node.path):
        if r.first_submitted_at:
            out[(figures.SUBMITTED, r.period)] += 1
        if r.approved_at:
            out[(figures.APPROVED, r.period)] += 1
        if r.status == S.PUBLISHED:
            out[(figures.PUBLISHED, r.period)] += 1
    return out


def kept(node) -> Counter:
    return Counter({k: int(v) for k, v in summary.figures_for(node, list(figures.METRICS)).items() if v})


def test_figures_equal_the_rebuild_after_a_random_mix(world):
    w = reporting_world(world)
    rng = random.Random(20260505)
    months = [this_month(), last_month(), date(2025, 6, 1)]
    authors = [(w.liaison_a, {"unit": w.unit_a}), (w.liaison_a2, {"unit": w.unit_a2}),
               (w.liaison_b, {"unit": w.unit_b}), (w.manager_a, {"node": w.station_a}),
               (w.manager_b, {"node": w.station_b}), (w.inst_manager, {"node": w.institute})]
    reviewer = w.office
    reports: list[tuple] = []
    done = Counter()

    ops = {
        "submit": lambda a, r, p: services.report_submit(actor=a, report=r),
        "return": lambda a, r, p: services.report_return(actor=reviewer, report=r, comment="请修改"),
        "period": lambda a, r, p: services.report_update(actor=a, report=r, period=p),
        "approve": lambda a, r, p: services.report_approve(actor=reviewer, report=r),
        "publish": lambda a, r, p: services.report_publish(actor=reviewer, report=r),
        "unpublish": lambda a, r, p: services.report_unpublish(actor=reviewer, report=r, comment="撤回"),
        "delete": lambda a, r, p: services.report_delete(actor=a, report=r),
    }

    def act(kind, author, report, period):
        try:
            ops[kind](author, report, period)
            done[kind] += 1
        except DomainError:
            done[f"{kind} refused"] += 1

    wants = [(0.45, "submit", [S.DRAFT, S.RETURNED]), (0.55, "return", [S.SUBMITTED]),
             (0.65, "period", [S.DRAFT, S.RETURNED]), (0.78, "approve", [S.SUBMITTED]),
             (0.88, "publish", [S.APPROVED]), (0.94, "unpublish", [S.PUBLISHED]), (1.0, "delete", [S.DRAFT])]
    for step in range(200):
        roll = rng.random()
        if roll < 0.22 or not reports:
            author, where = rng.choice(authors)
            reports.append((draft(author, period=rng.choice(months), **where), author))
            continue
        kind, statuses = next((k, st) for limit, k, st in wants if roll < limit)
        fitting = set(InfoReport.objects.filter(pk__in=[r.pk for r, _ in reports], status__in=statuses)
                      .values_list("pk", flat=True))
        pool = [(r, a) for r, a in reports if r.pk in fitting]
        report, author = rng.choice(pool if pool and rng.random() < 0.85 else reports)  # some are refused
        report.refresh_from_db()
        act(kind, author, report, rng.choice(months))
        if kind == "delete" and not InfoReport.objects.filter(pk=report.pk).exists():
            reports.remove((report, author))
        if step % 37 == 0:
            summary.fold_pending(limit=rng.randint(1, 10))  # some folded, some pending
        if step == 120:  # station B moves under the center: its reports' figures follow it
            node_move(actor=w.root, node=w.station_b, new_parent=w.center)
            for node in (w.station_b, w.institute, w.center):
                node.refresh_from_db()
            for actor, _ in authors:
                forget_scope(actor)  # scopes are cached per user object (per request in the product)

    for kind in ("submit", "return", "period", "approve", "publish", "unpublish", "delete"):
        assert done[kind] > 0, done  # the mix really did each kind of write
    for node in (w.county, w.center, w.institute, w.station_a, w.station_b):
        assert kept(node) == truth(node), node.name  # exact with deltas still pending
    assert report_differences() == []
    summary.fold_all()
    for node in (w.county, w.center, w.institute, w.station_a, w.station_b):
        assert kept(node) == truth(node), node.name
    assert report_differences() == []
    assert rebuild.differences() == []


def test_a_draft_never_counts_and_a_resubmission_counts_once(world):
    w = reporting_world(world)
    report = draft(w.liaison_a, unit=w.unit_a)
    assert kept(w.county) == Counter()
    report = services.report_submit(actor=w.liaison_a, report=report)
    report = services.report_return(actor=w.manager_a, report=report, comment="补充")
    report = services.report_submit(actor=w.liaison_a, report=report)
    report = services.report_approve(actor=w.manager_a, report=report)
    report = services.report_publish(actor=w.manager_a, report=report)
    assert kept(w.county) == Counter({(figures.SUBMITTED, this_month()): 1, (figures.APPROVED, this_month()): 1,
                                      (figures.PUBLISHED, this_month()): 1})
    services.report_unpublish(actor=w.manager_a, report=report, comment="撤回")
    assert kept(w.station_a) == Counter({(figures.SUBMITTED, this_month()): 1, (figures.APPROVED, this_month()): 1})
    assert kept(w.station_b) == Counter()
    assert report_differences() == []
