"""As-of figures (issue 14): a past period's stocks are counted as they stood at its end, from
the history the platform keeps, and equal a recomputation from the raw rows; a past period's
report does not change when today's data do."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from wenming.campaigns import party_services
from wenming.campaigns.models import PartyCheckin
from wenming.dashboards.asof import month_end
from wenming.dashboards.periods import Period
from wenming.dashboards.rebuild import differences
from wenming.dashboards.selectors import dashboard_for_actor
from wenming.dashboards.summary import fold_all
from wenming.dashboards.work_report import work_report, work_report_text
from wenming.orgs.models import Node
from wenming.service.hours_services import hours_makeup
from wenming.volunteers.inputs import build_values, skills_index
from wenming.volunteers.models import Team, VolunteerSpell
from wenming.volunteers.services import volunteer_set_status, volunteer_update
from wenming.volunteers.team_services import team_archive, team_create
from wenming.volunteers.tests.factories import build_world, volunteer, volunteer_input

pytestmark = pytest.mark.django_db

FEB, MAR, APR, MAY = (date(2020, m, 1) for m in (2, 3, 4, 5))


def at(year, month, day):
    return time_machine.travel(timezone.make_aware(datetime(year, month, day, 10)), tick=False)


def _move(actor, vol, node, **extra):
    """volunteer_update with the volunteer's own identity and a new home node or flags."""
    data = volunteer_input(node, name=vol.name, **extra)
    values = build_values(data, resolve_node=lambda k: Node.objects.filter(pk=k).first(), skills_by_key=skills_index())
    return volunteer_update(actor=actor, volunteer=vol, values=values)


@pytest.fixture
def history():
    """A county built in late 2019; three volunteers, a team and a check-in in February 2020;
    in May one volunteer leaves, another moves to station B as a reserve, the team is archived
    and the check-in withdrawn; today two more volunteers register."""
    with at(2019, 11, 1):
        w = build_world()  # two volunteers (李明 at A, 王芳 at B) and team_a, in November 2019
    with at(2020, 2, 10):
        w.p1 = volunteer(w.root, w.station_a, name="张一", political_status="party_member", is_reserve="是")
        w.p2 = volunteer(w.root, w.station_a, name="张二")
        w.p3 = volunteer(w.root, w.station_b, name="张三")
        w.team = team_create(actor=w.root, name="防疫突击队", level="squad", node=w.station_a)
        w.checkin, _ = party_services.party_checkin(actor=w.root, volunteer=w.p1)
    with at(2020, 5, 6):
        volunteer_set_status(actor=w.root, volunteer=w.p2, status="withdrawn")
        _move(w.root, w.p3, w.station_a, is_reserve="是")
        team_archive(actor=w.root, team=w.team)
        party_services.party_checkin_withdraw(actor=w.root, checkin=w.checkin, reason="迁出")
    volunteer(w.root, w.station_b, name="赵四")
    volunteer(w.root, w.station_b, name="赵五")
    fold_all()
    return w


def raw_register(node: Node, month: date) -> dict[str, int]:
    """The register as of the month's end, straight from the spells (a volunteer without any
    counts as they are now since registration) — the recomputation the figures must equal."""
    from wenming.volunteers.models import Volunteer

    day = month_end(month)
    out = {"volunteers": 0, "volunteers_reserve": 0, "volunteers_party": 0}
    for vol in Volunteer.objects.all():
        spells = [s for s in VolunteerSpell.objects.filter(volunteer=vol, since__lte=day).order_by("since", "id")]
        if spells:
            last = spells[-1]
            state = (last.node, last.active, last.reserve, last.party)
        elif VolunteerSpell.objects.filter(volunteer=vol).exists() or timezone.localdate(vol.registered_at) > day:
            continue
        else:
            state = (vol.home_node, vol.status == "active", vol.is_reserve,
                     vol.political_status in ("party_member", "probationary"))
        where, active, reserve, party = state
        if active and where.path.startswith(node.path):
            out["volunteers"] += 1
            out["volunteers_reserve"] += reserve
            out["volunteers_party"] += party
    return out


def raw_teams(node: Node, month: date) -> int:
    day = month_end(month)
    return sum(1 for t in Team.objects.filter(node__path__startswith=node.path)
               if timezone.localdate(t.created_at) <= day
               and (t.archived_at is None or timezone.localdate(t.archived_at) > day))


def raw_checkins(node: Node, month: date) -> int:
    day = month_end(month)
    return sum(1 for c in PartyCheckin.objects.filter(station__path__startswith=node.path)
               if timezone.localdate(c.checked_in_at) <= day
               and (c.withdrawn_at is None or timezone.localdate(c.withdrawn_at) > day))


def test_each_stock_as_of_a_past_period_equals_a_recomputation_from_the_raw_history(history):
    w = history
    for month in (date(2019, 12, 1), FEB, MAR, APR, MAY, date(2021, 1, 1)):
        for node in (w.county, w.station_a, w.station_b):
            report = work_report(node, since=month, until=month)
            f = report.figures
            assert {m: int(f[m]) for m in ("volunteers", "volunteers_reserve", "volunteers_party")} \
                == raw_register(node, month), (node.name, month)
            assert int(f["teams"]) == raw_teams(node, month), (node.name, month)
            assert int(f["party_checkins"]) == raw_checkins(node, month), (node.name, month)
    # the expected story, in figures
    march = work_report(w.county, since=FEB, until=MAR)
    assert march.as_of == date(2020, 3, 31)
    assert [int(march.figures[m]) for m in ("volunteers", "volunteers_party", "volunteers_reserve", "teams",
                                           "party_checkins")] == [5, 1, 1, 2, 1]
    may = work_report(w.county, since=MAY, until=MAY).figures
    assert [int(may[m]) for m in ("volunteers", "volunteers_reserve", "teams", "party_checkins")] == [4, 2, 1, 0]
    station_a_march = work_report(w.station_a, since=MAR, until=MAR).figures
    assert int(station_a_march["volunteers"]) == 3  # 李明, 张一, 张二 — 张三 was still at station B
    now = work_report(w.county, since=date(2026, 1, 1), until=timezone.localdate().replace(day=1))
    assert now.as_of is None and int(now.figures["volunteers"]) == 6
    assert differences() == []  # the kept figures, dated and current, equal the raw rows


def test_a_past_period_report_does_not_change_when_today_data_change(history):
    w = history
    before = work_report(w.county, since=FEB, until=MAR)
    text = work_report_text(before)
    assert "截至2020年3月31日" in text and "在册志愿者5名" in text and "志愿服务队伍2支" in text
    # today: registrations, a team, a check-in, hours, a withdrawal, a move, an archived team
    vol = volunteer(w.root, w.station_a, name="钱六", political_status="party_member")
    party_services.party_checkin(actor=w.root, volunteer=vol)
    team_create(actor=w.root, name="新时代宣讲队", level="squad", node=w.station_b)
    team_archive(actor=w.root, team=w.team_a)
    volunteer_set_status(actor=w.root, volunteer=w.p1, status="suspended")
    _move(w.root, w.vol_a, w.station_b)
    hours_makeup(actor=w.root, volunteer=vol, hours=Decimal(3), service_date=timezone.localdate(), reason="宣讲",
                 node=w.station_a)
    fold_all()
    after = work_report(w.county, since=FEB, until=MAR)
    assert after.figures == before.figures and after.nodes == before.nodes
    assert work_report_text(after) == text
    assert differences() == []


def test_the_dashboard_of_a_past_period_counts_stocks_at_its_end(history):
    w = history
    data = dashboard_for_actor(actor=w.office, node_id=w.county.pk, period=Period(FEB, MAR))
    assert data["stocks_now"] is False and data["stocks_as_of"] == date(2020, 3, 31)
    assert (data["volunteers"]["registered"], data["volunteers"]["reserve"], data["teams"]) == (5, 1, 2)
    by_name = {c["name"]: c["volunteers"] for c in data["children"]}
    assert by_name == {w.station_a.name: 3, w.station_b.name: 2}
    other = {o["code"]: o for o in data["other"]}
    assert other["party_checkins"]["total"] == 1 and other["party_checkins"]["now"] is False
    today = dashboard_for_actor(actor=w.office, node_id=w.county.pk)
    assert today["stocks_now"] is True and today["volunteers"]["registered"] == 6


def test_a_volunteer_without_spells_gets_their_first_one_before_a_change(history):
    """Volunteers loaded in bulk (the demo, an old install) have no spells: the first change
    writes down where they were since registration, so the history before it stays."""
    w = history
    VolunteerSpell.objects.filter(volunteer=w.vol_b).delete()  # as if bulk-loaded in November 2019
    fold_all()
    assert differences() == []
    volunteer_set_status(actor=w.root, volunteer=w.vol_b, status="withdrawn")
    spells = list(VolunteerSpell.objects.filter(volunteer=w.vol_b).values_list("since", "active"))
    assert spells == [(date(2019, 11, 1), True), (timezone.localdate(), False)]
    fold_all()
    assert differences() == []
    assert int(work_report(w.station_b, since=MAR, until=MAR).figures["volunteers"]) == 2
