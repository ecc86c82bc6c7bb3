"""补录 of party check-ins: check-ins taken on paper, entered afterwards (issue 14)."""

import pytest

from wenming.campaigns import party_services
from wenming.volunteers.tests.factories import build_world

from .factories import party_member

pytestmark = pytest.mark.django_db

def test_a_paper_check_in_is_back_dated_with_a_reason_and_counts_in_its_month():
    from datetime import date

    from wenming.core.errors import DomainError
    from wenming.dashboards.summary import fold_all
    from wenming.dashboards.work_report import work_report
    from wenming.orgs import closing

    world = build_world()
    member = party_member(world)
    with pytest.raises(DomainError) as caught:
        party_services.party_checkin(actor=world.manager_a, volunteer=member, checked_in_on="2020-02-12")
    assert caught.value.code == "core.late_reason_required"
    for bad in ("2020-02-30", "\x00", "2999-01-01", "1999-01-01"):
        with pytest.raises(DomainError):
            party_services.party_checkin(actor=world.manager_a, volunteer=member, checked_in_on=bad, late_reason="补录")
    row, made = party_services.party_checkin(actor=world.manager_a, volunteer=member, checked_in_on="2020-02-12",
                                             late_reason="据2020年2月社区报到登记簿补录")
    assert made and row.checked_in_at.date() == date(2020, 2, 12) and row.late_reason.startswith("据2020年2月")
    assert row.recorded_by == world.manager_a and row.recorded_at.date() > date(2020, 2, 12)
    fold_all()
    assert work_report(world.county, since=date(2020, 1, 1), until=date(2020, 1, 1)).figures["party_checkins"] == 0
    assert work_report(world.county, since=date(2020, 2, 1), until=date(2020, 3, 1)).figures["party_checkins"] == 1
    # in a closed period it is refused
    closing.period_close(actor=world.office, node=world.county, since="2021-01", until="2021-01")
    other = party_member(world, name="党员乙")
    with pytest.raises(DomainError) as caught:
        party_services.party_checkin(actor=world.manager_a, volunteer=other, checked_in_on="2021-01-05",
                                     late_reason="补录")
    assert caught.value.code == "orgs.period_closed"


def test_the_api_and_page_take_a_back_dated_check_in():
    from django.test import Client

    from wenming.core.tests.api_client import ApiClient

    world = build_world()
    member = party_member(world)
    api = ApiClient("manager_a")
    res = api.post("/party-checkins", {"volunteer_id": member.pk, "checked_in_on": "2020-02-12"})
    assert res.status_code == 422 and res.json()["code"] == "core.late_reason_required"
    res = api.post("/party-checkins", {"volunteer_id": member.pk, "checked_in_on": "2020-02-12",
                                       "late_reason": "据登记簿补录"})
    assert res.status_code == 201 and res.json()["late_reason"] == "据登记簿补录"
    assert res.json()["checked_in_at"].startswith("2020-02-12")
    second = party_member(world, name="党员丙")
    c = Client()
    c.force_login(world.manager_a)
    page = c.post("/campaigns/party/checkin/", {"volunteer_no": second.volunteer_no, "checked_in_on": "2020-03-01"})
    assert page.status_code == 422 and "补录说明" in page.content.decode()
    ok = c.post("/campaigns/party/checkin/", {"volunteer_no": second.volunteer_no, "checked_in_on": "2020-03-01",
                                              "late_reason": "据登记簿补录"})
    assert ok.status_code == 302
    listing = c.get("/campaigns/party/").content.decode()
    assert "补录" in listing and "据登记簿补录" in listing
