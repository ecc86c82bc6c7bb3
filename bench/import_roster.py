"""Scenario `import`: a full roster import against a bare openpyxl read of the same file.

Targets (SPEC 6, docs/benchmarks.md): import time <= 2.5 x bare read time, peak RSS < 400 MB.
Each phase runs in its own child process, so each peak RSS is that phase's alone; the
children run with WENMING_DEBUG=0 (production settings) against the configured database.
The scenario writes into the configured database: run it on a scratch database. Unless
--keep is given it deletes the rows it imported (and their audit rows) and the file.

    wenming bench import [--rows 100000] [--repeat 3] [--rerun] [--serial] [--keep] [--batch-size 1000]

(a) bare read: load_workbook(read_only=True, data_only=True) + iter_rows(values_only=True)
(b) import: import_roster() as the CLI and the web run it (big file: read in a child process)
(c) --rerun: the same file again, every row unchanged
(d) --serial: the import with the file read in the importing process (one core)
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELP = "名册导入 roster import：完整导入 vs. openpyxl 只读遍历（耗时比、峰值内存）"
TARGET_RATIO = 2.5
TARGET_RSS_MB = 400
REPO_ROOT = Path(__file__).resolve().parent.parent


def add_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=100_000, help="roster rows to generate (default 100000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated file and the imported rows")
    parser.add_argument("--rerun", action="store_true",
                        help="also time a second import of the same file (every row unchanged)")
    parser.add_argument("--serial", action="store_true",
                        help="also time the import with the file read in the importing process itself")
    parser.add_argument("--repeat", type=int, default=1, help="measure each phase this many times (median)")
    parser.add_argument("--batch-size", type=int, default=1000, help="rows per transaction (default 1000)")


def run(*, rows: int = 100_000, keep: bool = False, rerun: bool = False, serial: bool = False, repeat: int = 1,
        batch_size: int = 1000, **_) -> int:
    from .roster_data import generate_roster

    actor = _bench_actor()
    codes = _ensure_nodes(actor)
    workdir = Path(tempfile.mkdtemp(prefix="wenming-bench-"))
    path = workdir / f"roster-{rows}.xlsx"
    print(f"生成名册 generating {rows:,} rows → {path} …", flush=True)
    started = time.perf_counter()
    generate_roster(path, rows, codes)
    print(f"  {time.perf_counter() - started:.1f} s, {path.stat().st_size / 2**20:.1f} MiB, "
          f"{len(codes)} home nodes", flush=True)
    phases: dict[str, list[dict]] = {}
    load_before = os.getloadavg()
    marks = _marks()
    importing = ["--actor", actor.username, "--batch-size", str(batch_size)]
    try:
        for round_ in range(1, repeat + 1):
            _measure(phases, "read", round_, "read", path)
            _measure(phases, "import", round_, "import", path, *importing)
            if rerun:
                _measure(phases, "rerun", round_, "import", path, *importing)
            if serial:
                _clean(actor, marks)
                _measure(phases, "serial", round_, "import", path, *importing, "--serial")
            if round_ < repeat or not keep:
                _clean(actor, marks)
    finally:
        if not keep:
            _clean(actor, marks)
            shutil.rmtree(workdir, ignore_errors=True)
    ok = _print_table(rows, phases)
    print("机器 machine: {} cores; load average 1/5/15 min before {:.2f}/{:.2f}/{:.2f}, after {:.2f}/{:.2f}/{:.2f} "
          "(other processes compete for the cores when it is above ~0.2)".format(os.cpu_count(), *load_before,
                                                                                 *os.getloadavg()))
    if keep:
        print(f"保留 kept: {path} and the imported rows")
    return 0 if ok else 1


def _measure(phases: dict, name: str, round_: int, phase: str, path: Path, *args: str) -> None:
    result = _child(phase, path, *args)
    phases.setdefault(name, []).append(result)
    reader = f" + reader {result['reader_rss_mb']:.0f} MB" if result.get("reader_rss_mb") else ""
    print(f"  round {round_} {name:<7} {result['seconds']:7.2f} s  peak {result['rss_mb']:.0f} MB{reader}", flush=True)


def _marks() -> tuple[int, int]:
    from wenming.core.models import AuditEntry
    from wenming.volunteers.models import Volunteer

    return (Volunteer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)


def _clean(actor, marks: tuple[int, int]) -> None:
    """Delete what the benchmark imported (volunteers, their skills and audit rows)."""
    from wenming.core.models import AuditEntry
    from wenming.volunteers.models import Source, Volunteer

    Volunteer.objects.filter(pk__gt=marks[0], source=Source.IMPORT).delete()
    AuditEntry.objects.filter(pk__gt=marks[1], actor=actor).delete()


LABELS = {"read": "(a) 只读遍历 bare read", "import": "(b) 完整导入 import",
          "rerun": "(c) 重复导入 re-import", "serial": "(d) 单进程导入 import, serial"}


def _print_table(rows: int, phases: dict[str, list[dict]]) -> bool:
    median = {name: statistics.median(r["seconds"] for r in results) for name, results in phases.items()}
    peak = max(_total_rss(r) for results in phases.values() for r in results)
    runs = len(phases["read"])
    print()
    print(f"名册导入基准 roster import benchmark — {rows:,} 行 rows — {_database()} — "
          f"{runs} 轮 round(s), median")
    print(f"{'阶段 phase':<32}{'秒 s':>9}{'行/秒 rows/s':>15}{'对比只读 × read':>16}{'峰值内存 peak RSS':>19}"
          f"{'(读取进程 reader)':>19}")
    for name, results in phases.items():
        seconds = median[name]
        rss = max(r["rss_mb"] for r in results)
        reader = max(r.get("reader_rss_mb", 0.0) for r in results)
        print(f"{LABELS[name]:<32}{seconds:>9.2f}{rows / seconds:>15,.0f}{seconds / median['read']:>15.2f}×"
              f"{rss:>16.0f} MB{(f'+{reader:.0f} MB' if reader else '-'):>19}")
    for name in ("import", "rerun", "serial"):
        if name in phases:
            c = phases[name][0]["counts"]
            print(f"  {LABELS[name]}: 新增 created {c['created']:,}, 更新 updated {c['updated']:,}, "
                  f"未变化 unchanged {c['unchanged']:,}, 有误 failed {c['failed']:,}")
    ratio = median["import"] / median["read"]
    ok_ratio, ok_rss = ratio <= TARGET_RATIO, peak < TARGET_RSS_MB
    print(f"比值 ratio import / bare read = {ratio:.2f}  (目标 target ≤ {TARGET_RATIO})  "
          f"{'达标 PASS' if ok_ratio else 'FAIL'}")
    print(f"峰值内存 peak RSS = {peak:.0f} MB, importer + reader process  (目标 target < {TARGET_RSS_MB} MB)  "
          f"{'达标 PASS' if ok_rss else 'FAIL'}")
    if phases["import"][0]["counts"]["created"] != rows:
        print("注意 note: not every generated row was imported as new — the database already held some of them")
    return ok_ratio and ok_rss


def _total_rss(result: dict) -> float:
    return result["rss_mb"] + result.get("reader_rss_mb", 0.0)


def _database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def _bench_actor():
    from wenming.accounts.models import User

    actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if actor is None:
        actor = User.objects.create_superuser(username="bench_admin", password=None, display_name="基准测试")
    return actor


def _ensure_nodes(actor) -> list[str]:
    """Codes of up to 50 open stations/points; a small tree is made when the database has none."""
    from wenming.orgs.models import Node
    from wenming.orgs.services import node_create

    def codes():
        return list(Node.objects.filter(kind__in=["station", "point"], archived_at__isnull=True)
                    .order_by("path").values_list("code", flat=True)[:50])

    found = codes()
    if found:
        return found
    county = Node.objects.filter(code="BENCH-COUNTY").first() or node_create(
        actor=actor, parent=None, name="基准测试县文明办", kind="county", code="BENCH-COUNTY")
    center = node_create(actor=actor, parent=county, name="基准测试县新时代文明实践中心", kind="center",
                         code="BENCH-C")
    for i in range(1, 3):
        institute = node_create(actor=actor, parent=center, name=f"基准测试第{i}镇新时代文明实践所",
                                kind="institute", code=f"BENCH-I{i}")
        for j in range(1, 4):
            node_create(actor=actor, parent=institute, name=f"基准测试第{i}镇{j}村新时代文明实践站",
                        kind="station", code=f"BENCH-S{i}{j}")
    return codes()


def _child(phase: str, path: Path, *args: str) -> dict:
    env = dict(os.environ, WENMING_DEBUG="0", DJANGO_SETTINGS_MODULE="wenming.settings",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "bench.import_roster", phase, str(path), *args],
                          env=env, cwd=str(REPO_ROOT), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise RuntimeError(f"benchmark phase {phase!r} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rss_mb() -> float:
    """(Same as roster.rows.peak_rss_mb, kept here so the bare-read child imports no Django.)
    Peak RSS of this process. On Linux ru_maxrss survives exec, so a child started from a
    big parent would report the parent's size; VmHWM belongs to this program image alone."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _phase_read(path: str) -> dict:
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return {"seconds": time.perf_counter() - started, "rows": count, "rss_mb": _rss_mb()}


def _phase_import(path: str, actor_name: str, batch_size: int, serial: bool) -> dict:
    import django

    django.setup()
    from wenming.accounts.models import User
    from wenming.volunteers.roster.importer import import_roster

    actor = User.objects.get(username=actor_name)
    errors = Path(path).with_suffix(".errors.xlsx")
    started = time.perf_counter()
    report = import_roster(actor=actor, source=path, errors_path=errors, batch_size=batch_size,
                           parallel=False if serial else None)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "counts": report.counts(), "rss_mb": _rss_mb(),
            "reader_rss_mb": report.reader_peak_mb or 0.0}


def _child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_roster")
    parser.add_argument("phase", choices=["read", "import"])
    parser.add_argument("path")
    parser.add_argument("--actor", default="")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--serial", action="store_true")
    options = parser.parse_args(argv)
    if options.phase == "read":
        result = _phase_read(options.path)
    else:
        result = _phase_import(options.path, options.actor, options.batch_size, options.serial)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
