"""The demo county's evaluation (seeding/demo_evaluation.py), seeded as `wenming demo` does."""

import pytest

from wenming.accounts.models import User
from wenming.seeding.demo import seed_demo

SMALL = 300


@pytest.fixture
def demo(db):
    return seed_demo(volunteers=SMALL, progress=False)


def test_demo_has_an_evaluation_with_sites_findings_in_every_state_and_logins_that_land_on_it(demo, client):
    from wenming.evaluation.models import Campaign, Finding, Site
    from wenming.evaluation.selectors.scoreboard import node_board, node_board_raw

    campaign = Campaign.objects.get(status="active")
    assert campaign.indicators.filter(level="indicator").count() >= 25
    assert campaign.subsystems.get().name == "未成年人思想道德建设"
    assert campaign.duties.filter(role="lead").count() >= 20
    assert 150 <= Site.objects.count() <= 200
    states = set(Finding.objects.values_list("status", flat=True))
    assert states == {"open", "answered", "returned", "accepted", "withdrawn"}
    assert Finding.objects.filter(overdue=True).exists() and Finding.objects.filter(escalated_at__isnull=False).exists()
    assert Finding.objects.filter(repeat_of__isnull=False).exists()
    assert node_board(campaign, campaign.node).score == node_board_raw(campaign, campaign.node).score
    survey = campaign.surveys.get()
    assert survey.status == "open" and survey.responses_count == 60
    aware = next(x for x in node_board(campaign, campaign.node).lines if x.indicator.code == "4.1.3")
    assert aware.rate is not None and 50 < aware.rate <= 100
    assert campaign.materials.filter(status="scored").exists() and campaign.materials.filter(status="submitted").exists()
    from wenming.evaluation.models import Pairing, UnitMember

    assert UnitMember.objects.filter(unit__name="秭归县教育局").count() == 12 and Pairing.objects.exists()
    for username, text in (("inspector", "待复查的整改"), ("liaison", "本单位待整改的问题")):
        client.force_login(User.objects.get(username=username))
        home = client.get("/").content.decode()
        assert text in home, username
        assert client.get("/evaluation/").status_code == 200
