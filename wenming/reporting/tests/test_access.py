"""The report.* permissions by role: office staff and node managers write (at their own
node), read (their subtree's submitted reports) and review (from above); inspectors only
read; team leaders, volunteers and the other roles do none of it; a unit's liaison writes
by the unit of the assignment; nobody reviews their own report."""

import pytest
from django.test import Client
from django.urls import reverse

from wenming.accounts.roles import ROLE_PERMS, Perm, Role
from wenming.accounts.services import role_grant
from wenming.core.menu import menu_for
from wenming.core.testing import code_of
from wenming.core.tests.api_client import ApiClient
from wenming.reporting import access, selectors, services
from wenming.reporting.models import InfoReport
from wenming.reporting.models import ReportStatus as S
from wenming.volunteers.tests.factories import user

from .factories import draft, reporting_world, submitted

pytestmark = pytest.mark.django_db

REPORT_PERMS = {Perm.REPORT_VIEW, Perm.REPORT_WRITE, Perm.REPORT_REVIEW}


@pytest.fixture
def w(world):
    w = reporting_world(world)
    w.inspector = user("inspector")
    role_grant(actor=w.root, user=w.inspector, role=Role.INSPECTOR, node=w.institute)
    w.volunteer = user("volunteer_a")
    role_grant(actor=w.root, user=w.volunteer, role=Role.VOLUNTEER, node=w.station_a)
    w.a_draft = draft(w.liaison_a, unit=w.unit_a, title="A 草稿")
    w.a_sent = submitted(w.liaison_a, unit=w.unit_a, title="A 已提交")
    w.st_a_draft = draft(w.manager_a, node=w.station_a, title="站 A 草稿")
    w.st_a_sent = submitted(w.manager_a, node=w.station_a, title="站 A 已提交")
    w.county_sent = submitted(w.office, node=w.county, title="县 已提交")
    return w


def seen(actor) -> set[str]:
    return set(selectors.report_list_for_actor(actor=actor).values_list("title", flat=True))


def queue(actor) -> set[str]:
    return set(selectors.review_queue_for_actor(actor=actor).values_list("title", flat=True))


def menu_keys(actor) -> dict[str, str]:
    return {i.key: i.url for i in menu_for(actor)}


def test_the_report_permissions_belong_to_the_roles_that_use_them():
    held = {role: REPORT_PERMS & ROLE_PERMS[role] for role in Role.values}
    assert held == {
        Role.PLATFORM_ADMIN: REPORT_PERMS,
        Role.OFFICE_STAFF: REPORT_PERMS,
        Role.NODE_MANAGER: REPORT_PERMS,
        Role.INSPECTOR: {Perm.REPORT_VIEW},
        Role.TEAM_LEADER: set(), Role.VOLUNTEER: set(), Role.RESIDENT: set(), Role.COUNSELOR: set(),
        Role.UNIT_LIAISON: set(), Role.HOTLINE_SUPERVISOR: set(), Role.HONOUR_REVIEWER: set(),
    }
    # access.py uses the dedicated permissions, not the node ones that stood in for them
    assert (access.REPORT_VIEW, access.REPORT_WRITE, access.REPORT_REVIEW) == \
        ("report.view", "report.write", "report.review")


@pytest.mark.parametrize("who", ["leader", "volunteer"])
def test_a_role_without_report_permissions_neither_sees_writes_nor_reviews(w, who):
    actor = getattr(w, who)
    assert seen(actor) == set() and queue(actor) == set()
    assert selectors.author_options_for_actor(actor=actor) == []
    for report in (w.a_sent, w.st_a_sent, w.st_a_draft):
        assert code_of(lambda r=report: selectors.report_get_for_actor(actor=actor, report_id=r.pk)) == "not_found"
        assert code_of(lambda r=report: services.report_approve(actor=actor, report=r)) == "reporting.not_reviewer"
        assert code_of(lambda r=report: services.report_return(actor=actor, report=r, comment="补充")) == \
            "reporting.not_reviewer"
    assert code_of(lambda: services.report_update(actor=actor, report=w.st_a_draft, title="改")) == \
        "reporting.not_author"
    assert code_of(lambda: draft(actor, node=w.station_a)) == "not_found"  # not even visible
    assert code_of(lambda: draft(actor, unit=w.unit_a)) == "not_found"
    assert code_of(lambda: selectors.node_counts_for_actor(actor=actor, node_id=w.station_a.pk)) == "not_found"
    assert selectors.count_roots_for_actor(actor=actor) == []
    assert selectors.unit_counts_for_actor(actor=actor) == []
    assert InfoReport.objects.get(pk=w.st_a_sent.pk).status == S.SUBMITTED
    assert not {"reports", "reports_queue"} & set(menu_keys(actor))


def test_a_role_without_report_permissions_gets_404_from_the_api(w):
    client = ApiClient("leader")
    assert client.get("/reports").json()["count"] == 0
    assert client.get("/reports/author-options").json() == []
    assert client.get("/reports/review-queue").json()["count"] == 0
    for method, path, body in [("get", f"/reports/{w.st_a_sent.pk}", None),
                               ("post", f"/reports/{w.st_a_sent.pk}/approve", {"comment": ""}),
                               ("post", f"/reports/{w.a_sent.pk}/return", {"comment": "补充"})]:
        assert client.call(method, path, body).status_code == 404, path
    res = client.post("/reports", {"node_id": w.station_a.pk, "title": "队长报送", "body": "正文",
                                   "category_id": w.st_a_sent.category_id, "period": f"{w.st_a_sent.period:%Y-%m}"})
    assert res.status_code == 404 and res.json()["code"] == "not_found"


def test_an_inspector_reads_submitted_reports_in_scope_but_neither_writes_nor_reviews(w):
    ins = w.inspector  # at the institute: both stations below, not the county
    assert seen(ins) == {"A 已提交", "站 A 已提交"}  # no drafts, nothing above the institute
    assert code_of(lambda: selectors.report_get_for_actor(actor=ins, report_id=w.st_a_draft.pk)) == "not_found"
    assert code_of(lambda: selectors.report_get_for_actor(actor=ins, report_id=w.county_sent.pk)) == "not_found"
    assert selectors.report_get_for_actor(actor=ins, report_id=w.st_a_sent.pk) == w.st_a_sent
    assert selectors.actions_for(ins, w.st_a_sent) == [] and selectors.actions_for(ins, w.a_sent) == []
    assert queue(ins) == set()
    for report in (w.a_sent, w.st_a_sent):
        assert code_of(lambda r=report: services.report_approve(actor=ins, report=r)) == "reporting.not_reviewer"
    assert selectors.author_options_for_actor(actor=ins) == []
    assert code_of(lambda: draft(ins, node=w.institute)) == "reporting.not_author"
    assert code_of(lambda: draft(ins, node=w.station_a)) == "reporting.not_author"
    assert code_of(lambda: draft(ins, unit=w.unit_a)) == "reporting.not_author"
    assert selectors.node_counts_for_actor(actor=ins, node_id=w.institute.pk).node == w.institute
    assert [n.pk for n in selectors.count_roots_for_actor(actor=ins)] == [w.institute.pk]
    menu = menu_keys(ins)
    assert menu["reports"] == reverse("reporting:all") and "reports_queue" not in menu
    c = Client()
    c.force_login(ins)
    page = c.get(reverse("reporting:all")).content.decode()
    assert "站 A 已提交" in page and "站 A 草稿" not in page and "县 已提交" not in page
    assert c.get(reverse("reporting:detail", args=[w.st_a_draft.pk])).status_code == 404
    assert c.post(reverse("reporting:review", args=[w.st_a_sent.pk]), {"decision": "approve"}).status_code == 403
    w.st_a_sent.refresh_from_db()
    assert w.st_a_sent.status == S.SUBMITTED


def test_a_station_manager_writes_the_station_report_and_the_county_office_reviews_it(w):
    options = selectors.author_options_for_actor(actor=w.manager_a)
    assert [(o.kind, o.id) for o in options] == [("node", w.station_a.pk)]  # the station itself only
    report = services.report_submit(actor=w.manager_a, report=draft(w.manager_a, node=w.station_a, title="站报送"))
    assert code_of(lambda: services.report_approve(actor=w.manager_a, report=report)) == "reporting.not_reviewer"
    assert code_of(lambda: services.report_approve(actor=w.manager_a2, report=report)) == "reporting.not_reviewer"
    assert "站报送" in queue(w.office)
    assert services.report_approve(actor=w.office, report=report, comment="好").status == S.APPROVED
    assert services.report_publish(actor=w.office, report=report).status == S.PUBLISHED
    menu = menu_keys(w.manager_a)
    assert menu["reports"] == reverse("reporting:mine") and "reports_queue" in menu
    assert menu_keys(w.liaison_a)["reports"] == reverse("reporting:mine")
    assert "reports_queue" not in menu_keys(w.liaison_a)


def test_nobody_reviews_their_own_report(w):
    # the county office's own report: colleagues at the county are not above it
    office2 = user("office2")
    role_grant(actor=w.root, user=office2, role=Role.OFFICE_STAFF, node=w.county)
    assert code_of(lambda: services.report_approve(actor=w.office, report=w.county_sent)) == "reporting.not_reviewer"
    assert code_of(lambda: services.report_approve(actor=office2, report=w.county_sent)) == "reporting.not_reviewer"
    # someone at a station and at the county office writes for the station: the county
    # position would make them its reviewer, but they wrote it
    both = user("both")
    role_grant(actor=w.root, user=both, role=Role.NODE_MANAGER, node=w.station_a)
    role_grant(actor=w.root, user=both, role=Role.OFFICE_STAFF, node=w.county)
    mine = submitted(both, node=w.station_a, title="兼任报送")
    assert "兼任报送" not in queue(both) and selectors.actions_for(both, mine) == []
    assert code_of(lambda: services.report_approve(actor=both, report=mine)) == "reporting.own_report"
    # a liaison who is also county staff does not review their unit's report either
    role_grant(actor=w.root, user=w.liaison_a, role=Role.OFFICE_STAFF, node=w.county)
    assert code_of(lambda: services.report_return(actor=w.liaison_a, report=w.a_sent, comment="补充")) == \
        "reporting.own_report"
    assert services.report_approve(actor=w.office, report=mine).status == S.APPROVED
    assert services.report_approve(actor=w.manager_a, report=w.a_sent).status == S.APPROVED
