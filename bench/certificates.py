"""Scenario `certificates`: issue and render N 志愿服务记录证明 into one zip (the batch path).

    wenming bench certificates [--count 1000] [--entries 20] [--keep]

Writes into the configured database: run it on a scratch one, e.g.
`WENMING_VAR_DIR=/tmp/wm_cert_bench wenming manage migrate` first. It makes a bench station (or
reuses one), a project, N volunteers with --entries ledger rows each (one of them corrected),
all bulk-inserted; then times certificate_issue_batch (ledger snapshot, numbers, audit rows)
and certificate_batch_zip (one PDF per certificate into a zip). Unless --keep, it deletes all
it made. Target (docs/benchmarks.md): 1,000 certificates in under 60 s.
"""

import os
import resource
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HELP = "志愿服务记录证明 certificates：批量出具并生成 PDF 压缩包（耗时、每秒张数、峰值内存）"
TARGET_SECONDS_PER_1000 = 60.0


def add_arguments(parser) -> None:
    parser.add_argument("--count", type=int, default=1000, help="certificates to issue (default 1000)")
    parser.add_argument("--entries", type=int, default=20, help="ledger entries per volunteer (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the volunteers, ledger, certificates and zip")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _setup(count: int, entries: int, tag: str):
    from wenming.orgs.models import Node
    from wenming.orgs.services import node_create
    from wenming.service.models import HoursKind, ProjectCategory, ServiceRecord, VolunteerStats
    from wenming.service.project_services import project_create
    from wenming.volunteers.models import Source, Volunteer

    from .import_roster import _bench_actor

    actor = _bench_actor()
    station = Node.objects.filter(code="BENCH-CERT").first()
    if station is None:
        county = Node.objects.filter(code="BENCH-COUNTY").first() or node_create(
            actor=actor, parent=None, name="基准测试县文明办", kind="county", code="BENCH-COUNTY")
        station = node_create(actor=actor, parent=county, name="基准测试证明新时代文明实践站", kind="station",
                              code="BENCH-CERT")
    project = project_create(actor=actor, node=station, title="文明劝导进社区（基准）",
                             category=ProjectCategory.objects.order_by("pk").first())
    vols = Volunteer.objects.bulk_create([
        Volunteer(name="基准志愿者", name_pinyin="jizhunzhiyuanzhe", name_initials="jzzyz",
                  id_number_enc="-", id_number_hash=f"bench-cert-{tag}-{i}", id_number_masked="420527********1234",
                  birth_date=date(1990, 1, 1), sex="M", phone_enc="-", phone_hash="", phone_masked="139****0000",
                  volunteer_no=f"B{tag}{i:06d}"[:20], home_node=station, source=Source.IMPORT)
        for i in range(count)], batch_size=1000)
    vols = list(Volunteer.objects.filter(id_number_hash__startswith=f"bench-cert-{tag}-")
                .select_related("home_node").order_by("pk"))
    start = date(2024, 1, 1)
    rows = [ServiceRecord(volunteer=v, kind=HoursKind.AUTO, bucket=HoursKind.AUTO, hours=Decimal("2.50"),
                          service_date=start + timedelta(days=7 * j), project=project, node=station)
            for v in vols for j in range(entries)]
    ServiceRecord.objects.bulk_create(rows, batch_size=2000)
    firsts = (ServiceRecord.objects.filter(volunteer__in=vols, service_date=start, kind=HoursKind.AUTO)
              .values_list("pk", "volunteer_id"))
    ServiceRecord.objects.bulk_create([
        ServiceRecord(volunteer_id=vid, kind=HoursKind.CORRECTION, bucket=HoursKind.AUTO, hours=Decimal("-0.50"),
                      service_date=start, project=project, node=station, corrects_id=pk, reason="基准更正")
        for pk, vid in firsts], batch_size=2000)
    total = Decimal("2.50") * entries - Decimal("0.50")
    VolunteerStats.objects.bulk_create([VolunteerStats(volunteer=v, auto_hours=total) for v in vols],
                                       batch_size=1000)
    return actor, station, project, vols


def _clean(tag: str, project) -> None:
    from wenming.core.models import AuditEntry
    from wenming.service.models import Certificate, ServiceRecord
    from wenming.volunteers.models import Volunteer

    vols = Volunteer.objects.filter(id_number_hash__startswith=f"bench-cert-{tag}-")
    cert_ids = [str(pk) for pk in Certificate.objects.filter(volunteer__in=vols).values_list("pk", flat=True)]
    AuditEntry.objects.filter(object_type="service.certificate", object_id__in=cert_ids).delete()
    Certificate.objects.filter(volunteer__in=vols).delete()
    ServiceRecord.objects.filter(volunteer__in=vols, corrects__isnull=False).delete()
    ServiceRecord.objects.filter(volunteer__in=vols).delete()
    vols.delete()
    project.delete()


def run(*, count: int = 1000, entries: int = 20, keep: bool = False, **_) -> int:
    from django.db import connection

    from wenming.service.certificate_pdf import register_cjk_font
    from wenming.service.certificate_services import certificate_batch_zip, certificate_issue_batch

    tag = time.strftime("%m%d%H%M%S")
    print(f"准备数据 setting up {count:,} volunteers × {entries} ledger entries …", flush=True)
    t0 = time.perf_counter()
    actor, station, project, vols = _setup(count, entries, tag)
    print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
    register_cjk_font()  # once per process; a server has it loaded already
    workdir = Path(tempfile.mkdtemp(prefix="wenming-bench-cert-"))
    out = workdir / "certificates.zip"
    load_before = os.getloadavg()
    try:
        t1 = time.perf_counter()
        certs = certificate_issue_batch(actor=actor, volunteers=vols, node=station)
        t2 = time.perf_counter()
        made = certificate_batch_zip(certs, out)
        t3 = time.perf_counter()
    finally:
        if not keep:
            _clean(tag, project)
    issue_s, render_s, total_s = t2 - t1, t3 - t2, t3 - t1
    size_mb = out.stat().st_size / 2**20
    if not keep:
        out.unlink(missing_ok=True)
        workdir.rmdir()
    target = TARGET_SECONDS_PER_1000 * count / 1000
    ok = made == count and total_s < target
    print()
    print(f"证明批量基准 certificates benchmark — {count:,} certificates, {entries} entries each — "
          f"{connection.vendor}")
    print(f"  出具 issue (snapshot, numbers, audit): {issue_s:8.2f} s")
    print(f"  生成 render + zip:                     {render_s:8.2f} s   ({size_mb:.1f} MiB zip)")
    print(f"  合计 total:                            {total_s:8.2f} s   {made / total_s:8.1f} certs/s")
    print(f"  峰值内存 peak RSS:                     {_peak_rss_mb():8.0f} MB")
    print(f"  目标 target: < {target:.0f} s → {'达标 OK' if ok else '未达标 NOT MET'}")
    print("机器 machine: {} cores; load average before {:.2f}/{:.2f}/{:.2f}".format(os.cpu_count(), *load_before))
    if keep:
        print(f"保留 kept: {out}")
    return 0 if ok else 1
