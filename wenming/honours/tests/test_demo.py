"""The demo county's honours (seeding/demo_honours.py), seeded as `wenming demo` does."""

import pytest

from wenming.seeding.demo import seed_demo

SMALL = 300


@pytest.fixture
def demo(db):
    return seed_demo(volunteers=SMALL, progress=False)


def test_demo_has_a_vote_under_way_and_an_announced_honour_roll(demo):
    from wenming.accounts.models import User
    from wenming.honours.access import conflict_unit
    from wenming.honours.models import HonourCampaign, Vote
    from wenming.honours.selectors import records
    from wenming.honours.selectors.votes import vote_clusters

    voting = HonourCampaign.objects.get(stage="voting", category__code="good_people")
    ballot = list(records.public_nominations(voting))
    assert len(ballot) == 6 and sum(n.priority for n in ballot) == 2
    assert all(n.votes == Vote.objects.filter(nomination=n, voided_at__isnull=True, undone_at__isnull=True).count()
               for n in ballot)
    assert {"address", "virtual"} <= {c.kind for c in vote_clusters(voting)}
    reviewer = User.objects.get(username="reviewer")
    flagged = [n for n in voting.nominations.all() if conflict_unit(reviewer, n)]
    assert len(flagged) == 1 and flagged[0].nominating_unit.name == "秭归县教育局"

    announced = HonourCampaign.objects.get(stage="announced", category__code="moral_model")
    honoured = list(records.honour_roll(year=announced.year))
    assert len(honoured) == 5 and any(n.priority for n in honoured)
    volunteer = User.objects.get(username="volunteer").volunteer
    assert [n.campaign for n in records.honours_of_volunteer(volunteer)] == [announced]
    assert set(announced.nominations.values_list("status", flat=True)) == {"honoured", "rejected"}
    assert announced.nominations.filter(objections__status="answered").exists()
