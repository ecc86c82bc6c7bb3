"""Coverage and deployment in the work report (issue 14): volunteers deployed in the period
through service, visits and team claims; grids and stations covered and their shares; the
hotlines and counsellors — for a past period, not leaking today's activity into it."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from wenming.dashboards.coverage import coverage
from wenming.dashboards.work_report import work_report, work_report_text
from wenming.grids.models import GridClaim
from wenming.grids.tests.factories import grid, visit
from wenming.orgs.models import Node
from wenming.service.hours_services import hours_makeup
from wenming.volunteers.models import Team, TeamMember
from wenming.volunteers.team_services import team_member_add
from wenming.volunteers.tests.factories import volunteer

pytestmark = pytest.mark.django_db
FEB, MAR = date(2020, 2, 1), date(2020, 3, 1)


def test_deployment_and_coverage_of_a_past_period(world):
    w = world
    # the network as it stood in 2020: the grid, the stations and station A's team existed already
    long_ago = timezone.make_aware(datetime(2019, 1, 1))
    Node.objects.filter(Q(pk=w.grid_a.pk) | Q(kind="station")).update(created_at=long_ago)
    Team.objects.filter(pk=w.team_a.pk).update(created_at=long_ago)
    # February 2020: station A's team held its grid (a paper-era claim, stored as the product stores it),
    # a volunteer served at station A, another visited a household in the grid
    GridClaim.objects.create(grid=w.grid_a, team=w.team_a, starts_on=date(2020, 1, 25), ends_on=date(2020, 3, 10))
    member = volunteer(w.root, w.station_a, name="赵队员", phone="13900000031")
    team_member_add(actor=w.root, team=w.team_a, volunteer=member)
    TeamMember.objects.filter(volunteer=member).update(joined_at=long_ago)
    hours_makeup(actor=w.root, volunteer=w.vol_a, hours=Decimal(6), service_date=date(2020, 2, 12),
                 reason="卡点值守", node=w.station_a)
    visit(w.root, w.grid_a, visited_at=timezone.make_aware(datetime(2020, 2, 20, 10)), volunteer=w.vol_b)
    # today: another grid visited and a volunteer serving now — not part of 2020
    later = grid(w, parent=w.station_b)
    visit(w.root, later)
    hours_makeup(actor=w.root, volunteer=w.vol_b, hours=Decimal(2), service_date=timezone.localdate(),
                 reason="宣讲", node=w.station_b)

    c = coverage(w.county, since=FEB, until=MAR)
    assert c.volunteers_deployed == 3  # served (李明), visited (王芳), the claiming team's member (赵队员)
    assert (c.grids, c.grids_covered, c.grids_share) == (1, 1, Decimal("100.0"))  # the new grid did not exist yet
    assert (c.stations, c.stations_covered, c.stations_share) == (2, 1, Decimal("50.0"))
    text = work_report_text(work_report(w.county, since=FEB, until=MAR))
    assert "志愿服务组织覆盖1个村（社区）新时代文明实践站（占50.0%）、1个网格（占100.0%），进驻志愿服务人员3人。" in text
    now = coverage(w.county, since=timezone.localdate().replace(day=1), until=timezone.localdate().replace(day=1))
    assert now.grids == 2 and now.volunteers_deployed >= 1


def test_hotlines_and_counsellors_are_counted(world):
    from wenming.hotline.tests.factories import build_hotline

    h = build_hotline(world)
    c = coverage(world.county, since=timezone.localdate().replace(day=1), until=timezone.localdate().replace(day=1))
    assert (c.hotlines, c.counselors) == (1, 2)  # the line and its two counsellors
    assert h.line.active
    text = work_report_text(work_report(world.county, since=timezone.localdate().replace(day=1),
                                        until=timezone.localdate().replace(day=1)))
    assert f"开通心理疏导热线{c.hotlines}条，咨询师{c.counselors}名" in text


def test_a_past_period_counts_the_lines_and_counsellors_open_then(world):
    """A line opened for the epidemic and closed in June 2020 counts in the 2020 report and not
    today's; a counsellor taken off today still counts in 2020; a line opened later does not."""
    import time_machine

    from wenming.hotline.models import Hotline
    from wenming.hotline.services import counselor_update
    from wenming.hotline.tests.factories import build_hotline

    with time_machine.travel(timezone.make_aware(datetime(2020, 1, 20, 9)), tick=False):
        h = build_hotline(world)
    with time_machine.travel(timezone.make_aware(datetime(2020, 6, 30, 18)), tick=False):
        line = Hotline.objects.get(pk=h.line.pk)
        line.active = False
        line.save()  # as the admin's switch does
    assert line.inactive_since == timezone.make_aware(datetime(2020, 6, 30, 18))
    counselor_update(actor=world.office, counselor=h.c1, active=False)
    h.c1.refresh_from_db()
    assert h.c1.inactive_since is not None
    from wenming.hotline.services import hotline_create
    hotline_create(actor=world.office, node=world.institute, name="后来开通的热线", number="0717-2880000")

    then = coverage(world.county, since=FEB, until=MAR)
    assert (then.hotlines, then.counselors) == (1, 2)
    today = timezone.localdate().replace(day=1)
    now = coverage(world.county, since=today, until=today)
    assert (now.hotlines, now.counselors) == (1, 0)  # the later line, which has no counsellor

    line.active = True
    line.save()  # switched back on: only the latest spell is kept
    assert Hotline.objects.get(pk=line.pk).inactive_since is None
