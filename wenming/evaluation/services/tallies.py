"""Keeping the unit tallies (models/scores.py) in step with findings and material reviews.

Every change goes through `tally_add` in the writer's transaction: an insert that ignores
an existing row, then one conditional-free `UPDATE … SET x = x + delta` (no read-modify-
write, so concurrent writers add up). `tallies_from_rows` recomputes them from the raw
rows; `tallies_rebuild` replaces them (`wenming manage evaluation_rebuild`).
"""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum

from ..board_cache import campaign_changed, unit_changed
from ..models import LIVE, Campaign, Finding, FindingStatus, Material, MaterialStatus, UnitTally

FIELDS = ("deducted", "findings", "live", "overdue", "repeats")


def tally_add(*, campaign_id: int, unit_id: int | None, indicator_id: int, **deltas) -> None:
    if unit_id is None:
        return
    changes = {k: F(k) + v for k, v in deltas.items() if v}
    if not changes:
        return
    UnitTally.objects.bulk_create([UnitTally(campaign_id=campaign_id, unit_id=unit_id, indicator_id=indicator_id)],
                                  ignore_conflicts=True)
    UnitTally.objects.filter(campaign_id=campaign_id, unit_id=unit_id, indicator_id=indicator_id).update(**changes)
    unit_changed(campaign_id, unit_id)


def finding_tally(finding: Finding, sign: int, *, counted: bool = True, live: bool = False,
                  overdue: bool = False) -> None:
    """Add (+1) or take away (−1) a finding's share of its lead unit's tally."""
    deltas = {"live": sign if live else 0, "overdue": sign if overdue else 0}
    if counted:
        deltas |= {"deducted": sign * finding.points, "findings": sign,
                   "repeats": sign if finding.repeat_of_id else 0}
    tally_add(campaign_id=finding.campaign_id, unit_id=finding.lead_unit_id, indicator_id=finding.indicator_id,
              **deltas)


def material_tally(material: Material) -> None:
    """The unit's material score for the indicator is its latest scored material's."""
    UnitTally.objects.bulk_create([UnitTally(campaign_id=material.campaign_id, unit_id=material.unit_id,
                                             indicator_id=material.indicator_id)], ignore_conflicts=True)
    UnitTally.objects.filter(campaign_id=material.campaign_id, unit_id=material.unit_id,
                             indicator_id=material.indicator_id).update(material_score=material.score)
    unit_changed(material.campaign_id, material.unit_id)


Key = tuple[int, int, int]  # campaign, unit, indicator


def tallies_from_rows(campaign_id: int | None = None) -> dict[Key, dict]:
    out: dict[Key, dict] = defaultdict(lambda: {f: 0 for f in FIELDS} | {"material_score": None})
    findings = Finding.objects.filter(lead_unit__isnull=False)
    materials = Material.objects.filter(status=MaterialStatus.SCORED)
    if campaign_id is not None:
        findings, materials = findings.filter(campaign_id=campaign_id), materials.filter(campaign_id=campaign_id)
    rows = (findings.values("campaign_id", "lead_unit_id", "indicator_id").order_by()
            .annotate(deducted=Sum("points", filter=~Q(status=FindingStatus.WITHDRAWN)),
                      findings=Count("id", filter=~Q(status=FindingStatus.WITHDRAWN)),
                      live=Count("id", filter=Q(status__in=LIVE)),
                      overdue=Count("id", filter=Q(status__in=LIVE, overdue=True)),
                      repeats=Count("id", filter=Q(repeat_of__isnull=False) & ~Q(status=FindingStatus.WITHDRAWN))))
    for row in rows:
        key = (row["campaign_id"], row["lead_unit_id"], row["indicator_id"])
        out[key].update({f: row[f] or 0 for f in FIELDS})
    latest: dict[Key, tuple] = {}
    for m in materials.values("campaign_id", "unit_id", "indicator_id", "score", "reviewed_at", "id"):
        key = (m["campaign_id"], m["unit_id"], m["indicator_id"])
        if key not in latest or (m["reviewed_at"], m["id"]) > latest[key][:2]:
            latest[key] = (m["reviewed_at"], m["id"], m["score"])
    for key, (_, _, score) in latest.items():
        out[key]["material_score"] = score
    return {k: {f: (Decimal(str(v)) if f == "deducted" else v) for f, v in vals.items()} for k, vals in out.items()}


def tallies_kept(campaign_id: int | None = None) -> dict[Key, dict]:
    qs = UnitTally.objects.all() if campaign_id is None else UnitTally.objects.filter(campaign_id=campaign_id)
    out = {}
    for t in qs:
        vals = {f: getattr(t, f) for f in FIELDS} | {"material_score": t.material_score}
        if any(vals[f] for f in FIELDS) or t.material_score is not None:
            out[(t.campaign_id, t.unit_id, t.indicator_id)] = vals
    return out


def tallies_differences(campaign_id: int | None = None) -> list:
    want = {k: v for k, v in tallies_from_rows(campaign_id).items()
            if any(v[f] for f in FIELDS) or v["material_score"] is not None}
    have = tallies_kept(campaign_id)
    return sorted((k, have.get(k), want.get(k)) for k in set(want) | set(have) if have.get(k) != want.get(k))


def tallies_rebuild(campaign_id: int | None = None) -> int:
    with transaction.atomic():
        rows = tallies_from_rows(campaign_id)
        qs = UnitTally.objects.all() if campaign_id is None else UnitTally.objects.filter(campaign_id=campaign_id)
        qs.delete()
        UnitTally.objects.bulk_create(
            [UnitTally(campaign_id=c, unit_id=u, indicator_id=i, **vals) for (c, u, i), vals in rows.items()],
            batch_size=1000)
        ids = [campaign_id] if campaign_id is not None else Campaign.objects.values_list("pk", flat=True)
        for pk in ids:
            campaign_changed(pk)
    return len(rows)
