"""The city's work-row generators (seeding/citywork_rows.py, citycampaign_rows.py) are pure:
the same seed and inputs give the same rows, another seed other rows; and the rows are
shaped as the product writes them (request histories follow the workflow, engagements are
once per person, day and kind, 清明 peaks). No database."""

import random
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.utils import timezone

from wenming.seeding import citycampaign_rows as camp
from wenming.seeding import citywork_rows as work
from wenming.seeding.names import HENGYANG_SURNAMES, Surnames

TZ = timezone.get_current_timezone()
NOW = datetime.combine(date(2024, 6, 20), time(15, 30), TZ)
TODAY = NOW.date()
ENCRYPTED = {"resident_name_enc", "phone_enc", "address_enc"}  # Fernet: a new token each time


def _stations() -> list[work.Station]:
    out = []
    for k in range(24):
        sid = 1000 + 10 * k
        grids = [sid + 5, sid + 6] if k % 3 == 0 else []
        out.append(work.Station(k % 4, sid, (sid, sid + 1, sid + 2), grids, 500 + k, f"某县某镇第{k}村", k % 3 != 0,
                                f"第{k}站新时代文明实践站"))
    return out


STATIONS = _stations()


def _service(seed: int) -> list:
    days, day_cum = work.day_weights(TODAY)
    vols = list(range(1, 201))
    nodes = [STATIONS[v % len(STATIONS)].nodes for v in vols]
    return work.service_chunk(
        seed=seed, index=3, size=2000, first_id=1, vols=vols,
        vol_cum=work.activity_weights(random.Random(f"{seed}:activity"), len(vols)), vol_nodes=nodes,
        vol_county=[v % 4 for v in vols], vol_first_day=[v % 300 for v in vols],
        county_nodes=[[n for s in STATIONS if s.county == c for n in s.nodes] for c in range(4)],
        days=[d.isoformat() for d in days], day_cum=day_cum,
        stamps=[datetime.combine(d, time(20), TZ).isoformat() for d in days], as_text=True)


def _demands(seed: int, pool, days=None) -> tuple[list, tuple]:
    days, day_cum = (days, list(range(1, len(days) + 1))) if days else work.day_weights(TODAY)
    rows = work.demand_rows(seed=seed, count=600, first_id=1, stations=STATIONS, station_cum=list(range(1, 25)),
                            pool=pool, categories=[1, 2, 3], now=NOW, days=days, day_cum=day_cum, tz=TZ)
    history = work.demand_history(seed=seed, index=0, demands=rows, stations={s.station_id: s for s in STATIONS},
                                  first_event_id=1, first_offer_id=1, now=NOW, offer_minutes=30,
                                  auto_close_hours=72, accept_minutes=120)
    return rows, history


def _pool(seed: int):
    return work.resident_pool(random.Random(f"{seed}:residents"), Surnames(HENGYANG_SURNAMES), STATIONS, per_county=5)


def _visits(seed: int):
    days, _ = work.day_weights(TODAY)
    profiles, visits, flags, households = work.visit_rows(
        seed=seed, stations=STATIONS, scale=0.2, first_id=1, flag_ids=[1, 2, 3],
        station_vols={s.station_id: [1, 2, 3] for s in STATIONS}, now=NOW, days=days, tz=TZ)
    return profiles, [{k: v for k, v in r.items() if k != "address_enc"} for r in visits], flags, households


def _reports(seed: int):
    months = [date(2023, m, 1) for m in range(1, 13)]
    reports = work.report_rows(seed=seed, count=80, first_id=1, nodes=[1, 2, 3], categories=[1, 2], months=months,
                               now=NOW, tz=TZ)
    return reports, work.review_rows(reports)


def _campaigns(seed: int, reform_count: int = 400):
    days, day_cum = work.day_weights(TODAY)
    reform = camp.reform_rows(seed=seed, count=reform_count, first_id=1, stations=STATIONS,
                              surnames=Surnames(HENGYANG_SURNAMES), days=days, now=NOW, tz=TZ)
    activities = camp.activity_rows(seed=seed, count=20, first_id=1, hosts=[7, 8, 9], days=days, day_cum=day_cum,
                                    now=NOW, tz=TZ)
    engagements = camp.engagement_rows(seed=seed, activities=activities, total=4000, keys=camp.person_keys(seed, 800),
                                       first_id=1, now=NOW, tz=TZ)
    members = [(v, STATIONS[v % 24].station_id, NOW - timedelta(days=v * 3)) for v in range(1, 400)]
    checkins = camp.checkin_rows(seed=seed, members=members, first_id=1, now=NOW, days=730)
    return reform, activities, engagements, checkins


def _everything(seed: int, pool) -> dict:
    days, _ = work.day_weights(TODAY)
    return {
        "service": _service(seed),
        "demands": _demands(seed, pool),
        "visits": _visits(seed),
        "tallies": work.tally_rows(seed=seed, stations=STATIONS, scale=1.0, indicators=list(range(1, 9)),
                                   months=[date(2023, m, 1) for m in range(1, 13)], now=NOW),
        "reports": _reports(seed),
        "campaigns": _campaigns(seed),
    }


def test_work_generators_give_the_same_rows_for_the_same_seed_and_other_rows_for_another():
    pool = _pool(5)
    first, again, other = _everything(5, pool), _everything(5, pool), _everything(6, pool)
    assert first == again
    for name in first:
        assert first[name] != other[name], name
    # the resident pool itself: everything but the (randomized) Fernet tokens
    plain = [[tuple(v for k, v in enumerate(r) if k not in (1, 2, 5)) for r in rows] for rows in _pool(5).values()]
    assert plain == [[tuple(v for k, v in enumerate(r) if k not in (1, 2, 5)) for r in rows]
                     for rows in pool.values()]
    assert [r for r in first["demands"][0] if ENCRYPTED <= set(r)]  # the pool's tokens are in the rows


def _history_of(events) -> dict[int, list]:
    out: dict[int, list] = {}
    for e in events:
        out.setdefault(e[1], []).append(e)
    return out


ACTIONS = {"submit", "review", "reject", "dispatch", "accept", "start", "complete", "rate", "close", "auto_close"}


def test_request_histories_follow_the_workflow_to_each_requests_state():
    recent = [TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY]
    for days in (None, recent):  # two years (mostly closed) and the last three days (every state)
        rows, (events, offers, updated) = _demands(9, _pool(9), days)
        if days:
            assert {r["status"] for r in rows} == {s for s, _ in work.NEW_STATUS}
        history = _history_of(events)
        offer_of = {o[1]: o for o in offers}
        assert len(offer_of) == len(offers) and len({e[0] for e in events}) == len(events)
        for row, last in zip(rows, updated, strict=True):
            steps = history[row["id"]]
            assert steps[0][5] == "submit" and steps[0][2] == row["submitted_at"] and steps[0][6] == ""
            for before, after in pairwise(steps):
                assert before[7] == after[6] and before[2] < after[2], (row["status"], steps)
            assert steps[-1][7] == row["status"] and steps[-1][2] == last <= NOW
            assert {s[5] for s in steps} <= ACTIONS and all(s[3] is None and s[4] for s in steps)
            if row["status"] == "rejected":
                assert steps[-1][8] == row["reject_reason"] and steps[-1][2] == row["closed_at"]
            if row["completed_at"]:
                assert [s[2] for s in steps if s[5] == "complete"] == [row["completed_at"]]
            if row["status"] == "closed":
                assert steps[-1][2] == row["closed_at"]
            if row["rating"]:
                assert [s[8] for s in steps if s[5] == "rate"] == [f"{row['rating']} 星"]
            offer = offer_of.get(row["id"])
            dispatched = any(s[5] == "dispatch" for s in steps)
            assert (offer is not None) == dispatched
            if offer:
                station = next(s for s in STATIONS if s.station_id == row["node_id"])
                assert offer[3] == station.team_id and offer[2] is None
                assert offer[5] == ("accepted" if row["accepted_team_id"] else "offered")
                if row["accepted_team_id"]:
                    assert offer[3] == row["accepted_team_id"]
                    assert offer[8] == next(s[2] for s in steps if s[5] == "accept") <= offer[7]


def test_requests_still_waiting_are_within_their_sla_windows():
    """As the SLA sweep would leave them: nothing waiting is overdue, no open offer has
    lapsed; due_at as the workflow keeps it (review, acceptance after the review, auto-close)."""
    rows, (events, offers, _) = _demands(7, _pool(7), days=[TODAY - timedelta(days=k) for k in range(4, -1, -1)])
    reviewed_at = {e[1]: e[2] for e in events if e[5] == "review"}
    waiting = [r for r in rows if r["status"] in work.WAITING]
    assert {r["status"] for r in waiting} == {"submitted", "reviewed", "dispatched"}
    for r in rows:
        if r["status"] == "submitted":
            assert r["due_at"] == r["submitted_at"] + timedelta(minutes=60) > NOW
        elif r["status"] in ("reviewed", "dispatched"):
            assert r["due_at"] == reviewed_at[r["id"]] + timedelta(minutes=120) > NOW
        elif r["status"] in ("completed", "rated"):
            assert r["due_at"] == r["completed_at"] + timedelta(hours=72)
        else:
            assert r["due_at"] is None, r["status"]
    open_offers = [o for o in offers if o[5] == "offered"]
    assert open_offers and all(o[7] > NOW for o in open_offers)


def test_campaign_rows_have_realistic_shapes():
    reform, activities, engagements, checkins = _campaigns(4, reform_count=6000)
    kinds = [r[4] for r in reform]
    share = {k: kinds.count(k) / len(kinds) for k, _ in camp.REFORM_KINDS}
    assert share["funeral_simplified"] > share["wedding_postponed"] > share["wedding_cancelled"]
    assert share["proxy_sweeping"] > share["rite_cancelled"] > 0.08

    def qingming(kind: str) -> float:
        dates = [r[5] for r in reform if r[4] == kind]
        return sum(date(2000, 3, 28) <= d.replace(year=2000) <= date(2000, 4, 8) for d in dates) / len(dates)

    assert qingming("proxy_sweeping") > 0.35 and qingming("rite_cancelled") > 0.35
    assert qingming("funeral_simplified") < 0.08
    assert all(r[5] <= TODAY and r[8] <= NOW and r[1] in {s.station_id for s in STATIONS} for r in reform)
    assert all("*" in r[3] and len(r[3]) <= 4 for r in reform)
    voided = [r for r in reform if r[9] is not None]
    assert 0.003 < len(voided) / len(reform) < 0.03 and all(r[10] and r[9] >= r[8] for r in voided)
    assert [r[0] for r in reform] == list(range(1, len(reform) + 1))
    # engagements: once per (activity, person, day, kind), inside the activity's open days
    keys = [(e[1], e[2], e[3], e[4]) for e in engagements]
    assert len(set(keys)) == len(keys)
    assert all(len(e[2]) == 64 and int(e[2], 16) >= 0 for e in engagements)
    window = {a[0]: (a[5], a[6]) for a in activities}
    for _, aid, _, day, _, at in engagements:
        starts, ends = window[aid]
        assert starts <= at <= min(ends, NOW) and timezone.localtime(at, TZ).date() == day
    count = {k: sum(e[4] == k for e in engagements) for k in ("view", "share", "participate")}
    assert count["view"] > 4 * count["share"] and count["share"] > count["participate"] > 0
    assert 2500 < len(engagements) < 6000
    assert all(1 <= (a[6] - a[5]).days <= 14 and a[2] and a[8] <= NOW for a in activities)
    # check-ins: ~70 % of the members, after registering, a few withdrawn with a reason
    assert 0.6 < len(checkins) / 399 < 0.8
    assert all(c[4] is None or (c[5] and c[3] <= c[4] <= NOW) for c in checkins)
    assert all(NOW - timedelta(days=c[1] * 3) <= c[3] <= NOW for c in checkins)


def test_the_fast_copy_formatters_write_what_the_generic_one_writes():
    from wenming.seeding.citycampaign import engagement_line, event_line
    from wenming.seeding.citypeople import copy_line

    _, (events, _, _) = _demands(3, _pool(3))
    engagements = _campaigns(3)[2]
    assert events and engagements
    assert [event_line(r) for r in events] == [copy_line(r) for r in events]
    assert [engagement_line(r) for r in engagements] == [copy_line(r) for r in engagements]
