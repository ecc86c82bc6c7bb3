"""Vote storm: the public vote over HTTP with its limits enforced, against the bare SQL that
records a vote, measured in the same run.

    wenming bench vote [--clients 32] [--phones 1000] [--nominees 20] [--per-day 5]
                       [--dup-share 0.25] [--workers 2] [--threads 4] [--seconds 5] [--keep]

Run it on a scratch PostgreSQL database (DATABASE_URL, migrated). It adds a city office
and a station, and a 身边好人 campaign taken through the real services to its vote:
`--nominees` residents nominated, passed at the initial review, the vote opened with the
rules "`--per-day` votes per phone per day, 1 per nominee". `--phones` verified phones get
a voter pass each (bulk-created rows, as `vote_verify` writes them: the text-code round
trip is not what is measured). A gunicorn server (gthread, `--workers` × `--threads`) is
started on 127.0.0.1 with WENMING_CLIENT_IP_HEADER=X-Real-IP, as behind nginx, so each
phone comes from its own address and device (X-Real-IP, X-Device-Id) and the per-address
and per-device hourly limits are live, not tripped.

The storm: every phone tries `--per-day` + 2 distinct nominees (2 refused by the daily
limit) and once more a nominee it chose (refused by the per-nominee limit), each attempt a
`POST /api/v1/honours/public/campaigns/{id}/votes` with its own submission id; a share of
the attempts (`--dup-share`) is sent twice (a double tap: the second answer is the first
vote, 200). All attempts are shuffled, so one phone's votes race each other on different
clients. `--clients` threads with keep-alive connections send them.

Before the storm the tables it writes (and the shared cache's) are vacuumed and analysed.
During it the CPU used by the app server, by this database's PostgreSQL backends and by the
clients is sampled from /proc, next to the whole machine's (other people's work included).

In the same run, after the server stops, `--clients` psycopg connections run the bare SQL
of a vote for `--seconds`: in one transaction the conditional UPDATE of the phone's daily
counter (`used < limit`) and the INSERT of the vote row (the ceiling), and the same plus the
UPDATE of the nominee's count (what the service also does). Afterwards the storm is
checked: every phone has at most `--per-day` live votes (and, having tried more, exactly
that many), none more than one per nominee, each phone's daily counter equals its vote
rows, each nominee's count equals its live rows, the accepted answers equal the rows.
Exit 1 when any check fails. Unless `--keep`, everything the run added is deleted.
"""

import http.client
import json
import os
import random
import secrets
import signal
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace

from bench.signup import _free_port, _start_server

HELP = "投票压测 vote storm：HTTP 并发投票（限额生效）vs. 记一票的 SQL 上限（吞吐、延迟、拒绝、计数核对）"
USER = "bench_vote_admin"
PATH = "/api/v1/honours/public/campaigns/{}/votes"


def add_arguments(parser):
    parser.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients and SQL connections")
    parser.add_argument("--phones", type=int, default=1000, help="verified phones (voter passes)")
    parser.add_argument("--nominees", type=int, default=20, help="nominees on the ballot")
    parser.add_argument("--per-day", type=int, default=5, help="votes per phone per day (the campaign's rule)")
    parser.add_argument("--dup-share", type=float, default=0.25, help="share of attempts tapped twice")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each SQL ceiling run")
    parser.add_argument("--seed", type=int, default=2020, help="shuffle seed")
    parser.add_argument("--keep", action="store_true", help="keep the data (default: delete it at the end)")


def run(*, clients, phones, nominees, per_day, dup_share, workers, threads, seconds, seed, keep) -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("提示 note: the ceiling needs PostgreSQL (psycopg); running the storm only on", connection.vendor)
    per_day = max(1, min(per_day, nominees - 2))
    world = _setup(phones=phones, nominees=nominees, per_day=per_day)
    try:
        jobs = _jobs(world, per_day=per_day, dup_share=dup_share, seed=seed)
        _vacuum()
        env = {"WENMING_CLIENT_IP_HEADER": "X-Real-IP"}
        port = _free_port()
        os.environ.update(env)  # _start_server passes the environment on to gunicorn
        server = _start_server(port, workers, threads)
        try:
            _warm_up(port, clients, world.campaign)
            watch = CpuWatch(server.pid).start()
            storm = _storm(port, clients, world.campaign, jobs, world.tokens)
            storm["cpu"] = watch.stop()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            for key in env:
                os.environ.pop(key, None)
        ceilings = _ceilings(world, clients, seconds) if connection.vendor == "postgresql" else {}
        problems = _check(world, storm, per_day)
        code = _report(storm, ceilings, problems, clients=clients, workers=workers, threads=threads, phones=phones,
                       nominees=nominees, per_day=per_day)
    finally:
        if keep:
            print(f"kept the data under node path {world.root_path}")
        else:
            _clean(world)
    return code


# ---------------------------------------------------------------- set-up

def _setup(*, phones: int, nominees: int, per_day: int) -> SimpleNamespace:
    """The city, the storm's campaign in its vote with `nominees` on the ballot and `phones`
    voter passes; a second campaign with the same ballot size for the SQL ceiling."""
    from django.utils import timezone

    from wenming.accounts.models import User
    from wenming.orgs.services import node_create

    admin, _ = User.objects.get_or_create(username=USER, defaults={"is_superuser": True, "is_staff": True})
    tag = secrets.token_hex(3)
    city = node_create(actor=admin, parent=None, name=f"投票压测市{tag}", kind="city")
    station = node_create(actor=admin, parent=city, name=f"投票压测站{tag}", kind="station")
    print(f"准备数据 setting up {nominees} nominees and {phones:,} voter passes …", flush=True)
    started = time.perf_counter()
    campaign, ballot = _campaign(admin, city, station, f"投票压测{tag}", nominees, per_day, seq=0)
    ceiling, ceiling_ballot = _campaign(admin, city, station, f"上限测量{tag}", nominees, 32000, seq=nominees)
    numbers = [f"138{i:08d}" for i in range(phones)]
    tokens = _passes(campaign, numbers)
    ceiling_keys = _passes(ceiling, numbers, keys=True)
    _voter_days(ceiling, ceiling_keys, timezone.localdate())
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return SimpleNamespace(admin=admin, root_path=city.path, campaign=campaign.pk, ballot=[n.pk for n in ballot],
                           tokens=tokens, ceiling=ceiling.pk, ceiling_ballot=[n.pk for n in ceiling_ballot],
                           ceiling_keys=ceiling_keys, ceiling_passes=_pass_ids(ceiling))


def _campaign(admin, city, station, name: str, nominees: int, per_day: int, seq: int):
    from django.utils import timezone
    from stdnum.cn import ric

    from wenming.honours.models import HonourCategory, Nomination
    from wenming.honours.services import campaigns, nominations, reviews

    today = timezone.localdate()
    campaign = campaigns.campaign_create(
        actor=admin, node=city, category=HonourCategory.objects.get(code="good_people"), name=name, year=today.year,
        nominate_from=today, nominate_until=today + timedelta(days=7), places=3,
        vote_until=timezone.now() + timedelta(days=1))
    campaigns.stage_advance(actor=admin, campaign=campaign, to="nominating")
    ballot = []
    for i in range(nominees):
        born = date(1950, 1, 1) + timedelta(days=37 * (seq + i))
        body = f"420527{born:%Y%m%d}{(seq + i) % 100:02d}{i % 10}"
        ballot.append(nominations.nomination_create(
            actor=admin, campaign=campaign, kind="resident", nominated_by="node", nominating_node=station,
            consent=True, name="候选人" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "一二三四五六七八九十"[(i // 10) % 10],
            id_number=body + ric.calc_check_digit(body + "0"), node=station, title="身边好人",
            story="疫情期间连续值守卡点六十天，为村民代购药品和生活物资三百余次。"))
    campaigns.stage_advance(actor=admin, campaign=campaign, to="initial_review")
    for nomination in ballot:
        reviews.review_submit(actor=admin, nomination=nomination, decision="pass")
    campaigns.campaign_update(actor=admin, campaign=campaign, votes_per_day=min(per_day, 100),
                              votes_per_nominee_per_day=1)
    campaigns.stage_advance(actor=admin, campaign=campaign, to="voting")
    campaign.refresh_from_db()
    return campaign, list(Nomination.objects.filter(pk__in=[n.pk for n in ballot]).order_by("pk"))


def _passes(campaign, numbers: list[str], keys: bool = False) -> list[str]:
    """One voter pass per phone, the rows `vote_verify` writes (token stored hashed, phone as
    the campaign's keyed hash); the tokens (or, with `keys`, the phone hashes)."""
    from django.utils import timezone

    from wenming.honours.models import VoterPass
    from wenming.honours.services.votes import PASS_TTL, _pass_hash, phone_key, signal_key

    now = timezone.now()
    tokens = [secrets.token_urlsafe(32) for _ in numbers]
    phone_keys = [phone_key(campaign, n) for n in numbers]
    VoterPass.objects.bulk_create(
        [VoterPass(campaign=campaign, token_hash=_pass_hash(t), phone_hash=k, phone_tail=n[-4:], first_seen=True,
                   address_hash=signal_key(campaign, _address(i), "address"),
                   device_hash=signal_key(campaign, f"bench-device-{i}", "device"), created_at=now,
                   expires_at=now + PASS_TTL)
         for i, (n, t, k) in enumerate(zip(numbers, tokens, phone_keys, strict=True))], batch_size=1000)
    return phone_keys if keys else tokens


def _pass_ids(campaign_id) -> dict[str, int]:
    from wenming.honours.models import VoterPass

    return dict(VoterPass.objects.filter(campaign_id=campaign_id).values_list("phone_hash", "id"))


def _voter_days(campaign, keys: list[str], day: date) -> None:
    from wenming.honours.models import VoterDay

    VoterDay.objects.bulk_create([VoterDay(campaign=campaign, phone_hash=k, day=day) for k in keys], batch_size=1000)


def _vacuum() -> None:
    """VACUUM (ANALYZE) the tables the storm writes, the shared cache's included: autovacuum
    can be off on a scratch server (the benchmark machine's is), and the database cache
    counts its rows, dead ones too, on every write."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from wenming.settings.services import CACHE_TABLE

    with connection.cursor() as cur:
        for table in ("honours_vote", "honours_voterday", "honours_voterpass", "honours_nomination", CACHE_TABLE):
            cur.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def _address(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def _jobs(world, *, per_day: int, dup_share: float, seed: int) -> list[tuple]:
    """(phone index, nomination id, submission, kind) per request, shuffled; kind: "vote"
    (within the rules), "over" (past the daily limit), "again" (a chosen nominee once more),
    "tap" (the second tap of an attempt)."""
    rng = random.Random(seed)
    jobs = []
    for i in range(len(world.tokens)):
        picks = rng.sample(world.ballot, per_day + 2)
        attempts = [(i, nid, str(uuid.uuid4()), "vote" if k < per_day else "over") for k, nid in enumerate(picks)]
        attempts.append((i, rng.choice(picks[:per_day]), str(uuid.uuid4()), "again"))
        jobs += attempts
        jobs += [(i, nid, sub, "tap") for i, nid, sub, _ in attempts if rng.random() < dup_share]
    rng.shuffle(jobs)
    return jobs


# ---------------------------------------------------------------- the storm

def _warm_up(port: int, clients: int, campaign_id: int) -> None:
    """Every worker thread imports, connects and reads the ballot before timing."""
    def hit():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(5):
            conn.request("GET", f"/api/v1/honours/public/campaigns/{campaign_id}")
            conn.getresponse().read()
        conn.close()

    pool = [threading.Thread(target=hit) for _ in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def _storm(port: int, clients: int, campaign_id: int, jobs: list[tuple], tokens: list[str]) -> dict:
    lock = threading.Lock()
    queue = list(reversed(jobs))
    results = []  # (kind, status, code or vote id, seconds)
    url = PATH.format(campaign_id)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while True:
            with lock:
                if not queue:
                    break
                i, nid, sub, kind = queue.pop()
            body = json.dumps({"nomination_id": nid, "submission": sub})
            headers = {"Content-Type": "application/json", "X-Voter-Pass": tokens[i],
                       "X-Device-Id": f"bench-device-{i}", "X-Real-IP": _address(i)}
            started = time.perf_counter()
            try:
                conn.request("POST", url, body=body, headers=headers)
                response = conn.getresponse()
                raw = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, raw = 599, json.dumps({"code": type(exc).__name__}).encode()
            elapsed = time.perf_counter() - started
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = {"code": f"http_{status}"}
            mark = answer["vote"]["id"] if status in (200, 201) else answer.get("code", f"http_{status}")
            mine.append((kind, status, mark, elapsed))
        conn.close()
        with lock:
            results.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=client) for _ in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    return _summary(results, wall)


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (not idle, not waiting on I/O)."""
    with open("/proc/stat") as f:  # user nice system idle iowait irq softirq steal
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class CpuWatch:
    """CPU seconds used during the storm by the app server (gunicorn and its workers), by the
    PostgreSQL backends connected to this database (their title names it) and by this
    process (the clients), next to the whole machine's. Sampled every half second, so a
    backend that ends mid-storm (Django closes a connection older than CONN_MAX_AGE and
    opens a new one) is counted up to its last sample, not lost."""

    def __init__(self, server_pid: int):
        from django.db import connection

        self.server_pid, self.marker = server_pid, f" {connection.settings_dict['NAME']} "
        self.first: dict = {}
        self.last: dict = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, baseline: bool) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid == self.server_pid or _parent(pid) == self.server_pid:
                key = ("app", pid)
            elif (title := _cmdline(pid)).startswith("postgres:") and self.marker in title:
                key = ("db", pid)
            else:
                continue
            seconds = _proc_cpu(pid)
            if seconds:
                self.first.setdefault(key, seconds if baseline else 0.0)
                self.last[key] = seconds

    def _run(self) -> None:
        while not self.done.wait(0.5):
            self._sample(baseline=False)

    def start(self) -> "CpuWatch":
        times = os.times()
        self.clients, self.machine = times.user + times.system, _machine_busy()
        self._sample(baseline=True)
        self.thread.start()
        return self

    def stop(self) -> dict:
        self.done.set()
        self.thread.join()
        self._sample(baseline=False)
        used = {"app": 0.0, "db": 0.0}
        for (side, pid), seconds in self.last.items():
            used[side] += seconds - self.first[(side, pid)]
        times = os.times()
        used["clients"] = times.user + times.system - self.clients
        used["machine"] = _machine_busy() - self.machine
        return used


def _pct(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, int(len(values) * share))]


def _summary(results: list[tuple], wall: float) -> dict:
    latencies = [r[3] for r in results]
    accepted = [r for r in results if r[1] == 201]
    outcomes = Counter((r[1], r[2] if r[1] not in (200, 201) else "") for r in results)
    return {
        "requests": len(results), "wall": wall, "accepted": len(accepted), "votes_per_s": len(accepted) / wall,
        "requests_per_s": len(results) / wall,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0, "p99_ms": _pct(latencies, 0.99),
        "accepted_p50_ms": 1000 * statistics.median([r[3] for r in accepted]) if accepted else 0.0,
        "accepted_p99_ms": _pct([r[3] for r in accepted], 0.99),
        "refused": sum(n for (s, code), n in outcomes.items() if code in ("honours.day_limit", "honours.nominee_limit")),
        "taps_answered": outcomes.get((200, ""), 0),
        "outcomes": {f"{s} {code}".strip(): n for (s, code), n in sorted(outcomes.items(), key=str)},
        "created_ids": [r[2] for r in accepted], "repeat_ids": [r[2] for r in results if r[1] == 200],
        "by_kind": Counter(f"{r[0]}→{r[1]}" for r in results),
    }


# ---------------------------------------------------------------- the SQL ceiling

def _ceilings(world, clients: int, seconds: float) -> dict:
    out = {"bare": _ceiling(world, clients, seconds, with_count=False)}
    out["with_count"] = _ceiling(world, clients, seconds, with_count=True)
    return out


def _ceiling(world, clients: int, seconds: float, *, with_count: bool) -> float:
    """Votes per second of the bare SQL, `clients` connections: in one transaction the
    conditional UPDATE of the phone's daily counter and the INSERT of the vote row (and,
    `with_count`, the UPDATE of the nominee's count). Each vote a distinct (nominee, phone,
    slot); the limit is out of reach (32,000), so every UPDATE claims."""
    import psycopg
    from django.db import connection
    from django.utils import timezone

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    day = timezone.localdate()
    keys, ballot, passes = world.ceiling_keys, world.ceiling_ballot, world.ceiling_passes
    claim = ("UPDATE honours_voterday SET used = used + 1 WHERE campaign_id = %s AND phone_hash = %s AND day = %s "
             "AND used < %s")
    insert = ("INSERT INTO honours_vote (campaign_id, nomination_id, voter_pass_id, phone_hash, day, slot, submission, "
              "address_hash, device_hash, created_at, void_reason) VALUES (%s, %s, %s, %s, %s, %s, %s, '', '', now(), '')")
    count = "UPDATE honours_nomination SET votes = votes + 1 WHERE id = %s"
    slot_base = 1000 if with_count else 0  # the second run's rows never meet the first's
    counts = [0] * clients
    stop = time.perf_counter() + seconds

    def worker(n: int):
        with psycopg.connect(**params) as conn:
            cur = conn.cursor()
            g = n
            while time.perf_counter() < stop:
                phone = g % len(keys)
                nomination = ballot[(g // len(keys)) % len(ballot)]
                slot = slot_base + g // (len(keys) * len(ballot))
                with conn.transaction():
                    cur.execute(claim, (world.ceiling, keys[phone], day, 32000))
                    if cur.rowcount:
                        cur.execute(insert, (world.ceiling, nomination, passes[keys[phone]], keys[phone], day, slot,
                                             uuid.uuid4()))
                        if with_count:
                            cur.execute(count, (nomination,))
                        counts[n] += 1
                g += clients

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


# ---------------------------------------------------------------- checks, report, clean-up

def _check(world, storm: dict, per_day: int) -> list[str]:
    """What must hold after the storm, whatever the interleaving."""
    from django.db.models import Count

    from wenming.honours.models import LIVE_VOTE, Nomination, Vote, VoterDay

    problems = []
    votes = Vote.objects.filter(LIVE_VOTE, campaign_id=world.campaign)
    per_phone = dict(votes.values("phone_hash").annotate(n=Count("id")).values_list("phone_hash", "n").order_by())
    over = {k: n for k, n in per_phone.items() if n > per_day}
    if over:
        problems.append(f"{len(over)} phones over the daily limit of {per_day} (max {max(over.values())})")
    short = len(world.tokens) - sum(1 for n in per_phone.values() if n == per_day)
    if short:
        problems.append(f"{short} phones below the daily limit although they tried more nominees")
    twice = votes.values("phone_hash", "nomination_id", "day").annotate(n=Count("id")).filter(n__gt=1).count()
    if twice:
        problems.append(f"{twice} (phone, nominee, day) with more than one live vote")
    days = dict(VoterDay.objects.filter(campaign_id=world.campaign).values_list("phone_hash", "used"))
    wrong_days = sum(1 for k, used in days.items() if used != per_phone.get(k, 0))
    if wrong_days:
        problems.append(f"{wrong_days} phones whose daily counter differs from their vote rows")
    rows = dict(votes.values("nomination_id").annotate(n=Count("id")).values_list("nomination_id", "n").order_by())
    for nomination_id, shown in Nomination.objects.filter(campaign_id=world.campaign).values_list("id", "votes"):
        if shown != rows.get(nomination_id, 0):
            problems.append(f"nominee {nomination_id}: count {shown}, live rows {rows.get(nomination_id, 0)}")
    total = Vote.objects.filter(campaign_id=world.campaign).count()
    created = set(storm["created_ids"])
    if storm["accepted"] != total or len(created) != total:
        problems.append(f"{storm['accepted']} accepted answers ({len(created)} distinct) but {total} vote rows")
    if not set(storm["repeat_ids"]) <= created:
        problems.append("a repeated tap answered with a vote that was never created")
    bad = {k: n for k, n in storm["outcomes"].items()
           if k not in ("200", "201", "409 honours.day_limit", "409 honours.nominee_limit")}
    if bad:
        problems.append(f"unexpected answers: {bad}")
    return problems


def _report(storm: dict, ceilings: dict, problems: list[str], **machine) -> int:
    from django.db import connection

    version = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0]
    load = os.getloadavg()
    print(f"\n投票压测 vote storm — {connection.vendor} {version} — {machine}")
    print(f"机器 machine: {os.cpu_count()} cores; load average {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}")
    print(f"requests {storm['requests']:,} in {storm['wall']:.1f} s ({storm['requests_per_s']:,.0f}/s); "
          f"accepted votes {storm['accepted']:,} ({storm['votes_per_s']:,.0f}/s)")
    print(f"latency, all requests: p50 {storm['p50_ms']:.1f} ms, p99 {storm['p99_ms']:.1f} ms; "
          f"accepted votes: p50 {storm['accepted_p50_ms']:.1f} ms, p99 {storm['accepted_p99_ms']:.1f} ms")
    print(f"refused over a limit: {storm['refused']:,}; repeated taps answered with the first vote: "
          f"{storm['taps_answered']:,}")
    cpu = storm.get("cpu")
    if cpu:
        per = {k: 1000 * v / max(storm["requests"], 1) for k, v in cpu.items()}
        print(f"CPU during the storm: app server {cpu['app']:.0f} s ({per['app']:.1f} ms/request), PostgreSQL "
              f"backends of this database {cpu['db']:.0f} s ({per['db']:.1f} ms/request), clients {cpu['clients']:.0f} s; "
              f"the machine was busy {cpu['machine']:.0f} of {os.cpu_count() * storm['wall']:.0f} core-seconds "
              f"(everything else: {cpu['machine'] - cpu['app'] - cpu['db'] - cpu['clients']:.0f} s)")
    print(f"answers: {storm['outcomes']}")
    print(f"by attempt: {dict(sorted(storm['by_kind'].items()))}")
    if ceilings:
        bare, counted = ceilings["bare"], ceilings["with_count"]
        print(f"SQL ceiling (claim + insert): {bare:,.0f} votes/s — HTTP is {storm['votes_per_s'] / bare:.1%} of it")
        print(f"SQL ceiling (claim + insert + nominee count): {counted:,.0f} votes/s — HTTP is "
              f"{storm['votes_per_s'] / counted:.1%} of it")
    print(f"检查 checks: {'PASS (limits held, counts equal the rows)' if not problems else 'FAIL'}")
    for problem in problems:
        print(f"  - {problem}")
    return 1 if problems else 0


def _clean(world) -> None:
    """Delete what the run added (plain SQL: the vote rows may be many)."""
    from django.db import connection, transaction

    camps = [world.campaign, world.ceiling]
    like = world.root_path + "%"
    statements = [
        ("DELETE FROM honours_vote WHERE campaign_id = ANY(%s)", [camps]),
        ("DELETE FROM honours_voterday WHERE campaign_id = ANY(%s)", [camps]),
        ("DELETE FROM honours_voterpass WHERE campaign_id = ANY(%s)", [camps]),
        ("DELETE FROM core_phonecode WHERE purpose = ANY(%s)", [[f"honour-vote:{c}" for c in camps]]),
        ("DELETE FROM honours_review WHERE nomination_id IN (SELECT id FROM honours_nomination "
         "WHERE campaign_id = ANY(%s))", [camps]),
        ("DELETE FROM honours_nomination WHERE campaign_id = ANY(%s)", [camps]),
        ("DELETE FROM honours_criterion WHERE campaign_id = ANY(%s)", [camps]),
        ("DELETE FROM honours_honourcampaign WHERE id = ANY(%s)", [camps]),
        ("DELETE FROM core_counter WHERE name = ANY(%s)", [[f"honour-nomination:{c}" for c in camps]]),
        ("DELETE FROM core_auditentry WHERE node_path LIKE %s", [like]),
        ("DELETE FROM orgs_node WHERE path LIKE %s", [like]),
    ]
    if connection.vendor != "postgresql":  # SQLite has no arrays: spell the lists out
        statements = [(sql.replace("= ANY(%s)", "IN (" + ",".join(["%s"] * len(params[0])) + ")"), list(params[0]))
                      if "ANY" in sql else (sql, params) for sql, params in statements]
    with transaction.atomic(), connection.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)


if __name__ == "__main__":  # python -m bench.vote … (normally: wenming bench vote)
    from bench.runner import main

    sys.exit(main(["vote", *sys.argv[1:]]))
