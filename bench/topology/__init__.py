"""Scale-out topology: a small fleet on this machine, and the figures that show it behaves as one.

    wenming bench topology [--volunteers 800] [--shifts 40] [--clients 8] [--observe 180]

Starts a throwaway PostgreSQL database, one Redis db (cache and Celery broker), two app servers
(`wenming web`, gunicorn), two Celery workers, one beat and nginx in front, all sharing one
WENMING_VAR_DIR and the same keys, then checks (issue 11, item 7):

1. a session made on app server A is accepted by B;
2. the login lockout (kept in the database) and a cache rate limit (Redis) count hits on A
   and B together;
3. each periodic job runs once per interval across the fleet — two workers, one beat, and for
   part of the time a second beat that the database latch must neutralise;
4. an image uploaded through A is served by B;
5. during a sign-up storm through nginx, kill -9 of A's gunicorn master and of one Celery
   worker lose no acknowledged write and no job: acknowledged sign-ups and cancellations are
   in the database, no shift is overbooked, each notification reaches the (recorded) SMS
   gateway — once, or more than once if the kill lands in the at-least-once window of
   core/notify.py (counted and reported, a failed check), and the messages the killed worker
   held come back through Redis and are taken by the other worker.

Everything is torn down at the end, also on Ctrl-C or failure. Exit status 0 when every check
holds. PostgreSQL and Redis must be running; nginx must be installed (Debian's package).
"""

import json
import os
import re
import signal
import time
import traceback
from collections import Counter, defaultdict
from datetime import datetime

HELP = "扩展拓扑 scale-out：两台应用服务器 + 两个 worker + beat + nginx，会话/锁定/限流/定时任务/上传/宕机检查"

MIN_GAP_SHARE = 0.9  # the latch lets a run start a tenth of the interval early (core/periodic.py)


def add_arguments(parser) -> None:
    parser.add_argument("--volunteers", type=int, default=800, help="volunteers, one sign-up each (800)")
    parser.add_argument("--shifts", type=int, default=40, help="shifts with room for half of them (40)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients of the storm (8)")
    parser.add_argument("--observe", type=float, default=180, help="seconds of periodic jobs observed (180)")
    parser.add_argument("--drain", type=float, default=120,
                        help="at most this many more seconds for the outbox and the broker to empty "
                             "(default 120; stretched to a killed worker's notification lease)")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL maintenance database; the run creates and drops its own database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12",
                        help="a Redis db of its own, empty; flushed at the end (default db 12)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs) afterwards")


def run(*, volunteers, shifts, clients, observe, drain, pg_url, redis_url, keep) -> int:
    from .fleet import Fleet

    machine = _machine()
    fleet = Fleet(pg_url=pg_url, redis_url=redis_url, keep=keep)
    print(f"扩展拓扑 scale-out topology — {machine['date']} — logs in {fleet.root}", flush=True)
    # Ctrl-C and `kill` both tear down. SIGINT explicitly too: a shell that starts us in the
    # background leaves it ignored, and Python then never raises KeyboardInterrupt.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    figures, code = None, 0
    try:
        figures = _scenario(fleet, volunteers=volunteers, shifts=shifts, clients=clients, observe=observe,
                            drain=drain)
    except KeyboardInterrupt:
        print("中断 interrupted: tearing the fleet down …", flush=True)
        code = 130
    except Exception:
        traceback.print_exc()
        code = 2
    finally:
        for sig in previous:  # a second Ctrl-C must not leave a half-stopped fleet; each stop is bounded
            signal.signal(sig, signal.SIG_IGN)
        teardown = fleet.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        print(f"清理 teardown: {teardown}", flush=True)
    if figures is None:
        return code or 2
    machine["load_after"] = os.getloadavg()
    return _report(figures, machine, teardown)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _scenario(fleet, *, volunteers, shifts, clients, observe, drain) -> dict:
    from bench.signup import _free_port

    from . import broker, probes
    from .storm import acknowledged, cancel_jobs, run_phase, signup_jobs

    figures: dict = {}
    started = time.time()
    print("准备 setting up: database, migrate, static files, seed …", flush=True)
    fleet.prepare()
    world_path = fleet.root / "world.json"
    fleet.django("seed", str(world_path), "--volunteers", str(volunteers), "--shifts", str(shifts))
    world = json.loads(world_path.read_text())
    figures["setup_s"] = time.time() - started

    ports = set()
    while len(ports) < 3:
        ports.add(_free_port())
    port_a, port_b, port_lb = sorted(ports)
    figures["ports"] = {"A": port_a, "B": port_b, "nginx": port_lb}
    print(f"启动 starting the fleet: A :{port_a}, B :{port_b}, nginx :{port_lb}, w1, w2, beat …", flush=True)
    fleet.worker("w1")
    fleet.worker("w2")
    # One after the other: `wenming web` runs collectstatic into VAR_DIR/static before serving,
    # and two of them writing the one shared directory at once trip over each other's files
    # (on separate machines each has its own).
    fleet.web("web-a", port_a)
    fleet.wait_http("web-a", port_a, "/readyz")
    fleet.web("web-b", port_b)
    fleet.wait_http("web-b", port_b, "/readyz")
    fleet.wait_log("w1", " ready.")
    fleet.wait_log("w2", " ready.")
    fleet.nginx("nginx", port_lb, [port_a, port_b])
    fleet.wait_http("nginx", port_lb, "/healthz")
    fleet.beat("beat1")
    t0 = fleet.wait_beat("beat1")
    figures["fleet_up_s"] = t0 - started - figures["setup_s"]

    print("检查 checks 1, 2, 4: session, lockout, rate limit, upload …", flush=True)
    password = world["password"]
    figures["session"] = probes.session_across(port_a, port_b, username="topo_session", password=password)
    figures["lockout"] = probes.lockout_across(port_a, port_b, username="topo_lockout", password=password,
                                               max_failures=world["login_max_failures"])
    figures["ratelimit"] = probes.ratelimit_across(port_a, port_b)
    figures["upload"] = probes.upload_across(port_a, port_b, token=world["admin_token"],
                                             node_id=world["station_id"],
                                             category_id=world["report_category_id"])

    _sleep_until(t0 + 15)
    print("第二个调度 starting a second beat …", flush=True)
    fleet.beat("beat2", own_var_dir=True)
    fleet.wait_beat("beat2")
    _sleep_until(t0 + 30)

    kills: dict = {}

    def kill_a():
        kills["A"] = {"at": fleet.kill9("web-a", group=False)}
        kills["A"]["workers_gone_s"] = fleet.group_gone_after("web-a")

    def kill_w1():
        at_kill = broker.wait_notification_in_hand(fleet.redis, timeout=5)
        at = fleet.kill9("w1", group=True)
        kills["w1"] = {"at": at, "watch": broker.OrphanWatch(fleet.redis, at_kill, at)}
        kills["w1"]["watch"].start()

    print(f"风暴 storm: {volunteers} sign-ups through nginx, kill -9 of A's master at 30 % …", flush=True)
    phase1 = run_phase(port_lb, clients, signup_jobs(world), at=0.3, action=kill_a)
    jobs = cancel_jobs(world, phase1)
    print(f"风暴 storm: {len(jobs)} cancellations (each promotes and notifies), kill -9 of worker w1 at 30 % …",
          flush=True)
    phase2 = run_phase(port_lb, clients, jobs, at=0.3, action=kill_w1)
    figures["storm"] = {"signups": phase1, "cancels": phase2, "kills": kills}
    answers = {**acknowledged(phase1, phase2), "shifts": world["shifts"]}

    beat2 = fleet.procs["beat2"]
    _sleep_until(beat2.started_at + observe / 2)
    fleet.stop("beat2")
    print(f"观察 observing the periodic jobs until {observe:.0f} s after beat started …", flush=True)
    _sleep_until(t0 + observe)
    figures["drain_wait_s"] = _wait_drained(fleet, drain, lease=world["lease_seconds"])
    fleet.stop("beat1")
    queued, unacked = broker.contents(fleet.redis)
    figures["broker_left"] = {"queued": [i for i, _ in queued], "unacked": [i for i, _ in unacked.values()]}
    if "w1" in kills:
        kills["w1"]["watch"].stopping.set()
        kills["w1"]["watch"].join()
        kills["w1"]["orphans"] = kills["w1"].pop("watch").orphans
    time.sleep(2)  # the last tick's task, if any, finishes before the workers stop
    fleet.stop("w2")
    answers_path = fleet.root / "answers.json"
    answers_path.write_text(json.dumps(answers))
    verify_path = fleet.root / "verify.json"
    fleet.django("verify", str(answers_path), str(verify_path))
    figures["db"] = json.loads(verify_path.read_text())
    figures["world"] = {k: world[k] for k in ("login_max_failures", "periodic_jobs", "lease_seconds")}
    figures["world"]["volunteers"], figures["world"]["shifts"] = volunteers, shifts
    figures["clients"] = clients
    figures["window"] = {"t0": t0, "beat1_stop": fleet.procs["beat1"].stopped_at,
                         "beat2_start": beat2.started_at, "beat2_stop": beat2.stopped_at}
    figures["pids"] = {p.pid: name for name, p in fleet.procs.items()}
    figures["beats_sent"] = {n: fleet.beat_sends(n) for n in ("beat1", "beat2")}
    figures["nginx"] = _access_log(fleet.root / "nginx" / "access.log", kills.get("A", {}), port_a, port_b)
    figures["sms"] = _deliveries(fleet.sms_log)
    figures["wall_s"] = time.time() - started
    return figures


def _sleep_until(t: float) -> None:
    if t > time.time():
        time.sleep(t - time.time())


def _wait_drained(fleet, limit: float, *, lease: float) -> float:
    """Seconds waited after the observation until no notification is unsent and no task waits
    in Redis (a killed worker's message comes back after the visibility time-out and kombu's
    next sweep). Rows leased by the killed worker are retried when their lease ends: the wait
    is stretched to cover that, however long it is, because "late" must not read as "lost"."""
    import psycopg

    from . import broker

    started = time.time()
    deadline = started + limit
    with psycopg.connect(fleet.database_url, autocommit=True) as conn:
        while time.time() < deadline:
            unsent, due = conn.execute("SELECT count(*), max(next_attempt_at) FROM core_notification "
                                       "WHERE sent_at IS NULL").fetchone()
            queued, unacked = broker.contents(fleet.redis)
            if not unsent and not queued and not unacked:
                break
            if unsent and due is not None and due.timestamp() + 25 > deadline:
                deadline = min(due.timestamp() + 25, started + lease + 60)
                print(f"  {unsent} notification(s) leased by the killed worker: waiting until their lease "
                      f"ends ({due.timestamp() - time.time():.0f} s) and the periodic sender takes them",
                      flush=True)
            time.sleep(1)
    return time.time() - started


ACCESS_LINE = re.compile(r'(\S+) (\S+) (\d+) "([^"]*)"')  # log_format topology in fleet.py


def _access_log(path, kill: dict, port_a: int, port_b: int) -> dict:
    """From nginx's log: which server answered (and how) for requests that started before A's
    master was killed, while A's workers were finishing (SIGTERM from the kernel when their
    parent died; the port still accepts until the last one exits), and after A was gone; and how
    many requests nginx passed on to B after A refused the connection."""
    names = {f"127.0.0.1:{port_a}": "A", f"127.0.0.1:{port_b}": "B"}
    killed_at = kill.get("at")
    gone_at = killed_at + (kill.get("workers_gone_s") or 0) if killed_at else None
    before, dying, after, retried = Counter(), Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        end, took, status, upstreams = ACCESS_LINE.match(line).groups()
        began = float(end) - float(took)
        server = names.get(upstreams.split(", ")[-1], upstreams)
        retried += ", " in upstreams
        if not killed_at or began < killed_at:
            before[server] += 1
        elif began < gone_at:
            dying[f"{server} {status}"] += 1
        else:
            after[server] += 1
    return {"before_kill": dict(before), "while_dying": dict(dying), "after_gone": dict(after),
            "retried_on_next": retried}


def _deliveries(path) -> dict[int, int]:
    """notification id -> sends recorded by the SMS stand-in (bench/topology/sms.py)."""
    counts: Counter = Counter()
    if path.exists():
        for line in path.read_text().splitlines():
            counts[int(line.split()[0])] += 1
    return dict(counts)


def _machine() -> dict:
    import subprocess

    free = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.splitlines()
    return {"date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "nproc": os.cpu_count(), "mem_gib": free[1].split()[1] if len(free) > 1 else "?",
            "load_before": os.getloadavg()}


# ---- the report -----------------------------------------------------------------------------

def _report(f: dict, machine: dict, teardown: str) -> int:
    checks: list[tuple[str, bool, str]] = []
    db, storm, kills = f["db"], f["storm"], f["storm"]["kills"]
    print(f"\n扩展拓扑 scale-out topology — {machine['date']}")
    print(f"机器 machine: nproc {machine['nproc']}, {machine['mem_gib']} GiB (free -g); load average "
          f"{machine['load_before'][0]:.2f} before, {machine['load_after'][0]:.2f} after")
    print(f"fleet: PostgreSQL (throwaway db), Redis (cache + broker), app servers A :{f['ports']['A']} and "
          f"B :{f['ports']['B']} (gunicorn 2 workers × 4 threads each), workers w1, w2 (Celery, 2 processes "
          f"each), beat (+ a second beat for part of the run), nginx :{f['ports']['nginx']}; one shared "
          "WENMING_VAR_DIR on the local disk (a real multi-machine fleet needs S3 or a shared filesystem)")
    print(f"时间 time: set-up {f['setup_s']:.0f} s, fleet start {f['fleet_up_s']:.0f} s, whole run "
          f"{f['wall_s']:.0f} s\n")

    s = f["session"]
    checks.append(("1 session from A works on B", s["ok"],
                   f"login on A → {s['login_on_a']}; /api/v1/auth/me on B with A's cookie → {s['me_on_b']} "
                   f"({s['user_on_b']}); without it → {s['without_cookie_on_b']}"))
    lk = f["lockout"]
    fails = " ".join(f"{srv}:{st}" for srv, st, _ in lk["failures"])
    checks.append((f"2a lockout after {f['world']['login_max_failures']} failures over A+B", lk["ok"],
                   f"wrong passwords {fails}; then the right one on B → {lk['right_password_on_b'][0]} "
                   f"{lk['right_password_on_b'][1]}, on A → {lk['right_password_on_a'][0]} "
                   f"{lk['right_password_on_a'][1]} (LoginAttempt rows in PostgreSQL)"))
    rl = f["ratelimit"]
    checks.append((f"2b rate limit {rl['limit']}/{rl['window']} s shared by A+B", rl["ok"],
                   f"{rl['hits']} certificate lookups alternating A/B: {rl['allowed']} allowed, "
                   f"{rl['limited']} refused (429); per server {rl['per_server']} "
                   "(core/ratelimit.py over Redis)"))
    up = f["upload"]
    checks.append(("4 upload through A served by B", up["ok"],
                   f"report image uploaded on A → {up.get('upload_on_a')}; GET on B → {up.get('get_on_b')}, "
                   f"{up.get('bytes')} bytes, sha256 {up.get('sha256')}…, same bytes as A: "
                   f"{up.get('same_bytes_as_a')} (shared local WENMING_VAR_DIR)"))

    checks.extend(_periodic_checks(f))
    checks.extend(_storm_checks(f, db, storm, kills))

    print(f"\n{'检查 check':<48} {'结果':<4} figures")
    for name, ok, detail in checks:
        print(f"{name:<50} {'PASS' if ok else 'FAIL':<6} {detail}")
    survivors = "SURVIVORS" in teardown
    print(f"{'teardown (no process left, db dropped)':<50} {'FAIL' if survivors else 'PASS':<6} {teardown}")
    failed = [name for name, ok, _ in checks if not ok] + (["teardown"] if survivors else [])
    print(f"\n结论 verdict: {'all checks PASS' if not failed else 'FAIL: ' + ', '.join(failed)}")
    return 1 if failed else 0


def _periodic_checks(f: dict) -> list[tuple[str, bool, str]]:
    w, jobs = f["window"], f["world"]["periodic_jobs"]
    window = w["beat1_stop"] - w["t0"]
    runs = defaultdict(list)
    for r in f["db"]["runs"]:
        runs[r["name"]].append(r)
    workers = {str(pid): name for pid, name in f["pids"].items()}  # PeriodicRun.worker is host:pid
    sent = f["beats_sent"]
    print(f"定时任务 periodic jobs: observed {window:.0f} s (beat1 ready → stopped); a second beat from "
          f"+{w['beat2_start'] - w['t0']:.0f} s to +{w['beat2_stop'] - w['t0']:.0f} s; due-task messages "
          f"sent: beat1 {sent['beat1']}, beat2 {sent['beat2']}; runs recorded {len(f['db']['runs'])}, so the "
          f"latch turned {sent['beat1'] + sent['beat2'] - len(f['db']['runs'])} away")
    print(f"  {'job':<36}{'every':>7}{'runs':>6}{'expected':>10}{'min gap':>9}{'max gap':>9}  "
          "outcomes; by worker")
    checks = []
    for name, every in jobs.items():
        rows = runs.get(name, [])
        starts = [r["started_at"] for r in rows]
        gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
        expected = int(window // every)
        min_gap = min(gaps) if gaps else None
        outcomes = Counter(r["outcome"] for r in rows)
        by_worker = Counter(workers.get(r["worker"].rsplit(":", 1)[-1], r["worker"]) for r in rows)
        ok = (expected - 1 <= len(rows) <= expected + 1 and not outcomes.get("failed")
              and (min_gap is None or min_gap >= MIN_GAP_SHARE * every))
        gap_text = f"{min_gap:>8.2f}s" if min_gap is not None else f"{'-':>9}"
        max_text = f"{max(gaps):>8.2f}s" if gaps else f"{'-':>9}"
        print(f"  {name:<36}{every:>6}s{len(rows):>6}{expected:>10}{gap_text}{max_text}  {dict(outcomes)}; "
              f"{dict(by_worker)}")
        smallest = "-" if min_gap is None else f"{min_gap:.2f} s"
        checks.append((f"3 {name} once per {every} s", ok,
                       f"{len(rows)} runs, expected {expected}, smallest gap {smallest} "
                       f"(must be ≥ {MIN_GAP_SHARE * every:.0f} s)"))
    return checks


def _storm_checks(f, db, storm, kills) -> list[tuple[str, bool, str]]:
    s1, s2, n = storm["signups"], storm["cancels"], f["nginx"]
    a, w1 = kills.get("A", {}), kills.get("w1", {})
    print(f"\n风暴 storm through nginx ({f['clients']} clients): {s1['requests']} sign-ups in "
          f"{s1['wall']:.1f} s ({s1['per_s']:.0f}/s), outcomes {s1['outcomes']}")
    print(f"  then {s2['requests']} cancellations in {s2['wall']:.1f} s ({s2['per_s']:.0f}/s), "
          f"outcomes {s2['outcomes']}")
    print(f"  nginx, requests by the server that answered: started before A's kill {n['before_kill']}; "
          f"while A's workers were stopping {n['while_dying']}; after A was gone {n['after_gone']}; "
          f"{n['retried_on_next']} refused by A at connect and passed on to B")
    print(f"  enrollments now: {db['enrollment_statuses']}; written but never acknowledged (the client saw "
          f"an error, e.g. 502 from a dying A): {db['unacknowledged_written']}")

    checks = []
    gone = a.get("workers_gone_s")
    after = n["after_gone"]
    checks.append(("5a kill -9 A's master: its workers go, nginx → B",
                   bool(a) and gone is not None and after.get("B", 0) > 0 and set(after) == {"B"},
                   (f"A's process group gone {gone:.2f} s after the kill" if gone is not None
                    else "A's workers still alive 15 s after the master was killed")
                   + f"; requests started after that answered by {after}; in between {n['while_dying']}"))
    checks.append(("5b every acknowledged write is in the database",
                   not db["lost_signups"] and not db["not_cancelled"],
                   f"{db['acknowledged_signups']} sign-ups answered 201: {len(db['lost_signups'])} missing; "
                   f"{db['acknowledged_cancels']} cancellations answered 200: {len(db['not_cancelled'])} "
                   "not cancelled"))
    checks.append(("5c no shift overbooked", not db["overbooked"],
                   f"{f['world']['shifts']} shifts: taken ≤ capacity and confirmed rows = taken"
                   + (f"; {db['overbooked']}" if db["overbooked"] else "")))

    sends = f["sms"]
    rows = db["notifications"]
    per = Counter(min(sends.get(r["id"], 0), 2) for r in rows)
    unsent = [r for r in rows if not r["sent"]]
    stray = set(sends) - {r["id"] for r in rows}
    dupes = {r["id"]: sends[r["id"]] for r in rows if sends.get(r["id"], 0) > 1}
    retried = [r["id"] for r in rows if r["attempts"] > 1]
    counts = (f"{len(rows)} notifications delivered 0× {per.get(0, 0)}, 1× {per.get(1, 0)}, "
              f">1× {per.get(2, 0)}")
    checks.append(("5d outbox: no notification lost",
                   bool(rows) and not per.get(0) and not unsent and not stray,
                   f"{counts}; unsent rows {len(unsent)}"
                   + (f" (leased: {sum(r['leased'] for r in unsent)})" if unsent else "")
                   + (f"; sends of unknown ids {len(stray)}" if stray else "")
                   + f"; sent on a later attempt {len(retried)} {retried[:10]}; waited "
                   f"{f['drain_wait_s']:.0f} s after the observation for the outbox and broker to empty"))
    why = ""
    if dupes and set(dupes) <= set(retried):  # taken twice: the first sender's lease ran out
        why = (" — at least once by design: each was leased again after its "
               f"{f['world']['lease_seconds']:.0f} s lease ended, the killed worker having sent it but not "
               "marked it sent (core/notify.py)")
    elif dupes:
        why = " — NOT explained by an expired lease (attempts = 1)"
    checks.append(("5e outbox: exactly once (no duplicate SMS)", bool(rows) and not dupes,
                   f"{counts}" + (f"; duplicates {dupes} (id: sends){why}" if dupes else "")))

    left = f["broker_left"]
    still = set(left["queued"]) | set(left["unacked"])
    orphans = w1.get("orphans", {})
    taken_again = {i: o for i, o in orphans.items() if o["done_s"] is not None}
    waiting = [i for i in orphans if i not in taken_again and i in still]
    lost = [i for i in orphans if i not in taken_again and i not in still]
    names = Counter(o["task"].removeprefix("wenming.") for o in orphans.values())
    timing = "; ".join(f"{o['task'].removeprefix('wenming.')} back in the queue after "
                       f"{o['requeued_s']:.0f} s, taken again and acknowledged after {o['done_s']:.0f} s"
                       for o in taken_again.values())
    idle = "" if orphans else " (w1 held none at that instant: redelivery not exercised in this run)"
    checks.append(("5f kill -9 of worker w1 loses no job", bool(w1) and not lost,
                   f"messages w1 held when killed: {len(orphans)} {dict(names)}{idle}"
                   + (f" ({timing})" if timing else "")
                   + f"; still in Redis {len(waiting)}, lost {len(lost)}; broker at the end: "
                   f"{len(left['queued'])} queued, {len(left['unacked'])} unacknowledged"))
    return checks
