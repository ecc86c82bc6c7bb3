"""The evaluation's core flows: routing, visibility, rectification, deadlines, repeats,
and scores that always equal a rebuild from the raw rows."""

import random
import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.models import Notification
from wenming.core.testing import CONCURRENT, at_once
from wenming.dashboards import rebuild
from wenming.dashboards.summary import fold_all
from wenming.evaluation.models import EventKind, Finding, FindingStatus
from wenming.evaluation.selectors import records, scoreboard
from wenming.evaluation.services import duties, inspections, rectification, tallies
from wenming.evaluation.tests.factories import a_finding, a_round, build_evaluation, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def e(world):
    return build_evaluation(world)


def _routes(finding):
    return sorted((r.unit.name, r.role) for r in finding.routes.select_related("unit"))


def test_a_finding_is_routed_to_the_lead_and_cooperating_units_of_the_duty_table(e):
    f = a_finding(e)
    assert f.lead_unit == e.market_bureau
    assert _routes(f) == [("县市场监管局", "lead"), ("茅坪镇政府", "coop")]
    assert f.points == Decimal("0.50")  # the indicator's deduction per finding
    told = set(Notification.objects.filter(subject__startswith="督查发现问题").values_list("recipient__username",
                                                                                          flat=True))
    assert told == {"liaison_market", "liaison_town"}


def test_a_site_duty_wins_over_the_table_and_the_site_unit_is_told(e):
    duties.site_duty_save(actor=e.world.office, site=e.site_street, indicator=e.roads, unit=e.education)
    f = a_finding(e, site=e.site_street, indicator=e.roads)
    assert f.lead_unit == e.education
    assert _routes(f) == [("县城管局", "coop"), ("县教育局", "lead"), ("茅坪镇政府", "coop")]


def test_a_deduction_item_sets_the_points(e):
    f = a_finding(e, deduction=e.litter)
    assert f.points == Decimal("0.30") and f.deduction == e.litter
    with pytest.raises(DomainError) as err:
        a_finding(e, indicator=e.roads, deduction=e.litter)
    assert err.value.code == "evaluation.deduction_mismatch"


def test_a_liaison_sees_only_findings_routed_to_their_unit(e):
    f = a_finding(e)
    assert records.finding_get_for_actor(actor=e.liaison_market, pk=f.pk) == f
    assert records.finding_get_for_actor(actor=e.liaison_town, pk=f.pk) == f  # cooperating
    with pytest.raises(DomainError) as err:
        records.finding_get_for_actor(actor=e.liaison_admin, pk=f.pk)
    assert err.value.status == 404
    assert list(records.findings_for_actor(actor=e.liaison_admin)) == []


def test_an_unannounced_round_is_invisible_to_units_until_a_finding_is_recorded(e):
    rnd = a_round(e)
    for liaison in (e.liaison_market, e.liaison_town, e.liaison_admin):
        assert list(records.rounds_for_actor(actor=liaison)) == []
        assert list(records.findings_for_actor(actor=liaison)) == []
        with pytest.raises(DomainError):
            records.round_get_for_actor(actor=liaison, pk=rnd.pk)
    # node managers are inspected too: rounds are for inspectors and the office only
    assert list(records.rounds_for_actor(actor=e.world.manager_a)) == []
    assert list(records.rounds_for_actor(actor=e.inspector)) == [rnd]
    f = a_finding(e, rnd)
    assert list(records.findings_for_actor(actor=e.liaison_market)) == [f]
    assert list(records.rounds_for_actor(actor=e.liaison_market)) == []


def test_position_is_kept_as_pass_or_fail_and_distance_only(e):
    near = a_finding(e, lat="30.8301", lon="111.0001")
    assert near.position_passed is True and 0 < near.distance_m < 50
    far = a_finding(e, lat="30.9", lon="111.1")
    assert far.position_passed is False and far.distance_m > 5000
    none = a_finding(e)
    assert none.position_passed is None and none.distance_m is None
    with pytest.raises(DomainError) as err:
        a_finding(e, lat="91", lon="0")
    assert err.value.code == "venue.coordinates_invalid"


def test_recording_needs_a_photo_a_description_and_an_active_campaign(e):
    with pytest.raises(DomainError) as err:
        a_finding(e, photos=[])
    assert err.value.code == "evaluation.photo_required"
    with pytest.raises(DomainError) as err:
        a_finding(e, description=" \x00 ")
    assert err.value.code == "evaluation.description_required"
    with pytest.raises(DomainError) as err:
        a_finding(e, points="1e30")
    assert err.value.code == "evaluation.points_invalid"
    with pytest.raises(DomainError) as err:  # a liaison cannot record
        inspections.finding_record(actor=e.liaison_market, rnd=a_round(e), site=e.site_market, indicator=e.hygiene,
                                   description="x", photos=[photo()])
    assert err.value.status == 403


def test_the_rectification_loop_returns_and_accepts(e):
    f = a_finding(e)
    with pytest.raises(DomainError) as err:  # not routed to the city administration
        rectification.finding_answer(actor=e.liaison_admin, finding=f, text="已清理", photos=[photo()])
    assert err.value.code == "evaluation.not_routed"
    f = rectification.finding_answer(actor=e.liaison_market, finding=f, text="已清理积水", photos=[photo()])
    assert f.status == FindingStatus.ANSWERED
    with pytest.raises(DomainError) as err:  # a double tap
        rectification.finding_answer(actor=e.liaison_market, finding=f, text="已清理积水", photos=[photo()])
    assert err.value.code == "evaluation.bad_status"
    with pytest.raises(DomainError):
        rectification.finding_return(actor=e.inspector, finding=f, reason="")
    f = rectification.finding_return(actor=e.inspector, finding=f, reason="仍有垃圾")
    assert f.status == FindingStatus.RETURNED and f.deadline > timezone.now()
    f = rectification.finding_answer(actor=e.liaison_town, finding=f, text="属地已再次清理", photos=[photo()])
    f = rectification.finding_accept(actor=e.inspector, finding=f)
    assert f.status == FindingStatus.ACCEPTED and f.closed_at
    kinds = list(f.events.values_list("kind", flat=True))
    assert kinds == ["recorded", "answered", "returned", "answered", "accepted"]
    assert f.photos.count() == 3  # the problem and two answers (the refused double tap stored nothing)
    board = scoreboard.unit_board(e.campaign, e.market_bureau)
    assert board.counts["live"] == 0 and board.counts["findings"] == 1  # the deduction stands after rectification


def test_deadlines_remind_then_escalate_against_a_moved_clock(e):
    start = timezone.now()
    f = a_finding(e, now=start)  # minor: 7 days, to the end of that day
    assert timezone.localtime(f.deadline).date() == timezone.localtime(start + timedelta(days=7)).date()
    assert rectification.overdue_tick(now=start + timedelta(days=6)) == {"reminded": 0, "escalated": 0}
    late = f.deadline + timedelta(minutes=1)
    assert rectification.overdue_tick(now=late) == {"reminded": 1, "escalated": 0}
    assert rectification.overdue_tick(now=late) == {"reminded": 0, "escalated": 0}  # once
    f.refresh_from_db()
    assert f.overdue and f.reminded_at == late
    assert Notification.objects.filter(recipient=e.liaison_market, subject__startswith="整改已逾期").count() == 1
    assert scoreboard.unit_board(e.campaign, e.market_bureau).counts["overdue"] == 1
    escalate = f.deadline + timedelta(days=e.campaign.escalate_after_days, minutes=2)
    assert rectification.overdue_tick(now=escalate) == {"reminded": 0, "escalated": 1}
    assert rectification.overdue_tick(now=escalate) == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(recipient=e.world.office, subject__startswith="逾期未整改").count() == 1
    # answering clears the overdue count; a returned task gets a new deadline and may be late again
    f = rectification.finding_answer(actor=e.liaison_market, finding=f, text="已整改", photos=[photo()], now=escalate)
    assert not f.overdue and scoreboard.unit_board(e.campaign, e.market_bureau).counts["overdue"] == 0
    f = rectification.finding_return(actor=e.inspector, finding=f, reason="未到位", now=escalate)
    assert f.escalated_at is None and f.reminded_at is None
    assert rectification.overdue_tick(now=f.deadline + timedelta(minutes=1))["reminded"] == 1
    assert tallies.tallies_differences() == []


def test_a_severe_problem_gets_a_shorter_deadline(e):
    now = timezone.now()
    f = a_finding(e, severity="severe", now=now)
    assert timezone.localtime(f.deadline).date() == timezone.localtime(now + timedelta(days=1)).date()


def test_the_same_problem_at_the_same_site_again_is_flagged_as_a_repeat(e):
    now = timezone.now()
    first = a_finding(e, now=now - timedelta(days=30))
    again = a_finding(e, now=now)
    assert again.repeat_of == first
    other_site = a_finding(e, site=e.site_street, now=now)
    assert other_site.repeat_of is None
    long_after = a_finding(e, now=now + timedelta(days=e.campaign.repeat_window_days + 1))
    assert long_after.repeat_of is None
    assert scoreboard.unit_board(e.campaign, e.market_bureau).counts["repeats"] == 1


def test_a_finding_is_withdrawn_with_a_reason_and_deducts_nothing(e):
    f = a_finding(e)
    before = scoreboard.node_board(e.campaign, e.world.county).score
    with pytest.raises(DomainError) as err:
        inspections.finding_withdraw(actor=e.inspector, finding=f, reason=" ")
    assert err.value.code == "evaluation.reason_required"
    with pytest.raises(DomainError) as err:
        inspections.finding_withdraw(actor=e.liaison_market, finding=f, reason="不服")
    assert err.value.status == 403
    f = inspections.finding_withdraw(actor=e.inspector, finding=f, reason="点位认定有误")
    assert f.status == FindingStatus.WITHDRAWN
    assert scoreboard.node_board(e.campaign, e.world.county).score == before + Decimal("0.40")
    assert f.events.filter(kind=EventKind.WITHDRAWN).exists()
    with pytest.raises(DomainError):
        inspections.finding_withdraw(actor=e.inspector, finding=f, reason="again")


def test_deductions_are_capped_at_the_indicator_points(e):
    rnd = a_round(e)
    for _ in range(10):  # 10 × 0.5 > 4 points
        a_finding(e, rnd)
    line = next(x for x in scoreboard.node_board(e.campaign, e.world.county).lines if x.indicator == e.hygiene)
    assert line.deducted == Decimal(5) and line.score == 0


def test_the_sub_system_has_a_floor_and_a_share(e):
    rnd = a_round(e)
    board = scoreboard.node_board(e.campaign, e.world.county)
    assert board.qualified and board.subsystems[0].rate == 100
    for _ in range(3):  # 3 of 5 points lost: 40 % < the 60 % floor
        a_finding(e, rnd, site=e.site_street, indicator=e.school)
    board = scoreboard.node_board(e.campaign, e.world.county)
    sub = board.subsystems[0]
    assert sub.rate == 40 and not sub.passed and not board.qualified
    # main: 7 of 11 (no survey answers, no material yet); total = 7 × 0.8 + 0.4 × 11 × 0.2
    assert board.main_score == 7 and board.score == Decimal("6.48")


def test_accountability_is_recorded_with_who_and_why(e):
    f = a_finding(e)
    rec = rectification.accountability_record(actor=e.world.office, campaign=e.campaign, unit=e.market_bureau,
                                              kind="talk", reason="连续两次督查发现同类问题", finding=f)
    assert rec.decided_by == e.world.office and rec.get_kind_display() == "约谈"
    with pytest.raises(DomainError) as err:
        rectification.accountability_record(actor=e.inspector, campaign=e.campaign, unit=e.market_bureau,
                                            kind="talk", reason="x")
    assert err.value.status == 403
    with pytest.raises(DomainError) as err:  # the finding was not routed to that unit
        rectification.accountability_record(actor=e.world.office, campaign=e.campaign, unit=e.city_admin,
                                            kind="notice", reason="x", finding=f)
    assert err.value.code == "evaluation.choice_invalid"


def _boards_agree(e):
    county = e.world.county
    kept, raw = scoreboard.node_board(e.campaign, county), scoreboard.node_board_raw(e.campaign, county)
    assert [(x.indicator.pk, x.score, x.deducted) for x in kept.lines] == \
           [(x.indicator.pk, x.score, x.deducted) for x in raw.lines]
    assert (kept.score, kept.counts, kept.trend) == (raw.score, raw.counts, raw.trend)
    for unit in (e.market_bureau, e.city_admin, e.town, e.education):
        a, b = scoreboard.unit_board(e.campaign, unit), scoreboard.unit_board_raw(e.campaign, unit)
        assert (a.score, a.full, a.counts) == (b.score, b.full, b.counts), unit.name
    assert tallies.tallies_differences() == []
    assert [d for d in rebuild.differences() if d[0][1].startswith(("eval", "evald:"))] == []


def test_scores_after_a_random_mix_equal_a_rebuild_from_the_raw_rows(e):
    rng = random.Random(12)
    rnd = a_round(e)
    start = timezone.now() - timedelta(days=60)
    live = []
    sites = [(e.site_market, e.hygiene), (e.site_street, e.roads), (e.site_street, e.school)]
    for step in range(40):
        now = start + timedelta(days=step)
        action = rng.choice(["record", "record", "answer", "accept", "return", "withdraw", "tick"])
        if action == "record" or not live:
            site, ind = rng.choice(sites)
            live.append(a_finding(e, rnd, site=site, indicator=ind, now=now, points=rng.choice([None, "0.25", "1"]),
                                  severity=rng.choice(["minor", "major", "severe"])))
            continue
        f = rng.choice(live)
        f.refresh_from_db()
        liaison = {e.market_bureau.pk: e.liaison_market, e.city_admin.pk: e.liaison_admin}.get(f.lead_unit_id)
        try:
            if action == "answer" and liaison:
                rectification.finding_answer(actor=liaison, finding=f, text="整改", photos=[photo()], now=now)
            elif action == "accept":
                rectification.finding_accept(actor=e.inspector, finding=f, now=now)
            elif action == "return":
                rectification.finding_return(actor=e.inspector, finding=f, reason="未到位", now=now)
            elif action == "withdraw":
                inspections.finding_withdraw(actor=e.inspector, finding=f, reason="误录")
            elif action == "tick":
                rectification.overdue_tick(now=now + timedelta(days=20))
        except DomainError:
            pass  # a move the finding's state does not allow: nothing may change
        if step % 10 == 9:
            _boards_agree(e)
    _boards_agree(e)
    fold_all()
    _boards_agree(e)
    assert tallies.tallies_rebuild() > 0
    _boards_agree(e)


def test_the_county_dashboard_shows_the_evaluation_figures(e):
    from wenming.dashboards.selectors import dashboard_for_actor

    a_finding(e, points="1")
    f = a_finding(e, site=e.site_street, indicator=e.roads)
    inspections.finding_withdraw(actor=e.inspector, finding=f, reason="误录")
    other = {m["code"]: m["total"] for m in dashboard_for_actor(actor=e.world.office, node_id=e.world.county.pk)["other"]}
    assert other["eval_findings"] == 1 and other["eval_deducted"] == 1 and other["eval_live"] == 1
    assert other["eval_overdue"] == 0


def test_a_second_tap_of_the_recording_form_records_nothing_more(e):
    rnd, submission = a_round(e), "5f0c6a7e-1111-4222-8333-944445555666"
    first = a_finding(e, rnd, submission_id=submission)
    again = a_finding(e, rnd, submission_id=submission)
    assert again == first and Finding.objects.count() == 1 and again.repeat_of is None
    with pytest.raises(DomainError) as err:
        a_finding(e, rnd, submission_id="not-a-uuid")
    assert err.value.code == "evaluation.choice_invalid"


@CONCURRENT
def test_the_same_submission_at_once_records_one_finding(world, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    e = build_evaluation(world)
    rnd, submission = a_round(e), "0b8f6c1e-aaaa-4bbb-8ccc-dddd00001111"
    numbers = at_once(6, lambda: a_finding(e, rnd, submission_id=submission).number)
    assert len(set(numbers)) == 1 and Finding.objects.count() == 1
    assert tallies.tallies_differences() == []


@CONCURRENT
def test_an_answer_racing_the_overdue_job_keeps_the_counts_right(world, settings, tmp_path):
    """The overdue job flags a task between the answer's read and its update (the window is
    held open here): the answer either sees the flag or the job waits for the answer."""
    settings.UPLOAD_DIR = str(tmp_path)
    e = build_evaluation(world)
    f = a_finding(e)
    read, ticked, main = threading.Event(), threading.Event(), threading.get_ident()
    real = Finding.objects.select_for_update

    def paused(*args, **kwargs):
        qs = real(*args, **kwargs)
        get = qs.get

        def get_then_wait(*a, **kw):
            row = get(*a, **kw)
            if threading.get_ident() == main:
                read.set()
                ticked.wait(3)  # the job waits on the row lock (PostgreSQL) or the write lock (SQLite)
            return row

        qs.get = get_then_wait
        return qs

    def tick():
        read.wait(10)
        try:
            rectification.overdue_tick(now=f.deadline + timedelta(hours=1))
        finally:
            connection.close()
            ticked.set()

    thread = threading.Thread(target=tick)
    thread.start()
    with mock.patch.object(Finding.objects, "select_for_update", side_effect=paused):
        rectification.finding_answer(actor=e.liaison_market, finding=f, text="已整改", photos=[photo()])
    thread.join()
    f.refresh_from_db()
    assert f.status == FindingStatus.ANSWERED and not f.overdue
    assert tallies.tallies_differences() == []
    assert [d for d in rebuild.differences() if d[0][1].startswith("eval")] == []


def test_a_units_board_and_the_ranking_agree_also_for_sub_system_indicators(e):
    rnd = a_round(e)
    a_finding(e, rnd, site=e.site_street, indicator=e.school)  # 县教育局 leads only 9.1 (未成年人)
    a_finding(e, rnd)
    board = scoreboard.unit_board(e.campaign, e.education)
    assert (board.full, board.score) == (Decimal("5.00"), Decimal("4.00"))
    ranked = {r.unit_id: r for r in scoreboard.unit_ranking(e.campaign, e.world.county)}
    for unit in (e.market_bureau, e.city_admin, e.education):
        b = scoreboard.unit_board(e.campaign, unit)
        assert (ranked[unit.pk].full, ranked[unit.pk].score) == (b.full, b.score), unit.name


def test_a_campaigns_board_counts_only_its_own_findings(e):
    a_finding(e)
    from wenming.evaluation.services import campaigns

    nxt = campaigns.campaign_copy(actor=e.world.office, source=e.campaign, name="2024年度测评", year=2024,
                                  starts_on=e.campaign.starts_on.replace(year=2024),
                                  ends_on=e.campaign.ends_on.replace(year=2024))
    assert scoreboard.node_board(nxt, e.world.county).counts == {"live": 0, "overdue": 0}
    assert scoreboard.node_board(e.campaign, e.world.county).counts == {"live": 1, "overdue": 0}


def test_the_red_and_black_lists_follow_the_campaigns_lines(e):
    rnd = a_round(e)
    for _ in range(6):  # 县城管局 leads 4.1.2 (3 points): 6 × 0.5 = all lost
        a_finding(e, rnd, site=e.site_street, indicator=e.roads)
    ranking = scoreboard.unit_ranking(e.campaign, e.world.county)
    red, black = scoreboard.red_black(e.campaign, ranking)
    assert "县城管局" in [r.name for r in black] and "县城管局" not in [r.name for r in red]
    assert all(r.rate >= e.campaign.red_min_rate and not r.live for r in red)
    assert "县市场监管局" not in [r.name for r in red]  # its material is not reviewed yet: 4 of 6 points
