"""Dashboards at city scale: the summaries vs. the naive aggregation over the raw rows.

    wenming bench dashboard [--nodes 5] [--rounds 20] [--naive-rounds 3] [--seed 2024]

Run it on a PostgreSQL database loaded by `wenming seed city` (1,000,000 volunteers,
10,000,000 service records and the rest; docs/demo-data.md, docs/benchmarks.md). As the
seed's `admin` (platform admin over the whole tree), for the city and N random counties,
institutes (新时代文明实践所) and stations:

- times `dashboards.selectors.dashboard_for_actor` (everything the page and the API show:
  headline figures, 12-month trends, states, other apps' metrics, children ranked) → p50/p95
  per level, over `rounds` calls per node after one warm-up call;
- times the naive way to get the same numbers: aggregate the raw rows of the node's subtree
  (volunteers, teams, projects, service records, requests, visits, tallies, reports,
  移风易俗, online engagement, party check-ins — joined to orgs_node by path prefix — and
  the children's ranking figures) → p50/p95;
- checks that both give the same headline numbers (registered and active volunteers,
  teams, total hours, requests submitted, solved, overdue and by state, 移风易俗 by kind,
  online engagement, party check-ins).

Target (issue 5): p95 under 50 ms for every level and at least 10× faster than naive
(median over the nodes of naive median / dashboard median). Then (issue 14) the last
calendar year, a period that is over: the dashboard per level with the same p95 target, and
the work report (coverage and deployment from the raw rows) timed without one. Read-only: it
changes nothing.
"""

import random
import statistics
import time
from datetime import datetime, timedelta
from decimal import Decimal

HELP = "数据看板 dashboards：市/县/所/站看板数据（p50/p95）vs. 直接汇总原始数据"
TARGET_P95_MS = 50.0
TARGET_SPEEDUP = 10.0
LEVELS = ["city", "county", "institute", "station"]


def add_arguments(parser) -> None:
    parser.add_argument("--nodes", type=int, default=5, help="nodes per level besides the city (default 5)")
    parser.add_argument("--rounds", type=int, default=20, help="dashboard calls per node (default 20)")
    parser.add_argument("--naive-rounds", type=int, default=3, help="naive aggregations per node (default 3)")
    parser.add_argument("--report-rounds", type=int, default=3,
                        help="past-period work reports per node (default 3)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (which nodes)")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))  # nearest-rank
    return ordered[k]


def _analyze_if_never() -> str:
    """COPY-loaded tables may never have been analysed (autovacuum off or not yet run): do
    what autovacuum does in production, once."""
    from django.db import connection

    tables = ["volunteers_volunteer", "service_servicerecord", "demands_demand", "grids_householdvisit",
              "campaigns_tallyentry", "reporting_inforeport", "orgs_node", "dashboards_figure"]
    with connection.cursor() as cur:
        cur.execute("SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
                    "AND coalesce(last_analyze, last_autoanalyze) IS NULL", [tables])
        todo = [r[0] for r in cur.fetchall()]
        t = time.perf_counter()
        for table in todo:
            cur.execute(f"VACUUM (ANALYZE) {table}")
    return f"VACUUM (ANALYZE) of {', '.join(todo)}: {time.perf_counter() - t:.1f} s" if todo else ""


def naive(node, today, called: tuple, months: int = 12) -> dict:
    """The dashboard's numbers straight from the raw rows of the node's subtree."""
    from django.db import connection
    from django.utils import timezone

    from wenming.dashboards.selectors import month_starts
    from wenming.orgs.models import PATH_STEP

    trend = month_starts(today, months)
    since, this_month = trend[0], trend[-1]
    tz = timezone.get_current_timezone()
    since_at, month_at = (datetime.combine(d, datetime.min.time(), tz) for d in (since, this_month))
    like = node.path + "%"
    sub = "SELECT id FROM orgs_node WHERE path LIKE %s"
    out: dict = {}
    with connection.cursor() as cur:
        def one(sql, params):
            cur.execute(sql, params)
            return cur.fetchall()

        (reg, reserve, party, joined), = one(
            f"SELECT count(*), count(*) FILTER (WHERE is_reserve), "
            f"count(*) FILTER (WHERE political_status IN ('party_member', 'probationary')), "
            f"count(*) FILTER (WHERE registered_at >= %s) FROM volunteers_volunteer "
            f"WHERE status = 'active' AND home_node_id IN ({sub})", [month_at, like])
        out["volunteers"] = {"registered": reg, "reserve": reserve, "party": party, "joined_this_month": joined}
        (out["active_30d"],), = one(
            f"SELECT count(*) FROM (SELECT r.volunteer_id FROM service_servicerecord r "
            f"JOIN volunteers_volunteer v ON v.id = r.volunteer_id WHERE v.home_node_id IN ({sub}) "
            f"AND r.kind IN ('auto', 'makeup') GROUP BY r.volunteer_id HAVING max(r.service_date) >= %s) x",
            [like, today - timedelta(days=29)])
        (out["teams"],), = one(f"SELECT count(*) FROM volunteers_team WHERE archived_at IS NULL "
                               f"AND node_id IN ({sub})", [like])
        out["projects"] = dict(one(f"SELECT status, count(*) FROM service_project WHERE node_id IN ({sub}) "
                                   f"GROUP BY status", [like]))
        (total,), = one(f"SELECT coalesce(sum(hours), 0) FROM service_servicerecord WHERE node_id IN ({sub})", [like])
        out["hours_total"] = Decimal(total)
        out["hours_trend"] = dict(one(
            f"SELECT date_trunc('month', service_date)::date, sum(hours) FROM service_servicerecord "
            f"WHERE node_id IN ({sub}) AND service_date >= %s GROUP BY 1", [like, since]))
        (sub_n, solved, rsum, rcount), = one(
            f"SELECT count(*), count(completed_at), coalesce(sum(rating) FILTER (WHERE completed_at IS NOT NULL), 0), "
            f"count(rating) FILTER (WHERE completed_at IS NOT NULL) FROM demands_demand WHERE node_id IN ({sub})",
            [like])
        out["demands"] = {"submitted": sub_n, "solved": solved, "rating_sum": rsum, "rating_count": rcount}
        out["demands_by_status"] = dict(one(f"SELECT status, count(*) FROM demands_demand "
                                            f"WHERE node_id IN ({sub}) GROUP BY status", [like]))
        out["demands_trend"] = one(
            f"SELECT date_trunc('month', submitted_at AT TIME ZONE 'Asia/Shanghai'), count(*) FROM demands_demand "
            f"WHERE node_id IN ({sub}) AND submitted_at >= %s GROUP BY 1", [like, since_at])
        out["solved_trend"] = one(
            f"SELECT date_trunc('month', completed_at AT TIME ZONE 'Asia/Shanghai'), count(*) FROM demands_demand "
            f"WHERE node_id IN ({sub}) AND completed_at >= %s GROUP BY 1", [like, since_at])
        # overdue is live: counted at both ends of the compared dashboard call (a request can
        # fall due in between), the dashboard's count must lie between them
        out["overdue"] = [one(f"SELECT count(*) FROM demands_demand WHERE node_id IN ({sub}) AND due_at < %s AND "
                              f"status IN ('submitted', 'reviewed', 'dispatched', 'accepted', 'in_progress')",
                              [like, at])[0][0] for at in called]
        # visits are history (archived grids too); coverage counts live grids only
        out["visits"] = one(
            "SELECT count(*), coalesce(sum(residents_count), 0), count(DISTINCT (grid_id, household_key)) "
            "FILTER (WHERE n.archived_at IS NULL) FROM grids_householdvisit v JOIN orgs_node n ON n.id = v.grid_id "
            "WHERE v.voided_at IS NULL AND n.path LIKE %s", [like])
        out["grid_households"] = one(f"SELECT coalesce(sum(household_count), 0) FROM grids_gridprofile "
                                     f"WHERE node_id IN ({sub} AND archived_at IS NULL)", [like])
        out["tallies"] = one(f"SELECT indicator_id, date_trunc('month', period), sum(delta) FROM campaigns_tallyentry "
                             f"WHERE node_id IN ({sub}) AND period >= %s GROUP BY 1, 2", [like, since])
        out["reports"] = one(
            f"SELECT count(*) FILTER (WHERE first_submitted_at IS NOT NULL), count(*) FILTER (WHERE approved_at "
            f"IS NOT NULL), count(*) FILTER (WHERE status = 'published') FROM reporting_inforeport "
            f"WHERE node_id IN ({sub}) AND period >= %s", [like, since])
        out["reform"] = dict(one(f"SELECT kind, count(*) FROM campaigns_reformrecord WHERE voided_at IS NULL "
                                 f"AND node_id IN ({sub}) AND occurred_on >= %s GROUP BY 1", [like, since]))
        out["online"] = dict(one(f"SELECT e.kind, count(*) FROM campaigns_activityengagement e "
                                 f"JOIN campaigns_onlineactivity a ON a.id = e.activity_id "
                                 f"WHERE a.node_id IN ({sub}) AND e.day >= %s GROUP BY 1", [like, since]))
        (out["party_checkins"],), = one(f"SELECT count(*) FROM campaigns_partycheckin WHERE withdrawn_at IS NULL "
                                        f"AND station_id IN ({sub})", [like])
        # children ranked: volunteers (stock), hours and requests solved over the period, per child subtree
        width = len(node.path) + PATH_STEP
        kids = f"SELECT id, left(path, {width}) AS top FROM orgs_node WHERE path LIKE %s AND length(path) > {len(node.path)}"
        out["children"] = {
            "volunteers": one(f"SELECT k.top, count(*) FROM volunteers_volunteer v JOIN ({kids}) k "
                              f"ON k.id = v.home_node_id WHERE v.status = 'active' GROUP BY 1", [like]),
            "hours": one(f"SELECT k.top, sum(r.hours) FROM service_servicerecord r JOIN ({kids}) k "
                         f"ON k.id = r.node_id WHERE r.service_date >= %s GROUP BY 1", [like, since]),
            "solved": one(f"SELECT k.top, count(*) FROM demands_demand d JOIN ({kids}) k ON k.id = d.node_id "
                          f"WHERE d.completed_at >= %s GROUP BY 1", [like, since_at]),
        }
    return out


def _agree(dash: dict, raw: dict) -> list[str]:
    """The headline numbers both ways; returns what differs."""
    pairs = [
        ("volunteers.registered", dash["volunteers"]["registered"], raw["volunteers"]["registered"]),
        ("volunteers.active_30d", dash["volunteers"]["active_30d"], raw["active_30d"]),
        ("teams", dash["teams"], raw["teams"]),
        ("hours.total", dash["hours"]["total"], raw["hours_total"].quantize(Decimal("0.01"))),
        # all time: the dashboard's `submitted`/`solved` are the period's since dashboards took any period
        ("demands.submitted_total", dash["demands"]["submitted_total"], raw["demands"]["submitted"]),
        ("demands.solved_total", dash["demands"]["solved_total"], raw["demands"]["solved"]),
        ("demands.overdue", dash["demands"]["overdue"],
         dash["demands"]["overdue"] if raw["overdue"][0] <= dash["demands"]["overdue"] <= raw["overdue"][1]
         else raw["overdue"]),
    ]
    pairs += [(f"demands.{s}", n, raw["demands_by_status"].get(s, 0)) for s, n in dash["demands"]["by_status"].items()]
    other = {m["code"]: m["total"] for m in dash["other"]}
    pairs += [("party_checkins", other.get("party_checkins", 0), raw["party_checkins"])]
    pairs += [(f"reform:{k}", other.get(f"reform:{k}", 0), n) for k, n in raw["reform"].items()]
    online = {"view": "online_views", "share": "online_shares", "participate": "online_participants"}
    pairs += [(online[k], other.get(online[k], 0), n) for k, n in raw["online"].items()]
    return [f"{name}: dashboard {a} vs raw {b}" for name, a, b in pairs if a != b]


def _nodes(rng: random.Random, per_level: int) -> list:
    from wenming.orgs.models import Node

    out = list(Node.objects.filter(kind="city").order_by("pk")[:1])
    for kind in LEVELS[1:]:
        ids = sorted(Node.objects.filter(kind=kind, archived_at__isnull=True).values_list("pk", flat=True))
        out += list(Node.objects.filter(pk__in=rng.sample(ids, k=min(per_level, len(ids)))).order_by("path"))
    return out


def run(*, nodes: int = 5, rounds: int = 20, naive_rounds: int = 3, report_rounds: int = 3, seed: int = 2024,
        **_) -> int:
    import os

    from django.db import connection
    from django.utils import timezone

    from wenming.accounts.models import User
    from wenming.dashboards.models import Figure
    from wenming.dashboards.selectors import dashboard_for_actor
    from wenming.service.ledger_models import ServiceRecord

    if connection.vendor != "postgresql":
        print("This benchmark is meant for PostgreSQL (set DATABASE_URL).")
    actor = User.objects.get(username="admin")
    note = _analyze_if_never() if connection.vendor == "postgresql" else ""
    if note:
        print(note)
    today = timezone.localdate()
    picked = _nodes(random.Random(seed), nodes)
    print(f"data: {ServiceRecord.objects.count():,} service records, {Figure.objects.count():,} summary rows; "
          f"load average {os.getloadavg()[0]:.2f}; {len(picked)} nodes, {rounds} dashboard calls and "
          f"{naive_rounds} naive aggregations each")
    per_level = {k: {"dash": [], "naive": [], "ratios": []} for k in LEVELS}
    problems = []
    for node in picked:
        dashboard_for_actor(actor=actor, node_id=node.pk, today=today)  # warm-up
        dash_ms = []
        for _ in range(rounds):
            t, started = time.perf_counter(), timezone.now()
            dash = dashboard_for_actor(actor=actor, node_id=node.pk, today=today)
            dash_ms.append((time.perf_counter() - t) * 1000)
            called = (started, timezone.now())
        naive_ms = []
        for _ in range(naive_rounds):
            t = time.perf_counter()
            raw = naive(node, today, called)
            naive_ms.append((time.perf_counter() - t) * 1000)
        problems += [f"{node.name}: {p}" for p in _agree(dash, raw)]
        level = per_level[node.kind]
        level["dash"] += dash_ms
        level["naive"] += naive_ms
        level["ratios"].append(statistics.median(naive_ms) / statistics.median(dash_ms))
        print(f"  {node.kind:9} {node.name[:18]:18} dashboard p50 {statistics.median(dash_ms):6.1f} ms "
              f"p95 {_pct(dash_ms, 95):6.1f} ms | naive p50 {statistics.median(naive_ms):8.0f} ms | "
              f"{level['ratios'][-1]:7.0f}× | hours {dash['hours']['total']}")
    ok = not problems
    past_ok = _past_period(actor, picked, rounds=rounds, report_rounds=report_rounds, today=today)
    print("\nlevel      dashboard p50   p95  |  naive p50      p95  | speed-up (median of nodes)")
    for kind in LEVELS:
        lv = per_level[kind]
        if not lv["dash"]:
            continue
        p95 = _pct(lv["dash"], 95)
        speedup = statistics.median(lv["ratios"])
        ok = ok and p95 < TARGET_P95_MS and speedup >= TARGET_SPEEDUP
        print(f"{kind:10} {statistics.median(lv['dash']):9.1f} ms {p95:6.1f} ms | "
              f"{statistics.median(lv['naive']):8.0f} ms {_pct(lv['naive'], 95):8.0f} ms | {speedup:8.0f}×")
    for p in problems:
        print("MISMATCH", p)
    print(f"\ntargets: p95 < {TARGET_P95_MS:.0f} ms at every level, ≥ {TARGET_SPEEDUP:.0f}× faster than naive, "
          f"same headline numbers → {'met' if ok else 'NOT met'}; the past year's dashboard p95 < "
          f"{TARGET_P95_MS:.0f} ms → {'met' if past_ok else 'NOT met'}")
    return 0 if ok and past_ok else 1


def _past_period(actor, picked, *, rounds: int, report_rounds: int, today) -> bool:
    """Last calendar year, a period that is over (issue 14): the dashboard counts its stocks as of
    31 December from the dated history, and the work report adds coverage and deployment read
    from the raw rows. Timed per level; the dashboard has the same p95 target, the work report
    (asked for rarely, a city's workbook runs as a job) is reported without one."""
    from wenming.dashboards.periods import Period
    from wenming.dashboards.selectors import dashboard_for_actor
    from wenming.dashboards.work_report import work_report_for_actor

    year = Period(today.replace(year=today.year - 1, month=1, day=1), today.replace(year=today.year - 1, month=12, day=1))
    dash: dict[str, list[float]] = {k: [] for k in LEVELS}
    report: dict[str, list[float]] = {k: [] for k in LEVELS}
    print(f"\npast period {year.label}: dashboard ({rounds} calls per node) and work report ({report_rounds} per node)")
    for node in picked:
        dashboard_for_actor(actor=actor, node_id=node.pk, period=year)  # warm-up
        for _ in range(rounds):
            t = time.perf_counter()
            dashboard_for_actor(actor=actor, node_id=node.pk, period=year)
            dash[node.kind].append((time.perf_counter() - t) * 1000)
        for _ in range(report_rounds):
            t = time.perf_counter()
            work = work_report_for_actor(actor=actor, node_id=node.pk, since=year.since, until=year.until)
            report[node.kind].append((time.perf_counter() - t) * 1000)
        print(f"  {node.kind:9} {node.name[:18]:18} volunteers at year end {work.figures['volunteers']:>9,} | "
              f"deployed {work.coverage.volunteers_deployed:>8,}")
    ok = True
    print("level      dashboard p50   p95  | work report p50      p95")
    for kind in LEVELS:
        if not dash[kind]:
            continue
        p95 = _pct(dash[kind], 95)
        ok = ok and p95 < TARGET_P95_MS
        print(f"{kind:10} {statistics.median(dash[kind]):9.1f} ms {p95:6.1f} ms | "
              f"{statistics.median(report[kind]):11.0f} ms {_pct(report[kind], 95):8.0f} ms")
    return ok
