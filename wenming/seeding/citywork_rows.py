"""Row generators for the city's work data (issue 5 item 9): service records, requests,
household visits, tallies and information reports. Pure CPU, no database access; each
generator has its own RNG seeded from the seed and its name, so the output depends only on
the seed, the volunteers and the counts asked for.

Encryption is the expensive part of personal data: requests draw their residents from a
small pool per county (each name, phone and address encrypted once), and a household
visit carries one encrypted placeholder address per grid, while its `household_key` (a
keyed blind index, cheap) is computed for every household, so coverage counts are real.
"""

import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings

from wenming.core.crypto import blind_index, encrypt, mask_address, mask_name, mask_phone
from wenming.demands.intake import ROUTED_BY
from wenming.grids.households import household_key_of

from .names import make_name

DAYS = 730  # two years of history, ending today
HOURS = ["0.50", "1.00", "1.50", "2.00", "2.50", "3.00", "4.00", "5.00", "6.00", "8.00"]
HOURS_CUM = [4, 16, 26, 48, 56, 72, 86, 93, 98, 100]  # mostly 1–3 hours; a full day is rare
SEASON = {1: 0.7, 2: 0.6, 3: 1.6, 4: 1.1, 5: 1.0, 6: 0.9, 7: 1.2, 8: 1.2, 9: 1.0, 10: 1.1, 11: 1.0, 12: 1.3}
WEEKDAY = [0.7, 0.7, 0.7, 0.7, 0.8, 1.9, 1.6]  # Monday … Sunday


@dataclass
class Station:
    """A station with what its work needs: its service nodes, grids, team, place."""

    county: int
    station_id: int
    nodes: tuple[int, ...]  # the station and its points
    grids: list[int]
    team_id: int
    address: str
    village: bool
    name: str = ""


def day_weights(today: date) -> tuple[list[date], list[float]]:
    """The last DAYS days with cumulative weights: weekends, 学雷锋月 (March), summer and
    December busier, Spring Festival quieter, and slowly growing over the two years."""
    days = [today - timedelta(days=DAYS - 1 - k) for k in range(DAYS)]
    cum, total = [], 0.0
    for k, day in enumerate(days):
        total += SEASON[day.month] * WEEKDAY[day.weekday()] * (0.8 + 0.4 * k / DAYS)
        cum.append(total)
    return days, cum


# ---------------------------------------------------------------- service records

def activity_weights(rng: random.Random, count: int) -> list[float]:
    """Cumulative weights over volunteers: about a third never serve, the rest follow a
    heavy tail (a few regulars give most of the hours)."""
    cum, total = [], 0.0
    for _ in range(count):
        if rng.random() >= 0.35:
            total += min(rng.paretovariate(1.4), 40.0)
        cum.append(total)
    return cum


def service_chunk(*, seed: int, index: int, size: int, first_id: int, vols: list[int], vol_cum: list[float],
                  vol_nodes: list[tuple[int, ...]], vol_county: list[int], vol_first_day: list[int],
                  county_nodes: list[list[int]], days: list[str], day_cum: list[float], stamps: list[str],
                  as_text: bool):
    """`size` ledger rows (auto 80 % / make-up 20 %), ids from first_id. A volunteer serves
    at their own station or its points three times in four, else anywhere in their county."""
    rng = random.Random(f"{seed}:service:{index}")
    who = rng.choices(range(len(vols)), cum_weights=vol_cum, k=size)
    when = rng.choices(range(len(days)), cum_weights=day_cum, k=size)
    hours = rng.choices(HOURS, cum_weights=HOURS_CUM, k=size)
    rand, out = rng.random, []
    for j in range(size):
        v = who[j]
        d = when[j]
        if d < vol_first_day[v]:  # nobody serves before registering
            d = vol_first_day[v]
        r = rand()
        if r < 0.75:
            group = vol_nodes[v]
            node = group[int(r * 1000) % len(group)]
        else:
            group = county_nodes[vol_county[v]]
            node = group[int(r * 1_000_003) % len(group)]
        kind = "auto" if rand() < 0.8 else "makeup"
        out.append((first_id + j, vols[v], kind, hours[j], d, node))
    if as_text:
        return "".join(f"{i}\t{v}\t{k}\t{k}\t{h}\t{days[d]}\t{n}\t{stamps[d]}\t\n" for i, v, k, h, d, n in out)
    return out


# ---------------------------------------------------------------- requests

DESCRIPTIONS = ["家中老人行动不便，需要志愿者帮忙代购生活用品", "独居老人家中水龙头漏水，请帮忙维修", "孩子放学后无人看护，希望有志愿者辅导作业",
                "需要陪同老人到医院复诊", "小区楼道堆放杂物，请组织清理", "希望有志愿者上门讲解防诈骗知识",
                "残疾人家庭需要帮忙打扫卫生", "请帮忙代缴水电费", "希望开展一次义诊活动", "请帮忙联系心理咨询"]
OLD_STATUS = [("closed", 62), ("rated", 24), ("rejected", 7)]
NEW_STATUS = [("submitted", 10), ("reviewed", 10), ("dispatched", 10), ("accepted", 10), ("in_progress", 15),
              ("completed", 20), ("rated", 10), ("closed", 10), ("rejected", 5)]
RATINGS = ([5] * 70) + ([4] * 20) + ([3] * 7) + [2, 1, 1]
# Requests still waiting on staff or volunteers, and how long they may wait (minutes): an
# offer lapses after DEMAND_OFFER_MINUTES, a review or an acceptance is due after its own.
WAITING = {"submitted": lambda: settings.DEMAND_REVIEW_MINUTES, "reviewed": lambda: settings.DEMAND_ACCEPT_MINUTES,
           "dispatched": lambda: settings.DEMAND_OFFER_MINUTES}


def tracking_hash(code: str) -> str:
    """As demands.intake stores it: HMAC of the tracking code under the secret key."""
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def resident_pool(rng: random.Random, surnames, stations: list[Station], per_county: int) -> dict[int, list[tuple]]:
    """A few residents per county, each encrypted once, that requests then reuse."""
    pool: dict[int, list[tuple]] = {}
    by_county: dict[int, list[Station]] = {}
    for s in stations:
        by_county.setdefault(s.county, []).append(s)
    for county, places in sorted(by_county.items()):
        rows = []
        for _ in range(per_county):
            place = rng.choice(places)
            name = make_name(rng, surnames, rng.random() < 0.5)
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            address = f"{place.address}{rng.randint(1, 30)}号"
            rows.append((mask_name(name), encrypt(name), encrypt(phone), blind_index(phone, "demand-phone"),
                         mask_phone(phone), encrypt(address), mask_address(address)[:120]))
        pool[county] = rows
    return pool


def demand_rows(*, seed: int, count: int, first_id: int, stations: list[Station], station_cum: list[float],
                pool: dict[int, list[tuple]], categories: list[int], now: datetime, days: list[date],
                day_cum: list[float], tz) -> list[dict]:
    """`count` requests over the two years; older ones mostly closed, recent ones in every state.
    `tracking_no` is left as (year, n-th of the year): the caller reserves the numbers."""
    rng = random.Random(f"{seed}:demands")
    picks = rng.choices(stations, cum_weights=station_cum, k=count)
    when = sorted(rng.choices(range(len(days)), cum_weights=day_cum, k=count))
    seq: dict[int, int] = {}
    rows = []
    for j in range(count):
        station = picks[j]
        submitted = datetime.combine(days[when[j]], time(7), tz) + timedelta(seconds=rng.randrange(14 * 3600))
        submitted = min(submitted, now - timedelta(minutes=5))
        age = now - submitted
        states = NEW_STATUS if age < timedelta(days=3) else OLD_STATUS
        status = rng.choices([s for s, _ in states], weights=[w for _, w in states])[0]
        if status in WAITING:  # what waits longer is escalated by the SLA sweep: waiting now = within its window
            submitted = now - timedelta(minutes=rng.uniform(0.1, 0.8) * WAITING[status]())
        year = submitted.year
        number = seq[year] = seq.get(year, -1) + 1
        resident = rng.choice(pool[station.county])
        done = status in ("completed", "rated", "closed")
        completed = min(submitted + timedelta(hours=rng.uniform(3, 60)), now - timedelta(minutes=1)) if done else None
        closed = min(completed + timedelta(hours=72), now) if status == "closed" else None
        rating = rng.choice(RATINGS) if status == "rated" or (status == "closed" and rng.random() < 0.4) else None
        # As the workflow keeps due_at: review due DEMAND_REVIEW_MINUTES after submission;
        # once reviewed, acceptance due DEMAND_ACCEPT_MINUTES after the review (demand_history
        # sets it from the review's time); accepting stops the clock; completing starts the
        # auto-close clock, which closing (not rating) clears.
        due = None
        if status == "submitted":
            due = submitted + timedelta(minutes=settings.DEMAND_REVIEW_MINUTES)
        elif status in ("completed", "rated"):
            due = completed + timedelta(hours=settings.DEMAND_AUTO_CLOSE_HOURS)
        rows.append({
            "id": first_id + j, "tracking_no": (year, number),
            "tracking_code_hash": tracking_hash(f"{rng.randrange(10**6):06d}"), "node_id": station.station_id,
            "routed_by": "grid" if station.grids else "address", "escalations": 0,
            "category_id": rng.choice(categories), "description": rng.choice(DESCRIPTIONS),
            "urgency": rng.choices(["normal", "urgent", "critical"], weights=[85, 13, 2])[0], "preferred_time": "",
            "channel": "web" if rng.random() < 0.7 else "hotline",
            "resident_name_masked": resident[0], "resident_name_enc": resident[1], "phone_enc": resident[2],
            "phone_hash": resident[3], "phone_masked": resident[4], "address_enc": resident[5],
            "address_masked": resident[6], "grid_id": rng.choice(station.grids) if station.grids else None,
            "lat": None, "lon": None, "status": status, "due_at": due,
            "reject_reason": "不属于志愿服务范围，已转有关部门" if status == "rejected" else "",
            "accepted_by_id": None,
            "accepted_team_id": station.team_id if status in ("accepted", "in_progress") or done else None,
            "proof_note": "已完成服务" if done else "", "receipt_amount": None, "rating": rating,
            "rating_comment": "", "created_by_id": None, "submitted_at": submitted, "completed_at": completed,
            "closed_at": closed if status != "rejected" else min(submitted + timedelta(hours=2), now),
            "updated_at": closed or completed or submitted,
        })
    return rows


EVENT_COLUMNS = ["id", "demand_id", "at", "actor_id", "actor_label", "action", "from_status", "to_status", "note"]
OFFER_COLUMNS = ["id", "demand_id", "volunteer_id", "team_id", "rank", "status", "offered_at", "expires_at",
                 "responded_at", "decline_reason", "offered_by_id"]
IMPORTED, RESIDENT, SYSTEM = "系统导入", "群众", "系统"  # staff and volunteers of the paper era; the resident; timers
ACCEPTED_ON = ("accepted", "in_progress", "completed", "rated", "closed")


def demand_history(*, seed: int, index: int, demands: list[dict], stations: dict[int, Station], first_event_id: int,
                   first_offer_id: int, now: datetime, offer_minutes: int, auto_close_hours: int,
                   accept_minutes: int = 120):
    """The DemandEvents each request's state and timestamps imply, with the workflow's own
    actions and statuses (intake submit; review or reject; dispatch; accept; start;
    complete; rate; close by staff, or auto_close by the timer once `auto_close_hours`
    passed unrated), and the one team offer (the station's 分队) of every dispatched request.
    Returns (events, offers, updated_at per request: its last event), and sets the `due_at`
    of a request waiting for acceptance (`accept_minutes` after its review). Chunk `index`
    has its own RNG; `stations` by station id."""
    rng = random.Random(f"{seed}:demand-history:{index}")
    uniform, minutes = rng.uniform, lambda a, b: timedelta(minutes=rng.uniform(a, b))
    events, offers, updated = [], [], []
    for d in demands:
        did, status, sub, station = d["id"], d["status"], d["submitted_at"], stations[d["node_id"]]
        steps = [(sub, RESIDENT if d["channel"] == "web" else IMPORTED, "submit", "", "submitted",
                  f"分派至{station.name or '实践站'}（依据：{ROUTED_BY.get(d['routed_by'], '地址')}）")]
        if status == "rejected":
            steps.append((d["closed_at"], IMPORTED, "reject", "submitted", "rejected", d["reject_reason"]))
        elif status != "submitted":
            end = d["completed_at"] or now
            span = end - sub
            at = sub + min(span * 0.2, minutes(5, 90))
            steps.append((at, IMPORTED, "review", "submitted", "reviewed", ""))
            if status in ("reviewed", "dispatched"):  # still waiting for a volunteer to accept
                d["due_at"] = at + timedelta(minutes=accept_minutes)
            if status != "reviewed":
                at = dispatched = at + min(span * 0.1, minutes(1, 30))
                steps.append((at, IMPORTED, "dispatch", "reviewed", "dispatched", ""))
                answered = None
                if status in ACCEPTED_ON:
                    at = answered = at + min(span * 0.1, minutes(0.5, max(1, offer_minutes * 0.8)))
                    steps.append((at, IMPORTED, "accept", "dispatched", "accepted", "志愿服务分队接单"))
                offers.append((first_offer_id + len(offers), did, None, station.team_id, 1,
                               "accepted" if answered else "offered", dispatched,
                               dispatched + timedelta(minutes=offer_minutes), answered, "", None))
            if status in ACCEPTED_ON[1:]:
                at = at + (end - at) * uniform(0.05, 0.6)
                steps.append((at, IMPORTED, "start", "accepted", "in_progress", ""))
            if status in ACCEPTED_ON[2:]:
                steps.append((end, IMPORTED, "complete", "in_progress", "completed", d["proof_note"]))
            closed = d["closed_at"]
            if status == "rated":
                at = end + min(timedelta(hours=uniform(1, 48)), (now - end) / 2)
                steps.append((at, RESIDENT, "rate", "completed", "rated", f"{d['rating']} 星"))
            elif status == "closed" and d["rating"]:
                at = end + (closed - end) * uniform(0.1, 0.9)
                steps.append((at, RESIDENT, "rate", "completed", "rated", f"{d['rating']} 星"))
                steps.append((closed, IMPORTED, "close", "rated", "closed", ""))
            elif status == "closed" and closed - end >= timedelta(hours=auto_close_hours):
                steps.append((closed, SYSTEM, "auto_close", "completed", "closed", "群众未评价，自动办结"))
            elif status == "closed":
                steps.append((closed, IMPORTED, "close", "completed", "closed", ""))
        for at, label, action, frm, to, note in steps:
            events.append((first_event_id + len(events), did, at, None, label, action, frm, to, note))
        updated.append(steps[-1][0])
    return events, offers, updated


# ---------------------------------------------------------------- household visits

def visit_rows(*, seed: int, stations: list[Station], scale: float, first_id: int, flag_ids: list[int],
               station_vols: dict[int, list[int]], now: datetime, days: list[date], tz):
    """Households per grid (GridProfile), visits (about 70 % of households, some twice or
    more, 1 % voided), their flags, and the per-household live-visit counts."""
    rng = random.Random(f"{seed}:visits")
    profiles, visits, flags, households = [], [], [], []
    vid = first_id
    recent = max(1, len(days) // 2)  # 敲门行动: the last year
    for station in stations:
        for grid_id in station.grids:
            if rng.random() > scale:  # small runs (tests): only a share of the grids
                continue
            count = max(5, int(rng.randint(250, 600) * min(1.0, scale)))
            profiles.append((grid_id, count))
            token = encrypt(f"{station.address}（网格{grid_id}演示住户地址）")
            vols = station_vols.get(station.station_id) or [None]
            for h in range(1, count + 1):
                if rng.random() > 0.7:
                    continue
                if station.village:
                    address = f"{station.address}{h // 40 + 1}组{h % 40 + 1}号"
                else:
                    address = f"{station.address}{h // 60 + 1}栋{h % 6 + 1}单元{h % 30 + 1}0{h % 4 + 1}室"
                key = household_key_of(address)
                masked = mask_address(address)[:60]
                live = 0
                for _ in range(rng.choices([1, 2, 3], weights=[70, 22, 8])[0]):
                    d = len(days) - recent + rng.randrange(recent)
                    at = min(datetime.combine(days[d], time(9), tz) + timedelta(seconds=rng.randrange(10 * 3600)),
                             now - timedelta(minutes=1))
                    void = rng.random() < 0.01
                    live += not void
                    visits.append({
                        "id": vid, "grid_id": grid_id, "team_id": station.team_id, "household_key": key,
                        "address_enc": token, "address_masked": masked, "visited_at": at,
                        "volunteer_id": rng.choice(vols), "residents_count": rng.choices(range(6), [8, 20, 30, 22, 14, 6])[0],
                        "note": "", "recorded_by_id": None, "recorded_at": at, "client_token": "", "demand_id": None,
                        "voided_at": at + timedelta(hours=1) if void else None, "voided_by_id": None,
                        "void_reason": "重复登记" if void else "", "updated_at": at,
                        "late_reason": "",  # recorded when visited: not a back-entry (补录)
                    })
                    if flag_ids and rng.random() < 0.15:
                        flags.append((vid, rng.choice(flag_ids)))
                    vid += 1
                households.append((grid_id, key, live))
    return profiles, visits, flags, households


# ---------------------------------------------------------------- tallies and reports

def tally_rows(*, seed: int, stations: list[Station], scale: float, indicators: list[int], months: list[date],
               now: datetime) -> list[tuple]:
    """(node, indicator, period, delta): stations report most months, a handful of indicators each."""
    rng = random.Random(f"{seed}:tallies")
    rows = []
    for station in stations:
        if rng.random() > scale:
            continue
        for month in months:
            if rng.random() < 0.35:
                continue
            for indicator in rng.sample(indicators, k=min(len(indicators), rng.randint(3, 7))):
                rows.append((station.station_id, indicator, month, rng.choice([1, 2, 3, 5, 8, 10, 20, 50, 120, 300])))
    return rows


REPORT_TITLES = ["开展学雷锋志愿服务活动", "新时代文明实践“敲门行动”工作动态", "移风易俗宣传进村入户", "关爱空巢老人志愿服务",
                 "文明交通劝导志愿服务", "理论宣讲进社区", "“我们的节日”主题活动", "环境卫生整治志愿服务"]
REPORT_STATUS = [("published", 30), ("approved", 35), ("submitted", 10), ("returned", 5), ("draft", 20)]


def report_rows(*, seed: int, count: int, first_id: int, nodes: list[int], categories: list[int],
                months: list[date], now: datetime, tz) -> list[dict]:
    rng = random.Random(f"{seed}:reports")
    rows = []
    for j in range(count):
        period = rng.choice(months)
        status = rng.choices([s for s, _ in REPORT_STATUS], weights=[w for _, w in REPORT_STATUS])[0]
        created = min(datetime.combine(period, time(10), tz) + timedelta(days=rng.randint(0, 27)), now)
        submitted = created + timedelta(hours=rng.randint(1, 48)) if status != "draft" else None
        submitted = min(submitted, now) if submitted else None
        approved = min(submitted + timedelta(hours=rng.randint(2, 72)), now) if status in ("approved", "published") else None
        published = min(approved + timedelta(hours=rng.randint(1, 24)), now) if status == "published" else None
        node = rng.choice(nodes)
        rows.append({
            "id": first_id + j, "node_id": node, "unit_id": None, "author_id": None,
            "title": f"{rng.choice(REPORT_TITLES)}（{period:%Y年%m月}）", "body": "本月组织志愿者开展活动，群众反响良好。",
            "category_id": rng.choice(categories), "period": period, "status": status, "image_count": 0,
            "reviewed_by_id": None, "created_at": created, "updated_at": published or approved or submitted or created,
            "first_submitted_at": submitted, "submitted_at": submitted, "approved_at": approved,
            "published_at": published,
        })
    return rows


def review_rows(reports: list[dict]) -> list[dict]:
    """The history each report's state implies (submit, return, approve, publish)."""
    out = []
    for r in reports:
        steps = []
        if r["submitted_at"]:
            steps.append(("submit", "draft", "submitted", "", r["submitted_at"]))
        if r["status"] == "returned":
            steps.append(("return", "submitted", "returned", "请补充活动照片和参与人数", r["submitted_at"]))
        if r["approved_at"]:
            steps.append(("approve", "submitted", "approved", "", r["approved_at"]))
        if r["published_at"]:
            steps.append(("publish", "approved", "published", "", r["published_at"]))
        out += [{"report_id": r["id"], "actor_id": None, "actor_label": "系统导入", "decision": d, "from_status": f,
                 "to_status": t, "comment": c, "at": at} for d, f, t, c, at in steps]
    return out
