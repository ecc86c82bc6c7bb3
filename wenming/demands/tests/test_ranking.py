"""候选人排序: who is offered a request first, and why — and the summary the ranking reads."""

import random
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.tests.api_client import ApiClient
from wenming.demands import ranking
from wenming.demands import workflow as wf
from wenming.demands.models import Offer, VolunteerDemandStats
from wenming.demands.ranking import LABELS, WEIGHTS, rank_candidates, rank_full_scan, rank_search
from wenming.demands.stats import demand_stats_from_rows, demand_stats_rebuild
from wenming.demands.tests.factories import entered, volunteer_user
from wenming.orgs.models import Node
from wenming.volunteers.tests.factories import volunteer as _register


def volunteer(actor, node, **fields):
    """A volunteer who can log in (only they are candidates: they must be able to answer)."""
    from wenming.accounts.models import User

    vol = _register(actor, node, **fields)
    vol.user = User.objects.create_user(username=f"v{vol.pk}", password="x")
    vol.save(update_fields=["user"])
    return vol

pytestmark = pytest.mark.django_db

# A Wednesday, 10:00 in Beijing: the 工作日白天 slot.
NOW = timezone.make_aware(datetime(2026, 11, 18, 10, 0))
HOME = (Decimal("30.820"), Decimal("110.980"))  # station A and the requests
KM_LAT = Decimal("0.009")  # about 1 km of latitude


@pytest.fixture(autouse=True)
def _world_volunteers_log_in(request):
    """The world's two volunteers get logins too, when a test uses the world."""
    if "world" not in request.fixturenames:
        return
    from wenming.accounts.models import User

    world = request.getfixturevalue("world")
    for vol in (world.vol_a, world.vol_b):
        if vol.user_id is None:
            vol.user = User.objects.create_user(username=f"w{vol.pk}", password="x")
            vol.save(update_fields=["user"])


@pytest.fixture
def placed(world):
    """The stations and the point get positions: A at HOME, B 3 km north, the point 0.5 km
    east of A (volunteers without location consent are placed at their home node)."""
    Node.objects.filter(pk=world.station_a.pk).update(lat=HOME[0], lon=HOME[1])
    Node.objects.filter(pk=world.station_b.pk).update(lat=HOME[0] + 3 * KM_LAT, lon=HOME[1])
    Node.objects.filter(pk=world.point_a.pk).update(lat=HOME[0], lon=HOME[1] + Decimal("0.005"))
    return world


def _vol(world, name, *, km_north=None, node=None, skills=(), availability=0, reserve=False, **extra):
    """A volunteer `km_north` km north of HOME (with location consent), or without a
    position of their own when km_north is None."""
    fields = {"skills": list(skills), "availability": availability, "is_reserve": reserve, **extra}
    if km_north is not None:
        fields.update(lat=str(HOME[0] + KM_LAT * Decimal(str(km_north))), lon=str(HOME[1]), consent_location=True)
    return volunteer(world.root, node or world.station_a, name=name, **fields)


def _request(world, category="shopping", **fields):
    demand, code = entered(world, category=category, lat=HOME[0], lon=HOME[1], **fields)
    return wf.demand_review(actor=world.manager_a, demand=demand), code


def _ids(candidates):
    return [c.volunteer_id for c in candidates]


def _rank(world, demand, actor=None, **kw):
    return rank_candidates(actor=actor or world.manager_a, demand=demand, now=NOW, **kw)


def test_skill_fit_outranks_distance(placed):
    """送药 needs 医疗护理: a nurse 5 km away (40 + 8.6 distance points) comes before an
    untrained neighbour at the door (0 + 30): the whole distance range (30) is worth less
    than a full skill match (40)."""
    world = placed
    neighbour = _vol(world, "邻居", km_north=0)
    nurse = _vol(world, "护士", km_north=5, skills=["medical"])
    demand, _ = _request(world, "medicine")
    ranked = _rank(world, demand)
    assert _ids(ranked).index(nurse.pk) < _ids(ranked).index(neighbour.pk)
    first = ranked[0]
    assert first.volunteer_id == nurse.pk
    skill = next(r for r in first.reasons if r.factor == "skill")
    assert skill.points == WEIGHTS["skill"] and "医疗护理" in skill.text


def test_a_closer_volunteer_outranks_a_farther_one(placed):
    world = placed
    far = _vol(world, "远的", km_north=3)
    near = _vol(world, "近的", km_north=1)
    ranked = _rank(world, _request(world)[0])
    assert _ids(ranked).index(near.pk) < _ids(ranked).index(far.pk)
    by_id = {c.volunteer_id: c for c in ranked}
    assert by_id[near.pk].distance_km == 1.0 and by_id[far.pk].distance_km == 3.0
    assert "约 1.0 公里" in next(r.text for r in by_id[near.pk].reasons if r.factor == "distance")
    assert by_id[near.pk].score - by_id[far.pk].score == pytest.approx(30 / 1.5 - 30 / 2.5, abs=0.15)


def test_a_volunteer_with_requests_in_hand_ranks_lower(placed):
    world = placed
    busy = volunteer_user(world, "busy1", phone="13700000011")
    idle = volunteer_user(world, "idle1", phone="13700000012")
    earlier, _ = _request(world)
    wf.demand_dispatch(actor=world.manager_a, demand=earlier, volunteers=[busy])
    wf.offer_accept(actor=busy.user, offer=Offer.objects.get(demand=earlier, volunteer=busy))
    assert VolunteerDemandStats.objects.get(volunteer=busy).open_load == 1
    ranked = _rank(world, _request(world)[0])
    assert _ids(ranked).index(idle.pk) < _ids(ranked).index(busy.pk)
    load = next(r for r in ranked if r.volunteer_id == busy.pk).reasons[2]
    assert (load.factor, load.points, load.text) == ("load", 10.0, "当前在办 1 单（已接单或服务中）")


def test_a_volunteer_who_declined_or_is_already_asked_is_not_proposed_again(placed):
    world = placed
    best = volunteer_user(world, "best1", phone="13700000021")
    asked = volunteer_user(world, "asked1", phone="13700000022")
    other = volunteer_user(world, "other1", phone="13700000023")
    demand, _ = _request(world)
    assert {best.pk, asked.pk, other.pk} <= set(_ids(_rank(world, demand)))
    wf.demand_dispatch(actor=world.manager_a, demand=demand, volunteers=[best, asked])
    wf.offer_decline(actor=best.user, offer=Offer.objects.get(demand=demand, volunteer=best), reason="在外地")
    demand.refresh_from_db()
    proposed = set(_ids(_rank(world, demand)))
    assert best.pk not in proposed and asked.pk not in proposed and other.pk in proposed


@pytest.mark.parametrize("small_scope", [3000, 0], ids=["one-query", "rings"])
def test_only_volunteers_the_dispatcher_may_send_are_proposed(placed, monkeypatch, small_scope):
    """Station A's manager sees station A's volunteers only — by the plain query over a small
    scope and by the rings alike; station B's manager does not get A's request at all."""
    world = placed
    monkeypatch.setattr(ranking, "SMALL_SCOPE", small_scope)
    mine = _vol(world, "本站", km_north=0.2)
    theirs = _vol(world, "外站", km_north=0.1, node=world.station_b)
    withdrawn = _vol(world, "已退出", km_north=0)
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    demand, _ = _request(world)
    proposed = set(_ids(_rank(world, demand)))
    assert mine.pk in proposed and world.vol_a.pk in proposed
    assert theirs.pk not in proposed and world.vol_b.pk not in proposed and withdrawn.pk not in proposed
    everyone = set(_ids(_rank(world, demand, actor=world.office)))  # the county office sees both
    assert {mine.pk, theirs.pk, world.vol_b.pk} <= everyone and withdrawn.pk not in everyone
    with pytest.raises(DomainError) as exc:
        _rank(world, demand, actor=world.manager_b)
    assert exc.value.code == "not_found"


def test_every_candidate_comes_with_reasons_in_chinese(placed):
    world = placed
    _vol(world, "储备", km_north=1, skills=["medical"], availability=8, reserve=True)
    _vol(world, "未授权位置")  # placed at station A
    demand, _ = _request(world, "medicine", urgency="urgent")
    ranked = _rank(world, demand)
    assert ranked
    for c in ranked:
        assert "*" in c.name and c.volunteer_no
        assert [r.factor for r in c.reasons] == list(WEIGHTS)
        assert [r.label for r in c.reasons] == [LABELS[f] for f in WEIGHTS]
        for r in c.reasons:
            assert 0 <= r.points <= r.max_points and any("\u4e00" <= ch <= "\u9fff" for ch in r.text)
        assert abs(c.score - sum(r.points for r in c.reasons)) <= 0.3
    reserve = next(c for c in ranked if c.name.startswith("储"))
    texts = " ".join(r.text for r in reserve.reasons)
    assert "具备所需技能：医疗护理" in texts and "应急随时" in texts and "应急储备" in texts
    unplaced = next(c for c in ranked if c.name.startswith("未"))
    assert "按其所属阵地" in unplaced.reasons[1].text


def test_without_its_own_position_a_request_is_measured_from_its_station(placed):
    world = placed
    near = _vol(world, "站旁", km_north=0.1)
    demand, _ = entered(world)  # no coordinates: routed by address to station A
    demand = wf.demand_review(actor=world.manager_a, demand=demand)
    ranked = _rank(world, demand)
    assert _ids(ranked)[:2] == [world.vol_a.pk, near.pk]  # placed at the station itself, then 0.1 km
    assert ranked[1].reasons[1].text == "距点单所属阵地（九里村新时代文明实践站）约 0.1 公里"
    assert "按其所属阵地" in ranked[0].reasons[1].text


def test_without_any_position_the_request_still_gets_candidates_from_its_station(world):
    demand, _ = entered(world)
    demand = wf.demand_review(actor=world.manager_a, demand=demand)
    ranked = _rank(world, demand, actor=world.root)
    assert world.vol_a.pk in _ids(ranked)
    assert "无位置信息" in ranked[0].reasons[1].text


def _crowd(world, rng: random.Random, n: int = 45):
    """Volunteers scattered up to ~4 km around HOME, a third without a position of their
    own (placed at A, B or the point), random skills, times, reserve flags and histories."""
    people = []
    for i in range(n):
        located = rng.random() < 0.65
        fields = {"skills": rng.sample(["medical", "psychological", "driving"], rng.randint(0, 2)),
                  "availability": rng.randint(0, 15), "is_reserve": rng.random() < 0.4}
        if located:
            fields.update(lat=str(HOME[0] + Decimal(rng.randint(-36, 36)) / 1000),
                          lon=str(HOME[1] + Decimal(rng.randint(-40, 40)) / 1000), consent_location=True)
        node = rng.choice([world.station_a, world.station_b, world.point_a])
        name = "张王李赵刘陈杨黄"[i % 8] + "伟芳娜敏静丽强磊"[i // 8 % 8]
        people.append(volunteer(world.root, node, name=name, **fields))
    for v in rng.sample(people, n // 3):
        done = rng.randint(0, 8)
        rated = rng.randint(0, done)
        VolunteerDemandStats.objects.create(volunteer=v, open_load=rng.randint(0, 4), completed=done,
                                            rated_count=rated, rating_sum=sum(rng.randint(1, 5) for _ in range(rated)))
    return people


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_widening_search_finds_exactly_the_full_scans_top(placed, monkeypatch, seed):
    """Against one ORDER BY over everyone, with small rings so that searches take several
    steps, for every category and urgency, as the platform admin and as station A's manager."""
    world = placed
    rng = random.Random(seed)
    _crowd(world, rng)
    monkeypatch.setattr(ranking, "FIRST_RADIUS_KM", 0.15)
    monkeypatch.setattr(ranking, "SMALL_SCOPE", 0)
    stops = set()
    for category in ["shopping", "medicine", "psychological"]:
        for urgency in ["normal", "critical"]:
            demand, _ = entered(world, category=category, urgency=urgency,
                                lat=HOME[0] + Decimal(rng.randint(-9, 9)) / 1000,
                                lon=HOME[1] + Decimal(rng.randint(-9, 9)) / 1000)
            demand = wf.demand_review(actor=world.manager_a, demand=demand)
            for actor in (world.root, world.manager_a):
                for limit in (1, 4, 10):
                    found, stop = rank_search(actor=actor, demand=demand, limit=limit, now=NOW)
                    full = rank_full_scan(actor=actor, demand=demand, limit=limit, now=NOW)
                    assert [pk for pk, _ in found] == [pk for pk, _ in full], (category, urgency, limit, stop)
                    stops.add(stop)
                shown = rank_candidates(actor=actor, demand=demand, limit=4, now=NOW)
                assert _ids(shown) == [pk for pk, _ in rank_full_scan(actor=actor, demand=demand, limit=4, now=NOW)]
                sql_scores = dict(rank_full_scan(actor=actor, demand=demand, limit=50, now=NOW))
                for c in shown:  # the points shown add up to the score the SQL ranked by
                    assert abs(sum(r.points for r in c.reasons) - sql_scores[c.volunteer_id]) <= 0.3
    assert any(s.endswith(" km") for s in stops), stops  # the rings did decide, not only the fallback


def test_the_summary_kept_by_the_workflow_equals_a_rebuild_from_the_requests(placed):
    world = placed
    rng = random.Random(7)
    people = [volunteer_user(world, f"helper{i}", phone=f"1370000010{i}") for i in range(5)]
    for _ in range(24):
        demand, code = _request(world)
        chosen = rng.sample(people, 2)
        wf.demand_dispatch(actor=world.manager_a, demand=demand, volunteers=chosen)
        first = Offer.objects.get(demand=demand, volunteer=chosen[0])
        if rng.random() < 0.25:
            wf.offer_decline(actor=chosen[0].user, offer=first, reason="没空")
            first = Offer.objects.get(demand=demand, volunteer=chosen[1])
        doer = first.volunteer
        demand = wf.offer_accept(actor=doer.user, offer=first)
        step = rng.choice(["accepted", "in_progress", "completed", "rated", "closed"])
        if step == "accepted":
            continue
        demand = wf.demand_start(actor=doer.user, demand=demand)
        if step == "in_progress":
            continue
        demand = wf.demand_complete(actor=doer.user, demand=demand, note="已完成")
        if step in ("rated", "closed"):
            demand = wf.demand_rate(tracking_no=demand.tracking_no, tracking_code=code, rating=rng.randint(1, 5))
        if step == "closed":
            wf.demand_close(actor=world.manager_a, demand=demand)
    kept = {v: (s.open_load, s.completed, s.rated_count, s.rating_sum)
            for v, s in ((s.volunteer_id, s) for s in VolunteerDemandStats.objects.all())}
    assert kept == demand_stats_from_rows()
    assert sum(k[0] for k in kept.values()) > 0 and sum(k[2] for k in kept.values()) > 0
    assert demand_stats_rebuild() == 0
    call_command("rebuild_demand_stats", "--check")
    # a drifted row is found and put right
    VolunteerDemandStats.objects.filter(volunteer=people[0]).update(open_load=F("open_load") + 2)
    VolunteerDemandStats.objects.filter(volunteer=people[1]).delete()
    assert demand_stats_rebuild(dry_run=True) == 2
    assert demand_stats_rebuild() == 2
    assert demand_stats_rebuild(dry_run=True) == 0
    assert {s.volunteer_id: (s.open_load, s.completed, s.rated_count, s.rating_sum)
            for s in VolunteerDemandStats.objects.all()} == kept


def test_the_api_lists_candidates_with_reasons_for_the_dispatcher_only(placed):
    world = placed
    _vol(world, "近的", km_north=0.3)
    demand, _ = _request(world)
    res = ApiClient("manager_a").get(f"/demands/{demand.pk}/candidates", limit=2)
    assert res.status_code == 200, res.content
    body = res.json()
    assert len(body) == 2 and body[0]["name"] and body[0]["volunteer_no"]
    assert [r["label"] for r in body[0]["reasons"]] == ["技能匹配", "距离", "在办负荷", "历史评价", "可服务时间"]
    assert body[0]["score"] >= body[1]["score"]
    assert ApiClient("manager_b").get(f"/demands/{demand.pk}/candidates").status_code == 404
    rejected, _ = entered(world)
    wf.demand_reject(actor=world.manager_a, demand=rejected, reason="重复")
    res = ApiClient("manager_a").get(f"/demands/{rejected.pk}/candidates")
    assert res.status_code == 409 and res.json()["code"] == "demands.bad_status"
