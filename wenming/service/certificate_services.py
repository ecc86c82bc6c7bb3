"""志愿服务记录证明: issue (one or a batch), revoke, render, and the reads they need.

Issuing freezes a snapshot of the volunteer's hours ledger: corrections are folded onto the
entry they correct, entries whose net hours are ≤ 0 are dropped, and the certified total must
equal the maintained VolunteerStats total (else the ledger needs a look before certifying).
The PDF is rendered on demand from the snapshot; nothing is stored under MEDIA_ROOT.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import NOTHING, scope_for
from wenming.core.audit import audit_entry, audit_record
from wenming.core.counters import counter_take
from wenming.core.crypto import mask_name
from wenming.core.errors import CoreError
from wenming.core.models import AuditEntry
from wenming.core.volunteer_record import certificate_honour_lines

from .certificate_errors import CertificateError as E
from .certificate_pdf import (
    CertificateData,
    CJKFontError,
    ServiceLine,
    render_certificate,
    render_certificates,
)
from .hours_services import star_level_for
from .models import Certificate, HoursKind, ServiceRecord, VolunteerStats

logger = logging.getLogger(__name__)

DEFAULT_SITE_URL = "http://127.0.0.1:8000"
BATCH_LIMIT = 5000
NUMBER_PREFIX = "ZS"


# --- helpers ---------------------------------------------------------------------------

def site_url(request=None) -> str:
    """Absolute base for the links printed on a certificate (its QR code).

    A configured public address wins (WENMING_SITE_URL, or a SITE_URL setting other than the
    default): behind a proxy only that is sure to be what people can reach. Without one, the
    address the request came in on, port included, so a demo served on :8613 prints :8613
    rather than the default :8000. Without a request either (a batch job that was not given
    its requester's address), the default."""
    configured = (os.environ.get("WENMING_SITE_URL", "") or getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if os.environ.get("WENMING_SITE_URL") or (configured and configured != DEFAULT_SITE_URL):
        return configured
    if request is not None:
        try:
            return request.build_absolute_uri("/").rstrip("/")
        except DisallowedHost:
            pass
    return configured or DEFAULT_SITE_URL


def verify_url(certificate: Certificate, base_url: str = "") -> str:
    return f"{(base_url or site_url()).rstrip('/')}/service/verify/{certificate.verify_code}/"


@dataclass(frozen=True)
class _Snapshot:
    lines: list[dict]
    total: Decimal
    period_from: dt.date
    period_to: dt.date


def _root_id(record_id: int, corrects: dict[int, int | None]) -> int:
    seen = set()
    while corrects.get(record_id) and record_id not in seen:  # a correction of a correction
        seen.add(record_id)
        record_id = corrects[record_id]  # type: ignore[assignment]
    return record_id


def _snapshot(volunteer, records: list[ServiceRecord], stats_total: Decimal) -> _Snapshot:
    """One line per project service (its date, project, node, hours). Hours entered without a
    project (补录时长, mostly from paper sign-in sheets, often one entry a week) are summed into
    one line per month and node: "2025-11 补录时长（共 4 次）16 小时", not a page of identical rows.
    A grouped line keeps its first and last day ("date", "until") and its number of entries."""
    corrects = {r.pk: r.corrects_id for r in records}
    by_id = {r.pk: r for r in records}
    net: dict[int, Decimal] = defaultdict(Decimal)
    for r in records:
        net[_root_id(r.pk, corrects)] += r.hours
    lines: list[dict] = []
    grouped: dict[tuple, dict] = {}
    total = Decimal(0)
    for root_id in sorted(net, key=lambda pk: (by_id[pk].service_date, pk)):
        hours = net[root_id]
        if hours <= 0:
            continue
        entry = by_id[root_id]
        total += hours
        if entry.project_id:
            lines.append({"date": entry.service_date.isoformat(), "project": entry.project.title,
                          "node": entry.node.name, "hours": hours})
            continue
        label = HoursKind.MAKEUP.label if entry.kind == HoursKind.MAKEUP else "志愿服务"
        key = (entry.service_date.year, entry.service_date.month, label, entry.node.name)
        group = grouped.get(key)
        if group is None:
            group = grouped[key] = {"date": entry.service_date.isoformat(), "project": label, "node": entry.node.name,
                                    "hours": Decimal(0), "count": 0}
            lines.append(group)
        group["hours"] += hours
        group["count"] += 1
        group["until"] = entry.service_date.isoformat()
    for line in lines:
        line["hours"] = str(line["hours"].quantize(Decimal("0.01")))
        if line.get("count") == 1:  # a single entry that month stays an ordinary dated line
            del line["count"], line["until"]
    if not lines:
        raise E.NO_HOURS.error(volunteer_no=volunteer.volunteer_no)
    if total != stats_total:
        raise E.TOTAL_MISMATCH.error(volunteer_no=volunteer.volunteer_no)
    last = max(line.get("until") or line["date"] for line in lines)
    return _Snapshot(lines, total, dt.date.fromisoformat(lines[0]["date"]), dt.date.fromisoformat(last))


def _check_may_issue(actor, volunteer, node) -> None:
    scope = scope_for(actor)
    own = scope.user_id is not None and volunteer.user_id == scope.user_id
    if scope.allows(Perm.VOLUNTEER_VIEW, volunteer.home_node.path):
        if not scope.allows(Perm.VOLUNTEER_VIEW, node.path):
            raise CoreError.NOT_FOUND.error()  # issuing in the name of a node out of scope
        return
    if own and node.pk == volunteer.home_node_id:
        return
    raise CoreError.NOT_FOUND.error()


# --- writes ------------------------------------------------------------------------------

def certificate_issue(*, actor, volunteer, node=None) -> Certificate:
    """One certificate over the volunteer's whole ledger; node defaults to the home node."""
    return certificate_issue_batch(actor=actor, volunteers=[volunteer], node=node)[0]


def certificate_issue_own(*, actor, volunteer) -> tuple[Certificate, bool]:
    """A volunteer asks for their certificate: a new one, or (False) the latest valid one when
    it already covers every hour. The stats row is locked first, so a double tap waits for
    the first and then reuses its certificate instead of taking another number."""
    with transaction.atomic():
        VolunteerStats.objects.get_or_create(volunteer=volunteer)
        total = VolunteerStats.objects.select_for_update().get(pk=volunteer.pk).total_hours
        latest = (Certificate.objects.filter(volunteer=volunteer, revoked_at__isnull=True)
                  .order_by("-issued_at", "-id").first())
        if latest is not None and latest.total_hours == total:
            return latest, False
        return certificate_issue(actor=actor, volunteer=volunteer), True


def certificate_issue_batch(*, actor, volunteers: Iterable, node=None) -> list[Certificate]:
    """Certificates for many volunteers in one transaction: all or none.

    Three queries read the ledgers and totals of the whole batch; numbers are reserved as one
    range; certificates and audit rows are bulk-inserted."""
    volunteers = list(volunteers)
    if len(volunteers) > BATCH_LIMIT:
        raise E.BATCH_SIZE.error(limit=BATCH_LIMIT)
    if not volunteers:
        return []
    for vol in volunteers:
        _check_may_issue(actor, vol, node or vol.home_node)
    ids = [v.pk for v in volunteers]
    records: dict[int, list[ServiceRecord]] = defaultdict(list)
    for r in (ServiceRecord.objects.filter(volunteer_id__in=ids).select_related("project", "node")
              .order_by("service_date", "id")):
        records[r.volunteer_id].append(r)
    totals = {s.pk: s.total_hours for s in VolunteerStats.objects.filter(pk__in=ids)}
    snapshots = [_snapshot(v, records[v.pk], totals.get(v.pk, Decimal(0))) for v in volunteers]
    now = timezone.now()
    year = timezone.localtime(now).year
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        first = counter_take(f"service_certificate:{year}", len(volunteers))
        certs = [
            Certificate(number=f"{NUMBER_PREFIX}{year}{first + i:08d}", volunteer=vol,
                        node=node or vol.home_node, issued_at=now, issued_by=actor_user,
                        total_hours=snap.total, period_from=snap.period_from, period_to=snap.period_to,
                        verify_code=secrets.token_urlsafe(16), lines=snap.lines)
            for i, (vol, snap) in enumerate(zip(volunteers, snapshots, strict=True))
        ]
        certs = Certificate.objects.bulk_create(certs)
        if any(c.pk is None for c in certs):  # backends without RETURNING ids
            by_number = dict(Certificate.objects.filter(number__in=[c.number for c in certs])
                             .values_list("number", "pk"))
            for c in certs:
                c.pk = by_number[c.number]
        AuditEntry.objects.bulk_create([
            audit_entry(actor=actor, action="certificate.issue", obj=c, node_path=c.volunteer.home_node.path,
                        changes={"number": c.number, "total_hours": str(c.total_hours), "node": c.node_id})
            for c in certs
        ])
    return certs


def certificate_revoke(*, actor, certificate: Certificate, reason: str = "") -> Certificate:
    """Staff who may edit the volunteer revoke; the public page then shows 已作废."""
    if not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, certificate.volunteer.home_node.path):
        certificate_get_for_actor(actor=actor, certificate_id=certificate.pk)  # 404 when not visible
        raise CoreError.FORBIDDEN.error()
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor, revoke_reason=reason.strip()[:200])
        if not updated:
            raise E.REVOKED.error()
        audit_record(actor=actor, action="certificate.revoke", obj=certificate,
                     node_path=certificate.volunteer.home_node.path, changes={"reason": reason.strip()[:200]})
    certificate.refresh_from_db()
    return certificate


# --- rendering ---------------------------------------------------------------------------

def certificate_data(certificate: Certificate, base_url: str = "") -> CertificateData:
    """What the PDF prints. `base_url` is the site's address for the QR link (site_url(request))."""
    vol = certificate.volunteer
    services = [ServiceLine(date=dt.date.fromisoformat(line["date"]), project=line["project"],
                            organiser=line["node"], hours=Decimal(line["hours"]),
                            until=dt.date.fromisoformat(line["until"]) if line.get("until") else None,
                            count=int(line.get("count") or 1))
                for line in certificate.lines]
    return CertificateData(
        certificate_no=certificate.number, volunteer_name=vol.name, id_number_masked=vol.id_number_masked,
        volunteer_no=vol.volunteer_no, total_hours=certificate.total_hours, services=services,
        issuing_node=certificate.node.name, issued_on=timezone.localtime(certificate.issued_at).date(),
        verify_url=verify_url(certificate, base_url), honours=certificate_honours(certificate))


STAR_NAMES = "一二三四五六七八九"


def certificate_honours(certificate: Certificate) -> list[str]:
    """What the certificate names besides the hours, as of the day it was issued (so every
    download says the same): the star level its certified hours reach (星级志愿者), and the
    honours announced by then (先进典型, e.g. a 星级志愿者 or 优秀志愿者 campaign)."""
    lines = []
    level = star_level_for(certificate.total_hours)
    if level:
        name = STAR_NAMES[level - 1] if level <= len(STAR_NAMES) else str(level)
        lines.append(f"{name}星级志愿者（累计服务时长达到 {settings.STAR_THRESHOLDS[level - 1]} 小时）")
    return lines + certificate_honour_lines(certificate.volunteer, as_of=certificate.issued_at)


def certificate_pdf(certificate: Certificate, base_url: str = "") -> bytes:
    if certificate.is_revoked:
        raise E.REVOKED.error()
    with _font_needed():
        return render_certificate(certificate_data(certificate, base_url))


def certificate_batch_zip(certificates: Iterable[Certificate], out_path, base_url: str = "") -> int:
    """A batch as one zip, one PDF each (rendered one at a time: memory stays flat)."""
    items: Iterator[CertificateData] = (certificate_data(c, base_url) for c in certificates if not c.is_revoked)
    with _font_needed():
        return render_certificates(items, out_path)


@contextmanager
def _font_needed():
    """A server without the CJK font is an operator's problem: the user gets a Chinese message
    with a stable code (and the log says which font was looked for), never a server error."""
    try:
        yield
    except CJKFontError as exc:
        logger.error("certificate font unusable: %s", exc)
        raise E.FONT_MISSING.error() from None


# --- reads -------------------------------------------------------------------------------

def certificate_visibility_q(actor) -> Q:
    """Staff over the volunteer's home node or over the issuing node; the volunteer their own."""
    scope = scope_for(actor)
    if scope.user_id is None:
        return NOTHING
    return (scope.q(Perm.VOLUNTEER_VIEW, "volunteer__home_node__path") | scope.q(Perm.VOLUNTEER_VIEW, "node__path")
            | Q(volunteer__user_id=scope.user_id))


def certificate_list_for_actor(*, actor, volunteer_id: int | None = None) -> QuerySet:
    qs = Certificate.objects.filter(certificate_visibility_q(actor)).select_related("volunteer__home_node", "node")
    if volunteer_id:
        qs = qs.filter(volunteer_id=volunteer_id)
    return qs


def certificate_get_for_actor(*, actor, certificate_id: int) -> Certificate:
    cert = certificate_list_for_actor(actor=actor).filter(pk=certificate_id).first()
    if cert is None:
        raise CoreError.NOT_FOUND.error()
    return cert


def certificate_by_code(code: str) -> Certificate | None:
    """Public lookup by verification code; malformed and unknown alike give None."""
    code = (code or "").strip()
    if not (10 <= len(code) <= 32) or not all(ch.isalnum() or ch in "-_" for ch in code):
        return None
    return Certificate.objects.select_related("volunteer", "node").filter(verify_code=code).first()


def certificate_by_number(number: str, *, volunteer_no: str) -> Certificate | None:
    """Public lookup by the typed certificate number together with the volunteer number
    printed on the certificate (a number alone would let anyone walk the sequence)."""
    number = (number or "").strip().upper()
    volunteer_no = (volunteer_no or "").strip().upper()
    if not (len(number) == 14 and number.startswith(NUMBER_PREFIX) and number[2:].isdigit()) or not volunteer_no:
        return None
    return (Certificate.objects.select_related("volunteer", "node")
            .filter(number=number, volunteer__volunteer_no=volunteer_no).first())


def public_fields(cert: Certificate) -> dict:
    """What anyone may learn from a certificate: never the ID number, phone or full name."""
    return {"number": cert.number, "valid": not cert.is_revoked, "status": "已作废" if cert.is_revoked else "有效",
            "volunteer_name": mask_name(cert.volunteer.name), "volunteer_no": cert.volunteer.volunteer_no,
            "node_name": cert.node.name, "issued_on": timezone.localtime(cert.issued_at).date(),
            "total_hours": cert.total_hours, "period_from": cert.period_from, "period_to": cert.period_to,
            "revoked_on": timezone.localtime(cert.revoked_at).date() if cert.revoked_at else None}
