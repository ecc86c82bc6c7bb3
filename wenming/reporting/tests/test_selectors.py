"""Who sees which reports: a unit only its own (any state), staff their subtree's submitted
ones (never drafts), reviewers their queue, the public only published ones; and the counts."""

import pytest

from wenming.core.errors import DomainError
from wenming.dashboards.summary import fold_all
from wenming.reporting import selectors, services
from wenming.reporting.models import ReportStatus as S

from .factories import approved, draft, last_month, published, reporting_world, submitted, this_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world):
    w = reporting_world(world)
    w.a_draft = draft(w.liaison_a, unit=w.unit_a, title="A 草稿")
    w.a_sent = submitted(w.liaison_a, unit=w.unit_a, title="A 已提交")
    w.a2_sent = submitted(w.liaison_a2, unit=w.unit_a2, title="A2 已提交")
    w.a2_draft = draft(w.liaison_a2, unit=w.unit_a2, title="A2 草稿")
    w.b_sent = submitted(w.liaison_b, unit=w.unit_b, title="B 已提交")
    w.st_a_draft = draft(w.manager_a, node=w.station_a, title="站 A 草稿")
    w.st_a_sent = submitted(w.manager_a, node=w.station_a, title="站 A 已提交")
    w.st_b_sent = submitted(w.manager_b, node=w.station_b, title="站 B 已提交")
    return w


def seen(actor, **kw) -> set[str]:
    return set(selectors.report_list_for_actor(actor=actor, **kw).values_list("title", flat=True))


def test_a_unit_sees_only_its_own_reports(w):
    assert seen(w.liaison_a) == {"A 草稿", "A 已提交"}
    for other in (w.a2_sent, w.a2_draft, w.b_sent, w.st_a_sent):
        with pytest.raises(DomainError) as exc:
            selectors.report_get_for_actor(actor=w.liaison_a, report_id=other.pk)
        assert exc.value.code == "not_found"
    assert selectors.unit_counts_for_actor(actor=w.liaison_a)[0].unit_name == "九里村小学"
    assert len(selectors.unit_counts_for_actor(actor=w.liaison_a)) == 1


def test_another_units_report_stays_hidden_until_published(w):
    approved_b = approved(w.liaison_b, w.manager_b, unit=w.unit_b, title="B 待发布")
    assert "B 待发布" not in seen(w.liaison_a)
    assert "B 待发布" not in set(selectors.report_public_list().values_list("title", flat=True))
    services.report_publish(actor=w.manager_b, report=approved_b)
    assert "B 待发布" not in seen(w.liaison_a)  # the back office still does not show it …
    assert selectors.report_public_get(report_id=approved_b.pk) == approved_b  # … the portal does


def test_staff_see_their_subtree_but_no_drafts(w):
    assert seen(w.manager_a) == {"A 已提交", "A2 已提交", "站 A 草稿", "站 A 已提交"}
    assert seen(w.manager_b) == {"B 已提交", "站 B 已提交"}
    assert seen(w.inst_manager) == {"A 已提交", "A2 已提交", "B 已提交", "站 A 已提交", "站 B 已提交"}
    assert seen(w.office) == seen(w.inst_manager)
    assert seen(w.manager_a, mine=True) == {"站 A 草稿", "站 A 已提交"}
    assert seen(w.leader) == set() and seen(w.leader, mine=True) == set()


def test_the_review_queue_is_up_the_tree(w):
    def queue(actor):
        return set(selectors.review_queue_for_actor(actor=actor).values_list("title", flat=True))

    assert queue(w.manager_a) == {"A 已提交", "A2 已提交"}  # its units, not its own station
    assert queue(w.manager_b) == {"B 已提交"}
    assert queue(w.inst_manager) == {"A 已提交", "A2 已提交", "B 已提交", "站 A 已提交", "站 B 已提交"}
    assert queue(w.liaison_a) == set()
    mine = submitted(w.office, node=w.county, title="县 已提交")
    assert "县 已提交" not in queue(w.office) and "县 已提交" in queue(w.root)
    assert mine.status == S.SUBMITTED


def test_actions_offered_match_the_rules(w):
    assert selectors.actions_for(w.liaison_a, w.a_draft) == ["edit", "add_image", "submit", "delete"]
    assert selectors.actions_for(w.liaison_a, w.a_sent) == []
    assert selectors.actions_for(w.manager_a, w.a_sent) == ["approve", "return", "adopt"]
    assert selectors.actions_for(w.manager_a, w.st_a_sent) == []
    assert selectors.actions_for(w.inst_manager, w.st_a_sent) == ["approve", "return", "adopt"]


def test_filters_narrow_within_the_scope(w):
    assert seen(w.office, node_id=w.station_b.pk) == {"B 已提交", "站 B 已提交"}
    assert seen(w.manager_a, node_id=w.station_b.pk) == set()
    assert seen(w.office, unit_id=w.unit_a.pk) == {"A 已提交"}
    assert seen(w.office, status=S.SUBMITTED, search="站") == {"站 A 已提交", "站 B 已提交"}
    assert seen(w.office, period_from=this_month(), period_to=this_month()) == seen(w.office)
    assert seen(w.office, period_to=last_month()) == set()


def test_counts_per_unit_and_per_node(w):
    published(w.liaison_a, w.manager_a, unit=w.unit_a, title="A 发布", period=last_month())
    rows = {(c.unit_name, c.period): (c.submitted, c.approved, c.published)
            for c in selectors.unit_counts_for_actor(actor=w.office)}
    assert rows == {("九里村小学", this_month()): (1, 0, 0), ("九里村小学", last_month()): (1, 1, 1),
                    ("九里村卫生室", this_month()): (1, 0, 0), ("杨贵店村委会", this_month()): (1, 0, 0)}
    assert {c.unit_name for c in selectors.unit_counts_for_actor(actor=w.manager_b)} == {"杨贵店村委会"}

    for folded in (False, True):  # exact with deltas pending and after folding
        if folded:
            fold_all()
        county = selectors.node_counts_for_actor(actor=w.office, node_id=w.county.pk)
        assert county.totals == {"reports_submitted": 6, "reports_approved": 1, "reports_published": 1}
        assert county.months == [(this_month(), {"reports_submitted": 5, "reports_approved": 0,
                                                 "reports_published": 0}),
                                 (last_month(), {"reports_submitted": 1, "reports_approved": 1,
                                                 "reports_published": 1})]
        inst = selectors.node_counts_for_actor(actor=w.inst_manager, node_id=w.institute.pk,
                                               period_from=this_month())
        assert [(n.name, t["reports_submitted"]) for n, t in inst.children] == \
            [(w.station_a.name, 3), (w.station_b.name, 2)]
    with pytest.raises(DomainError):
        selectors.node_counts_for_actor(actor=w.manager_a, node_id=w.station_b.pk)
    with pytest.raises(DomainError):
        selectors.node_counts_for_actor(actor=w.liaison_a, node_id=w.station_a.pk)
