"""The report workflow: the right actor in the right state moves a report; anyone else,
or any other state, gets a stable `reporting.*` code and changes nothing."""

from datetime import date

import pytest

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.dashboards.models import FigureDelta
from wenming.reporting import services
from wenming.reporting.models import InfoReport, ReportReview
from wenming.reporting.models import ReportStatus as S
from wenming.volunteers.tests.factories import user

from .factories import (
    approved,
    category,
    draft,
    last_month,
    published,
    reporting_world,
    returned,
    submitted,
    this_month,
)

pytestmark = pytest.mark.django_db

STATES = ["draft", "submitted", "returned", "approved", "published"]
ACTIONS = {
    "update": lambda a, r: services.report_update(actor=a, report=r, title="新标题"),
    "submit": lambda a, r: services.report_submit(actor=a, report=r),
    "delete": lambda a, r: services.report_delete(actor=a, report=r),
    "approve": lambda a, r: services.report_approve(actor=a, report=r, comment="很好"),
    "return": lambda a, r: services.report_return(actor=a, report=r, comment="请补充图片"),
    "publish": lambda a, r: services.report_publish(actor=a, report=r),
    "unpublish": lambda a, r: services.report_unpublish(actor=a, report=r, comment="内容有误"),
}
AUTHOR_ACTIONS = {"update": ["draft", "returned"], "submit": ["draft", "returned"], "delete": ["draft"]}
REVIEW_ACTIONS = {"approve": ["submitted"], "return": ["submitted"], "publish": ["approved"],
                  "unpublish": ["published"]}
AFTER = {"update": None, "submit": "submitted", "delete": None, "approve": "approved", "return": "returned",
         "publish": "published", "unpublish": "approved"}


@pytest.fixture
def w(world):
    return reporting_world(world)


def in_state(state: str, author, reviewer, **where) -> InfoReport:
    make = {"draft": draft, "submitted": submitted}.get(state)
    if make:
        return make(author, **where)
    return {"returned": returned, "approved": approved, "published": published}[state](author, reviewer, **where)


def expected(role: str, action: str, state: str) -> str:
    """'ok' or the code the actor gets. Who is checked first (403), then the state (409)."""
    if action in AUTHOR_ACTIONS:
        if role != "author":
            return "reporting.not_author"
        return "ok" if state in AUTHOR_ACTIONS[action] else "reporting.bad_status"
    if role == "reviewer":
        return "ok" if state in REVIEW_ACTIONS[action] else "reporting.bad_status"
    return {"author": "reporting.not_reviewer", "peer": "reporting.not_reviewer",
            "own": "reporting.own_report"}[role]


def attempt(actor, report, action: str) -> str:
    before = InfoReport.objects.filter(pk=report.pk).values().first()
    history = ReportReview.objects.count()
    try:
        ACTIONS[action](actor, report)
    except DomainError as exc:
        assert InfoReport.objects.filter(pk=report.pk).values().first() == before  # nothing moved
        assert ReportReview.objects.count() == history
        return exc.code
    return "ok"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_unit_report_matrix(w, action, state):
    """A unit's report: its liaison writes; the station the unit belongs to reviews; another
    unit's liaison at the same station can do nothing."""
    cases = [("author", w.liaison_a), ("reviewer", w.manager_a), ("peer", w.liaison_a2)]
    for role, actor in cases:
        report = in_state(state, w.liaison_a, w.manager_a, unit=w.unit_a)
        want = expected(role, action, state)
        if role == "peer" and action in REVIEW_ACTIONS:
            want = "reporting.not_reviewer"
        assert attempt(actor, report, action) == want, (role, action, state)
        if want == "ok" and AFTER[action]:
            assert InfoReport.objects.get(pk=report.pk).status == AFTER[action]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_node_report_matrix(w, action, state):
    """A station's report: its staff write; staff at the same station are not reviewers; the
    institute above is; someone who wrote it cannot decide it even from above."""
    dual = user("dual")
    role_grant(actor=w.root, user=dual, role=Role.NODE_MANAGER, node=w.station_a)
    role_grant(actor=w.root, user=dual, role=Role.NODE_MANAGER, node=w.institute)
    cases = [("author", w.manager_a, w.manager_a), ("reviewer", w.inst_manager, w.manager_a),
             ("reviewer", w.office, w.manager_a), ("peer", w.manager_a2, w.manager_a), ("own", dual, dual)]
    for role, actor, author in cases:
        report = in_state(state, author, w.inst_manager if author != w.inst_manager else w.office,
                          node=w.station_a)
        want = expected(role, action, state)
        if role == "peer" and action in AUTHOR_ACTIONS:  # a colleague at the same station is on the author side
            want = expected("author", action, state)
        if role == "own" and action in AUTHOR_ACTIONS:
            want = expected("author", action, state)
        if role == "own" and action in REVIEW_ACTIONS and state not in REVIEW_ACTIONS[action]:
            want = "reporting.own_report"  # who comes before the state
        assert attempt(actor, report, action) == want, (role, action, state)


def test_a_platform_admin_never_decides_their_own_report(w):
    report = submitted(w.root, node=w.station_b)
    assert attempt(w.root, report, "approve") == "reporting.own_report"
    assert services.report_approve(actor=w.office, report=report).status == S.APPROVED


def test_history_and_audit_follow_every_transition(w):
    report = submitted(w.liaison_a, unit=w.unit_a)
    services.report_return(actor=w.manager_a, report=report, comment="请补充走访户数")
    services.report_update(actor=w.liaison_a, report=report, body="补充：走访 120 户。")
    services.report_submit(actor=w.liaison_a, report=report)
    services.report_approve(actor=w.office, report=report)
    services.report_publish(actor=w.manager_a, report=report)
    services.report_unpublish(actor=w.office, report=report, comment="含未脱敏照片")
    rows = list(report.reviews.values_list("decision", "from_status", "to_status", "actor__username", "comment"))
    assert rows == [
        ("submit", "draft", "submitted", "liaison_a", ""),
        ("return", "submitted", "returned", "manager_a", "请补充走访户数"),
        ("resubmit", "returned", "submitted", "liaison_a", ""),
        ("approve", "submitted", "approved", "office", ""),
        ("publish", "approved", "published", "manager_a", ""),
        ("unpublish", "published", "approved", "office", "含未脱敏照片"),
    ]
    actions = list(AuditEntry.objects.filter(object_type="reporting.inforeport", object_id=str(report.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["report.create", "report.submit", "report.return", "report.update", "report.resubmit",
                       "report.approve", "report.publish", "report.unpublish"]
    report.refresh_from_db()
    assert report.status == S.APPROVED and report.published_at is None and report.approved_at is not None


def test_a_stale_decision_loses_to_the_first_one(w):
    """Two reviewers open the same submitted report; the first decision wins, the second is
    refused from the database row, not from the object it held."""
    report = submitted(w.liaison_a, unit=w.unit_a)
    stale = InfoReport.objects.get(pk=report.pk)
    services.report_approve(actor=w.manager_a, report=report)
    with pytest.raises(DomainError) as exc:
        services.report_return(actor=w.office, report=stale, comment="退回")
    assert exc.value.code == "reporting.bad_status" and exc.value.status == 409
    assert "已通过" in exc.value.message
    assert InfoReport.objects.get(pk=report.pk).status == S.APPROVED
    assert FigureDelta.objects.filter(metric="reports_approved").count() == 1


def test_a_stale_period_edit_is_refused_so_the_count_moves_once(w):
    report = returned(w.liaison_a, w.manager_a, unit=w.unit_a)
    stale = InfoReport.objects.get(pk=report.pk)
    services.report_update(actor=w.liaison_a, report=report, period=last_month())
    with pytest.raises(DomainError) as exc:
        services.report_update(actor=w.liaison_a, report=stale, period=date(2024, 1, 1))
    assert exc.value.code == "reporting.changed"
    moves = sorted(FigureDelta.objects.filter(metric="reports_submitted").values_list("period", "value"))
    assert [(p, int(v)) for p, v in moves] == sorted([(this_month(), 1), (this_month(), -1), (last_month(), 1)])


@pytest.mark.parametrize(("changes", "code"), [
    ({"title": "  "}, "reporting.title_required"),
    ({"title": "长" * 101}, "reporting.too_long"),
    ({"period": "2026-13"}, "reporting.period_invalid"),
    ({"period": "abc"}, "reporting.period_invalid"),
    ({"period": "2009-12"}, "reporting.period_invalid"),
    ({"period": "2999-01"}, "reporting.period_future"),
])
def test_input_is_checked(w, changes, code):
    report = draft(w.liaison_a, unit=w.unit_a)
    with pytest.raises(DomainError) as exc:
        services.report_update(actor=w.liaison_a, report=report, **changes)
    assert exc.value.code == code and exc.value.status == 422


def test_text_is_cleaned_and_period_is_the_month(w):
    report = draft(w.liaison_a, unit=w.unit_a, title="  标题\t带\n空白  ", body="第一段\r\n\r\n第二段\x00\x07",
                   period="2025-03")
    assert report.title == "标题 带 空白"
    assert report.body == "第一段\n\n第二段"
    assert report.period == date(2025, 3, 1)
    report = services.report_update(actor=w.liaison_a, report=report, period=date(2025, 4, 17))
    assert report.period == date(2025, 4, 1)


def test_an_empty_body_cannot_be_submitted(w):
    report = draft(w.liaison_a, unit=w.unit_a, body="")
    with pytest.raises(DomainError) as exc:
        services.report_submit(actor=w.liaison_a, report=report)
    assert exc.value.code == "reporting.body_required"


def test_a_retired_category_is_not_offered_for_new_reports(w):
    old = category("epidemic")
    old.active = False
    old.save()
    with pytest.raises(DomainError) as exc:
        draft(w.liaison_a, unit=w.unit_a, code="epidemic")
    assert exc.value.code == "reporting.category_inactive"


def test_who_may_write_in_whose_name(w):
    from wenming.orgs.services import unit_archive

    with pytest.raises(DomainError) as exc:  # a unit of the station it manages, but not its liaison
        draft(w.manager_a, unit=w.unit_a)
    assert exc.value.code == "reporting.not_author" and exc.value.status == 403
    with pytest.raises(DomainError) as exc:  # another station: not even visible
        draft(w.manager_a, node=w.station_b)
    assert exc.value.code == "not_found"
    with pytest.raises(DomainError) as exc:  # the office above writes for the county, not for a station
        draft(w.office, node=w.station_a)
    assert exc.value.code == "reporting.not_author"
    with pytest.raises(DomainError) as exc:
        services.report_create(actor=w.liaison_a, title="x", category=category(), period=this_month())
    assert exc.value.code == "reporting.author_required"
    unit_archive(actor=w.root, unit=w.unit_a)
    w.unit_a.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        draft(w.liaison_a, unit=w.unit_a)
    assert exc.value.code == "reporting.unit_archived"
    assert draft(w.office, node=w.county).node == w.county


def test_a_unit_report_lives_at_the_units_node(w):
    report = draft(w.liaison_a, unit=w.unit_a)
    assert report.node == w.station_a and report.author_label == "九里村小学"
