"""Server-side isolation of the two ranking indexes' write cost: COPY the 100,000 imported
volunteer rows back into the emptied volunteer table, with (A) and without (B) the two indexes,
interleaved. Wall time, the backend's CPU time (/proc/PID/stat) and WAL bytes per COPY.

How it was run (docs/benchmarks.md, "Cost of the ranking indexes on imports"): in a scratch
database, `wenming bench import --rows 100000 --keep`, then as the database user
`COPY volunteers_volunteer TO '/tmp/idxbench/data/vol.copy' (FORMAT binary)`, then

    WENMING_INDEX_BENCH_DSN=postgresql://postgres@127.0.0.1:5432/<scratch> \
    WENMING_INDEX_BENCH_FILE=/tmp/idxbench/data/vol.copy .venv/bin/python bench/ranking_index_cost.py 7

It truncates the volunteer table of that database: never point it at real data.
"""

import os
import statistics
import sys
import time

import psycopg

DSN = os.environ["WENMING_INDEX_BENCH_DSN"]
FILE = os.environ["WENMING_INDEX_BENCH_FILE"]
CREATE = [
    "CREATE INDEX IF NOT EXISTS volunteer_position_idx ON volunteers_volunteer USING btree (lat, lon) "
    "INCLUDE (id, status, availability, is_reserve, home_node_id, user_id)",
    "CREATE INDEX IF NOT EXISTS volunteer_unplaced_node_idx ON volunteers_volunteer USING btree (home_node_id, status) "
    "INCLUDE (id, lat, lon, availability, is_reserve, user_id) WHERE ((lat IS NULL) OR (lon IS NULL))",
]
DROP = ["DROP INDEX IF EXISTS volunteer_position_idx", "DROP INDEX IF EXISTS volunteer_unplaced_node_idx"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


reps = int(sys.argv[1]) if len(sys.argv) > 1 else 6
res = {"A": [], "B": []}
with psycopg.connect(DSN, autocommit=True) as conn:
    pid = conn.execute("select pg_backend_pid()").fetchone()[0]
    for rep in range(1, reps + 1):
        for v in ("A", "B"):
            conn.execute("TRUNCATE volunteers_volunteer CASCADE")
            for sql in (CREATE if v == "A" else DROP):
                conn.execute(sql)
            conn.execute("CHECKPOINT")
            load = open("/proc/loadavg").read().split()[0]
            lsn0 = conn.execute("select pg_current_wal_lsn()").fetchone()[0]
            c0, t0 = cpu(pid), time.perf_counter()
            n = conn.execute(f"COPY volunteers_volunteer FROM '{FILE}' (FORMAT binary)").rowcount
            t1, c1 = time.perf_counter(), cpu(pid)
            wal = conn.execute("select pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (lsn0,)).fetchone()[0]
            nidx = conn.execute("select count(*) from pg_index where indrelid='volunteers_volunteer'::regclass").fetchone()[0]
            res[v].append((t1 - t0, c1 - c0, float(wal)))
            print(f"rep {rep} {v} ({nidx} indexes) rows {n} wall {t1 - t0:6.2f} s  backend cpu {c1 - c0:6.2f} s  "
                  f"WAL {float(wal) / 2**20:6.1f} MiB  load {load}", flush=True)
    conn.execute("TRUNCATE volunteers_volunteer CASCADE")
    for sql in CREATE:
        conn.execute(sql)
for i, name in enumerate(("wall s", "backend cpu s", "WAL MiB")):
    a = statistics.median(r[i] for r in res["A"])
    b = statistics.median(r[i] for r in res["B"])
    if i == 2:
        a, b = a / 2**20, b / 2**20
    print(f"median {name}: A {a:.2f}  B {b:.2f}  A-B {a - b:.2f}  (+{(a / b - 1) * 100:.1f} % over B)")
print("loadavg end", open("/proc/loadavg").read().strip())
