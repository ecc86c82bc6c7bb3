"""The stage machine, nominations, duplicates, staged review with conflicts of interest,
the final selection within the places, the notice with objections, and scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.honours.models import Nomination, NominationStatus, Review
from wenming.honours.selectors import records
from wenming.honours.services import campaigns, nominations, notice, reviews
from wenming.honours.tests.factories import resident_id, story

pytestmark = pytest.mark.django_db


def code(call) -> str:
    with pytest.raises(DomainError) as err:
        call()
    return err.value.code


def by_unit(c, vol=None, **kw):
    return nominations.nomination_create(actor=c.liaison, campaign=c.campaign, kind="volunteer", nominated_by="unit",
                                         nominating_unit=c.hospital, volunteer=vol or c.nurse, consent=True,
                                         **story(**kw))


def by_node(c, vol=None, **kw):
    return nominations.nomination_create(actor=c.manager, campaign=c.campaign, kind="volunteer", nominated_by="node",
                                         nominating_node=c.station, volunteer=vol or c.farmer, consent=True,
                                         **story(**kw))


def scores(c, a=50, b=30):
    first, second = c.campaign.criteria.all()
    return {str(first.pk): a, str(second.pk): b}


def to_final(c):
    """Two nominations passed the initial review, the vote skipped to the final review."""
    n1, n2 = by_unit(c, priority=True, priority_note="抗疫一线医护人员"), by_node(c)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    for n in (n1, n2):
        reviews.review_submit(actor=c.reviewer2, nomination=n, decision="pass", scores=scores(c))
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review")
    n1.refresh_from_db()
    n2.refresh_from_db()
    return n1, n2


def test_the_stages_move_only_forward_one_at_a_time(city):
    c = city
    assert code(lambda: campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")) == \
        "honours.stage_order"
    assert code(lambda: campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="draft")) == \
        "honours.stage_order"
    assert code(lambda: campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="nonsense\x00")) == \
        "honours.stage_order"
    by_unit(c)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    # leaving the initial review needs every nomination decided
    err = code(lambda: campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting"))
    assert err == "honours.stage_blocked"
    # only the office of the campaign moves it
    assert code(lambda: campaigns.stage_advance(actor=c.county_office, campaign=c.campaign,
                                                to="voting")) == "forbidden"


def test_a_campaign_without_a_vote_skips_it(city):
    c = city
    campaigns.campaign_update(actor=c.office, campaign=c.campaign, vote_enabled=False)
    n = by_unit(c)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    reviews.review_submit(actor=c.reviewer2, nomination=n, decision="pass", scores=scores(c))
    assert code(lambda: campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")) == \
        "honours.stage_order"
    assert campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review").stage == "final_review"


def test_nominations_by_unit_node_and_self_with_registry_figures(city):
    c = city
    n = by_unit(c)
    assert (n.name, n.nominating_unit, n.status, n.person_key.startswith("id:")) == \
        ("刘护士", c.hospital, "submitted", True)
    assert n.star_level == 0 and n.service_hours == 0  # from the registry
    assert by_node(c).nominating_node == c.station
    # a node nominates only inside its own subtree
    assert code(lambda: by_node(c, vol=c.far)) == "honours.nominee_out_of_scope"
    # a self-nomination needs the co-signers the rules ask for
    resident = c.nurse.user or None
    assert resident is None  # (the registry volunteer has no login here)
    person = __import__("wenming.volunteers.tests.factories", fromlist=["user"]).user("resident1",
                                                                                     phone="13600000077")
    number = resident_id(3)
    ask = dict(actor=person, campaign=c.campaign, kind="resident", nominated_by="self", consent=True,
               name="赵阿姨", id_number=number, node=c.station, phone="136 0000 0077", **story())
    # an account self-nominates only itself: the phone must be its own
    assert code(lambda: nominations.nomination_create(
        recommenders=[{"name": "钱一", "phone": "13700000001"}, {"name": "孙二", "phone": "13700000002"}],
        **{**ask, "phone": "13600000078"})) == "honours.self_phone"
    assert code(lambda: nominations.nomination_create(recommenders=[{"name": "钱一", "phone": "13700000001"}],
                                                      **ask)) == "honours.recommenders_short"
    mine = nominations.nomination_create(recommenders=[{"name": "钱一", "phone": "13700000001"},
                                                       {"name": "孙二", "phone": "137 0000 0002"}], **ask)
    assert mine.id_number_masked.startswith(number[:6]) and "*" in mine.id_number_masked
    assert mine.recommenders.count() == 2 and mine.recommenders.first().phone_masked.count("*") == 4
    # the same person again, by anyone, is a duplicate
    assert code(lambda: nominations.nomination_create(
        actor=c.manager, campaign=c.campaign, kind="resident", nominated_by="node", nominating_node=c.station,
        consent=True, name="赵阿姨", id_number=number, node=c.station, **story())) == "honours.duplicate"


def test_a_registered_volunteer_typed_in_as_a_resident_is_a_duplicate(city):
    c = city
    by_unit(c)
    from wenming.core.crypto import decrypt

    number = decrypt(c.nurse.id_number_enc)
    assert code(lambda: nominations.nomination_create(
        actor=c.manager, campaign=c.campaign, kind="resident", nominated_by="node", nominating_node=c.station,
        consent=True, name="刘护士", id_number=number, node=c.station, **story())) == "honours.duplicate"


def test_nominations_are_refused_without_consent_outside_the_category_or_the_window(city):
    c = city
    assert code(lambda: nominations.nomination_create(
        actor=c.liaison, campaign=c.campaign, kind="volunteer", nominated_by="unit", nominating_unit=c.hospital,
        volunteer=c.nurse, consent=False, **story())) == "honours.consent_required"
    assert code(lambda: nominations.nomination_create(
        actor=c.liaison, campaign=c.campaign, kind="family", nominated_by="unit", nominating_unit=c.hospital,
        consent=True, name="刘家", id_number=resident_id(), node=c.station, **story())) == "honours.kind_not_allowed"
    assert code(lambda: nominations.nomination_create(
        actor=c.manager, campaign=c.campaign, kind="volunteer", nominated_by="unit", nominating_unit=c.hospital,
        volunteer=c.nurse, consent=True, **story())) == "honours.no_unit"
    assert code(lambda: by_unit(c, story="太短")) == "honours.story_short"
    assert code(lambda: by_unit(c, title="x" * 101)) == "honours.text_too_long"
    later = timezone.now() + timedelta(days=40)
    assert code(lambda: nominations.nomination_create(
        actor=c.liaison, campaign=c.campaign, kind="volunteer", nominated_by="unit", nominating_unit=c.hospital,
        volunteer=c.nurse, consent=True, now=later, **story())) == "honours.nomination_closed"
    assert not Nomination.objects.exists()


def test_a_reviewer_from_the_nominees_unit_cannot_score_and_others_decide(city):
    c = city
    n = by_unit(c)  # the hospital nominates its nurse; c.reviewer works at the hospital
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    assert code(lambda: reviews.review_submit(actor=c.reviewer, nomination=n, decision="pass",
                                              scores=scores(c))) == "honours.conflict_of_interest"
    assert not Review.objects.exists()
    assert code(lambda: reviews.review_submit(actor=c.reviewer2, nomination=n, decision="return")) == \
        "honours.reason_required"
    assert code(lambda: reviews.review_submit(actor=c.reviewer2, nomination=n, decision="pass",
                                              scores=scores(c, a=61))) == "honours.score_invalid"
    assert code(lambda: reviews.review_submit(actor=c.reviewer2, nomination=n, decision="pass",
                                              scores={})) == "honours.scores_missing"
    reviews.review_submit(actor=c.reviewer2, nomination=n, decision="return", reason="请补充值守照片")
    n.refresh_from_db()
    assert (n.status, n.status_reason) == ("returned", "请补充值守照片")
    nominations.nomination_update(actor=c.liaison, nomination=n, consent=True, **story(title="补充后的事迹"))
    n.refresh_from_db()
    assert n.status == "submitted"
    # a reviewer of another county is not a reviewer here
    assert code(lambda: reviews.review_submit(actor=c.other_office, nomination=n, decision="pass",
                                              scores=scores(c))) == "forbidden"


def test_the_office_selects_within_the_places_and_announces_after_the_notice(city):
    c = city
    n1, n2 = to_final(c)
    reviews.review_submit(actor=c.city_reviewer, nomination=n1, decision="pass", scores=scores(c, 58, 38))
    listed = list(records.nominations_for_actor(actor=c.office, campaign=c.campaign, sort="score"))
    assert listed[0] == n1 and listed[0].final_avg == 96
    campaigns.campaign_update(actor=c.office, campaign=c.campaign, places=1)
    reviews.selection_set(actor=c.office, nomination=n1, selected=True)
    assert code(lambda: reviews.selection_set(actor=c.office, nomination=n2, selected=True)) == "honours.places_full"
    n2.refresh_from_db()
    assert n2.status == "shortlisted"  # nothing half-written
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="notice")
    objection = notice.objection_submit(nomination=n1, text="该同志的值守天数与实际不符，请核实。", anonymous=True)
    later = timezone.now() + timedelta(days=8)
    assert code(lambda: campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="announced",
                                                now=timezone.now())) == "honours.stage_blocked"
    assert code(lambda: campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="announced",
                                                now=later)) == "honours.objections_open"
    notice.objection_answer(actor=c.office, objection=objection, answer="经核实，值守记录属实。", upheld=False)
    done = campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="announced", now=later)
    assert done.stage == "announced"
    n1.refresh_from_db()
    n2.refresh_from_db()
    assert n1.status == NominationStatus.HONOURED
    assert (n2.status, n2.status_reason) == (NominationStatus.REJECTED, "复审未入选")
    assert list(records.honour_roll()) == [n1] and records.honours_of_volunteer(c.nurse) == [n1]


def test_an_upheld_objection_drops_the_nominee_and_frees_the_place(city):
    c = city
    n1, _ = to_final(c)
    reviews.selection_set(actor=c.office, nomination=n1, selected=True)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="notice")
    objection = notice.objection_submit(nomination=n1, text="事迹材料中的照片系他人所摄，有造假嫌疑。", anonymous=False,
                                        name="周先生", phone="13600000001")
    assert objection.phone_masked.count("*") == 4 and objection.phone_enc
    notice.objection_answer(actor=c.office, objection=objection, answer="经核实异议成立，取消拟表彰。", upheld=True)
    n1.refresh_from_db()
    c.campaign.refresh_from_db()
    assert (n1.status, c.campaign.selected_count) == ("dropped", 0)


def test_a_county_sees_only_its_own_nominations(city):
    c = city
    mine = by_unit(c)
    theirs = nominations.nomination_create(
        actor=c.other_office, campaign=c.campaign, kind="volunteer", nominated_by="node",
        nominating_node=c.other_county, volunteer=c.far, consent=True, **story())
    assert list(records.nominations_for_actor(actor=c.other_office, campaign=c.campaign)) == [theirs]
    assert set(records.nominations_for_actor(actor=c.office, campaign=c.campaign)) == {mine, theirs}
    assert list(records.nominations_for_actor(actor=c.liaison, campaign=c.campaign)) == [mine]
    for actor in (c.other_office, c.manager):
        err = code(lambda a=actor: records.nomination_get_for_actor(actor=a, pk=(mine if a == c.other_office
                                                                                 else theirs).pk))
        assert err == "not_found"
    assert records.campaign_get_for_actor(actor=c.other_office, pk=c.campaign.pk) == c.campaign
