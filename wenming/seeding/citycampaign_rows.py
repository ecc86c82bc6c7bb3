"""Row generators for the city's campaign data (issue 5 item 9): 移风易俗 records, online
activities (云上活动) with their engagements, and party-member check-ins (党员志愿者报到).
Pure CPU, no database access, one RNG per generator seeded from the seed and its name —
like citywork_rows, whose `Station` and day weights they share.

Rows are tuples in the column order of the `*_COLUMNS` lists (COPY-friendly: an
engagement row is five values, not a dict).
"""

import random
from datetime import date, datetime, time, timedelta

from wenming.campaigns.online_services import PERSON_PURPOSE
from wenming.core.crypto import blind_index, mask_name

from .citywork_rows import Station
from .names import make_name
from .zigui import cn_number

REFORM_COLUMNS = ["id", "node_id", "household", "head_masked", "kind", "occurred_on", "note", "recorded_by_id",
                  "recorded_at", "voided_at", "void_reason", "late_reason"]
ACTIVITY_COLUMNS = ["id", "node_id", "title", "description", "link", "starts_at", "ends_at", "created_by_id",
                    "created_at"]
ENGAGEMENT_COLUMNS = ["id", "activity_id", "person_key", "day", "kind", "at"]
CHECKIN_COLUMNS = ["id", "volunteer_id", "station_id", "checked_in_at", "withdrawn_at", "withdraw_reason",
                   "recorded_by_id", "late_reason"]

# ---------------------------------------------------------------- 移风易俗

# 丧事简办 and 代祭扫 are most of the work; weddings are fewer (postponed more often than cancelled).
REFORM_KINDS = [("funeral_simplified", 34), ("proxy_sweeping", 30), ("rite_cancelled", 14),
                ("wedding_postponed", 13), ("wedding_cancelled", 9)]
# Month weights per kind: funerals peak in winter, weddings around 国庆 and 春节, 代祭扫 has
# 中元 (August) and 冬至/春节 as smaller peaks besides 清明 (QINGMING below).
REFORM_MONTHS = {
    "funeral_simplified": {1: 1.5, 2: 1.3, 3: 1.1, 6: 0.8, 7: 0.8, 8: 0.8, 12: 1.4},
    "proxy_sweeping": {1: 1.3, 2: 1.5, 8: 2.0, 12: 1.2},
    "rite_cancelled": {1: 1.2, 2: 1.5, 8: 1.5},
    "wedding_postponed": {1: 1.8, 2: 1.6, 5: 1.3, 10: 2.0, 12: 1.3},
    "wedding_cancelled": {1: 1.6, 2: 1.5, 5: 1.2, 10: 1.8},
}
QINGMING = (date(2000, 3, 28), date(2000, 4, 8))  # the days around 清明 (4/5 April), any year
QINGMING_BOOST = {"proxy_sweeping": 28.0, "rite_cancelled": 30.0}  # about half of these fall in those days
REFORM_NOTES = {
    "funeral_simplified": ["不搭灵棚、不请乐队，三天内办完", "不大操大办，节约开支", "家属签订简办承诺书"],
    "proxy_sweeping": ["在外务工，委托志愿者代为祭扫", "志愿者代献花、代清扫墓地", "视频连线，云上祭扫"],
    "rite_cancelled": ["家族集中祭祀取消，改为各户文明祭扫", "不烧纸钱、不放鞭炮"],
    "wedding_postponed": ["疫情期间，婚礼延期举办", "改为小范围家宴，延后补办"],
    "wedding_cancelled": ["取消婚宴，仅登记领证", "不办酒席，礼金捐给村里敬老院"],
}
VOID_REASONS = ["重复登记", "登记信息有误，已重新登记", "户主申请撤销，改日再办"]


def reform_day_weights(days: list[date]) -> dict[str, list[float]]:
    """Cumulative day weights per kind: its month weights, and the 清明 days for 代祭扫 and
    集中祭祀不办."""
    low, high = QINGMING
    out = {}
    for kind, _ in REFORM_KINDS:
        months, boost = REFORM_MONTHS.get(kind, {}), QINGMING_BOOST.get(kind, 1.0)
        cum, total = [], 0.0
        for day in days:
            weight = months.get(day.month, 1.0)
            if low <= day.replace(year=2000) <= high:  # (2000 was a leap year: 29 February exists)
                weight *= boost
            total += weight
            cum.append(total)
        out[kind] = cum
    return out


def _household(rng: random.Random, village: bool) -> str:
    if village:  # 三组12号
        return f"{cn_number(rng.randint(1, 12))}组{rng.randint(1, 60)}号"
    return f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室"


def reform_rows(*, seed: int, count: int, first_id: int, stations: list[Station], surnames, days: list[date],
                now: datetime, tz) -> list[tuple]:
    """`count` records at the stations (villages three times as many as communities), by
    kind and day as above, ids in date order; about 1 % voided with a reason."""
    rng = random.Random(f"{seed}:reform")
    if not count or not stations:
        return []
    day_cum = reform_day_weights(days)
    kinds = rng.choices([k for k, _ in REFORM_KINDS], weights=[w for _, w in REFORM_KINDS], k=count)
    places = rng.choices(stations, weights=[3 if s.village else 1 for s in stations], k=count)
    picked = sorted((rng.choices(range(len(days)), cum_weights=day_cum[kind])[0], j) for j, kind in enumerate(kinds))
    rows = []
    for n, (d, j) in enumerate(picked):
        station, kind, day = places[j], kinds[j], days[d]
        recorded = min(datetime.combine(day, time(9), tz) + timedelta(days=rng.randint(0, 7),
                                                                      seconds=rng.randrange(9 * 3600)), now)
        voided = rng.random() < 0.01
        rows.append((first_id + n, station.station_id, _household(rng, station.village),
                     mask_name(make_name(rng, surnames, rng.random() < 0.75)), kind, day,
                     rng.choice(REFORM_NOTES[kind]) if rng.random() < 0.3 else "", None, recorded,
                     min(recorded + timedelta(hours=rng.randint(1, 72)), now) if voided else None,
                     rng.choice(VOID_REASONS) if voided else "", ""))  # recorded within 7 days: no 补录说明
    return rows


# ---------------------------------------------------------------- 云上活动

ACTIVITY_TITLES = ["云上学雷锋", "线上理论宣讲", "云祭扫", "防疫知识线上答题", "“我们的节日”线上诵读", "文明实践云课堂",
                   "文明交通线上知识竞赛", "家风家训云分享", "“清明祭英烈”网上祭扫", "线上红色故事会", "垃圾分类线上答题",
                   "反诈知识线上答题", "“学习强国”学习心得线上分享", "移风易俗网上承诺"]
ACTIVITY_MONTHS = {"云上学雷锋": 3, "云祭扫": 4, "“清明祭英烈”网上祭扫": 4}  # seasonal titles
ACTIVITY_TEXT = "线上参与，浏览、分享和参与按人按天计数。"
VIEW_DAYS = ([1] * 75) + ([2] * 17) + ([3] * 6) + [4, 5]  # most people look once, a few come back
SHARE, PARTICIPATE = 0.12, 0.07  # of the person-days viewed: views ≫ shares > participations


def person_keys(seed: int, count: int) -> list[str]:
    """Keys of `count` synthetic people, as person_key_for gives them for a visitor token
    (the keyed blind index of `id:<token>`): deterministic for a seed and the project's key."""
    return [blind_index(f"id:wm{seed}p{n:07d}".encode().hex(), PERSON_PURPOSE) for n in range(count)]


def activity_rows(*, seed: int, count: int, first_id: int, hosts: list[int], days: list[date], day_cum: list[float],
                  now: datetime, tz) -> list[tuple]:
    """`count` online activities hosted by the given offices, centers and institutes, 1–14
    days long, starting over the two years (seasonal titles in their month); ids in date order."""
    rng = random.Random(f"{seed}:online")
    if not count or not hosts:
        return []
    by_month: dict[int, list[int]] = {}
    for k, day in enumerate(days):
        by_month.setdefault(day.month, []).append(k)
    picked = []
    for _ in range(count):
        title = rng.choice(ACTIVITY_TITLES)
        month = ACTIVITY_MONTHS.get(title)
        d = rng.choice(by_month[month]) if month in by_month else rng.choices(range(len(days)), cum_weights=day_cum)[0]
        picked.append((d, title, rng.choice(hosts), rng.randint(1, 14), rng.randrange(12 * 3600)))
    picked.sort()
    rows = []
    for n, (d, title, host, length, offset) in enumerate(picked):
        starts = datetime.combine(days[d], time(8), tz) + timedelta(seconds=offset)
        created = min(starts - timedelta(days=rng.randint(1, 5)), now)
        rows.append((first_id + n, host, f"{days[d].year}年{title}", ACTIVITY_TEXT, "", starts,
                     starts + timedelta(days=length), None, created))
    return rows


def engagement_rows(*, seed: int, activities: list[tuple], total: int, keys: list[str], first_id: int,
                    now: datetime, tz) -> list[tuple]:
    """About `total` engagements over the activities (a heavy tail: a few draw most people),
    each a distinct (activity, person, day, kind): a person views on one to five of the
    activity's days, and on some of those also shares or takes part. Only days the activity
    was open and not in the future."""
    rng = random.Random(f"{seed}:engagements")
    if not activities or not keys or total <= 0:
        return []
    popularity = [min(rng.paretovariate(1.3), 30.0) for _ in activities]
    scale = total / sum(popularity) / 1.45  # rows per person: ~1.26 views, shares, participations
    rows, eid = [], first_id
    for (aid, _, _, _, _, starts, ends, _, _), weight in zip(activities, popularity, strict=True):
        last = min(ends, now)
        if last <= starts:
            continue  # not started yet
        first_day, last_day = starts.astimezone(tz).date(), last.astimezone(tz).date()
        open_days = [first_day + timedelta(days=k) for k in range((last_day - first_day).days + 1)]
        people = rng.sample(keys, k=min(len(keys), max(1, round(weight * scale))))
        for key in people:
            for day in rng.sample(open_days, k=min(len(open_days), rng.choice(VIEW_DAYS))):
                at = datetime.combine(day, time(7), tz) + timedelta(seconds=rng.randrange(15 * 3600))
                at = min(max(at, starts), last)
                rows.append((eid, aid, key, day, "view", at))
                eid += 1
                if rng.random() < SHARE:
                    rows.append((eid, aid, key, day, "share", min(at + timedelta(minutes=rng.randint(1, 30)), last)))
                    eid += 1
                if rng.random() < PARTICIPATE:
                    rows.append((eid, aid, key, day, "participate", min(at + timedelta(minutes=rng.randint(2, 60)),
                                                                        last)))
                    eid += 1
    return rows


# ---------------------------------------------------------------- 党员志愿者报到

CHECKIN_SHARE = 0.7
WITHDRAWN = 0.03
WITHDRAW_REASONS = ["工作调动，转至其他社区报到", "已搬离本社区", "重复报到，已注销", "组织关系转出"]


def checkin_rows(*, seed: int, members: list[tuple[int, int, datetime]], first_id: int, now: datetime,
                 days: int) -> list[tuple]:
    """Check-ins of about 70 % of the party members (volunteer id, home station, registered
    at), at their home station, some time in the last `days` days after they registered;
    about 3 % withdrawn since, with a reason."""
    rng = random.Random(f"{seed}:checkins")
    window = timedelta(days=days)
    rows = []
    for vid, station_id, registered in members:
        if rng.random() >= CHECKIN_SHARE:
            continue
        start = max(registered, now - window)
        at = start + (now - start) * rng.random()
        withdrawn = at + (now - at) * rng.uniform(0.2, 1.0) if rng.random() < WITHDRAWN else None
        rows.append((first_id + len(rows), vid, station_id, at, withdrawn,
                     rng.choice(WITHDRAW_REASONS) if withdrawn else "", None, ""))
    return rows
