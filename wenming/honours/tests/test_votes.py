"""The public vote: phones proven by a code, the rules' limits under a storm, double taps,
taking a vote back, suspicious clusters, and voided votes leaving the count (audited)."""

import itertools
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.core.testing import CONCURRENT
from wenming.honours.models import Nomination, Vote, VoterDay
from wenming.honours.selectors import votes as vote_reads
from wenming.honours.services import campaigns, nominations, reviews
from wenming.honours.services import votes as sv
from wenming.honours.tests.factories import build_city, story

pytestmark = pytest.mark.django_db


def code(call) -> str:
    with pytest.raises(DomainError) as err:
        call()
    return err.value.code


def on_ballot(c, n: int = 3, **rules) -> list[Nomination]:
    """n nominees shortlisted and the vote open (under `rules`)."""
    from wenming.volunteers.tests.factories import volunteer

    out = []
    for i in range(n):
        vol = volunteer(c.root, c.station, name="候选人" + "甲乙丙丁戊"[i], phone=f"1390000{i + 100:04d}")
        out.append(nominations.nomination_create(actor=c.manager, campaign=c.campaign, kind="volunteer",
                                                 nominated_by="node", nominating_node=c.station, volunteer=vol,
                                                 consent=True, **story()))
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="initial_review")
    first, second = c.campaign.criteria.all()
    for nom in out:
        reviews.review_submit(actor=c.reviewer2, nomination=nom, decision="pass",
                              scores={str(first.pk): 50, str(second.pk): 30})
    if rules:
        campaigns.campaign_update(actor=c.office, campaign=c.campaign, **rules)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="voting")
    c.campaign.refresh_from_db()
    return [Nomination.objects.get(pk=x.pk) for x in out]


def voter(c, gateway, phone: str, capture=None, **kw) -> str:
    """A phone proven by its code: the voter pass token. `capture`: the on-commit capture of
    a test inside a transaction (the text goes out on commit)."""
    if capture is None:
        sv.vote_code_send(campaign=c.campaign, phone=phone)
    else:
        with capture(execute=True):
            sv.vote_code_send(campaign=c.campaign, phone=phone)
    text = next(t for p, t in reversed(gateway.sent) if p == phone)
    return sv.vote_verify(campaign=c.campaign, phone=phone, code=text.split("验证码是 ")[1][:6], **kw)


def test_a_phone_votes_within_the_limits_and_may_take_a_vote_back(city, gateway, django_capture_on_commit_callbacks):
    c = city
    a, b, d = on_ballot(c)
    assert code(lambda: sv.vote_verify(campaign=c.campaign, phone="13800000001", code="000000")) == \
        "honours.code_wrong"
    assert code(lambda: sv.vote_verify(campaign=c.campaign, phone="13800000001", code=" ")) == \
        "honours.code_required"
    token = voter(c, gateway, "13800000001", django_capture_on_commit_callbacks)
    vote, created = sv.vote_cast(campaign=c.campaign, nomination=a, token=token)
    assert created
    assert code(lambda: sv.vote_cast(campaign=c.campaign, nomination=a, token=token)) == "honours.nominee_limit"
    sub = str(uuid.uuid4())
    second, _ = sv.vote_cast(campaign=c.campaign, nomination=b, token=token, submission=sub)
    again, created = sv.vote_cast(campaign=c.campaign, nomination=b, token=token, submission=sub)  # a double tap
    assert again == second and not created
    c.campaign.votes_per_day = 2
    c.campaign.save(update_fields=["votes_per_day"])
    assert code(lambda: sv.vote_cast(campaign=c.campaign, nomination=d, token=token)) == "honours.day_limit"
    sv.vote_undo(campaign=c.campaign, vote_id=second.pk, token=token)  # taken back: the allowance returns
    sv.vote_cast(campaign=c.campaign, nomination=d, token=token)
    counts = {n.pk: n.votes for n in Nomination.objects.filter(pk__in=[a.pk, b.pk, d.pk])}
    assert counts == {a.pk: 1, b.pk: 0, d.pk: 1}
    assert [v.nomination_id for v in vote_reads.my_votes(c.campaign, sv.voter_pass(c.campaign, token))] == \
        [d.pk, b.pk, a.pk]
    assert code(lambda: sv.vote_cast(campaign=c.campaign, nomination=a, token="forged")) == "honours.pass_invalid"
    assert code(lambda: sv.vote_undo(campaign=c.campaign, vote_id=10**30, token=token)) == "honours.vote_not_yours"


def test_votes_are_refused_outside_the_vote(city, gateway, django_capture_on_commit_callbacks):
    c = city
    a, *_ = on_ballot(c, 1)
    token = voter(c, gateway, "13800000002", django_capture_on_commit_callbacks)
    late = c.campaign.vote_until + timedelta(minutes=1)
    assert code(lambda: sv.vote_cast(campaign=c.campaign, nomination=a, token=token, now=late)) == \
        "honours.vote_closed"
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="final_review")
    c.campaign.refresh_from_db()
    assert code(lambda: sv.vote_cast(campaign=c.campaign, nomination=a, token=token)) == "honours.vote_closed"
    assert code(lambda: sv.vote_code_send(campaign=c.campaign, phone="13800000003")) == "honours.vote_closed"


def test_suspicious_clusters_are_shown_and_voided_votes_leave_the_count(city, gateway,
                                                                        django_capture_on_commit_callbacks):
    c = city
    a, b, _ = on_ballot(c)
    cap = django_capture_on_commit_callbacks
    farm = [voter(c, gateway, f"1700000{i:04d}", cap, address="10.0.0.9", device="dev-1") for i in range(6)]
    honest = voter(c, gateway, "13800000009", cap, address="192.168.1.5", device="dev-2")
    for token in farm:
        sv.vote_cast(campaign=c.campaign, nomination=a, token=token, address="10.0.0.9", device="dev-1")
    sv.vote_cast(campaign=c.campaign, nomination=a, token=honest, address="192.168.1.5", device="dev-2")
    sv.vote_cast(campaign=c.campaign, nomination=b, token=honest, address="192.168.1.5", device="dev-2")
    clusters = {cl.kind: cl for cl in vote_reads.vote_clusters(c.campaign)}
    assert set(clusters) == {"address", "device", "virtual"}
    assert len(clusters["address"].vote_ids) == 6 and len(clusters["address"].phones) == 6
    assert code(lambda: sv.votes_void(actor=c.office, campaign=c.campaign, vote_ids=clusters["address"].vote_ids,
                                      reason="")) == "honours.void_reason"
    assert code(lambda: sv.votes_void(actor=c.county_office, campaign=c.campaign, vote_ids=[1],
                                      reason="x")) == "forbidden"
    n = sv.votes_void(actor=c.office, campaign=c.campaign, vote_ids=clusters["address"].vote_ids,
                      reason="同一网络地址六个虚拟号段手机号集中投票")
    assert n == 6
    a.refresh_from_db()
    assert a.votes == 1 == Vote.objects.filter(nomination=a, voided_at__isnull=True).count()
    row = AuditEntry.objects.get(action="honours.votes_void")
    assert sorted(row.changes["votes"]) == sorted(clusters["address"].vote_ids)
    assert row.changes["by_nomination"] == {str(a.pk): 6}
    assert vote_reads.vote_clusters(c.campaign) == []  # what remains is clean
    assert code(lambda: sv.votes_void(actor=c.office, campaign=c.campaign, vote_ids=clusters["address"].vote_ids,
                                      reason="again")) == "honours.nothing_to_void"


def test_a_burst_of_first_time_phones_is_flagged(city, gateway, django_capture_on_commit_callbacks):
    c = city
    a, *_ = on_ballot(c, 1)
    start = timezone.now()
    tokens = [voter(c, gateway, f"1381111{i:04d}", django_capture_on_commit_callbacks) for i in range(12)]
    for i, token in enumerate(tokens):
        sv.vote_cast(campaign=c.campaign, nomination=a, token=token, now=start + timedelta(seconds=i))
    kinds = {cl.kind: len(cl.vote_ids) for cl in vote_reads.vote_clusters(c.campaign)}
    assert kinds == {"new_phones": 12}


@CONCURRENT
def test_a_storm_of_2000_votes_from_100_phones_counts_exactly_what_the_rules_allow(gateway):
    """100 verified phones, 3 nominees, 2 votes per phone per day and 1 per nominee: 2,000
    concurrent attempts (each sent twice with the same submission id, a double tap) leave
    exactly 2 votes per phone, 200 in all, and every count equal to the vote rows."""
    c = build_city()
    ballot = on_ballot(c, votes_per_day=2)
    tokens = [voter(c, gateway, f"1360000{i:04d}") for i in range(100)]
    attempts = [(tokens[i % 100], ballot[(i // 100 + i) % 3], str(uuid.uuid4())) for i in range(1000)]
    work = list(itertools.chain.from_iterable((a, a) for a in attempts))  # 2,000: every one tapped twice
    outcomes, lock, cursor = [], threading.Lock(), iter(work)
    barrier = threading.Barrier(16)

    def run():
        barrier.wait()
        try:
            while True:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    return
                token, nom, sub = item
                try:
                    sv.vote_cast(campaign=c.campaign, nomination=nom, token=token, submission=sub)
                    outcome = "ok"
                except DomainError as exc:
                    outcome = exc.code
                with lock:
                    outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2000
    assert set(outcomes) <= {"ok", "honours.day_limit", "honours.nominee_limit"}
    assert Vote.objects.count() == 200
    per_phone = {}
    for v in Vote.objects.all():
        per_phone[v.phone_hash] = per_phone.get(v.phone_hash, 0) + 1
    assert set(per_phone.values()) == {2} and len(per_phone) == 100
    assert sorted(VoterDay.objects.values_list("used", flat=True).distinct()) == [2]
    for nom in ballot:
        nom.refresh_from_db()
        assert nom.votes == Vote.objects.filter(nomination=nom).count()
    assert sum(n.votes for n in ballot) == 200
