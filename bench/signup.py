"""Sign-up storm: concurrent HTTP sign-ups against a real server, and the ceiling of the bare
SQL statement that claims a slot, measured in the same run.

    wenming bench signup [--clients 32] [--volunteers 3000] [--capacity 500] [--shifts 100]

Run it on a scratch PostgreSQL database (DATABASE_URL): it adds its own county, project,
shifts, volunteers, accounts and tokens. The server is gunicorn (gthread workers) started
on 127.0.0.1; the clients are threads with keep-alive connections.
"""

import hashlib
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

HELP = "报名压测 sign-up storm：HTTP 并发报名 vs. 抢名额 SQL 语句上限（零超卖、吞吐、延迟）"
REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_SHARE_OF_CEILING = 0.40
TARGET_P99_MS = 100


def add_arguments(parser):
    parser.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients (default 32)")
    parser.add_argument("--volunteers", type=int, default=3000, help="volunteers, one sign-up each per storm")
    parser.add_argument("--capacity", type=int, default=500, help="capacity of the one hot shift")
    parser.add_argument("--shifts", type=int, default=100, help="shifts in the many-shift storm")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each SQL ceiling run")


def run(*, clients, volunteers, capacity, shifts, workers, threads, seconds) -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("提示 note: the targets are for PostgreSQL; running on", connection.vendor)
    world = _setup(volunteers=volunteers, capacity=capacity, shifts=shifts)
    port = _free_port()
    server = _start_server(port, workers, threads)
    try:
        _warm_up(port, clients, world["tokens"][0])
        hot = _storm(port, clients, [(world["hot"], tok) for tok in world["tokens"]])
        spread = _storm(port, clients, [(world["many"][i % len(world["many"])], tok)
                                        for i, tok in enumerate(world["tokens"])])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    ceiling_hot = _sql_ceiling([world["ceiling_hot"]], clients, seconds)
    ceiling_many = _sql_ceiling(world["ceiling_many"], clients, seconds)
    overbooked = _overbooking([world["hot"], *world["many"]])
    return _report(hot, spread, ceiling_hot, ceiling_many, overbooked, clients=clients, workers=workers,
                   threads=threads, volunteers=volunteers)


def _setup(*, volunteers: int, capacity: int, shifts: int) -> dict:
    """A county with one recruiting project: a hot shift, `shifts` small shifts on another
    day, and two shifts with unlimited room for the SQL ceiling; volunteers with tokens."""
    from django.utils import timezone

    from wenming.accounts.models import ApiToken, User
    from wenming.orgs.services import node_create
    from wenming.service.models import ProjectCategory
    from wenming.service.project_services import (
        project_create,
        project_open_recruiting,
        project_publish,
        shift_add,
    )

    admin, _ = User.objects.get_or_create(username="bench_signup_admin", defaults={"is_superuser": True,
                                                                                  "is_staff": True})
    tag = secrets.token_hex(3)
    county = node_create(actor=admin, parent=None, name=f"压测县{tag}", kind="county")
    station = node_create(actor=admin, parent=county, name=f"压测站{tag}", kind="station")
    project = project_create(actor=admin, node=station, title="报名压测项目",
                             category=ProjectCategory.objects.get(code="civility"))
    start = timezone.now() + timedelta(days=3)
    hot = shift_add(actor=admin, project=project, title="热门岗", starts_at=start,
                    ends_at=start + timedelta(hours=2), capacity=capacity)
    later = start + timedelta(days=1)
    many = [shift_add(actor=admin, project=project, title=f"岗{i}", starts_at=later,
                      ends_at=later + timedelta(hours=2), capacity=max(1, volunteers // shifts // 2))
            for i in range(shifts)]
    far = start + timedelta(days=30)
    ceiling_hot = shift_add(actor=admin, project=project, title="上限测量", starts_at=far,
                            ends_at=far + timedelta(hours=1), capacity=10**9)
    ceiling_many = [shift_add(actor=admin, project=project, title=f"上限{i}", starts_at=far,
                              ends_at=far + timedelta(hours=1), capacity=10**9) for i in range(shifts)]
    project_publish(actor=admin, project=project)
    project_open_recruiting(actor=admin, project=project)

    print(f"准备数据 setting up {volunteers:,} volunteers with accounts and tokens …", flush=True)
    users = User.objects.bulk_create(
        [User(username=f"bench_{tag}_{i}", password="!") for i in range(volunteers)], batch_size=1000)
    _volunteers(users, station)
    tokens = [f"wm_{secrets.token_urlsafe(24)}" for _ in users]
    expires = timezone.now() + timedelta(days=1)
    ApiToken.objects.bulk_create(
        [ApiToken(user=u, key_hash=hashlib.sha256(t.encode()).hexdigest(), prefix=t[:10], expires_at=expires)
         for u, t in zip(users, tokens, strict=True)], batch_size=1000)
    return {"hot": hot.pk, "many": [s.pk for s in many], "tokens": tokens, "ceiling_hot": ceiling_hot.pk,
            "ceiling_many": [s.pk for s in ceiling_many]}


def _volunteers(users, station) -> None:
    from django.utils import timezone
    from stdnum.cn import ric

    from wenming.volunteers.models import Source, Volunteer
    from wenming.volunteers.services import fill_volunteer, volunteer_numbers
    from wenming.volunteers.validation import Identity, VolunteerValues

    numbers = volunteer_numbers(len(users))
    now = timezone.now()
    rows = []
    base = date(1975, 1, 1)
    for i, (user, number) in enumerate(zip(users, numbers, strict=True)):
        born = base + timedelta(days=i // 100)  # (birth date, order code) unique per volunteer
        body = f"420527{born:%Y%m%d}{i % 100:02d}{i % 10}"
        ident = Identity("resident", body + ric.calc_check_digit(body + "0"), born, "M" if i % 2 else "F")
        vol = Volunteer(user=user, volunteer_no=number, source=Source.SEED, consent_terms_at=now)
        fill_volunteer(vol, VolunteerValues(name="压测志愿者", identity=ident, phone=f"13{i:09d}",
                                            home_node=station), now)
        rows.append(vol)
    Volunteer.objects.bulk_create(rows, batch_size=1000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, WENMING_DEBUG="0", WENMING_ALLOWED_HOSTS="127.0.0.1,localhost")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [gunicorn, "wenming.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers), "--threads",
         str(threads), "-k", "gthread", "--keep-alive", "30", "--log-level", "warning"],
        cwd=str(REPO_ROOT), env=env)
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/project-categories")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _warm_up(port: int, clients: int, token: str) -> None:
    """Let every worker thread import, connect and authenticate once before timing."""
    def hit():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(5):
            conn.request("GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            conn.getresponse().read()
        conn.close()

    pool = [threading.Thread(target=hit) for _ in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def _storm(port: int, clients: int, jobs: list[tuple[int, str]]) -> dict:
    """Each job is one sign-up (shift id, token); clients take jobs until none are left."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    latencies, statuses = [], {}

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                shift_id, token = queue.pop()
            started = time.perf_counter()
            conn.request("POST", f"/api/v1/shifts/{shift_id}/enrollments", body="{}",
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            key = json.loads(body).get("status") or json.loads(body).get("code") if body else response.status
            with lock:
                latencies.append(elapsed)
                statuses[key] = statuses.get(key, 0) + 1
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=client) for _ in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    ok = statuses.get("confirmed", 0) + statuses.get("waitlisted", 0)
    return {"requests": len(latencies), "ok": ok, "per_s": ok / wall, "wall": wall, "statuses": statuses,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]}


def _sql_ceiling(shift_ids: list[int], clients: int, seconds: float) -> float:
    """Claims per second of the bare conditional UPDATE, `clients` connections, autocommit."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    sql = "UPDATE service_shift SET taken = taken + 1 WHERE id = %s AND taken < capacity"
    counts = [0] * clients
    stop = time.perf_counter() + seconds

    def worker(n: int):
        with psycopg.connect(**params, autocommit=True) as conn:
            cur = conn.cursor()
            i = n
            while time.perf_counter() < stop:
                cur.execute(sql, (shift_ids[i % len(shift_ids)],))
                counts[n] += cur.rowcount
                i += clients

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def _overbooking(shift_ids: list[int]) -> list[str]:
    from django.db.models import Count, Q

    from wenming.service.models import Shift

    bad = []
    for shift in Shift.objects.filter(pk__in=shift_ids).annotate(
            confirmed=Count("enrollments", filter=Q(enrollments__status="confirmed"))):
        if shift.taken > shift.capacity or shift.confirmed != shift.taken:
            bad.append(f"shift {shift.pk}: capacity {shift.capacity}, taken {shift.taken}, "
                       f"confirmed rows {shift.confirmed}")
    return bad


def _report(hot, spread, ceiling_hot, ceiling_many, overbooked, **machine) -> int:
    from django.db import connection

    print(f"\n报名压测 sign-up storm — {connection.vendor} — {machine}")
    print(f"{'场景 storm':<24}{'请求 req':>9}{'成功/秒 ok/s':>14}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'SQL 上限/秒':>14}{'占比 share':>12}")
    for label, result, ceiling in (("one hot shift", hot, ceiling_hot), ("many shifts", spread, ceiling_many)):
        print(f"{label:<24}{result['requests']:>9,}{result['per_s']:>14,.0f}{result['p50_ms']:>9.1f}"
              f"{result['p99_ms']:>9.1f}{ceiling:>14,.0f}{result['per_s'] / ceiling:>12.1%}")
        print(f"  outcomes: {result['statuses']}")
    print(f"超卖 overbooking: {'none' if not overbooked else overbooked}")
    load = os.getloadavg()
    print(f"机器 machine: {os.cpu_count()} cores; load average {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}")
    share_ok = hot["per_s"] >= TARGET_SHARE_OF_CEILING * ceiling_hot
    p99_ok = hot["p99_ms"] < TARGET_P99_MS
    print(f"目标 targets: zero overbooking {'PASS' if not overbooked else 'FAIL'}; "
          f"one-shift ≥ {TARGET_SHARE_OF_CEILING:.0%} of ceiling {'PASS' if share_ok else 'FAIL'}; "
          f"p99 < {TARGET_P99_MS} ms {'PASS' if p99_ok else 'FAIL'}")
    return 0 if (not overbooked and share_ok and p99_ok) else 1
